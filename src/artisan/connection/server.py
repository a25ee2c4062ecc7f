"""The server as the settings describe it: its name in messages and how long to wait for it."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from artisan.connection.redaction import without_userinfo

if TYPE_CHECKING:
    from artisan.config import Settings

OPENAI_URL = "https://api.openai.com/v1"
IMAGE_TIMEOUT = 300.0
"""Seconds an image request waits when the `timeout` setting was left at its default."""


def server_name(settings: Settings) -> str:
    """The server as messages name it: "OpenAI", or the host and port of `base_url`.

    A user name and password in the address (`http://user:secret@host/v1`) are left out.
    """
    if settings.uses_openai and not settings.base_url:
        return "OpenAI"
    url = settings.base_url or ""
    netloc = urlsplit(url).netloc
    return netloc.rpartition("@")[2] if netloc else without_userinfo(url)


def server_key(settings: Settings) -> str:
    """The server's address as a stable key for what artisan learns about it: `base_url`
    without credentials, query or trailing slash."""
    url = settings.base_url or OPENAI_URL
    parts = urlsplit(url.strip())
    host = parts.netloc.rpartition("@")[2].lower()
    if not host:
        return without_userinfo(url.strip()).rstrip("/")
    return f"{parts.scheme.lower()}://{host}{parts.path.rstrip('/')}"


def image_timeout(settings: Settings) -> float:
    """Seconds to wait for an image.

    Drawing takes far longer than writing a prompt (minutes for a large, high-quality image), so
    unless the person set `timeout` themselves, image requests wait at least `IMAGE_TIMEOUT`.
    """
    if "timeout" in settings.sources:
        return settings.timeout
    return max(settings.timeout, IMAGE_TIMEOUT)


def seconds(value: float) -> str:
    """`value` seconds in words: "1 second", "90 seconds"."""
    return "1 second" if value == 1 else f"{value:g} seconds"
