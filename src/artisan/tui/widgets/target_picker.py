"""The target selector under the idea: one line, changed with the arrow keys or from a list.

Textual's `Select` builds an overlay and an option list up front, which costs more at start-up
than the whole rest of the Idea pane; this widget draws one line, and the list
(`artisan.tui.screens.targets`, which the app opens) is built only when it is opened.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import RenderResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from artisan.targets import Target
from artisan.tui.text import rich_plain


class TargetPicker(Widget, can_focus=True):
    """Shows the chosen target; left/right change it, Enter opens the list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "step(-1)", "Previous target", show=False),
        Binding("right", "step(1)", "Next target", show=False),
        Binding("enter", "open", "Targets", show=False),
    ]

    DEFAULT_CSS = """
    TargetPicker {
        height: 1;
        padding: 0 1;
        color: $text-muted;
        &:focus { color: $foreground; background: $boost; }
    }
    """

    value: reactive[str] = reactive("", init=False)
    """The name of the chosen target."""

    class Changed(Message):
        def __init__(self, picker: TargetPicker, value: str) -> None:
            super().__init__()
            self.picker = picker
            self.value = value

        @property
        def control(self) -> TargetPicker:
            return self.picker

    def __init__(self, targets: list[Target], value: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.targets = targets
        self.set_reactive(TargetPicker.value, value)

    def render(self) -> RenderResult:
        target = self._current()
        line = Text("Target  ", style="dim", no_wrap=True, overflow="ellipsis")
        line.append_text(rich_plain(target.name if target else self.value, "bold"))
        if target is not None and target.label:
            line.append_text(rich_plain(f" · {target.label}"))
        line.append("  ◂ ▸ ↵" if self.has_focus else "")
        return line

    def validate_value(self, value: str) -> str:
        names = [t.name for t in self.targets]
        return value if value in names else (self.value or (names[0] if names else value))

    def watch_value(self, value: str) -> None:
        self.post_message(self.Changed(self, value))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def action_step(self, step: int) -> None:
        names = [t.name for t in self.targets]
        if self.value in names:
            self.value = names[(names.index(self.value) + step) % len(names)]

    def action_open(self) -> None:
        """Ask for the list of targets (the app opens it: a dialog is a screen's business)."""
        self.post_message(self.ListWanted(self))

    def on_click(self) -> None:
        self.action_open()

    def on_key(self, event: events.Key) -> None:
        # Someone typing here means to write the idea (focus lands here after a tab too many):
        # the text goes to the Idea editor instead of opening the list or being lost.
        if event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            self.post_message(self.TypedHere(event.character))

    class ListWanted(Message):
        """Enter or a click on the line: the list of targets, with their descriptions."""

        def __init__(self, picker: TargetPicker) -> None:
            super().__init__()
            self.picker = picker

    class TypedHere(Message):
        """A character was typed on the target line; it belongs in the idea."""

        def __init__(self, character: str) -> None:
            super().__init__()
            self.character = character

    def _current(self) -> Target | None:
        return next((t for t in self.targets if t.name == self.value), None)
