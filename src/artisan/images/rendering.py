"""What every renderer hands back, and how an answer's images are checked and fetched.

A renderer (see `artisan.images.renderers`) sends a request its own way; what comes back goes
through `receive`, the same for all of them. Once a server has answered, the request is paid
for (or, on one's own server, at least drawn), so from then on nothing raises: each image is
checked to be a whole picture in a format artisan saves (PNG, JPEG, WebP), and one that is not
(broken base64, a failed download, an EPS file) is reported in `Rendered.failures` while the
good ones are kept. A server that sends more images than were asked gives the first ones asked
for; the rest are refused, unread, and said so.

An image that arrives as a link is downloaded at once (links expire after an hour), without the
API key, since it points at a storage host rather than the API, and only from the server's own
host or the provider's known storage (`STORAGE_HOSTS`), with redirects followed only among
those: a server cannot make artisan fetch from anywhere else. The whole download has a deadline,
so a link that trickles a byte a second cannot hold a paid render forever.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes, urlsplit

from artisan.connection import ApiError, ProtocolError, quote
from artisan.entry import ImageRecord
from artisan.images.metadata import ImageInfo, NotAnImage, inspect_image
from artisan.images.prices import Cost, actual

if TYPE_CHECKING:
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
    DRAWING = "drawing"
    PREVIEW = "preview"
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
    preview: bytes | None = None
    """A partial image, as it streams in (Stage.PREVIEW)."""


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


async def receive(
    items: Sequence[Mapping[str, Any]],
    checked: CheckedRequest,
    *,
    server: str,
    usage: dict[str, int] | None = None,
    hosts: Sequence[str] = (),
    timeout: float = 60.0,
    on_progress: ProgressCallback | None = None,
    record: Mapping[str, Any] | None = None,
) -> Rendered:
    """The images of an answer: the good ones kept, the others explained.

    Args:
        items: One per image sent: its `b64_json`, `url` or `data` (bytes already fetched),
            and the fields of its record the server told (`revised_prompt`, `seed`, ...).
        checked: The request answered.
        server: The server as messages name it.
        usage: The tokens the server reported (None: none).
        hosts: Where links may point.
        timeout: Seconds a download may take, whole.
        on_progress: Told about each download.
        record: Fields of every image's record (quality, provider, model, ...).
    """
    request = checked.request
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
    wanted = list(items[: request.n])
    links = sum(1 for item in wanted if _text(item.get("url")) and not item.get("b64_json"))
    downloaded = 0
    images = []
    for number, item in enumerate(wanted, start=1):
        which = f"Image {number} of {len(wanted)}" if len(wanted) > 1 else "The image"
        b64, url = item.get("b64_json"), _text(item.get("url"))
        try:
            if isinstance(item.get("data"), bytes):
                data = item["data"]
            elif b64:
                data = _decode(b64, server)
            elif url:
                downloaded += 1
                tell(
                    on_progress,
                    Stage.DOWNLOADING,
                    f"Downloading image {downloaded} of {links}…",
                    downloaded - 1,
                    links,
                )
                data = await download(url, timeout, hosts)
            else:
                raise ProtocolError(f"{server} sent an image with neither data nor a link.")
            info = _checked_image(data, server)
        except ApiError as error:
            problems.append(type(error)(f"{which} was not kept: {error.message}"))
            continue
        fields = {**(record or {}), **{k: v for k, v in item.items() if k in _RECORD_FIELDS}}
        image_record = ImageRecord(
            path="",
            prompt=request.prompt,
            model=request.model,
            size=info.size,
            style=request.style or "",
            quality=request.quality or "",
            background=request.background or "",
            negative_prompt=request.negative_prompt or "",
            seed=request.seed if request.seed is not None and request.seed >= 0 else None,
            steps=request.steps,
            sampler=request.sampler or "",
            cfg_scale=request.cfg_scale,
        )
        image_record = replace(image_record, **_typed(fields))
        images.append(RenderedImage(data, info, image_record, None if b64 else url or None))
    # What the server drew is paid for, kept or not: the cost covers every image it sent.
    cost = actual(checked.model, replace(request, n=max(1, len(wanted))), usage)
    return Rendered(
        images=images, cost=cost, usage=usage, sent=len(items), failures=tuple(problems)
    )


_RECORD_FIELDS = {
    "revised_prompt": str,
    "quality": str,
    "background": str,
    "model": str,
    "seed": int,
    "steps": int,
    "sampler": str,
    "cfg_scale": float,
    "negative_prompt": str,
    "provider": str,
    "instruction": str,
    "edited_from": str,
}
"""What a server may tell of an image, and its type: anything else is left out."""


def _typed(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a record a server told, each of the right type (others dropped)."""
    typed: dict[str, Any] = {}
    for key, value in fields.items():
        kind = _RECORD_FIELDS.get(key)
        if kind is None or value is None or isinstance(value, bool):
            continue
        if kind is float and isinstance(value, int | float):
            typed[key] = float(value)
        elif kind is int and isinstance(value, int):
            if -1 < value < 2**64:
                typed[key] = value
        elif isinstance(value, kind):
            typed[key] = value
    return typed


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


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


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


def allowed_hosts(base_url: str) -> tuple[str, ...]:
    """Where image links may point: the server's own host (with its port), and for OpenAI's
    API its storage hosts."""
    parts = urlsplit(base_url)
    host = (parts.hostname or "").lower()
    own = f"{host}:{parts.port}" if parts.port else host
    return (own, *STORAGE_HOSTS) if host == "api.openai.com" else (own,)


def _decode(text: Any, server: str) -> bytes:
    try:
        if not isinstance(text, str | bytes):
            raise ValueError(text)
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ProtocolError(f"{server} sent image data that is not valid base64.") from None


def tell(
    callback: ProgressCallback | None, stage: Stage, message: str, done: int = 0, total: int = 0
) -> None:
    if callback is not None:
        callback(RenderProgress(stage, message, done, total))
