"""A one-line question: the refine instruction, tags, a new title."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label

from artisan.tui.screens.dialog import Dialog
from artisan.tui.text import plain


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
            yield Input(self.value, placeholder=self.placeholder, id="answer")
            yield Label(plain(self.hint))

    @on(Input.Submitted, "#answer")
    def _answered(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)
