"""The style picker: styles searchable as you type, stacked in order; Enter applies them."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from artisan.refinement.styles import Style, StyleBook
from artisan.shorten import shorten
from artisan.tui.screens.dialog import Dialog
from artisan.tui.text import plain, rich_plain

PREVIEW = 80
"""Characters of a row: the name and as much of the template as fits on one line."""


class StylePicker(Dialog[list[Style] | None]):
    """Asks for styles: Tab stacks the highlighted one (again: takes it off), Enter applies
    the stack in order (or, with nothing stacked, the highlighted style)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "move(1)", show=False, priority=True),
        Binding("up", "move(-1)", show=False, priority=True),
        Binding("tab", "stack", "Stack", show=False, priority=True),
    ]

    DEFAULT_CSS = """
    StylePicker {
        #styles { width: 90; }
        #style-list { height: auto; max-height: 16; border: none; background: $surface; }
        #style-stack { color: $text-muted; height: auto; }
    }
    """

    def __init__(self, book: StyleBook, where: str) -> None:
        super().__init__()
        self.book = book
        self.where = where
        self.found: list[Style] = []
        self.stack: list[Style] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="styles", classes="dialog") as box:
            box.border_title = "Styles"
            box.border_subtitle = plain(f"Tab stacks · Enter applies to {self.where} · Esc cancels")
            yield Input(placeholder="search styles", id="style-search")
            yield OptionList(id="style-list")
            yield Static(id="style-stack")

    def on_mount(self) -> None:
        self._list("")
        self._show_stack()
        self.query_one("#style-search", Input).focus()

    @on(Input.Changed, "#style-search")
    def _search(self, event: Input.Changed) -> None:
        self._list(event.value)

    def _list(self, query: str) -> None:
        wanted = query.casefold().split()
        by_name = [
            style
            for style in self.book.styles.values()
            if all(word in style.name.casefold() for word in wanted)
        ]
        # Styles whose name says what was typed come first, then those whose template does.
        self.found = by_name + [
            style
            for style in self.book.styles.values()
            if style not in by_name
            and all(word in f"{style.name} {style.prompt}".casefold() for word in wanted)
        ]
        listing = self.query_one("#style-list", OptionList)
        listing.set_options([Option(self._row(style)) for style in self.found])
        listing.highlighted = 0 if self.found else None

    def _row(self, style: Style) -> Text:
        place = next((n for n, s in enumerate(self.stack, 1) if s is style), None)
        row = Text(f"{place} " if place else "  ", style="bold", no_wrap=True, overflow="ellipsis")
        row.append_text(rich_plain(style.name, "bold"))
        room = max(10, PREVIEW - len(style.name))
        preview = shorten(style.prompt, room)
        row.append_text(rich_plain(f"  {preview}", "dim"))
        return row

    def _show_stack(self) -> None:
        line = " → ".join(style.name for style in self.stack)
        shown = f"Stacked: {line}" if line else "Nothing stacked: Enter applies the one highlighted"
        self.query_one("#style-stack", Static).update(plain(shown))

    def _highlighted(self) -> Style | None:
        index = self.query_one("#style-list", OptionList).highlighted
        return self.found[index] if index is not None and index < len(self.found) else None

    def action_move(self, step: int) -> None:
        listing = self.query_one("#style-list", OptionList)
        if step > 0:
            listing.action_cursor_down()
        else:
            listing.action_cursor_up()

    def action_stack(self) -> None:
        style = self._highlighted()
        if style is None:
            return
        if style in self.stack:
            self.stack.remove(style)
        else:
            self.stack.append(style)
        listing = self.query_one("#style-list", OptionList)
        for index, found in enumerate(self.found):
            listing.replace_option_prompt_at_index(index, self._row(found))
        self._show_stack()

    @on(Input.Submitted, "#style-search")
    @on(OptionList.OptionSelected, "#style-list")
    def _apply(self) -> None:
        if self.stack:
            self.dismiss(list(self.stack))
            return
        style = self._highlighted()
        if style is not None:
            self.dismiss([style])
