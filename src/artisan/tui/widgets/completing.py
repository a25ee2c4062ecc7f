"""Editors that offer completions while the person types: the Idea and Prompt panes' text
areas and the refine instruction's line.

Textual's `TextArea` and `Input` handle a key in their own `_on_key` (printable characters,
Enter in a text area) and by bindings checked after it, once the key has bubbled up (arrows,
Backspace, Enter in an input, Tab to move the focus). So these subclasses see every key first:
while the list of completions is shown, Tab takes the highlighted one, Up and Down move in the
list (and Enter then takes the one chosen) and Escape closes it, and the key goes no further;
every other key goes on as if the list were not there, and typing is never held up. Enter
before any choice is the editor's (a new line, the answer to a question): a word typed whole
and Enter must not turn into a completion nobody picked.

Completions are looked up when the text changes because of a key typed (not when a version is
loaded, a phrase inserted or an answer streams in), from the app's `completions` source (see
`artisan.tui.refining`); the widget finds it through its app, so the panes build it as a plain
editor. Without a source (a test app, another screen) it is a plain editor.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from textual import events, on
from textual.geometry import Offset
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, TextArea

from artisan.refinement.completions import Completion
from artisan.tui.widgets.completion_menu import CompletionMenu
from artisan.tui.widgets.fields import Editor, Field

IDEA = "idea"
PROMPT = "prompt"
INSTRUCTION = "instruction"
_CHOOSING = frozenset({"tab", "enter", "escape", "up", "down"})
_EDITING = frozenset({"backspace", "delete", "ctrl+w", "ctrl+backspace", "alt+backspace"})


@runtime_checkable
class CompletionSource(Protocol):
    """What the app offers: completions for the text before a cursor in one kind of editor."""

    def complete(self, before: str, whole: str, where: str) -> list[Completion]: ...

    def opened(self, menu: CompletionMenu) -> None:
        """A list of completions is shown (the source closes it when an action runs)."""


class Completing:
    """The completion behaviour of one editor (shared by the text areas and the input)."""

    def __init__(self, widget: Widget, where: str) -> None:
        self.widget = widget
        self.where = where
        self.menu: CompletionMenu | None = None
        self.typed = False
        """The last key was one that types (or deletes): the changes of the text that follow
        come from it. A burst of keys (a fast typist, a slow link) reaches the editor before
        the changes they made are reported, so this is set by each key, not used up by the
        first change."""

    def key(self, event: events.Key) -> bool:
        """Handle a key that chooses a completion; False to let the editor have it."""
        menu = self.menu
        if menu is not None and menu.shown and event.key == "enter" and not menu.moved:
            # Enter takes a completion chosen with Up or Down; otherwise it is the editor's
            # (a new line, or the answer of a one-line question) and the list closes.
            menu.hide()
            return False
        if menu is not None and menu.shown and event.key in _CHOOSING:
            event.stop()
            event.prevent_default()
            if event.key == "tab" or (event.key == "enter" and menu.moved):
                chosen = menu.chosen
                menu.hide()
                if chosen is not None:
                    self.widget.post_message(Completed(chosen))
            elif event.key == "escape":
                menu.hide()
            else:
                menu.move(1 if event.key == "down" else -1)
            return True
        self.typed = event.is_printable or event.key in _EDITING
        if not self.typed:
            self.hide()
        return False

    def changed(self, before: str, whole: str, cursor: Offset) -> None:
        """The text changed: look up completions if a key typed changed it."""
        source = getattr(self.widget.app, "completions", None)
        if not self.typed or not self.widget.has_focus or not isinstance(source, CompletionSource):
            self.hide()
            return
        found = source.complete(before, whole, self.where)
        if not found:
            self.hide()
            return
        menu = self.menu
        if menu is None:
            menu = self.menu = CompletionMenu()
            self.widget.screen.mount(menu)
        menu.show(found, cursor)
        source.opened(menu)

    def hide(self) -> None:
        if self.menu is not None:
            self.menu.hide()

    def taken(self) -> None:
        """A completion is about to change the text: that change is no typing."""
        self.typed = False

    def left(self) -> None:
        """The editor lost the focus."""
        self.typed = False
        self.hide()

    @property
    def shown(self) -> Completion | None:
        """The highlighted completion, while the list is shown."""
        menu = self.menu
        return menu.chosen if menu is not None and menu.shown else None


class Completed(Message, bubble=False):
    """A completion was taken (posted to the editor itself, after the key that took it)."""

    def __init__(self, completion: Completion) -> None:
        super().__init__()
        self.completion = completion


class CompletingTextArea(Editor):
    """A text area offering completions while the person types."""

    def __init__(self, *args: object, where: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.completing = Completing(self, where)

    async def _on_key(self, event: events.Key) -> None:
        # Textual calls the `_on_key` of every class of the widget in turn, until one
        # prevents the default: the editor's own (its bindings at once, then Textual's) runs
        # after this one unless it took the key.
        self.completing.key(event)

    @on(TextArea.Changed)
    def _look_up(self, event: TextArea.Changed) -> None:
        if event.text_area is not self:
            return
        row, column = self.cursor_location
        before = self.document.get_line(row)[:column]
        self.completing.changed(before, self.text, self.cursor_screen_offset)

    def _on_completed(self, event: Completed) -> None:
        self.completing.taken()
        row, column = self.cursor_location
        start = (row, max(0, column - event.completion.replaces))
        result = self.replace(
            event.completion.text, start, (row, column), maintain_selection_offset=False
        )
        self.cursor_location = result.end_location

    def _on_blur(self, event: events.Blur) -> None:
        self.completing.left()


class CompletingInput(Field):
    """A one-line input offering completions while the person types."""

    def __init__(self, *args: object, where: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.completing = Completing(self, where)

    async def _on_key(self, event: events.Key) -> None:
        self.completing.key(event)

    @on(Input.Changed)
    def _look_up(self, event: Input.Changed) -> None:
        if event.input is not self:
            return
        before = self.value[: self.cursor_position]
        self.completing.changed(before, self.value, self.cursor_screen_offset)

    def _on_completed(self, event: Completed) -> None:
        self.completing.taken()
        position = self.cursor_position
        start = max(0, position - event.completion.replaces)
        self.value = self.value[:start] + event.completion.text + self.value[position:]
        self.cursor_position = start + len(event.completion.text)

    def _on_blur(self, event: events.Blur) -> None:
        self.completing.left()
