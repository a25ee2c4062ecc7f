"""The workshop's jobs: answers streaming into a version or into its variations.

A job is one request (or one batch of requests) for one part of the screen: the prompt, or the
variations. The rules every job keeps live here, once:

- one job of a kind at a time, and no variations while a prompt is being written;
- every word that arrives is kept, however the answer ends (stopped, cut off, failed);
- the listener hears each piece of text, each change of a job, and each variation that ended.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from artisan.draft import PromptVersion, Variation
from artisan.engine.answer import (
    Completion,
    EngineHooks,
    IndexedTextCallback,
    PromptEngine,
    ResultCallback,
    RetryNotice,
    ThinkingNotice,
    batch_summary,
)
from artisan.errors import ArtisanError
from artisan.state import EngineName, State
from artisan.workshop.events import (
    CURRENT_JOB,
    PROMPT,
    VARIATIONS,
    Event,
    Job,
    JobChanged,
    Notice,
    TextArrived,
    VariationsChanged,
)

if TYPE_CHECKING:
    from artisan.engine.describe import Describer
    from artisan.targets import Target

EXPANSIONS_AT_ONCE = 4
"""How many of a wildcard idea's expansions are written at the same time."""


class WorkshopBusy(ArtisanError):
    """The job asked for is already running (or another one stands in its way)."""


class Jobs:
    """The running (or last) job of each kind, and the answer streaming in now.

    Args:
        tell: The workshop's listener.
        changed: Called after every change worth keeping (the draft is written).
    """

    def __init__(self, tell: Callable[[Event], None], changed: Callable[[], None]) -> None:
        self._tell = tell
        self._changed = changed
        self.last: dict[str, Job] = {}
        """The running or last job of each kind."""
        self.streaming: PromptVersion | None = None
        """The version being written now, not yet among the versions."""
        self._parts: list[str] = []
        self._varying: PromptVersion | None = None
        """The version whose variations are being written."""

    def streamed_text(self) -> str:
        """What has arrived of the version being written."""
        return "".join(self._parts)

    def busy(self, kind: str) -> bool:
        job = self.last.get(kind)
        return job is not None and job.running

    def check_free(self, kind: str) -> None:
        """Raise `WorkshopBusy` when a job of `kind` cannot start now."""
        if self.busy(kind):
            if kind == PROMPT:
                raise WorkshopBusy("A prompt is already being written; Esc stops it.")
            raise WorkshopBusy("Variations are already being written; Esc stops them.")
        if kind == VARIATIONS and self.busy(PROMPT):
            raise WorkshopBusy("A prompt is being written; variations start from a finished one.")

    def stop(self) -> int:
        """Stop every running job (what arrived is kept); how many were stopped."""
        stopped = 0
        for job in self.last.values():
            if job.running and job.task is not None and not job.task.done():
                job.task.cancel()
                stopped += 1
        return stopped

    def hooks(self) -> EngineHooks:
        """What an engine tells while it works, routed to the job it works for."""
        return EngineHooks(
            on_retry=self._retrying,
            on_notice=lambda message: self._tell(Notice(message, "information")),
            on_thinking=self._thinking,
            on_restart=self._restarted,
        )

    # One answer into a version -----------------------------------------------------------

    async def write(
        self,
        version: PromptVersion,
        label: str,
        engine: PromptEngine,
        ask: Callable[[Callable[[str], None]], Awaitable[Completion]],
        keep: Callable[[PromptVersion], None],
        *,
        model: str,
    ) -> PromptVersion:
        """Stream one answer into `version`; `keep` it when it has text, however it ended.

        Returns the version either way: one with no text is not kept, but says how it ended
        (`state`, `note`).
        """
        version.engine = engine.name
        job = self.start(PROMPT, label, engine, model=model)
        self.streaming = version
        self._parts = []

        def on_text(text: str) -> None:
            if job.first_text is None:
                self._first_words(job)
            self._parts.append(text)
            self._tell(TextArrived(job, None, text))
            self._changed()

        try:
            result = await ask(on_text)
        except asyncio.CancelledError:
            version.state = State.CANCELLED
            version.text = self.streamed_text()
            raise
        except ArtisanError as error:
            version.state = State.ERROR
            version.text = getattr(error, "partial", "") or self.streamed_text()
            raise
        else:
            version.text = result.text
            version.model = result.model
            take_result(version, result)
        finally:
            if version.state.running:  # broken off by a bug, which goes on to be reported
                version.state = State.ERROR
            self.streaming = None
            self._parts = []
            kept = bool(version.text.strip())
            job.kept = kept
            job.note, job.reasoning = version.note, version.reasoning
            if kept:
                keep(version)
            self.end(job, version.state)
        return version

    # Several answers into a version's variations ------------------------------------------

    async def write_expansions(
        self,
        source: PromptVersion,
        ideas: list[str],
        target: Target,
        engine: PromptEngine,
        *,
        model: str,
    ) -> None:
        """Write a prompt for each of `ideas` into `source`'s variations, a few at a time."""
        source.variations = [Variation(engine=engine.name, idea=one) for one in ideas]
        job = self.start(
            VARIATIONS, f"writing {len(ideas)} more ideas", engine, source, model=model
        )
        self._tell(VariationsChanged(source, None))
        slots = asyncio.Semaphore(EXPANSIONS_AT_ONCE)

        async def one(index: int) -> None:
            item = source.variations[index]

            def on_text(text: str) -> None:
                if job.first_text is None:
                    self._first_words(job)
                item.text += text
                self._tell(TextArrived(job, index, text))

            async with slots:
                try:
                    result: Completion | ArtisanError = await engine.generate(
                        item.idea, target, on_text
                    )
                except ArtisanError as error:
                    result = error
                settle(item, result)
            self._tell(VariationsChanged(source, index))

        try:
            await asyncio.gather(*(one(i) for i in range(len(ideas))))
        except asyncio.CancelledError:
            for item in source.variations:
                if item.state is State.STREAMING:
                    item.state = State.CANCELLED
            self.end(job, State.CANCELLED)
            self._tell(VariationsChanged(source, None))
            raise
        self.end(job, batch_summary(item.state for item in source.variations))

    async def stream_variations(
        self,
        version: PromptVersion,
        job: Job,
        ask: Callable[
            [IndexedTextCallback, ResultCallback],
            Awaitable[Sequence[Completion | ArtisanError]],
        ],
        ended: Callable[[State], object],
    ) -> Sequence[Completion | ArtisanError]:
        """Stream the answers `ask` gets into `version.variations` (made by the caller, one
        per answer), and settle each as its result comes.

        When the job is stopped or fails as a whole, the variations still streaming are marked
        so, `ended` is told (CANCELLED or ERROR) and the exception goes on. Otherwise the
        results are returned, and the caller ends the job.
        """

        def on_text(index: int, text: str) -> None:
            if job.first_text is None:
                self._first_words(job)
            version.variations[index].text += text
            self._tell(TextArrived(job, index, text))

        def on_done(index: int, result: Completion | ArtisanError) -> None:
            settle(version.variations[index], result)
            self._tell(VariationsChanged(version, index))

        self._varying = version
        self._tell(VariationsChanged(version, None))
        try:
            results = await ask(on_text, on_done)
        except asyncio.CancelledError:
            for item in version.variations:
                if item.state is State.STREAMING:
                    item.state = State.CANCELLED
            ended(State.CANCELLED)
            raise
        except ArtisanError as error:
            for item in version.variations:
                if item.state is State.STREAMING:
                    item.state, item.error = State.ERROR, str(error)
            ended(State.ERROR)
            raise
        finally:
            self._varying = None
        for index, result in enumerate(results):
            item = version.variations[index]
            if item.state is State.STREAMING:  # an engine that does not tell `on_done`
                settle(item, result)
                self._tell(VariationsChanged(version, index))
        return results

    # A job's life --------------------------------------------------------------------------

    def start(
        self,
        kind: str,
        label: str,
        engine: PromptEngine | Describer,
        version: PromptVersion | None = None,
        *,
        model: str = "",
    ) -> Job:
        """A new job of `kind`, running in the current task; `version` is the one whose
        variations it writes."""
        job = Job(
            kind=kind,
            label=label,
            engine=engine.name,
            model=EngineName.COMPOSER if engine.name == EngineName.COMPOSER else model,
            version=version,
        )
        job.task = asyncio.current_task()
        self.last[kind] = job
        CURRENT_JOB.set(job)
        self._tell(JobChanged(job))
        return job

    def end(self, job: Job, outcome: str) -> None:
        job.ended = time.monotonic()
        job.outcome = outcome
        job.status, job.retry = "", None
        job.task = None
        self._tell(JobChanged(job))
        self._changed()

    def _first_words(self, job: Job) -> None:
        job.first_text = time.monotonic()
        job.status, job.retry = "", None
        self._tell(JobChanged(job))

    def _thinking(self, notice: ThinkingNotice) -> None:
        job = CURRENT_JOB.get()
        if job is None:
            return
        job.thinking_since = time.monotonic() if notice.thinking else None
        self._tell(JobChanged(job))

    def _restarted(self, index: int) -> None:
        """A variation starts again (the server ended it to serve another): clear its row."""
        job = CURRENT_JOB.get()
        source = self._varying
        if job is None or source is None or not 0 <= index < len(source.variations):
            return
        item = source.variations[index]
        item.text, item.state = "", State.STREAMING
        self._tell(TextArrived(job, index, ""))

    def _retrying(self, notice: RetryNotice) -> None:
        job = CURRENT_JOB.get()
        when = f"in {notice.delay:.0f} s" if notice.delay >= 1 else "now"
        # It is being retried for the person: advice to try again would contradict the line.
        reason = notice.reason.replace(" Wait a moment and try again.", "")
        text = f"retry {notice.attempt} of {notice.of} {when}: {reason}"
        if job is None:
            self._tell(Notice(text, "warning"))
            return
        job.status = text
        job.retry = notice
        self._tell(JobChanged(job))


def settle(item: Variation, result: Completion | ArtisanError) -> None:
    """A variation's final result."""
    if isinstance(result, Completion):
        item.text = result.text.strip()
        item.model = result.model
        take_result(item, result)
    else:
        item.text = getattr(result, "partial", "") or item.text
        item.state, item.error = State.ERROR, str(result)


def take_result(into: PromptVersion | Variation, result: Completion) -> None:
    """How an answer ended, its cost and what was thought, onto the version or variation."""
    into.state = result.state
    into.note = result.note
    usage = result.usage
    into.usage = usage.total_tokens if usage else None
    into.prompt_tokens = usage.prompt_tokens if usage else None
    into.completion_tokens = usage.completion_tokens if usage else None
    into.usage_estimated = bool(usage and usage.estimated)
    into.reasoning = result.reasoning
    into.thinking_seconds = result.thinking_seconds
