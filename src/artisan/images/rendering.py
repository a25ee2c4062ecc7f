"""Rendering a prompt with an image model: one `images.generate` request through the SDK.

Only a request that `validate` accepted can be rendered (`render` takes a `CheckedRequest`), so
nothing the model cannot serve ever leaves the machine. The answer's images arrive as base64 or
as links; a link is downloaded at once (links expire after an hour), without the API key, since
it points at a storage host rather than the API, and only from the server's own host or the
provider's known storage (`STORAGE_HOSTS`), with redirects followed only among those: a server
cannot make artisan fetch from anywhere else. The whole download has a deadline, so a link that
trickles a byte a second cannot hold a paid render forever.

Once the server has answered, the request is paid for, so from then on nothing raises: each
image is checked to be a whole picture in a format artisan saves (PNG, JPEG, WebP), and one that
is not (broken base64, a failed download, an EPS file) is reported in `Rendered.problems` while
the good ones are kept. A server that sends more images than were asked gives the first ones
asked for; the rest are refused, unread, and said so.

Retries follow the `max_retries` setting for rate limits and server errors, but never after a
timeout or a dropped connection: the server may still be drawing (and billing) the first image.
Cancelling the task closes the HTTP connection, which tells the server to stop.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Callable, Sequence
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
from artisan.connection.server import OPENAI_URL
from artisan.entry import ImageRecord
from artisan.images.metadata import ImageInfo, NotAnImage, inspect_image
from artisan.images.prices import Cost, actual, flat_usage

if TYPE_CHECKING:
    from openai import AsyncOpenAI

    from artisan.config import Settings
    from artisan.images.models import CheckedRequest

MAX_IMAGE_BYTES = 64 * 1024 * 1024
"""Largest image download accepted: a 3840x2160 PNG is well under 30 MB."""
SAVED_FORMATS = ("png", "jpeg", "webp")
"""What artisan keeps of what a server sends: the formats image models return and viewers
show. Anything else (an EPS, a TIFF) is refused rather than saved under its own extension."""
STORAGE_HOSTS = ("oaidalleapiprodscus.blob.core.windows.net",)
"""Where OpenAI's image links point, besides the API's own host."""
MAX_REDIRECTS = 3
_GONE = (403, 404, 410)
"""What storage hosts answer for an expired or removed link."""


class Stage(StrEnum):
    """What a render is doing, for a progress line."""

    REQUESTING = "requesting"
    RETRYING = "retrying"
    DOWNLOADING = "downloading"
    RECEIVED = "received"
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


@dataclass(frozen=True)
class Rendered:
    """What one answered request brought back: paid for, whatever it holds."""

    images: list[RenderedImage]
    """The good images, at most as many as were asked for (their records have no cost yet:
    what is recorded of the request's cost is decided when it is settled)."""
    cost: Cost | None
    """What the request cost by the usage the server reported (the estimate when it reported
    none); None when the model has no price."""
    usage: dict[str, int] | None
    sent: int
    """Images in the answer, good or not: what the server drew."""
    failures: tuple[ApiError, ...] = ()
    """Images that could not be kept, and why."""

    @property
    def problems(self) -> tuple[str, ...]:
        """The failures, for the person."""
        return tuple(failure.message for failure in self.failures)


async def render(
    settings: Settings,
    checked: CheckedRequest,
    *,
    on_progress: ProgressCallback | None = None,
    client: AsyncOpenAI | None = None,
    retry_base: float = 0.5,
) -> Rendered:
    """Ask the image model for the images of a checked request.

    Args:
        settings: Server, key, timeout and retries.
        checked: What `validate` returned.
        on_progress: Told about each step (requesting, retrying, downloading).
        client: An SDK client to use; by default one is made from `settings` and closed after.
        retry_base: First backoff delay in seconds.

    Returns:
        What the answer held: raises nothing once the server answered, since the request is
        paid for then; images that could not be kept are in `problems`.

    Raises:
        ApiError: the server refused or failed (`ContentRefused` carries the server's reason),
            or did not answer.
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
        usage = flat_usage(getattr(response, "usage", None))
        try:
            items = list(response.data or [])
        except TypeError:
            items = []
        return await _receive(items, response, usage, checked, settings, on_progress)
    finally:
        if own_client:
            await sdk.close()


async def _receive(
    items: list[Any],
    response: Any,
    usage: dict[str, int] | None,
    checked: CheckedRequest,
    settings: Settings,
    on_progress: ProgressCallback | None,
) -> Rendered:
    """The images of an answer: the good ones kept, the others explained."""
    request = checked.request
    server = server_name(settings)
    problems: list[ApiError] = []
    if not items:
        problems.append(ProtocolError(f"{server} answered without any image."))
    elif len(items) > request.n:
        asked = "1 was" if request.n == 1 else f"{request.n} were"
        refused = len(items) - request.n
        problems.append(
            ProtocolError(
                f"{server} sent {len(items):,} images where {asked} asked for; the first "
                f"{request.n} {'is' if request.n == 1 else 'are'} kept and {refused:,} "
                f"{'was' if refused == 1 else 'were'} refused."
            )
        )
    wanted = items[: request.n]
    links = sum(1 for item in wanted if not _field(item, "b64_json") and _text(_field(item, "url")))
    allowed = _allowed_hosts(settings)
    downloaded = 0
    images = []
    for number, item in enumerate(wanted, start=1):
        which = f"Image {number} of {len(wanted)}" if len(wanted) > 1 else "The image"
        b64, url = _field(item, "b64_json"), _text(_field(item, "url"))
        try:
            if b64:
                data = _decode(b64, settings)
            elif url:
                downloaded += 1
                _tell(
                    on_progress,
                    Stage.DOWNLOADING,
                    f"Downloading image {downloaded} of {links}…",
                    downloaded - 1,
                    links,
                )
                data = await download(url, image_timeout(settings), allowed)
            else:
                raise ProtocolError(f"{server} sent an image with neither data nor a link.")
            info = _checked_image(data, server)
        except ApiError as error:
            problems.append(type(error)(f"{which} was not kept: {error.message}"))
            continue
        record = ImageRecord(
            path="",
            prompt=request.prompt,
            model=request.model,
            size=info.size,
            revised_prompt=_text(_field(item, "revised_prompt")),
            quality=_text(getattr(response, "quality", None) or request.quality),
            style=request.style or "",
            background=_text(getattr(response, "background", None) or request.background),
        )
        images.append(RenderedImage(data, info, record, None if b64 else url or None))
    # What the server drew is billed, kept or not: the cost covers every image it sent.
    cost = actual(checked.model, replace(request, n=max(1, len(wanted))), usage)
    return Rendered(
        images=images,
        cost=cost,
        usage=usage,
        sent=len(items),
        failures=tuple(problems),
    )


def _checked_image(data: bytes, server: str) -> ImageInfo:
    """What the data is, if it is a whole picture in a format artisan saves."""
    try:
        info = inspect_image(data)
    except NotAnImage as error:
        raise ProtocolError(f"{server} sent something that is not an image: {error}") from None
    if info.format not in SAVED_FORMATS:
        raise ProtocolError(
            f"{server} sent an image in {info.format.upper()} format; artisan keeps PNG, JPEG "
            "and WebP images only, so it was not saved."
        )
    return info


def _field(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


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


async def download(url: str, timeout: float, hosts: Sequence[str] = ()) -> bytes:
    """Fetch an image link: http(s) from one of `hosts`, or a `data:` URL as some compatible
    servers send.

    The API key is not sent: the link points at a storage host, not the API. A redirect is
    followed only to another of `hosts`, and the whole download, redirects included, must end
    within `timeout` seconds.

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
    import httpx2

    host = _host_of(url)
    try:
        async with asyncio.timeout(timeout), httpx2.AsyncClient(follow_redirects=False) as http:
            for _ in range(MAX_REDIRECTS + 1):
                _check_link(url, hosts)
                host = _host_of(url)
                async with http.stream("GET", url, timeout=timeout) as response:
                    if response.is_redirect and response.headers.get("location"):
                        url = str(response.url.join(response.headers["location"]))
                        continue
                    return await _body(response, host)
            raise DownloadFailed(
                f"The image link at {host} redirected more than {MAX_REDIRECTS} times; "
                "artisan stopped following it."
            )
    except (TimeoutError, httpx2.TimeoutException):
        raise DownloadFailed(
            f"The image download from {host} did not finish within {timeout:g} seconds. "
            "Render it again."
        ) from None
    except httpx2.HTTPError as error:
        raise DownloadFailed(
            f"The image could not be downloaded from {host}: "
            f"{quote(str(error)) or type(error).__name__}. Render it again."
        ) from None


async def _body(response: Any, host: str) -> bytes:
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
                f"The image at {host} is larger than {MAX_IMAGE_BYTES // 2**20} MiB, the most "
                "artisan downloads; it stopped downloading it."
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _host_of(url: str) -> str:
    """The host (and port) of a link, for messages: never the rest, which may hold a
    signature, nor a password."""
    netloc = urlsplit(url).netloc.rpartition("@")[2]
    return quote(netloc or url[:40], limit=80)


def _check_link(url: str, hosts: Sequence[str]) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise DownloadFailed(
            f"The image came as a {parts.scheme or 'strange'}: link, which artisan does not "
            "download."
        )
    host = (parts.hostname or "").lower()
    where = f"{host}:{parts.port}" if parts.port else host
    if where not in hosts and host not in hosts:
        raise DownloadFailed(
            f"The image link points at {_host_of(url)}, which is neither the image server nor "
            "its storage; artisan does not fetch from other hosts."
        )


def _allowed_hosts(settings: Settings) -> tuple[str, ...]:
    """Where image links may point: the server's own host (with its port), and for OpenAI's
    API its storage hosts."""
    parts = urlsplit(settings.base_url or OPENAI_URL)
    host = (parts.hostname or "").lower()
    own = f"{host}:{parts.port}" if parts.port else host
    return (own, *STORAGE_HOSTS) if host == "api.openai.com" else (own,)


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


def _decode(text: Any, settings: Settings) -> bytes:
    try:
        if not isinstance(text, str):
            raise ValueError(text)
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
