"""What the workshop tells its listener: jobs and the events about them.

A `Job` is something the workshop is doing (or last did) for one part of the screen: writing
the prompt, or the variations. The listener hears plain events (`TextArrived`, `JobChanged`,
`VersionsChanged`, `VariationsChanged`, `Notice`), called on the event loop that runs the
workshop's coroutines.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from artisan.draft import PromptVersion
from artisan.engine.answer import RetryNotice

PROMPT = "prompt"
VARIATIONS = "variations"


@dataclass(eq=False)
class Job:
    """Something the workshop is doing (or last did) for one part of the screen."""

    kind: str
    """PROMPT or VARIATIONS."""
    label: str
    """What it is doing, in a few words: "writing the prompt", "refining: “moodier”"."""
    engine: str
    model: str
    started: float = field(default_factory=time.monotonic)
    first_text: float | None = None
    """When the first words arrived; until then the request is out and waiting."""
    status: str = ""
    """A live line about a wait: "retry 1 of 2 in 4 s: rate limited"."""
    retry: RetryNotice | None = None
    """The retry being waited for, when `status` is about one."""
    thinking_since: float | None = None
    """When a thinking model started thinking (None when it is not thinking now)."""
    ended: float | None = None
    outcome: str = ""
    """How it ended, for the status line: "done", "4 finished: 2 done, 2 truncated"."""
    note: str = ""
    """Why the answer is not a whole one, when a prompt job's answer is not (its `note`)."""
    reasoning: str = ""
    """What the model thought, for a prompt job: kept here too, since an answer with no text
    leaves no version to hold it."""
    kept: bool = False
    """Whether it left a new version (a prompt job that failed before any text did not)."""
    version: PromptVersion | None = field(default=None, repr=False)
    """The version whose variations it writes (None for a prompt job)."""
    task: asyncio.Task[object] | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        return self.ended is None

    def elapsed(self, now: float | None = None) -> float:
        end = self.ended if self.ended is not None else (now or time.monotonic())
        return max(0.0, end - self.started)


CURRENT_JOB: contextvars.ContextVar[Job | None] = contextvars.ContextVar(
    "artisan_job", default=None
)
"""The job whose task is running: engine callbacks (a retry) find their job through it."""


# Events ------------------------------------------------------------------------------------------


class Event:
    """Something in the workshop changed."""


@dataclass(frozen=True)
class TextArrived(Event):
    """A piece of streamed text: of the prompt (`index` None) or of variation `index`."""

    job: Job
    index: int | None
    text: str


@dataclass(frozen=True)
class JobChanged(Event):
    """A job started, has news (waiting, retrying, first words) or ended."""

    job: Job


@dataclass(frozen=True)
class VersionsChanged(Event):
    """A version was added, or another one is now the current one, or its caption changed."""


@dataclass(frozen=True)
class VariationsChanged(Event):
    """The variations of `version` changed: all of them (`index` None) or one that ended."""

    version: PromptVersion
    index: int | None


@dataclass(frozen=True)
class Notice(Event):
    """Something worth telling the person that is not an error of an action they took."""

    message: str
    severity: str = "information"
    """information, warning or error."""


Listener = Callable[[Event], None]
