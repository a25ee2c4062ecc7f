"""The Variations pane: the variations of the version shown, several streaming in at once.

Each variation is one item of an option list, so the list can be moved through (and a finished
variation promoted or saved) while the others are still arriving. The variations themselves
live in the workshop, with the version they were written from; the pane shows that list and,
like the Prompt pane, repaints the rows that grew at most `FLUSH_HZ` times a second.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import OptionList

from artisan.draft import Variation
from artisan.shorten import shorten
from artisan.state import State
from artisan.tui import keymap
from artisan.tui.text import plain, rich_plain

FLUSH_HZ = 20
PREVIEW_CHARS = 1200
"""The list shows the first characters of each variation (about 200 words): drawing every item
again on each flush then costs the same for a 5,000-word variation as for a 100-word one."""


class VariationList(OptionList):
    """The list itself; Enter promotes the highlighted variation, s saves it, space marks it."""

    BINDINGS: ClassVar[list[BindingType]] = keymap.bindings(keymap.VARIATIONS)

    def action_variation(self, what: str) -> None:
        if self.highlighted is not None:
            self.post_message(VariationsPane.Chosen(what, self.highlighted))

    def action_mark(self) -> None:
        if self.highlighted is not None:
            self.query_ancestor(VariationsPane).toggle_mark(self.highlighted)

    def action_mark_all(self) -> None:
        self.query_ancestor(VariationsPane).toggle_all()


class VariationsPane(Vertical):
    """Holds the variations of the version shown."""

    DEFAULT_CSS = """
    VariationsPane {
        #variations { height: 1fr; border: none; background: $background;
                      scrollbar-size-vertical: 1; }
        #variations > .option-list--option { padding: 0 1; }
    }
    """

    class Chosen(Message):
        """The person asked to do something with a variation: "promote", "save", "copy"."""

        def __init__(self, action: str, index: int) -> None:
            super().__init__()
            self.action = action
            self.index = index

    def __init__(self) -> None:
        super().__init__(id="variations-pane")
        self.border_title = "Variations"
        self.items: list[Variation] = []
        self.marked: set[int] = set()
        """The variations marked to be rendered together (their indexes)."""
        self._summary = ""
        self._dirty: set[int] = set()
        self._flusher: Timer | None = None
        self.option_list = VariationList(id="variations")

    def compose(self) -> ComposeResult:
        # Mounted after the first frame (see `on_mount`): one widget less to build before the
        # app first appears.
        return iter(())

    def on_mount(self) -> None:
        self._flusher = self.set_interval(1 / FLUSH_HZ, self.flush, pause=True)
        self.call_after_refresh(self.mount, self.option_list)

    @property
    def highlighted(self) -> int | None:
        index = self.option_list.highlighted
        return index if index is not None and index < len(self.items) else None

    def show(self, items: list[Variation], title: str, summary: str = "") -> None:
        """Show these variations (the list is the workshop's: it fills in as they stream).

        Marks stay while the same list is shown again, and go when another list is shown.
        """
        if items is not self.items:
            self.marked.clear()
        self.marked = {index for index in self.marked if index < len(items)}
        self.items = items
        self._dirty.clear()
        option_list = self.option_list
        keep = option_list.highlighted
        option_list.set_options(self._prompt(i) for i in range(len(items)))
        if items:
            option_list.highlighted = keep if keep is not None and keep < len(items) else 0
        self.border_title = plain(title)
        self.set_summary(summary)
        streaming = any(item.state.running for item in items)
        if self._flusher is not None:
            if streaming:
                self._flusher.resume()
            else:
                self._flusher.pause()

    def set_summary(self, summary: str) -> None:
        self._summary = summary
        if self.marked:
            count = len(self.marked)
            marks = f"{count} marked · g renders {'it' if count == 1 else 'them'}"
            summary = f"{marks} · {summary}" if summary else marks
        self.border_subtitle = plain(summary)

    def toggle_mark(self, index: int) -> None:
        """Mark variation `index` to be rendered with the others marked, or unmark it."""
        if index >= len(self.items):
            return
        self.marked ^= {index}
        self._repaint(index)

    def toggle_all(self) -> None:
        """Mark every variation; when every one is marked already, unmark them all."""
        everything = set(range(len(self.items)))
        changed = everything if self.marked != everything else set(self.marked)
        self.marked = set() if self.marked == everything else everything
        for index in sorted(changed):
            self._repaint(index)

    def marked_indexes(self) -> list[int]:
        """The marked variations, in list order."""
        return sorted(self.marked)

    def _repaint(self, index: int) -> None:
        self.option_list.replace_option_prompt_at_index(index, self._prompt(index))
        self.set_summary(self._summary)

    def feed(self, index: int) -> None:
        """Variation `index` grew; its row is repainted at the next flush."""
        self._dirty.add(index)

    def flush(self) -> None:
        if not self._dirty:
            return
        dirty, self._dirty = self._dirty, set()
        for index in sorted(dirty):
            if index < len(self.items):
                self.option_list.replace_option_prompt_at_index(index, self._prompt(index))

    def ended(self, index: int) -> None:
        """Variation `index` is complete, stopped or failed."""
        self._dirty.discard(index)
        if index < len(self.items):
            self.option_list.replace_option_prompt_at_index(index, self._prompt(index))
        if self._flusher is not None and not any(i.state.running for i in self.items):
            self.flush()
            self._flusher.pause()

    def _prompt(self, index: int) -> Text:
        item = self.items[index]
        line = Text(no_wrap=False)
        if index in self.marked:
            line.append("● ", style="bold reverse")
        line.append(f"{index + 1} ", style="bold")
        if item.idea:
            line.append_text(rich_plain(f"{item.idea}: ", "italic"))
        if item.state is State.ERROR:
            line.append_text(rich_plain(f"✗ {item.error}", "red"))
            if item.text:
                line.append_text(rich_plain("\n" + _preview(item.text)))
            return line
        body = _preview(item.text)
        if not body and item.state.running:
            line.append("…", style="dim")
        elif not body:
            line.append("(nothing arrived)", style="italic dim")
        else:
            line.append_text(rich_plain(body))
        if len(item.text) > PREVIEW_CHARS:
            words = len(item.text.split())
            line.append(f"  ({words:,} words; Enter shows it all)", style="italic dim")
        if item.state is not State.DONE and not item.state.running:
            line.append_text(rich_plain(f"  ({item.state.with_reason(item.note)})", "italic dim"))
        return line


def _preview(text: str) -> str:
    """The start of a variation, as the list shows it."""
    return shorten(text.strip(), PREVIEW_CHARS + 1, one_line=False)
