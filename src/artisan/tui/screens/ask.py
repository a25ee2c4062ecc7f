"""A one-line question: the refine instruction, tags, a new title."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class AskScreen(ModalScreen[str | None]):
    """Asks for one line of text; Enter answers, Escape cancels (answering None)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    DEFAULT_CSS = """
    AskScreen {
        align: center middle;
        #ask {
            width: 80; max-width: 100%; height: auto;
            border: round $primary; border-title-color: $primary;
            background: $surface; padding: 0 1;
        }
        #ask Label { color: $text-muted; }
    }
    """

    def __init__(self, title: str, hint: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.hint = hint
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="ask") as box:
            box.border_title = self.title_text
            yield Input(self.value, placeholder=self.placeholder, id="answer")
            yield Label(self.hint)

    @on(Input.Submitted, "#answer")
    def _answered(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
