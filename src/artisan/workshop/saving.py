"""Saving what the workshop holds to the library: which text, and what to call it. The rule
of what makes a new entry is the library's (`Library.save_prompt`), shared by every way of
saving."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from artisan.draft import PromptVersion

if TYPE_CHECKING:
    from artisan.entry import PromptEntry
    from artisan.library import Library, Saved


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


def save(plan: SavePlan, library: Library) -> Saved:
    """Save a plan to the library by its one rule (`Library.save_prompt`): the same text for
    the same target is the same entry; an edited version updates the entry it came from.
    Disk work: run it in a thread in the app.
    """
    return library.save_prompt(plan.new_entry(), replacing=plan.entry_id)
