"""Who draws a picture: one protocol every renderer follows, and one place that picks it.

- `openai`: OpenAI's GPT Image models, or a compatible server (`images.generate`, with streamed
  partial previews, and `images.edit`);
- `automatic1111`: AUTOMATIC1111's web UI, Forge or SD.Next (`/sdapi/v1/txt2img`);
- `comfyui`: ComfyUI (`/prompt`, `/history`, `/view`), with artisan's text-to-image workflow or
  the person's own.

The image connection is its own, apart from chat's: `image.provider`, `image.base_url` and
`image.api_key`. By default images go to OpenAI's own server with the OpenAI key, whatever chat
uses, so a local chat model and OpenAI's images work together; the OpenAI key is sent to
OpenAI, or to an image server the person set for the openai provider, and never to a local
Stable Diffusion server.

A renderer renders a checked request (`render`), tells its progress as it goes, lists what its
server offers (`choices`: checkpoints, samplers), and is closed after use (`close`). Whether a
request may cost money is the model's to say (`ImageModel.costs_money`): the workflow reserves
the spending of those that may, whichever renderer draws them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from artisan.connection.server import OPENAI_URL

if TYPE_CHECKING:
    from artisan.config import Settings
    from artisan.images.models import CheckedRequest
    from artisan.images.rendering import ProgressCallback, Rendered

DEFAULT_URLS = {
    "openai": OPENAI_URL,
    "automatic1111": "http://127.0.0.1:7860",
    "comfyui": "http://127.0.0.1:8188",
}
"""Where each provider's server is when `image.base_url` is not set."""
NAMES = {"openai": "OpenAI", "automatic1111": "AUTOMATIC1111", "comfyui": "ComfyUI"}


@dataclass(frozen=True)
class Choices:
    """What a server offers to render with, as it says."""

    models: tuple[str, ...] = ()
    """Checkpoints (local servers); empty for OpenAI, whose models are the table's."""
    samplers: tuple[str, ...] = ()
    current: str = ""
    """The checkpoint the server has loaded, when it says."""
    problem: str = ""
    """Why the server could not be asked (it is not running, ...); empty when it answered."""


class Renderer(Protocol):
    """Draws pictures for checked requests."""

    provider: str
    """"openai", "automatic1111" or "comfyui"."""

    @property
    def name(self) -> str:
        """The server as messages name it: "OpenAI", "AUTOMATIC1111 at 127.0.0.1:7860"."""
        ...

    async def render(
        self, checked: CheckedRequest, *, on_progress: ProgressCallback | None = None
    ) -> Rendered:
        """Send the request and bring back what the server answered.

        Raises:
            ApiError: the server refused, failed or did not answer (`MissingKeyError`: nothing
                was sent). Nothing raises once it answered: see `Rendered.failures`.
            asyncio.CancelledError: cancelled; the request is stopped on the server too.
        """
        ...

    async def choices(self) -> Choices:
        """What the server offers (never raises: a problem is in `Choices.problem`)."""
        ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class ImageServer:
    """Where images are rendered, and with what key."""

    provider: str
    base_url: str
    api_key: str | None = field(default=None, repr=False)
    set_by_person: bool = False
    """`image.base_url` says so (else it is the provider's usual address)."""

    @property
    def name(self) -> str:
        """ "OpenAI", "AUTOMATIC1111 at 127.0.0.1:7860"."""
        if self.provider == "openai" and self.base_url == OPENAI_URL:
            return "OpenAI"
        netloc = urlsplit(self.base_url).netloc.rpartition("@")[2] or self.base_url
        if self.provider == "openai":
            return netloc  # a compatible server: its address says who it is
        return f"{NAMES.get(self.provider, self.provider)} at {netloc}"


def image_server(settings: Settings, provider: str | None = None) -> ImageServer:
    """The image connection: `image.provider`, `image.base_url`, `image.api_key`.

    `image.base_url` applies to the provider it was set for (`image.provider`); another provider
    asked for with `--provider` is found at its usual address. The OpenAI key goes only to
    OpenAI, or to an image server the person set for the openai provider.
    """
    chosen = provider or settings.image_provider
    own = chosen == settings.image_provider and bool(settings.image_base_url)
    base_url = (settings.image_base_url if own else None) or DEFAULT_URLS[chosen]
    key = settings.image_api_key if chosen == settings.image_provider else None
    if chosen == "openai" and not key:
        key = openai_key(settings, base_url)
    return ImageServer(chosen, base_url.rstrip("/"), key, set_by_person=own)


def openai_key(settings: Settings, base_url: str) -> str | None:
    """The key set for the server at `base_url` (OpenAI's own, or a compatible server a key
    was set for): a key goes only to the server it was set for, whoever else asks."""
    from artisan import credentials

    if not settings.scoped_keys:
        # Settings made in code (tests, scripts) with a bare key: it is for the chat server.
        same = credentials.origin(settings.base_url) == credentials.origin(base_url)
        return settings.api_key if same else None
    found = credentials.key_for(base_url, settings.scoped_keys)
    return found.key if found is not None else None


def make_renderer(settings: Settings, provider: str | None = None) -> Renderer:
    """The renderer of `provider` (by default `image.provider`), for the image connection.

    Building one sends nothing: the connection is made with the first request.
    """
    server = image_server(settings, provider)
    if server.provider == "automatic1111":
        from artisan.images.renderers.automatic1111 import Automatic1111

        return Automatic1111(settings, server)
    if server.provider == "comfyui":
        from artisan.images.renderers.comfyui import ComfyUI

        return ComfyUI(settings, server)
    from artisan.images.renderers.openai import OpenAIRenderer

    return OpenAIRenderer(settings, server)
