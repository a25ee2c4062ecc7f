"""The Prompt pane: the prompt streams in, then becomes editable.

Text from the engine arrives in many small pieces. They are collected and shown together at
most `FLUSH_HZ` times a second, in a `StreamView`, which re-wraps only the last line on each
append: the cost of a flush does not grow with the text already shown. (An editor re-measures
the whole paragraph for every row it draws, and a prompt is often one long paragraph.)

The same view shows a finished prompt, a restored draft or an older version. The editor is made
the first time the person comes to the pane to select, copy or edit the text, and takes over
from the view from then on whenever the pane has the focus: nobody pays for an editor at
start-up, or for loading a long answer into one, before they want to edit it. What the person
types is reported with `Edited`; the workshop decides which version it becomes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult, RenderResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static, TextArea

from artisan.checker import measure
from artisan.draft import PromptVersion
from artisan.sanitize import from_visible, visible
from artisan.targets import Target
from artisan.tui.text import plain, rich_plain
from artisan.tui.widgets.completing import PROMPT, CompletingTextArea
from artisan.tui.widgets.stream_view import StreamView

FLUSH_HZ = 20
PLACEHOLDER = "ctrl+j writes a prompt from the idea"
WAITING = "The request is out; waiting for the first words… (Esc stops it)"
THINKING = "The model is thinking; its thoughts are kept apart from the prompt… (Esc stops it)"


class ThoughtLine(Widget, can_focus=True):
    """One dim line above a thinking model's prompt: "▸ thought for 12 s". Enter (or a click)
    opens what it thought, below the line; the thoughts are never part of the prompt."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter,space", "open_thoughts", "Thoughts")]

    DEFAULT_CSS = """
    ThoughtLine {
        height: auto; max-height: 12; padding: 0 1; color: $text-muted; text-style: italic;
        display: none;
        &.-shown { display: block; }
        &:focus { background: $boost; }
    }
    """

    open: reactive[bool] = reactive(False)

    def __init__(self) -> None:
        super().__init__(id="thoughts")
        self.seconds = 0.0
        self.reasoning = ""

    def show_for(self, version: PromptVersion | None) -> None:
        self.reasoning = version.reasoning if version is not None else ""
        self.seconds = version.thinking_seconds if version is not None else 0.0
        self.open = False
        self.set_class(bool(self.reasoning), "-shown")
        self.refresh(layout=True)

    def render(self) -> RenderResult:
        took = f" for {self.seconds:.0f} s" if self.seconds >= 1 else ""
        head = f"{'▾' if self.open else '▸'} thought{took} (Enter shows it)"
        if not self.open:
            return Text(head, no_wrap=True, overflow="ellipsis")
        line = Text(head.replace("shows", "hides") + "\n")
        line.append_text(rich_plain(self.reasoning))
        return line

    def action_open_thoughts(self) -> None:
        self.open = not self.open
        self.refresh(layout=True)

    def on_click(self) -> None:
        self.action_open_thoughts()


class CountLine(Static):
    """How long the prompt is in its target's unit, under the text: CLIP tokens against 75 for
    Stable Diffusion, words against the target's range for the others."""

    DEFAULT_CSS = """
    CountLine {
        dock: bottom; height: 1; padding: 0 1; color: $text-muted; text-align: right;
        &.-outside { color: $warning; }
    }
    """

    def count(self, text: str, target: Target | None) -> None:
        if target is None or not text.strip():
            self.update("")
            self.remove_class("-outside")
            return
        counted = measure(text, target)
        self.update(plain(f"{counted} · {target.label}"))
        self.set_class(counted.over or counted.under, "-outside")


class PromptPane(Vertical):
    """Shows one version of the prompt, or the one being written."""

    DEFAULT_CSS = """
    PromptPane {
        #prompt { height: 1fr; border: none; padding: 0 1; display: none; }
        #prompt-stream { display: none; }
        &.-streaming #prompt-stream { color: $text-muted; }
        &.-stream-shown #prompt-stream { display: block; }
        &.-editing #prompt { display: block; }
    }
    """

    class Edited(Message):
        """The person changed the prompt in the editor."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, target_of: Callable[[PromptVersion | None], Target] | None = None) -> None:
        """`target_of` gives the target a version was written for (for the count line)."""
        super().__init__(id="prompt-pane", classes="-stream-shown")
        self.target_of = target_of
        self.target: Target | None = None
        self.counts = CountLine(id="prompt-count")
        self.border_title = "Prompt"
        self._pending: list[str] = []
        self._flusher: Timer | None = None
        self._editor_had_focus = False
        self._editor: TextArea | None = None
        self.streaming = False
        self.stream = StreamView(id="prompt-stream", placeholder=PLACEHOLDER)
        self.thoughts = ThoughtLine()

    def compose(self) -> ComposeResult:
        yield self.thoughts
        yield self.stream
        yield self.counts

    def on_mount(self) -> None:
        self._flusher = self.set_interval(1 / FLUSH_HZ, self.flush, pause=True)

    @property
    def editor(self) -> TextArea:
        """The editor, made (and mounted) on first use."""
        if self._editor is None:
            self._editor = CompletingTextArea(
                where=PROMPT,
                id="prompt",
                soft_wrap=True,
                tab_behavior="focus",
                placeholder=PLACEHOLDER,
            )
            self.mount(self._editor, before=self.stream)
        return self._editor

    @property
    def editing(self) -> bool:
        return self.has_class("-editing")

    @property
    def text(self) -> str:
        """The prompt as the engine sent it (or as edited), control characters restored."""
        return from_visible(self.shown_text + visible("".join(self._pending)))

    @property
    def shown_text(self) -> str:
        """The text on screen, with control characters as their pictures."""
        return self.editor.text if self.editing else self.stream.text

    def set_caption(self, caption: str) -> None:
        self.border_subtitle = plain(caption)

    def begin(self, caption: str) -> None:
        """Clear the pane for a new answer, shown in the stream view while it arrives."""
        self._pending.clear()
        self.counts.count("", None)
        self._editor_had_focus = self._editor is not None and self._editor.has_focus
        self._show_in_view("")
        self.thoughts.show_for(None)
        self.stream.set_placeholder(WAITING)
        self.add_class("-streaming")
        self.streaming = True
        self.set_caption(caption)
        if self._flusher is not None:
            self._flusher.resume()

    def thinking(self, now: bool) -> None:
        """A thinking model started (or stopped) thinking before the first words."""
        self.stream.set_placeholder(THINKING if now else WAITING)

    def feed(self, text: str) -> None:
        """Queue a piece of streamed text; it is shown at the next flush."""
        self._pending.append(text)

    def flush(self) -> None:
        if not self._pending:
            return
        chunk = visible("".join(self._pending))
        self._pending.clear()
        self.stream.append(chunk)

    def end(self) -> None:
        """The answer is complete (or stopped); it stays in the view until edited."""
        self.flush()
        if self._flusher is not None:
            self._flusher.pause()
        self.streaming = False
        self.remove_class("-streaming")
        self.stream.set_placeholder(PLACEHOLDER)
        if self._editor_had_focus or self.stream.has_focus:
            self.use_editor()
        self.counts.count(self.text, self.target)

    def show(self, version: PromptVersion | None, caption: str) -> None:
        """Show a stored version of the prompt (unless it is already what is shown)."""
        text = visible(version.text) if version else ""
        self.thoughts.show_for(version)
        if self.target_of is not None:
            self.target = self.target_of(version)
        self.counts.count(version.text if version else "", self.target)
        if text != self.shown_text:
            if self.editing:
                self._load_editor(text)
            else:
                self._show_in_view(text)
        self.set_caption(caption)

    def use_editor(self) -> None:
        """Move the text shown into the editor and focus it, to select, copy or edit."""
        if self.streaming or self.editing:
            return
        editor = self.editor
        self._load_editor(self.stream.text)
        editor.cursor_location = editor.document.end
        self.remove_class("-stream-shown")
        self.add_class("-editing")
        editor.focus()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # Coming to the text (tab, click) means working with it: the editor takes over.
        if event.widget is self.stream:
            self.use_editor()

    @on(TextArea.Changed, "#prompt")
    def _typed(self, event: TextArea.Changed) -> None:
        event.stop()
        self.counts.count(from_visible(event.text_area.text), self.target)
        if not self.streaming:
            # Loading a version into the editor changes it too; the text is read now, when
            # the event is handled, so that reports the version shown, which is no edit.
            self.post_message(self.Edited(from_visible(event.text_area.text)))

    def _load_editor(self, text: str) -> None:
        self.editor.load_text(text)

    def _show_in_view(self, text: str) -> None:
        self.stream.show(text)
        self.remove_class("-editing")
        self.add_class("-stream-shown")
