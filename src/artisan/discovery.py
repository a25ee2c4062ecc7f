"""Finding OpenAI-compatible servers on this machine, and asking a server about itself.

Ollama, LM Studio, llama.cpp's server, vLLM and Jan each listen on a well-known port and serve
`GET /v1/models`. Probing them all at once tells in well under a second what can write prompts
here without a key. llama.cpp's server also answers `GET /props` with how many requests it
serves at once (`total_slots`) and the context of each (`n_ctx`): the chat engine asks before
sending variations, and `artisan doctor` reports it.

Whatever answers on a port is a stranger: every request has a deadline for the whole answer
(not only for each read, which a server sending one byte a second never trips), no more than
`MAX_ANSWER_BYTES` is read, and the JSON's nesting is checked before it is parsed. Probes are
asynchronous (the HTTP client is imported on first use), so a screen can run them without
blocking its event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from artisan.errors import ArtisanError
from artisan.files import MIB, FileProblem, Limits, parse_json

PROBE_TIMEOUT = 0.8
"""Seconds a well-known port gets to answer in full: a local server answers in milliseconds."""
LIST_TIMEOUT = 10.0
PROPS_TIMEOUT = 2.0
"""Seconds `/props` gets; a server that does not answer by then is taken for one without it."""
HOST = "127.0.0.1"
MAX_ANSWER_BYTES = 4 * MIB
"""More than this is not a model list (a thousand models take about 200 KB)."""
ANSWER = Limits("the server's answer", MAX_ANSWER_BYTES, 16)
_MAX_NAME = 256
"""Longer model ids are not believed."""
NOT_JSON = object()
"""What `get_json` gives for a body that is not JSON, or too big or too deep to read."""


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


@dataclass(frozen=True)
class ServerProps:
    """What llama.cpp's server says of itself at `GET /props`."""

    slots: int
    """Requests it writes at once (`total_slots`); more wait in its queue, sent nothing."""
    context: int | None
    """Tokens of context each slot holds (`n_ctx`): the prompt and the answer together."""


class ModelListError(ArtisanError):
    """A server's model list could not be read."""


async def find_local_servers(
    servers: Sequence[KnownServer] | None = None,
    *,
    host: str = HOST,
    timeout: float = PROBE_TIMEOUT,
) -> list[FoundServer]:
    """The servers among `servers` (default `WELL_KNOWN`) that answer with a model list.

    All ports are probed at once, and the whole survey ends within `timeout`: a port that
    refuses, is still answering by then, or answers with anything but a model list is left out.
    """
    import httpx2

    servers = WELL_KNOWN if servers is None else servers
    # Proxies from the environment must not see (or swallow) requests to this machine.
    async with httpx2.AsyncClient(timeout=timeout, trust_env=False) as client:
        answers = await asyncio.gather(
            *(_probe(client, server, host, timeout) for server in servers)
        )
    return [found for found in answers if found is not None]


async def list_models(
    base_url: str, api_key: str | None = None, *, timeout: float = LIST_TIMEOUT
) -> list[str]:
    """The model ids a configured server offers (for choosing a model from a list).

    Raises:
        ModelListError: the server cannot be reached, refuses, answers with something else, or
            has not answered in full within `timeout`.
    """
    import httpx2

    url = base_url.rstrip("/") + "/models"
    try:
        async with client_for(base_url, timeout) as client:
            status, body = await asyncio.wait_for(get_json(client, url, api_key), timeout)
    except TimeoutError:
        raise ModelListError(f"{url} did not answer within {timeout:g} seconds.") from None
    except httpx2.HTTPError as error:
        raise ModelListError(
            f"Cannot connect to {url} ({error.__class__.__name__}): is the server running?"
        ) from None
    if status in (401, 403):
        raise ModelListError(f"{url} refused the request ({status}): check the API key.")
    if status != 200:
        raise ModelListError(
            f"{url} answered {status}; it may not list its models. Type the model's name instead."
        )
    models = model_ids(body)
    if models is None:
        raise ModelListError(f"{url} answered, but not with a list of models.")
    return list(models)


async def read_props(
    base_url: str, api_key: str | None = None, *, timeout: float = PROPS_TIMEOUT
) -> ServerProps | None:
    """What llama.cpp's server at `base_url` says of itself, or None from any other server
    (or one that did not answer in full within `timeout`)."""
    import httpx2

    url = server_root(base_url) + "/props"
    try:
        async with client_for(base_url, timeout) as client:
            status, body = await asyncio.wait_for(get_json(client, url, api_key), timeout)
    except (TimeoutError, httpx2.HTTPError):
        return None
    return props_from(body) if status == 200 else None


def props_from(body: object) -> ServerProps | None:
    """`ServerProps` from a parsed `/props` answer, or None when it is not llama.cpp's."""
    if type(body) is not dict:
        return None
    slots = body.get("total_slots")
    if type(slots) is not int or not 1 <= slots <= 1024:
        return None
    settings = body.get("default_generation_settings")
    context = settings.get("n_ctx") if type(settings) is dict else None
    if type(context) is not int or not 0 < context <= 100_000_000:
        context = None
    return ServerProps(slots, context)


def server_root(base_url: str) -> str:
    """The server's own address: `base_url` without the API's `/v1`."""
    root = base_url.rstrip("/")
    return root[: -len("/v1")] if root.endswith("/v1") else root


def model_ids(body: object) -> tuple[str, ...] | None:
    """The ids in an OpenAI `/v1/models` answer (parsed JSON, or its bytes), or None when it is
    not one."""
    if isinstance(body, bytes | str):
        body = _parse(body.encode() if isinstance(body, str) else body)
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        return None
    ids = []
    for model in body["data"]:
        if not isinstance(model, dict) or not isinstance(model.get("id"), str):
            return None
        if len(model["id"]) <= _MAX_NAME:
            ids.append(model["id"])
    return tuple(ids)


def owners(body: object) -> set[str]:
    """The `owned_by` values of a parsed `/v1/models` answer: some servers name themselves
    there (llama.cpp's says "llamacpp", vLLM's "vllm")."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        return set()
    return {
        model["owned_by"]
        for model in body["data"]
        if isinstance(model, dict) and isinstance(model.get("owned_by"), str)
    }


# Reading an answer ---------------------------------------------------------------------------


def client_for(base_url: str, timeout: float) -> Any:
    """An HTTP client for one server: proxies from the environment are used for servers
    elsewhere, never for this machine."""
    import httpx2

    local = any(name in base_url for name in ("://127.", "://localhost", "://[::1]"))
    return httpx2.AsyncClient(timeout=timeout, trust_env=not local)


async def get_json(client: Any, url: str, api_key: str | None) -> tuple[int, object]:
    """The status and the parsed body of `GET url`, reading no more than `MAX_ANSWER_BYTES`
    (a body that is not JSON, or is too big or too deep, is `NOT_JSON`). The caller bounds
    the time: a server may send one byte a second."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    async with client.stream("GET", url, headers=headers) as response:
        if response.status_code != 200:
            return response.status_code, NOT_JSON
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                return response.status_code, NOT_JSON
    return response.status_code, _parse(b"".join(chunks))


def _parse(body: bytes) -> object:
    try:
        return parse_json(body, "the answer", ANSWER)
    except FileProblem:
        return NOT_JSON


async def _probe(client: Any, server: KnownServer, host: str, timeout: float) -> FoundServer | None:
    import httpx2

    chat = server.probe == "/v1/models"
    base_url = f"http://{host}:{server.port}" + ("/v1" if chat else "")
    url = f"http://{host}:{server.port}{server.probe}"
    try:
        status, body = await asyncio.wait_for(get_json(client, url, None), timeout)
    except (TimeoutError, httpx2.HTTPError):
        return None
    if status != 200:
        return None
    if not chat:
        if not isinstance(body, list | dict):
            return None  # another program on the port: not a Stable Diffusion server
        return FoundServer(name=server.name, base_url=base_url, models=())
    models = model_ids(body)
    if models is None:
        return None
    return FoundServer(name=server.name, base_url=base_url, models=models)
