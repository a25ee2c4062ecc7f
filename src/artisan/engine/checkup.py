"""Whether the chat server in use would write a prompt now, found out within a deadline.

`artisan doctor` asks here. The server is reached as a prompt would reach it: its model list
(with the key the chat engine sends), what it says of itself (llama.cpp's `/props`: slots and
context), then a one-token request for the configured model through the chat engine itself, so
a failure is told in the same words `artisan prompt` would use. Everything together has one
deadline: a server that trickles its answer, or never answers, costs seconds, not minutes.

A definite failure (nothing listening, the key refused, the model unknown) is a `problem`: the
main job would fail. A slow answer is only a note: a local server may be loading the model.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from artisan.connection import ApiError, ConnectionFailed, RequestTimedOut, server_name
from artisan.connection.server import OPENAI_URL
from artisan.discovery import (
    NOT_JSON,
    WELL_KNOWN,
    client_for,
    get_json,
    model_ids,
    owners,
    server_root,
)

if TYPE_CHECKING:
    from artisan.config import Settings

DEADLINE = 3.5
"""Seconds the whole check may take."""


@dataclass
class ServerCheck:
    """What the check found; filled in as it goes, so a check cut by the deadline still says
    what it had found."""

    url: str
    model: str
    kind: str = ""
    """"llama.cpp's server", "vLLM", "OpenAI", ...; empty when the server does not say."""
    reached: bool = False
    models: tuple[str, ...] | None = None
    """The ids it lists; None when it lists none (or was not reached)."""
    slots: int | None = None
    context: int | None = None
    answered: bool | None = None
    """The one-token request: answered, failed (`problem` says how), or None (not tried)."""
    problem: str = ""
    """Why a prompt would fail now, for a person; empty when nothing says it would."""
    notes: list[str] = field(default_factory=list)
    """What is worth knowing but does not stop prompts."""

    @property
    def ok(self) -> bool:
        return not self.problem

    @property
    def model_listed(self) -> bool | None:
        return None if self.models is None else self.model in self.models

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "kind": self.kind,
            "reached": self.reached,
            "models": None if self.models is None else list(self.models),
            "model": self.model,
            "model_listed": self.model_listed,
            "slots": self.slots,
            "context": self.context,
            "answered": self.answered,
            "problem": self.problem,
            "notes": list(self.notes),
        }


async def check_server(settings: Settings, deadline: float = DEADLINE) -> ServerCheck:
    """Reach the configured chat server and ask it for one token, all within `deadline`."""
    url = settings.base_url or OPENAI_URL
    check = ServerCheck(url=url, model=settings.model, kind=_kind_by_address(settings))
    try:
        async with asyncio.timeout(deadline):
            await _look(settings, check, deadline)
    except TimeoutError:
        if not check.reached:
            check.problem = (
                f"{server_name(settings)} did not answer within {deadline:g} seconds: is it "
                "running, and is `base_url` its address?"
            )
        else:
            check.notes.append(
                f"{check.model} did not write its first token within {deadline:g} seconds "
                "(a local server may still be loading it)."
            )
    return check


async def _look(settings: Settings, check: ServerCheck, deadline: float) -> None:
    import httpx2

    from artisan.engine.chat import Engine

    # The engine's own wait is longer than the deadline, which ends the check first.
    engine = Engine(replace(settings, max_tokens=1, max_retries=0, timeout=deadline + 1))
    props_asked = asyncio.ensure_future(engine.props())
    try:
        try:
            async with client_for(check.url, deadline) as client:
                status, body = await get_json(
                    client, check.url.rstrip("/") + "/models", settings.api_key
                )
        except httpx2.HTTPError as error:
            check.problem = (
                f"Cannot connect to {check.url} ({error.__class__.__name__}): is the server "
                "running, and is `base_url` its address?"
            )
            return
        check.reached = True
        _take_models(check, status, body)
        if status in (401, 403):
            check.problem = (
                f"{server_name(settings)} refused the key ({status}): set the right one with "
                "`artisan config set api_key ...` (or OPENAI_API_KEY)."
            )
            return
        props = await props_asked
        if props is not None:
            check.kind = "llama.cpp's server"
            check.slots, check.context = props.slots, props.context
        await _one_token(engine, check)
    finally:
        props_asked.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await props_asked
        await engine.aclose()


def _take_models(check: ServerCheck, status: int, body: object) -> None:
    if status != 200 or body is NOT_JSON:
        check.notes.append(f"The server lists no models (it answered {status} at /models).")
        return
    check.models = model_ids(body)
    listed_by = owners(body)
    if "llamacpp" in listed_by:
        check.kind = "llama.cpp's server"
    elif "vllm" in listed_by:
        check.kind = "vLLM"


async def _one_token(engine: Any, check: ServerCheck) -> None:
    """Ask for one token, as a prompt would be asked for."""
    messages = [{"role": "user", "content": "Say OK."}]
    try:
        await engine.complete(messages, lambda text: None, max_tokens=1)
    except RequestTimedOut:
        raise TimeoutError from None  # told as a slow model, not as a failure
    except ApiError as error:
        check.answered = False
        check.problem = str(error)
        if isinstance(error, ConnectionFailed):
            check.reached = False
        return
    check.answered = True


def _kind_by_address(settings: Settings) -> str:
    """The server's kind as its address suggests, until it says more."""
    if settings.uses_openai:
        return "OpenAI"
    root = server_root(settings.base_url or "")
    for known in WELL_KNOWN:
        if root.endswith(f":{known.port}"):
            return f"{known.name} (by its port)"
    return ""
