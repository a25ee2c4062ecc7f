"""The key bar: the keys that matter now, on one line at the bottom.

Textual's footer lists app-wide keys before the focused widget's, so on a narrow terminal the
keys of the focused pane are the ones cut off. This bar lists the focused pane's keys first,
then the app's, and drops what does not fit.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.app import RenderResult
from textual.widget import Widget

from artisan.tui.keymap import KEYMAP


class KeyBar(Widget):
    """One line of `key label` pairs from the screen's active bindings."""

    COMPONENT_CLASSES = {"keybar--key", "keybar--disabled"}

    DEFAULT_CSS = """
    KeyBar {
        height: 1;
        dock: bottom;
        background: $footer-background;
        color: $footer-foreground;
        & > .keybar--key {
            color: $footer-key-foreground;
            text-style: bold;
        }
        & > .keybar--disabled {
            text-style: dim;
        }
    }
    """

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen: object) -> None:
        self.refresh()

    def render(self) -> RenderResult:
        active = list(self.screen.active_bindings.values())
        pane = [item for item in active if item.node is not self.app and item.binding.show]
        app = sorted(
            (item for item in active if item.node is self.app and item.binding.show),
            key=lambda item: _ORDER.get(item.binding.id or "", len(_ORDER)),
        )
        items = [(item.binding, item.enabled) for item in [*pane, *app]]
        # Help and Quit are how a person finds everything else and leaves: they keep their
        # place at the end of the line however narrow the terminal, and the rest fills in.
        last = [item for item in items if item[0].id in ALWAYS_SHOWN]
        first = [item for item in items if item[0].id not in ALWAYS_SHOWN]

        key_style = self.get_component_rich_style("keybar--key")
        disabled_style = self.get_component_rich_style("keybar--disabled")
        pieces: list[tuple[str, str, bool]] = []
        seen: set[str] = set()
        for binding, enabled in [*first, *last]:
            if binding.action in seen:
                continue
            seen.add(binding.action)
            key = f" {self.app.get_key_display(binding)} "
            label = (binding.description or binding.action.replace("_", " ").capitalize()) + " "
            pieces.append((key, label, enabled))
        tail = sum(cell_len(k) + cell_len(lb) for k, lb, _ in pieces[len(pieces) - len(last) :])
        room = self.size.width - tail
        line = Text(no_wrap=True, overflow="crop")
        for number, (key, label, enabled) in enumerate(pieces):
            size = cell_len(key) + cell_len(label)
            is_tail = number >= len(pieces) - len(last)
            if not is_tail:
                if size > room:
                    continue  # skipped: the key bar is too narrow for it
                room -= size
            line.append(key, key_style)
            line.append(label, None if enabled else disabled_style)
        return line


_ORDER = {action.id: index for index, action in enumerate(KEYMAP)}
ALWAYS_SHOWN = ("help", "quit")
"""Binding ids the key bar never drops for lack of room."""
