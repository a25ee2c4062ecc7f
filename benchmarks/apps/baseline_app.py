"""The baseline for artisan's launch time: a minimal Textual app (one Static and a Footer),
started the same way, in the same kind of pty."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer, Static

MARKER = "baseline app ready"


class Baseline(App[None]):
    BINDINGS = [("ctrl+q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Static(MARKER)
        yield Footer()


if __name__ == "__main__":
    Baseline().run()
