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

        key_style = self.get_component_rich_style("keybar--key")
        disabled_style = self.get_component_rich_style("keybar--disabled")
        line = Text(no_wrap=True, overflow="crop")
        limit = self.size.width
        seen: set[str] = set()
        for binding, enabled in items:
            if binding.action in seen:
                continue
            seen.add(binding.action)
            key = f" {self.app.get_key_display(binding)} "
            label = (binding.description or binding.action.replace("_", " ").capitalize()) + " "
            if cell_len(line.plain) + cell_len(key) + cell_len(label) > limit:
                break
            line.append(key, key_style)
            line.append(label, None if enabled else disabled_style)
        return line


_ORDER = {action.id: index for index, action in enumerate(KEYMAP)}
