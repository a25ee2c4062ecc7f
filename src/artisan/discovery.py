"""Finding OpenAI-compatible servers on this machine, and listing a server's models.

Ollama, LM Studio, llama.cpp's server, vLLM and Jan each listen on a well-known port and serve
`GET /v1/models`. Probing them all at once, with a short timeout, tells in well under a second
what can write prompts here without a key. Probes are asynchronous (the SDK's HTTP client,
imported on first use), so a screen can run them without blocking its event loop.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from artisan.errors import ArtisanError

PROBE_TIMEOUT = 0.8
"""Seconds a well-known port gets to answer: a local server answers in milliseconds."""
LIST_TIMEOUT = 10.0
HOST = "127.0.0.1"


@dataclass(frozen=True)
class KnownServer:
    """A kind of local server and the port it listens on by default."""

    name: str
    port: int
    probe: str = "/v1/models"
    """What it is asked: a chat server's model list, or an image server's own path."""


WELL_KNOWN: tuple[KnownServer, ...] = (
    KnownServer("Ollama", 11434),
    KnownServer("LM Studio", 1234),
    KnownServer("llama.cpp", 8080),
    KnownServer("vLLM", 8000),
    KnownServer("Jan", 1337),
)
"""The ports probed by `find_local_servers` (tests replace this table)."""

IMAGE_SERVERS: tuple[KnownServer, ...] = (
    KnownServer("AUTOMATIC1111", 7860, "/sdapi/v1/sd-models"),
    KnownServer("ComfyUI", 8188, "/object_info/CheckpointLoaderSimple"),
)
"""Stable Diffusion servers, found the same way (`find_local_servers(IMAGE_SERVERS)`); their
address is the server's root, as `image.base_url` takes it."""


@dataclass(frozen=True)
class FoundServer:
    """A server that answered with a model list."""

    name: str
    base_url: str
    models: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "base_url": self.base_url, "models": list(self.models)}


class ModelListError(ArtisanError):
    """A server's model list could not be read."""


async def find_local_servers(
    servers: Sequence[KnownServer] | None = None,
    *,
    host: str = HOST,
    timeout: float = PROBE_TIMEOUT,
) -> list[FoundServer]:
    """The servers among `servers` (default `WELL_KNOWN`) that answer with a model list.

    All ports are probed at once; one that refuses, stays silent past `timeout` or answers with
    anything but a model list is left out.
    """
    import httpx2

    servers = WELL_KNOWN if servers is None else servers
    # Proxies from the environment must not see (or swallow) requests to this machine.
    async with httpx2.AsyncClient(timeout=timeout, trust_env=False) as client:
        answers = await asyncio.gather(*(_probe(client, server, host) for server in servers))
    return [found for found in answers if found is not None]


async def list_models(
    base_url: str, api_key: str | None = None, *, timeout: float = LIST_TIMEOUT
) -> list[str]:
    """The model ids a configured server offers (for choosing a model from a list).

    Raises:
        ModelListError: the server cannot be reached, refuses, or answers with something else.
    """
    import httpx2

    url = base_url.rstrip("/") + "/models"
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    local = any(name in base_url for name in ("://127.", "://localhost", "://[::1]"))
    try:
        async with httpx2.AsyncClient(timeout=timeout, trust_env=not local) as client:
            response = await client.get(url, headers=headers)
    except httpx2.TimeoutException:
        raise ModelListError(f"{url} did not answer within {timeout:g} seconds.") from None
    except httpx2.HTTPError as error:
        raise ModelListError(
            f"Cannot connect to {url} ({error.__class__.__name__}): is the server running?"
        ) from None
    if response.status_code in (401, 403):
        raise ModelListError(
            f"{url} refused the request ({response.status_code}): check the API key."
        )
    if response.status_code != 200:
        raise ModelListError(
            f"{url} answered {response.status_code}; it may not list its models. "
            "Type the model's name instead."
        )
    models = model_ids(response.content)
    if models is None:
        raise ModelListError(f"{url} answered, but not with a list of models.")
    return list(models)


def model_ids(body: bytes) -> tuple[str, ...] | None:
    """The ids in an OpenAI `/v1/models` answer, or None when the body is not one."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        return None
    ids = []
    for model in data["data"]:
        if not isinstance(model, dict) or not isinstance(model.get("id"), str):
            return None
        ids.append(model["id"])
    return tuple(ids)


async def _probe(client: Any, server: KnownServer, host: str) -> FoundServer | None:
    import httpx2

    chat = server.probe == "/v1/models"
    base_url = f"http://{host}:{server.port}" + ("/v1" if chat else "")
    try:
        response = await client.get(f"http://{host}:{server.port}{server.probe}")
    except httpx2.HTTPError:
        return None
    if response.status_code != 200:
        return None
    if not chat:
        try:
            answer = json.loads(response.content[: 4 * 1024 * 1024])
        except (ValueError, RecursionError):
            return None  # another program on the port: not a Stable Diffusion server
        if not isinstance(answer, list | dict):
            return None
        return FoundServer(name=server.name, base_url=base_url, models=())
    models = model_ids(response.content)
    if models is None:
        return None
    return FoundServer(name=server.name, base_url=base_url, models=models)
