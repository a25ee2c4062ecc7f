"""The Library pane: search box, list of saved prompts, and what can be done to them.

The library is read in a worker after the first paint, and read again (through its cache) when
another program changes an entry file (`artisan.library_watch`). Every change to an entry goes
through `Library.update`, which re-reads the file under the library's lock, so an artisan
running in another terminal keeps its changes too. Disk work runs in thread workers; the screen
only ever waits for the search, which takes milliseconds.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar, Protocol

from textual import on, work
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input

from artisan import files
from artisan.clock import Clock, system_clock
from artisan.entry import PromptEntry, normalize_tags
from artisan.errors import ArtisanError
from artisan.library import Library
from artisan.library_watch import LibraryWatch
from artisan.sanitize import from_visible, visible
from artisan.search import SearchIndex
from artisan.shorten import shorten
from artisan.tui.background import write_library
from artisan.tui.text import plain
from artisan.tui.widgets.fields import Field
from artisan.tui.widgets.library_list import LibraryList

FIRST_FRAME_WRITTEN = 1 / 60
"""Seconds between the first frame handed to Textual's writer and the library's reading: one
frame, time enough for the writer thread to put it on the terminal."""


class SearchBox(Field):
    """The search box: Down (like Enter) goes to the results."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("down", "to_results", show=False)]

    def action_to_results(self) -> None:
        pane = next((a for a in self.ancestors if isinstance(a, LibraryPane)), None)
        if pane is not None:
            pane.list.focus()


class Asks(Protocol):
    """What the pane asks the person through dialogs (the app gives `screens.ask.Dialogs`)."""

    def ask(
        self, title: str, hint: str, value: str, then: Callable[[str | None], None]
    ) -> None: ...

    def confirm(
        self, title: str, question: str, yes: str, then: Callable[[bool | None], None]
    ) -> None: ...

    def preview(self, entry: PromptEntry, then: Callable[[bool | None], None]) -> None: ...


class LibraryPane(Vertical):
    """The saved prompts, searchable as you type."""

    DEFAULT_CSS = """
    LibraryPane {
        #library-search { margin-bottom: 0; }
    }
    """

    class Load(Message):
        """Load this entry into the Idea and Prompt panes."""

        def __init__(self, entry: PromptEntry) -> None:
            super().__init__()
            self.entry = entry

    class Copy(Message):
        """Copy this text to the clipboard."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class ShowImages(Message):
        def __init__(self, entry: PromptEntry) -> None:
            super().__init__()
            self.entry = entry

    class Loaded(Message):
        """The library has been read (or read again)."""

        def __init__(
            self, index: SearchIndex, problems: list[str], *, provisional: bool = False
        ) -> None:
            super().__init__()
            self.index = index
            self.problems = problems
            self.provisional = provisional
            """Read from the cache alone; the files are still to be checked."""

    class Read(Message):
        """The library has been read and its search is ready: the entries, for whatever
        else learns from them (completions)."""

        def __init__(self, entries: list[PromptEntry]) -> None:
            super().__init__()
            self.entries = entries

    def __init__(self, library: Library, dialogs: Asks, *, clock: Clock = system_clock) -> None:
        super().__init__(id="library-pane")
        self.library = library
        self.dialogs = dialogs
        self.index: SearchIndex | None = None
        self.border_title = "Library"
        self.border_subtitle = "loading…"
        self._deleted: list[str] = []
        self._told: set[str] = set()
        """Problems already shown: a file that stays broken is reported once per session."""
        self._watch = LibraryWatch(library.folder, self._changed_elsewhere)
        self.search_box = SearchBox(
            placeholder="Search  (ctrl+l)", id="library-search", compact=True
        )
        self.list = LibraryList(clock=clock, id="library-list")

    def compose(self) -> ComposeResult:
        # The search box and the (empty) list are in the first frame, which then shows every
        # pane: mounting them after it cost two more frames, 40-60 ms, before the screen was
        # complete. The library is read once that frame is on screen.
        yield self.search_box
        yield self.list

    def on_mount(self) -> None:
        self.call_after_refresh(self.set_timer, FIRST_FRAME_WRITTEN, self._fill)

    def on_unmount(self) -> None:
        self._watch.stop()

    def _fill(self) -> None:
        # The first frame is on the terminal: read the library (in a thread, from the cache
        # first). Parsing the cache holds the interpreter for tens of milliseconds at 10,000
        # prompts; started while the first frame was still being built or written (Textual
        # writes in a thread of its own), it held that frame back as long.
        self.reload(from_cache_first=True)
        self._start_watching()

    # Loading ---------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="library-load")
    def reload(self, *, from_cache_first: bool = False) -> None:
        """Read the library (through its cache) and build the search index.

        Args:
            from_cache_first: Show the entries of the cache at once, before checking the files
                (the check follows as soon as the list is on screen). Used at start-up.
        """
        if from_cache_first and self.library.load_cached():
            index = SearchIndex(self.library.entries())
            self.post_message(self.Loaded(index, [], provisional=True))
            return
        try:
            report = self.library.load()
        except ArtisanError as error:
            self.app.call_from_thread(self.notify, str(error), severity="error", timeout=10)
            return
        index = SearchIndex(self.library.entries())
        self.post_message(self.Loaded(index, report.problems))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        event.stop()
        self.index = event.index
        for problem in event.problems:
            if problem not in self._told:
                self._told.add(problem)
                self.notify(problem, title="Library", severity="warning", timeout=10)
        self.refresh_list()
        self.call_after_refresh(self._settle, event.index, event.provisional)

    @work(thread=True, group="library-load")
    def _settle(self, index: SearchIndex, provisional: bool) -> None:
        """Once the list is on screen: get search ready, and check the list against the files."""
        index.build()  # the searchable copies, ready before the first keystroke
        if provisional:
            try:
                report = self.library.load()
            except ArtisanError as error:
                self.app.call_from_thread(self.notify, str(error), severity="error", timeout=10)
                return
            entries = self.library.entries()
            shown = index.entries()
            if (
                report.problems
                or len(entries) != len(shown)
                or any(a is not b for a, b in zip(entries, shown, strict=True))
            ):
                self.post_message(self.Loaded(SearchIndex(entries), report.problems))
                return
        index.warm()  # the typo vocabulary, ready before the first typo
        self.post_message(self.Read(index.entries()))

    @work(thread=True, group="library-watch")
    def _start_watching(self) -> None:
        self._watch.start()

    def _changed_elsewhere(self, names: set[str]) -> None:
        """Called on the watcher's thread: read the library again on the app's, unless the
        change was this app's own (already shown)."""
        if self.library.left_as_written(names):
            return
        try:
            self.app.call_from_thread(self.reload)
        except RuntimeError:
            return  # the app is closing

    # Searching -------------------------------------------------------------------------------

    @on(Input.Changed, "#library-search")
    def _search_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.refresh_list(best_first=True)

    @on(Input.Submitted, "#library-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.list.focus()

    def refresh_list(self, keep: str | None = None, *, best_first: bool = False) -> None:
        """Show the entries matching the search box, best first.

        Args:
            keep: Keep the cursor on this entry (default: on the one it is on now).
            best_first: Put the cursor on the best match instead, as after a new search.
        """
        if self.index is None:
            return
        current = self.list.highlighted_entry
        if not best_first:
            keep = keep or (current.id if current else None)
        query = self.search_box.value
        entries = self.index.search(query)
        self.list.set_entries(entries, keep, self.index.shared_titles)
        total = len(self.index)
        if query.strip():
            shown = shorten(query.strip(), 20)
            self.border_subtitle = plain(f"{len(entries):,} of {total:,} · “{shown}”")
        else:
            self.border_subtitle = plain("1 saved" if total == 1 else f"{total:,} saved")

    def entry_saved(self, entry: PromptEntry) -> None:
        """An entry was added or changed in this process: show it without reading the disk."""
        if self.index is not None:
            self.index.upsert(entry)
            self.refresh_list(keep=entry.id)

    # Entry actions ---------------------------------------------------------------------------

    @on(LibraryList.EntryAction)
    def _entry_action(self, event: LibraryList.EntryAction) -> None:
        event.stop()
        entry = event.entry
        if event.action == "undo":
            self._undo_delete()
            return
        if entry is None:
            self.notify("The library is empty: ctrl+s saves the prompt you are working on.")
            return
        if event.action == "load":
            self.post_message(self.Load(entry))
        elif event.action == "preview":

            def answered(load: bool | None) -> None:
                if load:
                    self.post_message(self.Load(entry))

            self.dialogs.preview(entry, answered)
        elif event.action == "favorite":
            self._change(entry, _toggle_favorite, "")
        elif event.action == "tags":
            self.dialogs.ask(
                "Tags",
                "Separate tags with spaces or commas; Enter saves, Esc cancels",
                visible(" ".join(entry.tags)),
                lambda answer: self._set_tags(entry, answer),
            )
        elif event.action == "rename":
            self.dialogs.ask(
                "Rename",
                "Enter saves, Esc cancels",
                visible(entry.title),
                lambda answer: self._rename(entry, answer),
            )
        elif event.action == "edit":
            self._edit_in_editor(entry)
        elif event.action == "copy":
            self.post_message(self.Copy(entry.prompt))
        elif event.action == "images":
            self.post_message(self.ShowImages(entry))
        elif event.action == "delete":
            self._delete(entry)

    def act_from_palette(self, action: str) -> None:
        """A library command chosen in the palette: it acts on the highlighted entry, so the
        list gets the focus (the person sees which one), and a deletion is asked first."""
        entry = self.list.highlighted_entry
        if entry is None:
            self.notify("The library is empty: ctrl+s saves the prompt you are working on.")
            return
        self.list.focus()
        if action != "entry('delete')":
            self.call_later(self.list.run_action, action)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete(entry)

        question = f"Move “{shorten(entry.title, 50)}” ({entry.id}) to the trash?"
        self.dialogs.confirm("Delete", question, "Delete", answered)

    def _set_tags(self, entry: PromptEntry, answer: str | None) -> None:
        if answer is None:
            return
        tags = normalize_tags(from_visible(answer).replace(",", " ").split())

        def change(target: PromptEntry) -> None:
            target.tags = tags

        self._change(entry, change, "Tags saved")

    def _rename(self, entry: PromptEntry, answer: str | None) -> None:
        title = " ".join(from_visible(answer or "").split())
        if not title:
            return

        def change(target: PromptEntry) -> None:
            target.title = title

        self._change(entry, change, "Renamed")

    def _change(
        self, entry: PromptEntry, change: Callable[[PromptEntry], object], done: str
    ) -> None:
        write_library(
            self,
            lambda: self.library.update(entry.id, change),
            lambda updated: self._after_change(updated, done),
        )

    def _after_change(self, entry: PromptEntry, done: str) -> None:
        self.entry_saved(entry)
        if done:
            self.notify(f"{done}: “{shorten(entry.title, 40)}”")

    def _edit_in_editor(self, entry: PromptEntry) -> None:
        """Suspend the app and edit the prompt in $VISUAL or $EDITOR."""
        command = shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")
        with tempfile.TemporaryDirectory(prefix="artisan-") as folder:
            path = Path(folder) / f"{entry.id}.txt"
            path.write_text(entry.prompt, encoding="utf-8")
            try:
                with self.app.suspend():
                    completed = subprocess.run([*command, str(path)], check=False)
            except SuspendNotSupported:
                self.notify(
                    "This terminal cannot hand over to an editor; use `artisan library "
                    "show` and edit the file instead.",
                    severity="warning",
                )
                return
            except FileNotFoundError:
                self.notify(
                    f"The editor `{command[0]}` was not found; set $EDITOR.", severity="error"
                )
                return
            if completed.returncode != 0:
                self.notify(
                    f"The editor exited with status {completed.returncode}; the prompt "
                    "was not changed.",
                    severity="warning",
                )
                return
            try:
                text = files.read_text(path, files.EDITED_PROMPT).rstrip("\n")
            except (OSError, files.FileProblem) as error:
                self.notify(f"The prompt was not changed: {error}", severity="error")
                return
        if not text.strip() or text == entry.prompt:
            self.notify("The prompt was not changed.")
            return

        def change(target: PromptEntry) -> None:
            target.prompt = text

        self._change(entry, change, "Prompt saved")

    def _delete(self, entry: PromptEntry) -> None:
        write_library(self, lambda: self.library.delete(entry.id), self._after_delete)

    def _after_delete(self, entry: PromptEntry) -> None:
        self._deleted.append(entry.id)
        if self.index is not None:
            self.index.remove(entry.id)
            self.refresh_list()
        self.notify(f"Deleted “{shorten(entry.title, 40)}”. Press u in the list to undo.")

    def _undo_delete(self) -> None:
        if not self._deleted:
            self.notify("Nothing to undo.")
            return
        entry_id = self._deleted.pop()
        write_library(
            self,
            lambda: self.library.restore(entry_id),
            lambda entry: self._after_change(entry, "Restored"),
        )


def _toggle_favorite(entry: PromptEntry) -> None:
    entry.favorite = not entry.favorite
