"""What every prompt engine takes and answers, and what an engine is.

Two kinds of engine write prompts: the chat engine (a model behind an OpenAI-compatible server)
and the composer (presets and vocabularies, offline). Both take checked text (`check_input`),
stream their answer through a callback and end with a `Completion`, so the workshop, the app and
the command line treat them alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from artisan.errors import ArtisanError
from artisan.state import State

if TYPE_CHECKING:
    from artisan.targets import Target

CHARS_PER_TOKEN = 4
"""For estimating tokens where the server reports none."""
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


@dataclass(frozen=True)
class Usage:
    """Tokens an answer cost, as the server counted them or, when it did not, as estimated."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    estimated: bool = False
    """The server reported no usage: these are rough counts from the text (see `estimate`)."""

    @classmethod
    def estimate(cls, prompt_chars: int, answer_chars: int) -> Usage:
        """Rough counts for a server that reports none: about four characters a token, the
        ratio for English text in the tokenizers of OpenAI's and most open models."""
        prompt = -(-prompt_chars // CHARS_PER_TOKEN)
        answer = -(-answer_chars // CHARS_PER_TOKEN)
        return cls(prompt, answer, prompt + answer, estimated=True)

    def describe(self) -> str:
        """For a status line: "1,234 tokens", or "~300 tokens (usage not reported)"."""
        if self.estimated:
            return f"~{self.total_tokens:,} tokens (usage not reported)"
        return f"{self.total_tokens:,} tokens"

    def to_dict(self) -> dict[str, Any]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
            "estimated": self.estimated,
        }


@dataclass(frozen=True)
class Completion:
    """A finished (or stopped) answer."""

    text: str
    finish: State
    """How it ended: DONE, TRUNCATED, FILTERED, INTERRUPTED or CANCELLED."""
    model: str
    usage: Usage | None = None
    note: str = ""
    """Why the answer is not a plain success, for a person: "the model used its whole length
    thinking", "the connection dropped before the answer finished". Empty when it is one."""
    reasoning: str = ""
    """What a thinking model wrote before its answer; never part of `text`."""
    thinking_seconds: float = 0.0
    """How long the model thought before answering (0 for a model that does not think)."""

    @property
    def ok(self) -> bool:
        """Whether this is a whole, non-empty answer."""
        return self.finish is State.DONE and bool(self.text.strip())

    @property
    def state(self) -> State:
        """How it ended, for a list of answers: the finish, or EMPTY for a finished answer
        with no text."""
        if self.finish is State.DONE and not self.text.strip():
            return State.EMPTY
        return self.finish

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "finish": self.finish.value,
            "model": self.model,
            "usage": None if self.usage is None else self.usage.to_dict(),
            "note": self.note,
            "reasoning": self.reasoning,
        }


def batch_summary(states: Iterable[State]) -> str:
    """One line for a batch of answers (variations), by how each ended or is doing.

    Args:
        states: One per answer: how it ended (a `Completion.state`, or ERROR), or STREAMING /
            WAITING for one still running.

    Returns:
        "4 finished: 2 done, 2 truncated" once all have ended, "4 done" when all succeeded,
        "1 of 4 running; 3 finished: 2 done, 1 error" while some still run.
    """
    states = list(states)
    running = sum(state.running for state in states)
    ended = [state for state in states if not state.running]
    counts = Counter(ended)
    if not running and set(counts) <= {State.DONE}:
        return f"{len(ended)} done"
    parts = ", ".join(f"{counts[state]} {state}" for state in _by_importance(counts))
    if not running:
        return f"{len(ended)} finished: {parts}"
    if not ended:
        return f"{running} running"
    return f"{running} of {len(states)} running; {len(ended)} finished: {parts}"


def _by_importance(counts: Counter[State]) -> list[State]:
    """Done first, then the others in the order `State` lists them."""
    order = list(State)
    return sorted(counts, key=order.index)


TextCallback = Callable[[str], None]
IndexedTextCallback = Callable[[int, str], None]


@dataclass(frozen=True)
class RetryNotice:
    """A request failed and will be tried again after `delay` seconds."""

    attempt: int
    of: int
    delay: float
    reason: str


@dataclass(frozen=True)
class ThinkingNotice:
    """A thinking model started, or stopped, thinking before its answer.

    A screen shows "thinking…" from the first notice and counts the seconds itself (there is
    one notice at each end, not one per second); the reasoning is in `Completion.reasoning`.
    """

    index: int | None
    """The variation (from 0), or None for the prompt."""
    thinking: bool
    """True when thinking starts, False when the answer begins (or the stream ends)."""
    seconds: float
    """How long it thought, on the closing notice (0 on the opening one)."""


RetryCallback = Callable[[RetryNotice], None]
NoticeCallback = Callable[[str], None]
ThinkingNoticeCallback = Callable[[ThinkingNotice], None]
RestartCallback = Callable[[int], None]
ResultCallback = Callable[[int, "Completion | ArtisanError"], None]


@dataclass(frozen=True)
class EngineHooks:
    """What an engine tells while it works, besides the text: each is optional.

    The composer works too fast to retry, think or restart, and tells none of them.
    """

    on_retry: RetryCallback | None = None
    """A request failed and will be tried again after a wait."""
    on_notice: NoticeCallback | None = None
    """Something the engine decided on its own, in words for a person ("this server runs one
    request at a time; variations now run in turn")."""
    on_thinking: ThinkingNoticeCallback | None = None
    """A thinking model started or stopped thinking."""
    on_restart: RestartCallback | None = None
    """A variation starts again from nothing: its text so far is void."""


class PromptEngine(Protocol):
    """Writes prompts: the chat engine and the composer both are one.

    Inputs arrive checked (`check_input`): not empty, not over the limit.
    """

    name: str
    """What the screen and the library call it: an `EngineName`."""

    async def generate(self, idea: str, target: Target, on_text: TextCallback) -> Completion:
        """Write a prompt for `idea` following `target`'s rules."""
        ...

    async def refine(
        self, prompt: str, instruction: str, target: Target, on_text: TextCallback
    ) -> Completion:
        """Rewrite `prompt` with a change such as "moodier, shot on 35mm"."""
        ...

    async def variations(
        self,
        prompt: str,
        target: Target,
        count: int,
        on_text: IndexedTextCallback,
        *,
        on_done: ResultCallback | None = None,
    ) -> Sequence[Completion | ArtisanError]:
        """Write `count` different alternatives to `prompt`; a failed one holds its error.
        `on_done` is told each one's result as soon as it is known."""
        ...

    async def aclose(self) -> None:
        """Let go of connections."""
        ...


CHECKER_MARK = "checker:"
"""How a note that holds the checker's findings starts (the app's caption counts them)."""


def checked(
    completion: Completion, target: Target, *, idea: str = "", version: str = ""
) -> Completion:
    """`completion` with what the prompt checker finds added to its note; the text itself is
    kept as it came (a model's answer that breaks a rule is marked, never hidden)."""
    from dataclasses import replace

    from artisan.checker import check

    if completion.finish is not State.DONE or not completion.text.strip():
        return completion  # an answer cut short already says why; its rules are moot
    report = check(completion.text, target, idea=idea, version=version)
    if report.ok:
        return completion
    found = f"{CHECKER_MARK} " + "; ".join(p.message for p in report.problems)
    return replace(completion, note=f"{completion.note}; {found}" if completion.note else found)
