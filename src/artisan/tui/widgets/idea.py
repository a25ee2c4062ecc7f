"""The Idea pane: a multi-line editor for the rough idea and the target selector."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical

from artisan.targets import Target
from artisan.tui import keymap
from artisan.tui.widgets.completing import IDEA, CompletingTextArea
from artisan.tui.widgets.target_picker import TargetPicker


class IdeaEditor(CompletingTextArea):
    """The idea's editor, with the Idea pane's own keys and completions."""

    BINDINGS: ClassVar[list[BindingType]] = keymap.bindings(keymap.IDEA)

    def action_clear_idea(self) -> None:
        """Clear the whole idea as one edit, so ctrl+z brings it back."""
        if not self.text:
            return
        self.replace("", self.document.start, self.document.end)
        self.notify("The idea is cleared; ctrl+z brings it back.", timeout=4)

    def replace_all(self, text: str) -> None:
        """Put `text` in place of the idea as one edit, which ctrl+z undoes."""
        self.replace(text, self.document.start, self.document.end)
        self.cursor_location = self.document.end


class IdeaPane(Vertical):
    """Where the person describes the image they want."""

    DEFAULT_CSS = """
    IdeaPane {
        #idea { height: 1fr; border: none; padding: 0 1; }
    }
    """

    def __init__(self, targets: list[Target], target: str, idea: str = "") -> None:
        super().__init__(id="idea-pane")
        self.border_title = "Idea"
        self._targets = targets
        self.editor = IdeaEditor(
            idea,
            where=IDEA,
            id="idea",
            soft_wrap=True,
            tab_behavior="focus",
            placeholder="Describe the image: a beach sunset, a lonely surfer…",
        )
        self.editor.cursor_location = self.editor.document.end
        self.selector = TargetPicker(targets, target, id="target")

    def compose(self) -> ComposeResult:
        yield self.editor
        yield self.selector

    @on(TargetPicker.TypedHere)
    def _typed_on_target(self, event: TargetPicker.TypedHere) -> None:
        self.editor.focus()
        self.editor.insert(event.character)

    @property
    def idea(self) -> str:
        return self.editor.text

    @idea.setter
    def idea(self, text: str) -> None:
        self.editor.load_text(text)
        self.editor.cursor_location = self.editor.document.end

    @property
    def target(self) -> str:
        return self.selector.value

    @target.setter
    def target(self, name: str) -> None:
        if any(t.name == name for t in self._targets):
            self.selector.value = name
