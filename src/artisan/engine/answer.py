"""What every prompt engine takes and answers, and what an engine is.

Two kinds of engine write prompts: the chat engine (a model behind an OpenAI-compatible server)
and the composer (presets and vocabularies, offline). Both take checked text (`check_input`),
stream their answer through a callback and end with a `Completion`, so the workshop, the app and
the command line treat them alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from artisan.errors import ArtisanError

if TYPE_CHECKING:
    from artisan.targets import Target

MAX_INPUT_CHARS = 50_000
"""Longer ideas, prompts and instructions are refused before anything is sent: they are almost
always a paste gone wrong, and would cost money before the server rejected them."""


class InputTooLong(ArtisanError):
    """An idea, prompt or instruction over `MAX_INPUT_CHARS`."""


class EmptyInput(ArtisanError):
    """An idea, prompt or instruction with nothing but whitespace."""


def check_input(text: str, what: str) -> str:
    """`text` stripped, or an error when it is empty or too long to send.

    Raises:
        InputTooLong: over the limit.
        EmptyInput: empty or only whitespace.
    """
    if len(text) > MAX_INPUT_CHARS:
        raise InputTooLong(
            f"The {what} is {len(text):,} characters long; the limit is "
            f"{MAX_INPUT_CHARS:,}. Was something else pasted by mistake?"
        )
    stripped = text.strip()
    if not stripped:
        raise EmptyInput(f"The {what} is empty.")
    return stripped


class Finish(StrEnum):
    """How an answer ended, in the words the app shows."""

    DONE = "done"
    TRUNCATED = "truncated"
    """The model hit its length limit (`length`)."""
    FILTERED = "filtered"
    """The model's content filter stopped the answer (`content_filter`)."""
    INTERRUPTED = "interrupted"
    """The stream ended without saying why: the connection was cut."""
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


@dataclass(frozen=True)
class Completion:
    """A finished (or stopped) answer."""

    text: str
    finish: Finish
    model: str
    usage: Usage | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "finish": self.finish.value,
            "model": self.model,
            "usage": None
            if self.usage is None
            else {
                "prompt_tokens": self.usage.prompt_tokens,
                "completion_tokens": self.usage.completion_tokens,
                "total_tokens": self.usage.total_tokens,
            },
        }


TextCallback = Callable[[str], None]
IndexedTextCallback = Callable[[int, str], None]


class PromptEngine(Protocol):
    """Writes prompts: the chat engine and the composer both are one.

    Inputs arrive checked (`check_input`): not empty, not over the limit.
    """

    name: str
    """What the screen and the library call it: "chat" or "composer"."""

    async def generate(self, idea: str, target: Target, on_text: TextCallback) -> Completion:
        """Write a prompt for `idea` following `target`'s rules."""
        ...

    async def refine(
        self, prompt: str, instruction: str, target: Target, on_text: TextCallback
    ) -> Completion:
        """Rewrite `prompt` with a change such as "moodier, shot on 35mm"."""
        ...

    async def variations(
        self, prompt: str, target: Target, count: int, on_text: IndexedTextCallback
    ) -> Sequence[Completion | ArtisanError]:
        """Write `count` different alternatives to `prompt`; a failed one holds its error."""
        ...

    async def aclose(self) -> None:
        """Let go of connections."""
        ...
