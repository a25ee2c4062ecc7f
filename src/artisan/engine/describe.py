"""Describing an image: prompts that would make an image model draw it again.

Only an engine that can show a model the picture can describe one: the chat engine can (any
OpenAI-compatible server with a vision model: OpenAI's, LLaVA or Gemma 3 on Ollama, llama.cpp
with its projector), the offline composer cannot. `Describer` is that ability, apart from
`PromptEngine`, so an engine that writes prompts need not see.

A model that cannot see fails in one of two ways, both turned into `NoVision` with a message
that says so and what to do: the server refuses the image (OpenAI answers 400 "image_url is only
supported by certain models", llama.cpp 500 without its projector, LM Studio and vLLM say the
model is not multimodal), or, worse, the server drops the image and the model answers anyway,
politely explaining that it sees no picture. The request asks for the words NO IMAGE in that
case, and the answer is also checked for the usual ways models say it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from artisan.connection import ApiError, server_name
from artisan.errors import ArtisanError
from artisan.shorten import shorten

if TYPE_CHECKING:
    from artisan.config import Settings
    from artisan.engine.answer import Completion, IndexedTextCallback, ResultCallback
    from artisan.images.vision import PreparedImage
    from artisan.targets import Target

NO_IMAGE = "NO IMAGE"
"""What the describe request asks a model to answer when it sees no picture."""
SAID_SHOWN = 160
"""Characters of what a model that cannot see said, quoted in the message."""
_BLIND = re.compile(
    r"\bno image\b"
    r"|\b(can ?not|can't|cannot|unable to|not able to|don't have the ability to|do not have "
    r"the ability to)\s+(see|view|look at|process|analy[sz]e|access|open|interpret|display)"
    r"\s+(the |any |an |this |that |your )?(image|picture|photo|attachment)s?"
    r"|\b(as a|i am a|i'm a|i'm just a|i am only a) (text[- ]based|text[- ]only|language) "
    r"(model|ai|assistant)"
    r"|\bi (don't|do not|can't|cannot) see (an|any|the) (image|picture|photo)"
    r"|\b(no|there is no|there's no) (image|picture|photo) (was |has been |is )?"
    r"(provided|attached|included|shared|uploaded)",
    re.IGNORECASE,
)
_IMAGE_WORDS = re.compile(
    r"image|vision|multimodal|multi-modal|mmproj|projector|content type|content part",
    re.IGNORECASE,
)
_REFUSING_STATUSES = (400, 415, 422, 500, 501)
_SCAN_CHARS = 400
"""Only the start of an answer is checked: a description may mention a "photo" later on."""


class CannotDescribe(ArtisanError):
    """The engine that writes prompts here cannot see images at all (the offline composer)."""


class NoVision(ApiError):
    """The model cannot see images: its server refused the picture, or it answered blind."""


@runtime_checkable
class Describer(Protocol):
    """Something that can look at an image and write prompts that would recreate it."""

    name: str

    async def describe(
        self,
        image: PreparedImage,
        target: Target,
        count: int,
        on_text: IndexedTextCallback,
        *,
        on_done: ResultCallback | None = None,
    ) -> Sequence[Completion | ArtisanError]:
        """Write `count` prompts in `target`'s format for the picture, each leaning on another
        angle; a failed one holds its error. `on_done` is told each one's result as soon as it
        is known."""
        ...

    async def aclose(self) -> None: ...


def answered_blind(text: str) -> bool:
    """Whether an answer says the model saw no image (instead of describing it)."""
    head = text.strip()[:_SCAN_CHARS]
    return bool(head) and bool(_BLIND.search(head))


def refused_the_image(error: ApiError) -> bool:
    """Whether a server error is the server refusing image input for this model."""
    return error.status in _REFUSING_STATUSES and bool(_IMAGE_WORDS.search(error.message))


def no_vision(settings: Settings, model: str, said: str) -> NoVision:
    """The message for a model that cannot see, quoting what it or its server said."""
    shown = shorten(said, SAID_SHOWN)
    return NoVision(
        f"The model `{model}` on {server_name(settings)} cannot see images (it said: "
        f"“{shown}”). Describing needs a vision model: set one with `artisan config set "
        "vision_model ...` (on OpenAI, gpt-5.4-mini sees images; on Ollama, llava or gemma3), "
        "or pass -m to `artisan describe`."
    )


def composer_cannot_describe() -> CannotDescribe:
    return CannotDescribe(
        "The offline composer cannot see images, so it cannot describe one. Describing needs a "
        "chat model that can see: set a key (OPENAI_API_KEY), or point `base_url` at a local "
        "server with a vision model (llava or gemma3 on Ollama) and `artisan config set "
        "vision_model ...`."
    )
