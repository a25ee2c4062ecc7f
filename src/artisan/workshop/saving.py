"""Saving what the workshop holds to the library: which text, and what to call it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from artisan.draft import PromptVersion

if TYPE_CHECKING:
    from artisan.entry import PromptEntry
    from artisan.library import Library


@dataclass(frozen=True)
class SavePlan:
    """A prompt about to be saved to the library, and what to call it in a message."""

    text: str
    idea: str
    target: str
    model: str
    entry_id: str | None
    """The entry to update, when the version was loaded from or saved to one."""
    what: str
    """"the prompt (v3, refined: “moodier”)", "variation 2 of v3"."""
    version: PromptVersion | None
    styles: tuple[str, ...] = ()
    """The style templates the text was made with (recorded in the entry)."""

    def new_entry(self) -> PromptEntry:
        from artisan.entry import PromptEntry

        return PromptEntry.create(
            self.text,
            idea=self.idea,
            target=self.target,
            model=self.model,
            styles=list(self.styles),
        )


def save(plan: SavePlan, library: Library) -> tuple[PromptEntry, bool]:
    """Save a plan to the library (disk work: run it in a thread in the app).

    Returns:
        The entry, and True when it was an existing entry updated, False when it is new.
    """
    from artisan.errors import EntryNotFound

    if plan.entry_id:
        text = plan.text

        def change(entry: PromptEntry) -> None:
            entry.prompt = text
            entry.styles = list(plan.styles)

        try:
            return library.update(plan.entry_id, change), True
        except EntryNotFound:
            pass  # deleted meanwhile: saved anew below
    return library.add(plan.new_entry()), False
