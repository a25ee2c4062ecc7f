"""The versions of the prompt: which one is shown, where each came from, and how the person's
own changes become versions.

A version is history. Editing an older version makes a new version at the end; a variation
used as the prompt, an entry loaded from the library and an edit are all new versions, each
knowing the version it came from. A version is told apart from another by what it is, never by
what it holds: two versions may hold the same text (a refine that changed nothing, a variation
used twice), and each keeps its own place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from artisan.draft import Draft, Origin, PromptVersion, Variation
from artisan.errors import ArtisanError
from artisan.state import EngineName, State
from artisan.workshop.events import Event, VersionsChanged
from artisan.workshop.saving import SavePlan

if TYPE_CHECKING:
    from artisan.entry import PromptEntry


class NothingToDo(ArtisanError):
    """There is no prompt yet to refine, vary, save or render."""


class VersionHistory:
    """The versions of one draft, and the one shown.

    Args:
        draft: The draft whose versions these are (replaced whole by `start_over`).
        tell: Told `VersionsChanged` when another version is shown or one is added.
        changed: Called after every change worth keeping (the draft is written).
    """

    def __init__(
        self, draft: Draft, tell: Callable[[Event], None], changed: Callable[[], None]
    ) -> None:
        self.draft = draft
        self._tell = tell
        self._changed = changed

    @property
    def versions(self) -> list[PromptVersion]:
        return self.draft.versions

    @property
    def version(self) -> PromptVersion | None:
        """The version shown."""
        return self.draft.version

    @property
    def current(self) -> int:
        return self.draft.current

    @property
    def variations(self) -> list[Variation]:
        """The variations of the version shown."""
        version = self.version
        return version.variations if version is not None else []

    def position(self, version: PromptVersion | None) -> int | None:
        """Where `version` itself is among the versions (from 0); None when it is none of them.

        Found by identity: a version that holds the same text as another is still itself.
        """
        if version is None:
            return None
        return next((i for i, one in enumerate(self.versions) if one is version), None)

    def append(self, version: PromptVersion) -> None:
        """Keep `version` as the newest, and show it."""
        self.draft.versions.append(version)
        self.draft.current = len(self.draft.versions) - 1
        self._tell(VersionsChanged())
        self._changed()

    def remove(self, version: PromptVersion) -> None:
        """Take `version` out again (one that turned out empty); the newest is shown."""
        where = self.position(version)
        if where is not None:
            del self.draft.versions[where]
            self.draft.current = len(self.draft.versions) - 1

    def step(self, delta: int) -> bool:
        """Show an older (-1) or newer (+1) version; False when there is none that way."""
        wanted = self.current + delta
        if not 0 <= wanted < len(self.versions):
            return False
        self.draft.current = wanted
        self._tell(VersionsChanged())
        self._changed()
        return True

    def edit(self, text: str, *, fallback_target: str, idea: str) -> PromptVersion | None:
        """The person changed the shown prompt to `text`.

        An edit of the newest version made by editing carries on in it, and one that comes
        back to the text it started from is no version at all: it goes, and the version it
        was made from is shown again. An edit of any other version makes a new version at the
        end, so the version it started from stays as it was.

        Returns:
            The version shown now, None when nothing changed.
        """
        current = self.version
        if current is not None and text == current.text:
            return None
        last = self.current == len(self.versions) - 1
        if current is not None and current.origin is Origin.EDITED and last:
            parent = current.parent
            if (
                parent is not None
                and 0 <= parent < self.current
                and self.versions[parent].text == text
                and not current.variations
            ):
                self.draft.versions.pop()
                self.draft.current = parent
                self._tell(VersionsChanged())
                self._changed()
                return self.versions[parent]
            current.text = text
            self._tell(VersionsChanged())
            self._changed()
            return current
        version = PromptVersion(
            text=text,
            origin=Origin.EDITED,
            engine=current.engine if current else "",
            model=current.model if current else "",
            target=current.target if current else fallback_target,
            idea=current.idea if current else idea,
            parent=self.current if current is not None else None,
            entry_id=current.entry_id if current else None,
        )
        self.append(version)
        return version

    def promote(self, index: int) -> PromptVersion:
        """Make variation `index` (from 0) of the version shown the newest version.

        Raises:
            NothingToDo: there is no such variation, or it is still being written or empty.
        """
        source = self.version
        if source is None or not 0 <= index < len(source.variations):
            raise NothingToDo("There is no variation to use.")
        item = source.variations[index]
        if item.state.running or not item.text.strip():
            raise NothingToDo("That variation is not finished yet.")
        version = PromptVersion(
            text=item.text.strip(),
            origin=Origin.VARIATION,
            engine=item.engine or source.engine,
            model=item.model or source.model,
            target=source.target,
            idea=item.idea or source.idea,
            state=State.DONE if item.state is State.ERROR else item.state,
            usage=item.usage,
            variation=index + 1,
            parent=self.current,
        )
        self.append(version)
        return version

    def load_entry(self, entry: PromptEntry, *, known_target: bool) -> PromptVersion:
        """Carry on from a saved prompt: its idea (and target, when `known_target`), and its
        prompt as a new version."""
        self.draft.idea = entry.idea
        if known_target:
            self.draft.target = entry.target
        version = PromptVersion(
            text=entry.prompt,
            origin=Origin.LIBRARY,
            engine=EngineName.COMPOSER if entry.model == EngineName.COMPOSER else "",
            model=entry.model,
            target=entry.target,
            idea=entry.idea,
            entry_id=entry.id,
        )
        self.append(version)
        return version

    def compared_with(self) -> int | None:
        """The index of the version the shown one is best compared with: the one it was
        refined, promoted or edited from, else the one before it; None when there is none."""
        version = self.version
        if version is None:
            return None
        parent = version.parent
        if parent is not None and 0 <= parent < len(self.versions) and parent != self.current:
            return parent
        return self.current - 1 if self.current > 0 else None

    def save_plan(
        self, variation: int | None, *, idea: str, target: str, model_of: Callable[[str], str]
    ) -> SavePlan:
        """What saving would keep: the version shown, or its variation `variation` (from 0).

        Args:
            variation: The variation to save; None for the version itself.
            idea: The draft's idea, for a version that knows none.
            target: The chosen target, for a version that names none.
            model_of: The model that writes for an engine (`EngineName.COMPOSER` for the
                composer).

        Raises:
            NothingToDo: there is nothing to save.
        """
        version = self.version
        if version is None or not version.text.strip():
            raise NothingToDo("There is nothing to save yet: ctrl+j writes a prompt.")
        number = self.current + 1
        if variation is None:
            return SavePlan(
                text=version.text.strip(),
                idea=(version.idea or idea).strip(),
                target=version.target or target,
                model=version.model or model_of(version.engine),
                entry_id=version.entry_id,
                what=f"the prompt (v{number}, {version.label()})",
                version=version,
                styles=tuple(version.styles),
            )
        if not 0 <= variation < len(version.variations):
            raise NothingToDo("There is no variation to save.")
        item = version.variations[variation]
        if item.state.running or not item.text.strip():
            raise NothingToDo("That variation is not finished yet.")
        return SavePlan(
            text=item.text.strip(),
            idea=(item.idea or version.idea or idea).strip(),
            target=version.target or target,
            model=item.model or version.model or model_of(item.engine),
            entry_id=None,
            what=f"variation {variation + 1} of v{number}",
            version=None,
        )

    def linked(self, plan: SavePlan, entry: PromptEntry) -> None:
        """The plan was saved as `entry`: its version now belongs to that entry."""
        if plan.version is not None:
            plan.version.entry_id = entry.id
            self._changed()
