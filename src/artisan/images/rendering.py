"""Rendering a prompt with an image model: one `images.generate` request through the SDK.

Only a request that `validate` accepted can be rendered (`render` takes a `CheckedRequest`), so
nothing the model cannot serve ever leaves the machine. The answer's images arrive as base64 or
as links; a link is downloaded at once (links expire after an hour), without the API key, since
it points at a storage host rather than the API. Every image is checked to be a whole picture
before it is handed back, so a broken download never becomes a file.

Retries follow the `max_retries` setting for rate limits and server errors, but never after a
timeout or a dropped connection: the server may still be drawing (and billing) the first image.
Cancelling the task closes the HTTP connection, which tells the server to stop.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes, urlsplit

from artisan.config import with_overrides
from artisan.connection import (
    ApiError,
    ConnectionDropped,
    ModelNotFound,
    ProtocolError,
    RequestTimedOut,
    build_client,
    image_timeout,
    quote,
    retry_delay,
    server_name,
    translate,
)
from artisan.entry import ImageRecord
from artisan.images.metadata import ImageInfo, NotAnImage, inspect_image
from artisan.images.prices import actual, flat_usage

if TYPE_CHECKING:
    from openai import AsyncOpenAI

    from artisan.config import Settings
    from artisan.images.models import CheckedRequest

MAX_IMAGE_BYTES = 64 * 1024 * 1024
"""Largest image download accepted: a 3840x2160 PNG is well under 30 MB."""
_GONE = (403, 404, 410)
"""What storage hosts answer for an expired or removed link."""


class Stage(StrEnum):
    """What a render is doing, for a progress line."""

    REQUESTING = "requesting"
    RETRYING = "retrying"
    DOWNLOADING = "downloading"
    SAVING = "saving"


@dataclass(frozen=True)
class RenderProgress:
    """One step of a render."""

    stage: Stage
    message: str
    """A line for the person: "Rendering 2 images with gpt-image-2…"."""
    done: int = 0
    total: int = 0


ProgressCallback = Callable[[RenderProgress], None]


class DownloadFailed(ApiError):
    """An image the server sent as a link could not be downloaded."""


@dataclass(frozen=True)
class RenderedImage:
    """One image as it arrived, checked to be a whole picture, with its record (no path yet:
    the file is written later)."""

    data: bytes
    info: ImageInfo
    record: ImageRecord
    url: str | None = None
    """Where it was downloaded from, when it came as a link."""

    @property
    def format(self) -> str:
        return self.info.format

    @property
    def size(self) -> str:
        return self.info.size


async def render(
    settings: Settings,
    checked: CheckedRequest,
    *,
    on_progress: ProgressCallback | None = None,
    client: AsyncOpenAI | None = None,
    retry_base: float = 0.5,
) -> list[RenderedImage]:
    """Ask the image model for the images of a checked request.

    Args:
        settings: Server, key, timeout and retries.
        checked: What `validate` returned.
        on_progress: Told about each step (requesting, retrying, downloading).
        client: An SDK client to use; by default one is made from `settings` and closed after.
        retry_base: First backoff delay in seconds.

    Raises:
        ApiError: the server refused or failed (`ContentRefused` carries the server's reason),
            a download failed (`DownloadFailed`), or the answer held no usable image.
        MissingKeyError: OpenAI's server and no key; nothing was sent.
        asyncio.CancelledError: the task was cancelled; the connection is closed first.
    """
    request = checked.request
    # Error messages name the image model that was asked for, which may differ from the setting.
    settings = with_overrides(settings, image_model=request.model)
    own_client = client is None
    sdk = client if client is not None else build_client(settings)
    try:
        response = await _generate(sdk, checked, settings, on_progress, retry_base)
        items = list(response.data or [])
        if not items:
            raise ProtocolError(f"{server_name(settings)} answered without any image.")
        links = sum(1 for item in items if not item.b64_json and item.url)
        downloaded = 0
        images = []
        for item in items:
            if item.b64_json:
                data = _decode(item.b64_json, settings)
            elif item.url:
                downloaded += 1
                _tell(
                    on_progress,
                    Stage.DOWNLOADING,
                    f"Downloading image {downloaded} of {links}…",
                    downloaded - 1,
                    links,
                )
                data = await download(item.url, image_timeout(settings))
            else:
                raise ProtocolError(
                    f"{server_name(settings)} answered with an image that has neither data "
                    "nor a link."
                )
            try:
                info = inspect_image(data)
            except NotAnImage as error:
                raise ProtocolError(
                    f"{server_name(settings)} sent something that is not an image: {error}"
                ) from None
            record = ImageRecord(
                path="",
                prompt=request.prompt,
                model=request.model,
                size=info.size,
                revised_prompt=item.revised_prompt or "",
                quality=str(getattr(response, "quality", None) or request.quality or ""),
                style=request.style or "",
                background=str(getattr(response, "background", None) or request.background or ""),
            )
            url = None if item.b64_json else item.url
            images.append(RenderedImage(data=data, info=info, record=record, url=url))
        return _with_costs(images, checked, flat_usage(getattr(response, "usage", None)))
    finally:
        if own_client:
            await sdk.close()


def request_body(checked: CheckedRequest) -> dict[str, Any]:
    """The fields sent to `images.generate` for a checked request.

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
    return body


async def download(url: str, timeout: float) -> bytes:
    """Fetch an image link: http(s), or a `data:` URL as some compatible servers send.

    The API key is not sent: the link points at a storage host, not the API.

    Raises:
        DownloadFailed: with the host and the reason; the link itself (which may hold a
            signature) is not shown.
    """
    if url.startswith("data:"):
        header, _, payload = url.partition(",")
        try:
            if header.endswith(";base64"):
                return base64.b64decode(payload, validate=True)
            return unquote_to_bytes(payload)
        except (binascii.Error, ValueError):
            raise DownloadFailed("The image came as a data: link that cannot be decoded.") from None
    parts = urlsplit(url)
    # The host only: the rest of a link may hold a signature, the address a password.
    host = quote(parts.netloc.rpartition("@")[2] or url[:40], limit=80)
    if parts.scheme not in ("http", "https"):
        raise DownloadFailed(
            f"The image came as a {parts.scheme or 'strange'}: link, which artisan does not "
            "download."
        )
    import httpx2

    try:
        async with (
            httpx2.AsyncClient(timeout=timeout, follow_redirects=True) as http,
            http.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                gone = response.status_code in _GONE
                expired = " (image links expire after an hour)" if gone else ""
                raise DownloadFailed(
                    f"The image could not be downloaded from {host}: it answered "
                    f"{response.status_code}{expired}. Render it again.",
                    status=response.status_code,
                )
            chunks = []
            received = 0
            async for chunk in response.aiter_bytes():
                received += len(chunk)
                if received > MAX_IMAGE_BYTES:
                    raise DownloadFailed(
                        f"The image at {host} is larger than {MAX_IMAGE_BYTES // 2**20} MB; "
                        "artisan stopped downloading it."
                    )
                chunks.append(chunk)
    except httpx2.TimeoutException:
        raise DownloadFailed(
            f"The image download from {host} did not finish within {timeout:g} seconds. "
            "Render it again."
        ) from None
    except httpx2.HTTPError as error:
        raise DownloadFailed(
            f"The image could not be downloaded from {host}: "
            f"{quote(str(error)) or type(error).__name__}. Render it again."
        ) from None
    return b"".join(chunks)


async def _generate(
    client: AsyncOpenAI,
    checked: CheckedRequest,
    settings: Settings,
    on_progress: ProgressCallback | None,
    retry_base: float,
) -> Any:
    request = checked.request
    body = request_body(checked)
    count = "an image" if request.n == 1 else f"{request.n} images"
    attempt = 0
    while True:
        _tell(on_progress, Stage.REQUESTING, f"Rendering {count} with {request.model}…")
        try:
            return await client.images.generate(**body, timeout=image_timeout(settings))
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
            _tell(
                on_progress,
                Stage.RETRYING,
                f"{failure.message} Retrying in {delay:.1f}s ({attempt}/{settings.max_retries}).",
                attempt,
                settings.max_retries,
            )
            await asyncio.sleep(delay)


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


def _with_costs(
    images: list[RenderedImage], checked: CheckedRequest, usage: dict[str, int] | None
) -> list[RenderedImage]:
    """Each image with its share of what the request cost and used.

    A request for n images is billed as one: each image records 1/n of the cost, and of each
    token count (the remainder on the first image), so the images of a request add up to it.
    """
    count = len(images)
    request = replace(checked.request, n=count)
    cost = actual(checked.model, request, usage)
    shared = []
    for index, image in enumerate(images):
        share = None
        if usage:
            share = {k: v // count + (v % count if index == 0 else 0) for k, v in usage.items()}
        record = replace(
            image.record,
            cost=None if cost is None else cost.dollars / count,
            cost_estimated=cost is not None and cost.estimated,
            usage=share,
        )
        shared.append(replace(image, record=record))
    return shared


def _decode(text: str, settings: Settings) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ProtocolError(
            f"{server_name(settings)} sent image data that is not valid base64."
        ) from None


def _tell(
    callback: ProgressCallback | None, stage: Stage, message: str, done: int = 0, total: int = 0
) -> None:
    if callback is not None:
        callback(RenderProgress(stage, message, done, total))
