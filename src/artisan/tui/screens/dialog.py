"""The base of every dialog: a box in the middle of the screen, closed with Escape."""

from __future__ import annotations

from typing import ClassVar, TypeVar

from textual.binding import Binding, BindingType
from textual.screen import ModalScreen

Answer = TypeVar("Answer")


class Dialog(ModalScreen[Answer]):
    """A modal box (the widget with the `dialog` class) over the main screen.

    Escape answers None. A subclass sets the width of its box in its own CSS, and its border
    title and subtitle.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close")]

    DEFAULT_CSS = """
    Dialog {
        align: center middle;
        & .dialog {
            width: 80; max-width: 100%; height: auto; max-height: 90%;
            border: round $primary; border-title-color: $primary;
            border-subtitle-color: $text-muted;
            background: $surface; padding: 0 1;
        }
    }
    """

    def action_close(self) -> None:
        self.dismiss(None)
