"""OpenAI's GPT Image models (and compatible servers): `images.generate` and `images.edit`
through the SDK, with streamed partial previews.

Only a request that `validate` accepted is sent, so nothing the model cannot serve leaves the
machine. With `previews`, the answer streams: each partial image is told as it arrives
(`Stage.PREVIEW`), then the finished ones. An edit sends its pictures (the first one is changed,
the others are references) and an optional mask, as the form `images.edit` takes.

Retries follow the `max_retries` setting for rate limits and server errors, but never after a
timeout or a dropped connection: the server may still be drawing (and billing) the first image.
Cancelling the task closes the HTTP connection, which tells the server to stop.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from artisan import files
from artisan.config import replace_settings
from artisan.connection import (
    ApiError,
    ConnectionDropped,
    MissingKeyError,
    ModelNotFound,
    RequestTimedOut,
    build_client,
    image_timeout,
    retry_delay,
    translate,
)
from artisan.connection.server import OPENAI_URL
from artisan.errors import ArtisanError
from artisan.images.prices import flat_usage
from artisan.images.renderers import Choices, ImageServer
from artisan.images.rendering import (
    ProgressCallback,
    Rendered,
    RenderProgress,
    Stage,
    allowed_hosts,
    receive,
    tell,
)

if TYPE_CHECKING:
    from openai import AsyncOpenAI

    from artisan.config import Settings
    from artisan.images.models import CheckedRequest

PICTURE = files.Limits("a picture to edit", 50 * files.MIB, 1)
"""OpenAI takes pictures of up to 50 MB for an edit."""


class PictureError(ArtisanError):
    """A picture given to an edit cannot be read; nothing was sent."""


class OpenAIRenderer:
    """Renders with OpenAI's images API, or a server that speaks it."""

    provider = "openai"

    def __init__(self, settings: Settings, server: ImageServer, retry_base: float = 0.5) -> None:
        self.server = server
        # The connection package builds clients and words errors from settings: give it the
        # image connection's address and key, never chat's.
        self.settings = replace_settings(
            settings,
            base_url=None if server.base_url == OPENAI_URL else server.base_url,
            api_key=server.api_key,
        )
        self.retry_base = retry_base
        self._client: AsyncOpenAI | None = None

    @property
    def name(self) -> str:
        return self.server.name

    async def render(
        self, checked: CheckedRequest, *, on_progress: ProgressCallback | None = None
    ) -> Rendered:
        request = checked.request
        settings = replace_settings(self.settings, image_model=request.model)
        upload = await asyncio.to_thread(read_pictures, checked) if request.is_edit else {}
        try:
            client = self._client or build_client(settings)
        except MissingKeyError:
            raise MissingKeyError(
                "Images render with OpenAI, and no OpenAI key is set: export "
                "OPENAI_API_KEY=sk-..., or `artisan config set image.api_key sk-...`; or render "
                "on your own Stable Diffusion server (`artisan config set image.provider "
                "automatic1111`). Nothing was sent."
            ) from None
        self._client = client
        body = request_body(checked)
        if upload:
            body.update(upload)
        answer = await _send(client, body, checked, settings, on_progress, self.retry_base)
        items, usage, record = answer
        if request.is_edit:
            record = {**record, "instruction": request.prompt, "edited_from": request.inputs[0]}
        return await receive(
            items,
            checked,
            server=self.name,
            usage=usage,
            hosts=allowed_hosts(self.server.base_url),
            timeout=image_timeout(settings),
            on_progress=on_progress,
            record=record,
        )

    async def choices(self) -> Choices:
        return Choices()  # OpenAI's models are the table's

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None


def request_body(checked: CheckedRequest) -> dict[str, Any]:
    """The fields sent to `images.generate` (or `images.edit`) for a checked request.

    Options left at None are not sent, so the model's defaults apply; `n` is sent only when it
    is not 1, which servers that know no `n` (Ollama) accept too. `response_format` is sent only
    to models that take it: GPT Image models refuse it.
    """
    request = checked.request
    body: dict[str, Any] = {"model": request.model, "prompt": request.prompt}
    if request.n != 1:
        body["n"] = request.n
    for key in ("size", "quality", "style", "background", "output_format"):
        value = getattr(request, key)
        if value is not None:
            body[key] = value
    if checked.model is not None and checked.model.response_format is not None:
        body["response_format"] = checked.model.response_format
    if request.previews:
        body["stream"] = True
        body["partial_images"] = request.previews
    return body


def read_pictures(checked: CheckedRequest) -> dict[str, Any]:
    """The pictures of an edit, as `images.edit` takes them.

    Raises:
        PictureError: one cannot be read; nothing was sent.
    """
    request = checked.request
    pictures = [_picture(Path(path)) for path in request.inputs]
    upload: dict[str, Any] = {"image": pictures if len(pictures) > 1 else pictures[0]}
    if request.mask is not None:
        upload["mask"] = _picture(Path(request.mask))
    return upload


def _picture(path: Path) -> tuple[str, bytes, str]:
    from artisan.images.metadata import NotAnImage, inspect_image

    try:
        data = files.read_bytes(path, PICTURE)
        info = inspect_image(data)
    except FileNotFoundError:
        raise PictureError(f"There is no picture at {path}; nothing was sent.") from None
    except (files.FileProblem, NotAnImage) as error:
        raise PictureError(f"{path} cannot be sent: {error}. Nothing was sent.") from None
    if info.format not in ("png", "jpeg", "webp"):
        raise PictureError(
            f"{path} is a {info.format.upper()} picture; edits take PNG, JPEG or WebP. "
            "Nothing was sent."
        )
    return (path.name, data, f"image/{info.format}")


async def _send(
    client: AsyncOpenAI,
    body: dict[str, Any],
    checked: CheckedRequest,
    settings: Settings,
    on_progress: ProgressCallback | None,
    retry_base: float,
) -> tuple[list[dict[str, Any]], dict[str, int] | None, dict[str, Any]]:
    """Send the request (retrying what is worth it), and read the answer's images."""
    request = checked.request
    count = "an image" if request.n == 1 else f"{request.n} images"
    verb = "Editing" if request.is_edit else "Rendering"
    call = client.images.edit if request.is_edit else client.images.generate
    attempt = 0
    while True:
        tell(on_progress, Stage.REQUESTING, f"{verb} {count} with {request.model}…")
        try:
            answer = await call(**body, timeout=image_timeout(settings))
            if body.get("stream"):
                return await _streamed(answer, on_progress, request.n)
            return _whole(answer)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            failure = _explain_retired(translate(error, settings, what="image"), checked)
            delay = None
            if not isinstance(failure, RequestTimedOut | ConnectionDropped):
                delay = retry_delay(
                    error, failure, attempt, max_retries=settings.max_retries, base=retry_base
                )
            if delay is None:
                raise failure from None
            attempt += 1
            tell(
                on_progress,
                Stage.RETRYING,
                f"{failure.message} Retrying in {delay:.1f}s ({attempt}/{settings.max_retries}).",
                attempt,
                settings.max_retries,
            )
            await asyncio.sleep(delay)


def _whole(response: Any) -> tuple[list[dict[str, Any]], dict[str, int] | None, dict[str, Any]]:
    try:
        data = list(response.data or [])
    except TypeError:
        data = []
    items = [
        {
            "b64_json": getattr(item, "b64_json", None),
            "url": getattr(item, "url", None),
            "revised_prompt": getattr(item, "revised_prompt", None),
        }
        for item in data
    ]
    record = {
        key: value
        for key in ("quality", "background")
        if isinstance(value := getattr(response, key, None), str)
    }
    return items, flat_usage(getattr(response, "usage", None)), record


async def _streamed(
    stream: Any, on_progress: ProgressCallback | None, asked: int
) -> tuple[list[dict[str, Any]], dict[str, int] | None, dict[str, Any]]:
    """The finished images of a streamed answer; each partial one told as it arrives."""
    items: list[dict[str, Any]] = []
    usage: dict[str, int] = {}
    record: dict[str, Any] = {}
    async for event in stream:
        kind = getattr(event, "type", "")
        if kind.endswith(".partial_image"):
            index = getattr(event, "partial_image_index", 0)
            data = _preview_bytes(getattr(event, "b64_json", None))
            if data is not None and on_progress is not None:
                on_progress(
                    RenderProgress(
                        Stage.PREVIEW, f"Preview {index + 1} arrived…", index + 1, 0, data
                    )
                )
        elif kind.endswith(".completed"):
            items.append({"b64_json": getattr(event, "b64_json", None)})
            for key in ("quality", "background"):
                if isinstance(value := getattr(event, key, None), str):
                    record[key] = value
            for key, value in (flat_usage(getattr(event, "usage", None)) or {}).items():
                # Each finished image reports what it drew; what was sent is counted once.
                usage[key] = value if key.startswith("input") else usage.get(key, 0) + value
    if "total_tokens" in usage:
        usage["total_tokens"] = usage.get("input_tokens", 0) + usage.get("output_tokens", 0)
    return items, usage or None, record


def _preview_bytes(text: Any) -> bytes | None:
    import base64
    import binascii

    try:
        return base64.b64decode(text, validate=True) if isinstance(text, str) else None
    except (binascii.Error, ValueError):
        return None


def _explain_retired(failure: ApiError, checked: CheckedRequest) -> ApiError:
    """Say so when a model the server does not know is one that was retired."""
    model = checked.model
    gone = isinstance(failure, ModelNotFound) or failure.code in (
        "model_not_found",
        "model_deprecated",
    )
    day = checked.checked_on
    if model is None or model.shutdown is None or day is None or not gone:
        return failure
    if not model.retired(day):
        return failure
    instead = (
        f" Use {model.replacement} instead (--model {model.replacement}, or `artisan config set "
        f"image.model {model.replacement}`)."
        if model.replacement
        else ""
    )
    return ModelNotFound(
        f"{model.name} was retired on {model.shutdown.isoformat()} and this server no longer "
        f"serves it.{instead}",
        status=failure.status,
        code=failure.code,
    )
