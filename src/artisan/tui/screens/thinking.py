"""What a thinking model thought before it wrote a prompt (or instead of writing one).

Thinking models (DeepSeek-R1, Qwen3 and others) reason before they answer; artisan keeps the
reasoning apart from the prompt. This dialog shows it, for the version shown, the highlighted
variation, or the last request when it left no version: the place to look when a model
thought and wrote nothing.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from artisan.tui.screens.dialog import Dialog
from artisan.tui.text import plain


class ThinkingScreen(Dialog[None]):
    """The reasoning behind one answer, scrollable, closed with Escape."""

    DEFAULT_CSS = """
    ThinkingScreen #thinking { width: 100; height: auto; max-height: 90%; }
    ThinkingScreen #thinking-about { color: $text-muted; margin-bottom: 1; }
    """

    def __init__(self, title: str, about: str, reasoning: str) -> None:
        super().__init__()
        self.title_text = title
        self.about = about
        self.reasoning = reasoning

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="thinking", classes="dialog") as box:
            box.border_title = plain(self.title_text)
            box.border_subtitle = "Esc closes"
            yield Static(plain(self.about), id="thinking-about")
            yield Static(plain(self.reasoning), id="thinking-text")
