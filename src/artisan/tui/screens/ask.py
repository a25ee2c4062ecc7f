"""A one-line question (the refine instruction, tags, a new title), a yes-or-no question, and
the dialogs the panes ask through."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label

from artisan.clock import Clock, system_clock
from artisan.tui.screens.dialog import Dialog
from artisan.tui.text import plain
from artisan.tui.widgets.completing import INSTRUCTION, CompletingInput
from artisan.tui.widgets.fields import Field

if TYPE_CHECKING:
    from textual.app import App

    from artisan.entry import PromptEntry


class AskScreen(Dialog[str | None]):
    """Asks for one line of text; Enter answers, Escape cancels (answering None)."""

    DEFAULT_CSS = """
    AskScreen #ask Label { color: $text-muted; }
    """

    def __init__(
        self,
        title: str,
        hint: str,
        value: str = "",
        placeholder: str = "",
        *,
        completing: bool = False,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.hint = hint
        self.value = value
        self.placeholder = placeholder
        self.completing = completing
        """Offer completions while the person types (the refine instruction)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="ask", classes="dialog") as box:
            box.border_title = plain(self.title_text)
            if self.completing:
                yield CompletingInput(
                    self.value, placeholder=self.placeholder, id="answer", where=INSTRUCTION
                )
            else:
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


class Dialogs:
    """The questions a pane asks through a dialog (see `artisan.tui.widgets.library.Asks`):
    panes are widgets, and widgets do not open screens themselves."""

    def __init__(self, app: App[Any], clock: Clock = system_clock) -> None:
        self.app = app
        self.clock = clock
        """What time it is, for an entry's age."""

    def ask(self, title: str, hint: str, value: str, then: Callable[[str | None], None]) -> None:
        self.app.push_screen(AskScreen(title, hint, value), then)

    def confirm(
        self, title: str, question: str, yes: str, then: Callable[[bool | None], None]
    ) -> None:
        self.app.push_screen(ConfirmScreen(title, question, yes), then)

    def preview(self, entry: PromptEntry, then: Callable[[bool | None], None]) -> None:
        from artisan.tui.screens.entry_preview import EntryPreview

        self.app.push_screen(EntryPreview(entry, self.clock()), then)
