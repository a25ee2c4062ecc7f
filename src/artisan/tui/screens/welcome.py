"""The first start, and a model server found on this machine.

`WelcomeScreen` opens on the very first start with nothing configured: it says what works at
once (the offline composer writes prompts, the library keeps them) and where a model is set up
(Settings, F2). `ServerOffer` asks whether to use an OpenAI-compatible server found running on
this machine (Ollama, LM Studio, llama.cpp, ...); on the first start the welcome makes the same
offer itself once the search has finished.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from artisan.discovery import FoundServer
from artisan.tui.screens.dialog import Dialog
from artisan.tui.text import plain

USE = "use"
NEVER = "never"
SETTINGS = "settings"


def offered_model(server: FoundServer) -> str:
    """The model to suggest: the first that is not for embeddings (or the first of all)."""
    for model in server.models:
        if "embed" not in model.lower():
            return model
    return server.models[0] if server.models else ""


def offer_text(server: FoundServer) -> str:
    count = len(server.models)
    models = f"{count} model{'s' if count != 1 else ''}"
    model = offered_model(server)
    use = f": use {model}?" if model else "."
    return f"{server.name} is running here ({server.base_url}) with {models}{use}"


class WelcomeScreen(Dialog[str | None]):
    """The first start: answers SETTINGS, USE (the server offered) or None (start writing)."""

    AUTO_FOCUS = "#start"

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Start writing")]

    DEFAULT_CSS = """
    WelcomeScreen {
        #welcome { width: 76; }
        #welcome Static { margin-bottom: 1; }
        #found { color: $text-muted; }
        #welcome-buttons { height: 3; align-horizontal: right; }
        #welcome-buttons Button { margin-left: 1; }
        #use-server { display: none; }
        #use-server.-offered { display: block; }
    }
    """

    def __init__(self, library: str, searching: bool) -> None:
        super().__init__()
        self.library = library
        self.searching = searching
        self.server: FoundServer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="welcome", classes="dialog") as box:
            box.border_title = "Welcome to artisan"
            yield Static(
                "Type a rough idea in the Idea pane and press ctrl+j: the offline composer "
                "writes a prompt for the chosen target at once, with no key and no network. "
                "ctrl+n writes variations, ctrl+s keeps a prompt in your library."
            )
            yield Static(plain(f"Your library: {self.library}"))
            yield Static(
                "For prompts written by a model, give artisan an OpenAI API key or a local "
                "server (Ollama, LM Studio, llama.cpp) in Settings (F2, at any time)."
            )
            yield Static(
                plain("Looking for a model server on this machine…" if self.searching else ""),
                id="found",
            )
            with Horizontal(id="welcome-buttons"):
                yield Button("Settings", id="open-settings")
                yield Button("Use it", id="use-server", variant="success")
                yield Button("Start writing", id="start", variant="primary")

    def offer(self, servers: list[FoundServer]) -> None:
        """The search has finished: offer the first server found, or say none was."""
        found = self.query_one("#found", Static)
        if not servers:
            found.update("No model server is running on this machine.")
            return
        self.server = servers[0]
        found.update(plain(offer_text(self.server)))
        self.query_one("#use-server", Button).add_class("-offered")

    @on(Button.Pressed, "#open-settings")
    def _settings(self) -> None:
        self.dismiss(SETTINGS)

    @on(Button.Pressed, "#use-server")
    def _use(self) -> None:
        self.dismiss(USE)

    @on(Button.Pressed, "#start")
    def _start(self) -> None:
        self.dismiss(None)


class ServerOffer(Dialog[str | None]):
    """A server was found: answers USE, NEVER (do not offer again) or None (not now)."""

    AUTO_FOCUS = "#use"

    DEFAULT_CSS = """
    ServerOffer {
        #offer { width: 76; }
        #offer-buttons { height: 3; margin-top: 1; align-horizontal: right; }
        #offer-buttons Button { margin-left: 1; }
    }
    """

    def __init__(self, server: FoundServer) -> None:
        super().__init__()
        self.server = server

    def compose(self) -> ComposeResult:
        with Vertical(id="offer", classes="dialog") as box:
            box.border_title = "A model server is running here"
            yield Static(plain(offer_text(self.server)))
            yield Static(
                "Prompts are written by the offline composer until a model is set up. The "
                "choice is saved in config.toml; Settings (F2) changes it any time."
            )
            with Horizontal(id="offer-buttons"):
                yield Button("Never ask", id="never")
                yield Button("Not now", id="not-now")
                yield Button("Use it", id="use", variant="success")

    @on(Button.Pressed, "#use")
    def _use(self) -> None:
        self.dismiss(USE)

    @on(Button.Pressed, "#never")
    def _never(self) -> None:
        self.dismiss(NEVER)

    @on(Button.Pressed, "#not-now")
    def _not_now(self) -> None:
        self.dismiss(None)
