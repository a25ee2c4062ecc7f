"""The right-hand side of the screen: the session's Prompt and Variations panes.

The workshop's news arrives here as messages (`artisan.tui.messages`): a job started or ended,
another version is shown, variations changed. This widget decides what each pane shows, and
lets the messages go on to the app (which keeps the key bindings and the status line in step).
Streamed text does not come as messages: the app puts it straight into the panes' buffers.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical

from artisan.draft import PromptVersion
from artisan.engine.answer import CHECKER_MARK
from artisan.shorten import shorten
from artisan.state import EngineName, State
from artisan.tui.messages import JobUpdated, VariationsUpdated, VersionChanged
from artisan.tui.widgets.prompt import PromptPane
from artisan.tui.widgets.variations import VariationsPane
from artisan.wildcards import has_wildcards
from artisan.workshop import PROMPT, VARIATIONS, Job, Workshop


class SessionView(Vertical):
    """The Prompt pane above the Variations pane, both showing the workshop's state."""

    def __init__(self, workshop: Workshop) -> None:
        super().__init__(id="right")
        self.workshop = workshop
        self.prompt_pane = PromptPane(
            lambda version: workshop.target(version.target if version else None)
        )
        self.variations_pane = VariationsPane()

    def compose(self) -> ComposeResult:
        yield self.prompt_pane
        yield self.variations_pane

    @on(JobUpdated)
    def _job_updated(self, event: JobUpdated) -> None:
        job = event.job
        if job.kind == PROMPT:
            if job.running and not self.prompt_pane.streaming:
                self.prompt_pane.begin(caption(self.workshop, self.workshop.streaming))
            if job.running:
                self.prompt_pane.thinking(job.thinking_since is not None)
            elif not job.running and self.prompt_pane.streaming:
                self.prompt_pane.end()
                self.show_version()
        elif job.kind == VARIATIONS and not job.running and job.version is self.workshop.version:
            self.variations_pane.set_summary(job.outcome)

    @on(VersionChanged)
    def _version_changed(self) -> None:
        if not self.prompt_pane.streaming:
            self.show_version()

    @on(VariationsUpdated)
    def _variations_updated(self, event: VariationsUpdated) -> None:
        if event.version is not self.workshop.version:
            return  # the variations of a version not shown now
        if event.index is None:
            self.show_variations()
        else:
            self.variations_pane.ended(event.index)

    def show_version(self) -> None:
        """Show the current version and its variations."""
        workshop = self.workshop
        text = caption(workshop, workshop.version)
        job = workshop.jobs.get(PROMPT)
        if job is not None and not job.running and not job.kept:
            # The last request left nothing to show: say how it ended before what is shown,
            # where a narrow border does not cut it off.
            last = f"last request: {last_outcome(job)}"
            text = f"{last} · {text}" if text else last
        self.prompt_pane.show(workshop.version, text)
        self.show_variations()

    def show_variations(self) -> None:
        workshop = self.workshop
        version = workshop.version
        title = f"Variations of v{workshop.current + 1}" if version is not None else "Variations"
        job = workshop.jobs.get(VARIATIONS)
        # How the last variations job ended, beside the variations it wrote only.
        ended = job is not None and not job.running and version is not None
        summary = job.outcome if ended and job is not None and job.version is version else ""
        self.variations_pane.show(workshop.variations, title, summary)


def caption(workshop: Workshop, version: PromptVersion | None) -> str:
    """The Prompt pane's border line: which version and where it came from, how it ended, by
    what, for what, at what cost. The most telling first, since a narrow pane cuts the end."""
    if version is None:
        return ""
    parts = []
    where = workshop.position(version)
    if where is not None:
        parts.append(f"v{where + 1}/{len(workshop.versions)} {version.label()}")
    if version.idea and version.idea != workshop.idea and has_wildcards(workshop.idea):
        # One expansion of the idea's wildcards: say which the prompt was written for.
        parts.append(f"for “{shorten(version.idea, 40)}”")
    parts.append(version.state)
    parts.append(
        version.model or (EngineName.COMPOSER if version.engine == EngineName.COMPOSER else "")
    )
    parts.append(version.target)
    if CHECKER_MARK in version.note:  # a model's answer that breaks a target's rule
        found = version.note.split(CHECKER_MARK, 1)[1].count(";") + 1
        parts.append(f"⚠ {found} rule{'s' * (found > 1)} broken")
    if version.usage:
        estimate = "≈" if version.usage_estimated else ""
        parts.append(f"{estimate}{version.usage:,} tokens")
    if version.thinking_seconds:
        parts.append(f"thought {version.thinking_seconds:.0f} s")
    return " · ".join(part for part in parts if part)


def last_outcome(job: Job) -> str:
    """How a prompt request that left no version ended, in a few words."""
    if job.reasoning and job.outcome in (State.EMPTY, State.TRUNCATED, State.INTERRUPTED):
        return "no prompt, only thinking"
    return job.outcome
