"""The Prompt pane: the prompt streams in, then becomes editable.

Text from the model arrives in many small pieces. They are collected and shown together at most
`FLUSH_HZ` times a second, in a `StreamView`, which re-wraps only the last line on each append:
the cost of a flush does not grow with the text already shown. (An editor re-measures the whole
paragraph for every row it draws, and a prompt is often one long paragraph.) When the answer is
complete it moves, once, into the editor, where it can be selected, copied and edited.

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
from artisan.tui.widgets.stream_view import StreamView

FLUSH_HZ = 20


class PromptPane(Vertical):
    """Shows one version of the prompt, or the one being written."""

    DEFAULT_CSS = """
    PromptPane {
        #prompt { height: 1fr; border: none; padding: 0 1; }
        #prompt-stream { display: none; }
        &.-streaming #prompt-stream { color: $text-muted; }
        &.-stream-shown #prompt-stream { display: block; }
        &.-stream-shown #prompt { display: none; }
    }
    """

    def __init__(self) -> None:
        super().__init__(id="prompt-pane")
        self.border_title = "Prompt"
        self._pending: list[str] = []
        self._flusher: Timer | None = None
        self._editor_had_focus = False
        self.streaming = False
        self.editor = TextArea(
            id="prompt",
            soft_wrap=True,
            tab_behavior="focus",
            read_only=True,
            placeholder="ctrl+j writes a prompt from the idea",
        )
        self.stream = StreamView(id="prompt-stream")

    def compose(self) -> ComposeResult:
        yield self.editor
        yield self.stream

    def on_mount(self) -> None:
        self._flusher = self.set_interval(1 / FLUSH_HZ, self.flush, pause=True)

    @property
    def text(self) -> str:
        """The prompt as the model sent it (or as edited), control characters restored."""
        if self.has_class("-stream-shown"):
            return from_visible(self.stream.text + visible("".join(self._pending)))
        return from_visible(self.editor.text)

    def begin(self, caption: str) -> None:
        """Clear the pane for a new answer, shown in the stream view while it arrives."""
        self._pending.clear()
        self._editor_had_focus = self.editor.has_focus
        self.stream.clear()
        self.editor.read_only = True
        self.add_class("-streaming", "-stream-shown")
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
        self.stream.append(chunk)

    def end(self, caption: str) -> None:
        """The answer is complete (or stopped).

        It stays in the stream view until the person comes to the pane to select or edit it:
        moving a long answer into the editor costs a full wrap and measure, which need not delay
        seeing it whole.
        """
        self.flush()
        if self._flusher is not None:
            self._flusher.pause()
        self.streaming = False
        self.remove_class("-streaming")
        self.border_subtitle = caption
        if self._editor_had_focus or self.stream.has_focus:
            self.use_editor()

    def use_editor(self) -> None:
        """Move a finished answer from the stream view into the editor and focus it."""
        if self.streaming or not self.has_class("-stream-shown"):
            return
        editor = self.editor
        editor.load_text(self.stream.text)
        editor.cursor_location = editor.document.end
        editor.read_only = False
        self.remove_class("-stream-shown")
        editor.focus()

    def on_descendant_focus(self) -> None:
        # Coming to the pane (tab, click, a test focusing the editor) means working with the
        # text: the editor takes over from the stream view.
        self.use_editor()

    @property
    def shown_text(self) -> str:
        """The text on screen, with control characters as their pictures."""
        return self.stream.text if self.has_class("-stream-shown") else self.editor.text

    def show(self, version: PromptVersion | None, caption: str) -> None:
        """Show a stored version of the prompt."""
        self.remove_class("-stream-shown")
        editor = self.editor
        editor.load_text(visible(version.text) if version else "")
        editor.read_only = version is None
        self.border_subtitle = caption
