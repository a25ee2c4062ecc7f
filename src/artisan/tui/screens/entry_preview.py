"""A saved prompt, read before it is loaded over the one being worked on (p in the library)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Static

from artisan.entry import PromptEntry, age
from artisan.tui.screens.dialog import Dialog
from artisan.tui.text import plain, rich_plain


class EntryPreview(Dialog[bool]):
    """Shows an entry whole; answers True to load it, False (or Escape) to leave it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("l", "load", "Load")]

    DEFAULT_CSS = """
    EntryPreview {
        #preview-entry { width: 96; height: auto; max-height: 90%; }
        #preview-facts { color: $text-muted; margin-bottom: 1; }
        #preview-prompt { margin-bottom: 1; }
        #preview-buttons { height: 3; align-horizontal: right; }
        #preview-buttons Button { margin-left: 1; }
    }
    """

    AUTO_FOCUS = "#preview-load"

    def __init__(self, entry: PromptEntry, now: datetime) -> None:
        super().__init__()
        self.entry = entry
        self.now = now
        """The moment the entry's age is told from."""

    def compose(self) -> ComposeResult:
        entry = self.entry
        with VerticalScroll(id="preview-entry", classes="dialog") as box:
            box.border_title = plain(("★ " if entry.favorite else "") + entry.title)
            box.border_subtitle = "Enter loads · Esc closes"
            yield Static(self._facts(), id="preview-facts")
            if entry.idea:
                yield Static(plain(f"Idea: {entry.idea}"), id="preview-idea")
            yield Static(plain(entry.prompt), id="preview-prompt")
            if entry.notes:
                yield Static(plain(f"Notes: {entry.notes}"), id="preview-notes")
            with Horizontal(id="preview-buttons"):
                yield Button("Close", id="preview-close")
                yield Button("Load", id="preview-load", variant="primary")

    def _facts(self) -> Text:
        entry = self.entry
        parts = [
            f"id {entry.id}",
            f"target {entry.target or '-'}",
            f"model {entry.model or '-'}",
            f"saved {entry.created:%Y-%m-%d %H:%M} ({age(entry.created, self.now)} ago)",
        ]
        if entry.tags:
            parts.append(" ".join("#" + tag for tag in entry.tags))
        if entry.images:
            count = len(entry.images)
            parts.append(f"{count} image{'s' if count != 1 else ''} (i in the list shows them)")
        return rich_plain(" · ".join(parts))

    @on(Button.Pressed, "#preview-load")
    def action_load(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#preview-close")
    def _close(self) -> None:
        self.dismiss(False)

    def action_close(self) -> None:
        self.dismiss(False)
