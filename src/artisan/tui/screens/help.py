"""The help screen (F1): every key, from the same table as the bindings."""

from __future__ import annotations

from collections.abc import Mapping

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from artisan.tui import keymap


class HelpScreen(ModalScreen[None]):
    """Lists every key by where it works; Escape, F1 or q closes it."""

    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close")]

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        #help {
            width: 92; max-width: 100%; height: auto; max-height: 90%;
            border: round $primary; border-title-color: $primary;
            background: $surface; padding: 0 1;
        }
    }
    """

    def __init__(self, remapped: Mapping[str, str]) -> None:
        super().__init__()
        self.remapped = remapped

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help") as scroll:
            scroll.border_title = "Keys"
            scroll.border_subtitle = "Esc closes · remap in config.toml [keys]"
            yield Static(self._table(), id="help-table")

    def _table(self) -> Table:
        table = Table(box=None, expand=True, show_header=True, pad_edge=False)
        table.add_column("Key", no_wrap=True, style="bold")
        table.add_column("Action")
        table.add_column("Id", style="dim", no_wrap=True)
        for scope, title in keymap.SCOPE_TITLES.items():
            actions = [a for a in keymap.KEYMAP if a.scope == scope]
            if not actions:
                continue
            table.add_row(Text(title, style="italic"), "", "")
            for action in actions:
                keys = keymap.effective_keys(action, self.remapped)
                shown = ", ".join(
                    self.app.get_key_display(Binding(key.strip(), action.action))
                    for key in keys.split(",")
                )
                table.add_row(shown, action.help, action.id)
            table.add_row("", "", "")
        table.add_row(Text("Moving around", style="italic"), "", "")
        table.add_row("tab / shift+tab", "Move between panes", "")
        return table
