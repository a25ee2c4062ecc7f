"""The help screen (F1): the last long messages in full, then every key, from the same table
as the bindings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from artisan.tui import keymap
from artisan.tui.screens.dialog import Dialog
from artisan.tui.text import plain, rich_plain


class HelpScreen(Dialog[None]):
    """Lists every key by where it works; Escape, F1 or q closes it."""

    BINDINGS = [Binding("f1,q", "close", "Close")]

    DEFAULT_CSS = """
    HelpScreen #help { width: 92; }
    """

    def __init__(self, remapped: Mapping[str, str], messages: Sequence[str] = ()) -> None:
        super().__init__()
        self.remapped = remapped
        self.messages = messages
        """Messages too long for a notice, newest first: shown in full above the keys."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help", classes="dialog") as scroll:
            scroll.border_title = "Keys"
            scroll.border_subtitle = plain("Esc closes · remap in config.toml [keys]")
            if self.messages:
                recent = "\n".join(f"• {message}" for message in self.messages)
                yield Static(
                    rich_plain(f"Recent messages, in full\n{recent}\n"), id="help-messages"
                )
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
                shown = (
                    ", ".join(
                        self.app.get_key_display(Binding(key.strip(), action.action))
                        for key in keys.split(",")
                        if key.strip()
                    )
                    or "palette"
                )
                table.add_row(rich_plain(shown), rich_plain(action.help), rich_plain(action.id))
            table.add_row("", "", "")
        table.add_row(Text("Moving around", style="italic"), "", "")
        table.add_row("tab / shift+tab", "Move between panes", "")
        return table
