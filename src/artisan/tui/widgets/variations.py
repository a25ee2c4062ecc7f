"""The Variations pane: several alternative prompts streaming in at once.

Each variation is one item of an option list, so the list can be moved through (and a finished
variation promoted) while the others are still arriving. Like the Prompt pane, streamed pieces
are collected and shown at most `FLUSH_HZ` times a second.
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
from artisan.sanitize import visible
from artisan.tui import keymap

FLUSH_HZ = 20
PREVIEW_CHARS = 1200
"""The list shows the first characters of each variation (about 200 words): drawing every item
again on each flush then costs the same for a 5,000-word variation as for a 100-word one."""


class VariationList(OptionList):
    """The list itself; Enter promotes the highlighted variation."""

    BINDINGS: ClassVar[list[BindingType]] = keymap.bindings(keymap.VARIATIONS)

    def action_promote(self) -> None:
        if self.highlighted is not None:
            self.post_message(VariationsPane.Promote(self.highlighted))


class VariationsPane(Vertical):
    """Holds the variations of the current prompt."""

    DEFAULT_CSS = """
    VariationsPane {
        #variations { height: 1fr; border: none; background: $background;
                      scrollbar-size-vertical: 1; }
        #variations > .option-list--option { padding: 0 1; }
    }
    """

    class Promote(Message):
        """The person asked to use a variation as the prompt."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self) -> None:
        super().__init__(id="variations-pane")
        self.border_title = "Variations"
        self.items: list[Variation] = []
        self._pending: dict[int, list[str]] = {}
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

    def begin(self, count: int) -> None:
        """Start `count` empty variations."""
        self.items = [Variation(text="", state="streaming") for _ in range(count)]
        self._pending = {}
        option_list = self.option_list
        option_list.set_options(self._prompt(i) for i in range(count))
        option_list.highlighted = 0
        self.border_subtitle = "writing…"
        if self._flusher is not None:
            self._flusher.resume()

    def feed(self, index: int, text: str) -> None:
        self._pending.setdefault(index, []).append(text)

    def flush(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        option_list = self.option_list
        for index, pieces in pending.items():
            self.items[index].text += "".join(pieces)
            option_list.replace_option_prompt_at_index(index, self._prompt(index))

    def finish(self, index: int, state: str, text: str | None = None, error: str = "") -> None:
        """One variation is complete, stopped or failed."""
        self.flush()
        item = self.items[index]
        if text is not None:
            item.text = text
        item.state = state
        item.error = error
        self.option_list.replace_option_prompt_at_index(index, self._prompt(index))
        if all(i.state != "streaming" for i in self.items):
            if self._flusher is not None:
                self._flusher.pause()
            done = sum(i.state == "done" for i in self.items)
            self.border_subtitle = f"{done} of {len(self.items)} done"

    def show(self, items: list[Variation]) -> None:
        """Show stored variations (from the draft)."""
        self.items = list(items)
        self.option_list.set_options(self._prompt(i) for i in range(len(items)))
        if items:
            self.option_list.highlighted = 0
        self.border_subtitle = f"{len(items)} variations" if items else ""

    def _prompt(self, index: int) -> Text:
        item = self.items[index]
        line = Text(no_wrap=False)
        line.append(f"{index + 1} ", style="bold")
        if item.state == "error":
            line.append(f"✗ {item.error}", style="red")
            if item.text:
                line.append("\n" + _preview(item.text))
            return line
        body = _preview(item.text)
        if not body and item.state == "streaming":
            line.append("…", style="dim")
        else:
            line.append(body)
        if len(item.text) > PREVIEW_CHARS:
            words = len(item.text.split())
            line.append(f"  ({words:,} words; Enter shows it all)", style="italic dim")
        if item.state not in ("done", "streaming"):
            line.append(f"  ({item.state})", style="italic dim")
        return line


def _preview(text: str) -> str:
    """The start of a variation, as the list shows it."""
    shown = visible(text.strip()[:PREVIEW_CHARS])
    return shown + "…" if len(text.strip()) > PREVIEW_CHARS else shown
