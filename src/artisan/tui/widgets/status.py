"""The status line: what is running, for how long, and what it is waiting for.

One line above the key bar. While a job runs it shows a spinner, what the job is doing, the
seconds since it started, and its news: waiting for the first words, a retry and when it will
be tried. When nothing runs it says how the last jobs ended and which engine writes the
prompts, so nobody takes the composer's prompt for a model's answer. This is where retries and
waits are told, instead of a pile of notifications.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import RenderResult
from textual.timer import Timer
from textual.widget import Widget

from artisan.tui.text import shown
from artisan.tui.widgets.session import last_outcome
from artisan.workshop import PROMPT, VARIATIONS, Job

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
TICK = 0.1
_ORDER = (PROMPT, VARIATIONS)


class StatusLine(Widget):
    """One line: each job's state, or the engine when nothing runs."""

    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        padding: 0 1;
        color: $text-muted;
        background: $background;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.jobs: dict[str, Job] = {}
        self.engine = ""
        """Which engine writes prompts, e.g. "chat · gpt-5.4-mini · OpenAI" or "composer"."""
        self.thinking_key = "f6"
        """The key that shows a model's thinking, as the keymap binds it."""
        self._ticker: Timer | None = None
        self._frame = 0

    def on_mount(self) -> None:
        self._ticker = self.set_interval(TICK, self._tick, pause=True)

    def update_job(self, job: Job) -> None:
        self.jobs[job.kind] = job
        if self._ticker is not None:
            if any(j.running for j in self.jobs.values()):
                self._ticker.resume()
            else:
                self._ticker.pause()
        self.refresh()

    def set_engine(self, description: str) -> None:
        self.engine = description
        self.refresh()

    def _tick(self) -> None:
        self._frame = (self._frame + 1) % len(SPINNER)
        self.refresh()

    def render(self) -> RenderResult:
        line = Text(no_wrap=True, overflow="ellipsis")
        now = time.monotonic()
        jobs = [self.jobs[kind] for kind in _ORDER if kind in self.jobs]
        running = [job for job in jobs if job.running]
        for job in running:
            if line:
                line.append("   ")
            line.append(f"{SPINNER[self._frame]} ", style="bold")
            line.append(shown(f"{job.label} · {job.elapsed(now):.0f} s"))
            if job.status:
                line.append(shown(f" · {job.status}"), style="bold")
            elif job.thinking_since is not None:
                line.append(f" · thinking {now - job.thinking_since:.0f} s", style="italic")
            elif job.first_text is None:
                line.append(" · waiting for the first words")
        if not running:
            line.append(shown(self.engine))
            for job in jobs:
                line.append(shown(f"   {job.kind}: {self._ended(job, now)}"))
        return line

    def _ended(self, job: Job, now: float) -> str:
        """How a job ended. A prompt request that left no version says why, the key to read
        the thinking first (a narrow line cuts the end)."""
        took = f"{job.elapsed(now):.1f} s"
        if job.kind != PROMPT or job.kept or job.running:
            return f"{job.outcome} in {took}"
        outcome = last_outcome(job)
        if job.reasoning:
            return f"{outcome} ({took}; {self.thinking_key} reads it)"
        if job.note:
            return f"{outcome} in {took}: {job.note}"
        return f"{outcome} in {took}"
