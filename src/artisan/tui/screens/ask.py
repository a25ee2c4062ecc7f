"""A one-line question: the refine instruction, tags, a new title."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label

from artisan.tui.screens.dialog import Dialog
from artisan.tui.text import plain
from artisan.tui.widgets.fields import Field


class AskScreen(Dialog[str | None]):
    """Asks for one line of text; Enter answers, Escape cancels (answering None)."""

    DEFAULT_CSS = """
    AskScreen #ask Label { color: $text-muted; }
    """

    def __init__(self, title: str, hint: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.hint = hint
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="ask", classes="dialog") as box:
            box.border_title = plain(self.title_text)
            yield Field(self.value, placeholder=self.placeholder, id="answer")
            yield Label(plain(self.hint))

    @on(Input.Submitted, "#answer")
    def _answered(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)


class ConfirmScreen(Dialog[bool]):
    """Asks yes or no about something named; answers True only for yes (Escape is no)."""

    DEFAULT_CSS = """
    ConfirmScreen #confirm-buttons { height: 3; margin-top: 1; align-horizontal: right; }
    ConfirmScreen #confirm-buttons Button { margin-left: 1; }
    """

    def __init__(self, title: str, question: str, yes: str) -> None:
        super().__init__()
        self.title_text = title
        self.question = question
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm", classes="dialog") as box:
            box.border_title = plain(self.title_text)
            yield Label(plain(self.question))
            with Horizontal(id="confirm-buttons"):
                yield Button("No", id="no")
                yield Button(plain(self.yes), id="yes", variant="error")

    AUTO_FOCUS = "#no"

    @on(Button.Pressed, "#yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def _no(self) -> None:
        self.dismiss(False)

    def action_close(self) -> None:
        self.dismiss(False)
