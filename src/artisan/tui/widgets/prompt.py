"""The Prompt pane: the prompt streams in, then becomes editable.

Text from the model arrives in many small pieces. Inserting each into the editor would redraw
and re-wrap it hundreds of times a second, so pieces are collected and inserted together at
most `FLUSH_HZ` times a second, only at the end of the document: the cost of a flush does not
grow with the text already shown.

Model output is shown literally: control characters appear as their control pictures (ESC as ␛),
so escape sequences are seen, never obeyed, and the editor never interprets markup.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import TextArea

from artisan.draft import PromptVersion
from artisan.sanitize import from_visible, visible

FLUSH_HZ = 30


class PromptPane(Vertical):
    """Shows one version of the prompt, or the one being written."""

    DEFAULT_CSS = """
    PromptPane {
        #prompt { height: 1fr; border: none; padding: 0 1; }
        #prompt.-streaming { color: $text-muted; }
    }
    """

    def __init__(self) -> None:
        super().__init__(id="prompt-pane")
        self.border_title = "Prompt"
        self._pending: list[str] = []
        self._flusher: Timer | None = None
        self.streaming = False
        self.editor = TextArea(
            id="prompt",
            soft_wrap=True,
            tab_behavior="focus",
            read_only=True,
            placeholder="ctrl+j writes a prompt from the idea",
        )

    def compose(self) -> ComposeResult:
        yield self.editor

    def on_mount(self) -> None:
        self._flusher = self.set_interval(1 / FLUSH_HZ, self.flush, pause=True)

    @property
    def text(self) -> str:
        """The prompt as the model sent it (or as edited), control characters restored."""
        return from_visible(self.editor.text)

    def begin(self, caption: str) -> None:
        """Clear the pane for a new answer."""
        self._pending.clear()
        editor = self.editor
        editor.read_only = True
        editor.load_text("")
        editor.add_class("-streaming")
        self.streaming = True
        self.border_subtitle = caption
        if self._flusher is not None:
            self._flusher.resume()

    def feed(self, text: str) -> None:
        """Queue a piece of streamed text; it is shown at the next flush."""
        self._pending.append(text)

    def flush(self) -> None:
        if not self._pending:
            return
        chunk = visible("".join(self._pending))
        self._pending.clear()
        editor = self.editor
        follow = editor.scroll_offset.y >= editor.max_scroll_y - 1
        editor.insert(chunk, editor.document.end, maintain_selection_offset=False)
        if follow:
            editor.scroll_end(animate=False, immediate=True)

    def end(self, caption: str) -> None:
        """The answer is complete (or stopped): show all of it and allow editing."""
        self.flush()
        if self._flusher is not None:
            self._flusher.pause()
        editor = self.editor
        editor.history.clear()  # undo should not take back streamed text
        editor.read_only = False
        editor.remove_class("-streaming")
        self.streaming = False
        self.border_subtitle = caption

    def show(self, version: PromptVersion | None, caption: str) -> None:
        """Show a stored version of the prompt."""
        editor = self.editor
        editor.load_text(visible(version.text) if version else "")
        editor.read_only = version is None
        self.border_subtitle = caption
