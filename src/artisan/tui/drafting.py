"""Keeping the draft: the app's unsaved work, written to disk a moment after each change.

A part of `ArtisanApp` (a mixin). The draft holds the idea, every version of the prompt, the
variations, and the text still streaming in, so a crash or a closed SSH connection loses at most
the last half second.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import App
from textual.timer import Timer

from artisan.draft import Draft, PromptVersion, Variation, save_draft
from artisan.tui.widgets.idea import IdeaPane
from artisan.tui.widgets.prompt import PromptPane
from artisan.tui.widgets.variations import VariationsPane

log = logging.getLogger("artisan")
DRAFT_DELAY = 0.5
"""Seconds of quiet before the draft is written (and at most this often while streaming)."""


class DraftKeeping(App[None]):
    """Restoring the draft at start and writing it after changes and at exit."""

    # Provided by the app.
    draft: Draft
    draft_path: Path
    idea_pane: IdeaPane
    prompt_pane: PromptPane
    variations_pane: VariationsPane
    generating_prompt: bool
    generating_variations: bool
    _draft_timer: Timer | None
    _streaming_version: PromptVersion | None

    if TYPE_CHECKING:  # provided by PromptWriting

        def _show_current(self) -> None: ...

    def _restore_draft(self) -> None:
        draft = self.draft
        for version in draft.versions:
            if version.state == "streaming":
                version.state = "interrupted"
        for item in draft.variations:
            if item.state == "streaming":
                item.state = "interrupted"
        self._show_current()
        self.variations_pane.show(draft.variations)

    def _snapshot(self) -> Draft:
        """The draft as it is now, including text still streaming in."""
        versions = list(self.draft.versions)
        current = self.draft.current
        if self._streaming_version is not None:
            partial = PromptVersion(
                **{**vars(self._streaming_version), "text": self.prompt_pane.text}
            )
            versions.append(partial)
            current = len(versions) - 1
        variations = [
            Variation(text=item.text, state=item.state, error=item.error)
            for item in self.variations_pane.items
        ]
        return Draft(
            idea=self.idea_pane.idea,
            target=self.idea_pane.target,
            versions=versions,
            current=current,
            variations=variations,
        )

    def _save_draft_soon(self) -> None:
        if self._draft_timer is None:
            self._draft_timer = self.set_timer(DRAFT_DELAY, self._write_draft)

    def _write_draft(self) -> None:
        self._draft_timer = None
        self._write_draft_in_background(self._snapshot())
        if self.generating_prompt or self.generating_variations:
            self._save_draft_soon()

    @work(thread=True, exclusive=True, group="draft")
    def _write_draft_in_background(self, draft: Draft) -> None:
        try:
            save_draft(self.draft_path, draft)
        except OSError as error:
            self.call_from_thread(
                self.notify,
                f"The draft could not be saved to {self.draft_path}: {error.strerror or error}.",
                severity="error",
            )

    def _write_draft_now(self) -> None:
        try:
            save_draft(self.draft_path, self._snapshot())
        except OSError as error:
            log.error("draft not saved at exit: %s", error)
