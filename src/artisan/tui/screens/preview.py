"""A full-screen preview of a rendered image, drawn inside the terminal.

Used over SSH and wherever no local viewer can be opened, and by the gallery's Enter. The
picture is drawn with textual-image using the protocol chosen when the app started (Kitty
graphics, Sixel, or half-block characters, which every colour terminal shows); beside it: the
file path, the model, the size, the cost, the whole prompt and the prompt the model drew.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from artisan.entry import ImageRecord
from artisan.tui.clipboard import copy_and_tell
from artisan.tui.graphics import protocol_name
from artisan.tui.text import plain


class PreviewScreen(Screen[None]):
    """Shows one image and what is known about it; Escape closes it."""

    BINDINGS = [
        Binding("escape,q", "dismiss", "Close"),
        Binding("c", "copy_path", "Copy path"),
    ]

    DEFAULT_CSS = """
    PreviewScreen {
        layout: vertical;
        #preview { height: 1fr; }
        #picture { width: 2fr; height: 1fr; align: center middle; }
        #picture > * { width: auto; height: auto; max-width: 100%; max-height: 100%; }
        #facts {
            width: 1fr; min-width: 30; height: 1fr;
            border-left: vkey $foreground 25%; padding: 0 1;
        }
        #facts Static { margin-bottom: 1; }
        .heading { color: $primary; text-style: bold; }
        #keys { height: 1; dock: bottom; background: $footer-background; padding: 0 1; }
    }
    """

    def __init__(
        self, path: Path, record: ImageRecord, image_class: Callable[[Any], Widget]
    ) -> None:
        super().__init__()
        self.path = path
        self.record = record
        self.image_class = image_class

    def compose(self) -> ComposeResult:
        with Horizontal(id="preview"):
            with Horizontal(id="picture"):
                yield self.image_class(str(self.path))
            with VerticalScroll(id="facts"):
                yield Static("File", classes="heading")
                yield Static(plain(str(self.path)), id="path")
                yield Static("Model and size", classes="heading")
                yield Static(plain(f"{self.record.model or '?'} · {self.record.size or '?'}"))
                if self.record.cost is not None:
                    yield Static("Cost", classes="heading")
                    yield Static(plain(_cost(self.record)), id="cost")
                yield Static("Drawn with", classes="heading")
                yield Static(plain(protocol_name(self.image_class)), id="protocol")
                if self.record.prompt:
                    yield Static("Prompt", classes="heading")
                    yield Static(plain(self.record.prompt), id="prompt")
                if self.record.revised_prompt:
                    yield Static("Revised prompt (what the model drew)", classes="heading")
                    yield Static(plain(self.record.revised_prompt), id="revised")
        yield Static("Esc close · c copy the path", id="keys")

    def action_copy_path(self) -> None:
        copy_and_tell(self.app, str(self.path), "the path")


def _cost(record: ImageRecord) -> str:
    from artisan.images.prices import Cost

    if record.cost is None:
        return ""
    basis = "estimated" if record.cost_estimated else "from the usage reported"
    return f"{Cost(record.cost, record.cost_estimated).describe()} ({basis})"
