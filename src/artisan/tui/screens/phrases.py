"""The phrase picker: phrases by category, searchable as you type; Enter answers with one."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from artisan.refinement.phrases import Phrase, PhraseBook
from artisan.tui.screens.dialog import Dialog
from artisan.tui.text import plain, rich_plain


class PhrasePicker(Dialog[Phrase | None]):
    """Asks for a phrase; the search box keeps the focus, Up and Down move in the list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "move(1)", show=False, priority=True),
        Binding("up", "move(-1)", show=False, priority=True),
        Binding("pagedown", "move(8)", show=False, priority=True),
        Binding("pageup", "move(-8)", show=False, priority=True),
    ]

    DEFAULT_CSS = """
    PhrasePicker {
        #phrases { width: 70; }
        #phrases OptionList { height: auto; max-height: 20; border: none;
                              background: $surface; }
    }
    """

    def __init__(self, book: PhraseBook, where: str) -> None:
        super().__init__()
        self.book = book
        self.where = where
        """Where the phrase goes, in words: "the idea", "the prompt (Midjourney)"."""
        self.found: list[Phrase] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="phrases", classes="dialog") as box:
            box.border_title = "Phrases"
            box.border_subtitle = plain(f"Enter puts it into {self.where} · Esc cancels")
            yield Input(placeholder="search: light, 35mm, negative…", id="phrase-search")
            yield OptionList(id="phrase-list")

    def on_mount(self) -> None:
        self._list("")
        self.query_one("#phrase-search", Input).focus()

    @on(Input.Changed, "#phrase-search")
    def _search(self, event: Input.Changed) -> None:
        self._list(event.value)

    def _list(self, query: str) -> None:
        self.found = self.book.search(query)
        options: list[Option] = []
        heading = None
        for index, phrase in enumerate(self.found):
            if phrase.category is not heading:
                heading = phrase.category
                options.append(Option(rich_plain(heading.name, "bold"), disabled=True))
            options.append(Option(rich_plain(f"  {phrase.text}"), id=str(index)))
        listing = self.query_one("#phrase-list", OptionList)
        listing.set_options(options)
        first = next((i for i, o in enumerate(options) if not o.disabled), None)
        listing.highlighted = first

    def action_move(self, step: int) -> None:
        listing = self.query_one("#phrase-list", OptionList)
        if step > 0:
            for _ in range(step):
                listing.action_cursor_down()
        else:
            for _ in range(-step):
                listing.action_cursor_up()

    @on(Input.Submitted, "#phrase-search")
    def _chosen_from_search(self) -> None:
        listing = self.query_one("#phrase-list", OptionList)
        if listing.highlighted is not None:
            self._answer(listing.get_option_at_index(listing.highlighted))

    @on(OptionList.OptionSelected, "#phrase-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self._answer(event.option)

    def _answer(self, option: Option) -> None:
        if option.id is not None and not option.disabled:
            self.dismiss(self.found[int(option.id)])
