"""The list of completions under the cursor: a few lines drawn over the screen.

It never takes the focus: the editor keeps it, and sends it the keys that choose (see
`artisan.tui.widgets.completing`). One line per completion, the highlighted one in reverse,
with a dim word beside each (where it comes from, or what a parameter does).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import RenderResult
from textual.geometry import Offset, Region, Size
from textual.widget import Widget

from artisan.refinement.completions import Completion
from artisan.refinement.vocabulary import YOURS
from artisan.tui.text import rich_plain

WIDEST = 60
_DETAILS = {YOURS: "yours"}


class CompletionMenu(Widget, can_focus=False):
    """Completions for the word before an editor's cursor."""

    DEFAULT_CSS = """
    CompletionMenu {
        overlay: screen;
        display: none;
        max-width: 64;
        height: auto;
        background: $panel;
        color: $foreground;
        padding: 0 1;
        &.-shown { display: block; }
    }
    """

    def __init__(self) -> None:
        super().__init__(classes="completion-menu")
        self.items: tuple[Completion, ...] = ()
        self.highlighted = 0
        self.moved = False
        """The person moved in the list (Up, Down): Enter takes what they chose."""

    @property
    def shown(self) -> bool:
        return self.has_class("-shown") and bool(self.items)

    def show(self, items: Sequence[Completion], cursor: Offset) -> None:
        """Show `items` under the cursor (above it when there is no room below)."""
        self.items = tuple(items)
        self.highlighted = 0
        self.moved = False
        if not self.items:
            self.hide()
            return
        width = min(WIDEST, max(len(self._line(item)) for item in self.items)) + 2
        height = len(self.items)
        screen = self.screen.size if self.is_attached else Size(80, 24)
        below = cursor.y + 1
        y = below if below + height <= screen.height else max(0, cursor.y - height)
        x = max(0, min(cursor.x - 1, screen.width - width))
        self.absolute_offset = Region(x, y, width, height).offset
        self.styles.width = width
        self.add_class("-shown")
        self.refresh(layout=True)

    def hide(self) -> None:
        if self.has_class("-shown"):
            self.remove_class("-shown")
        self.items = ()

    def move(self, step: int) -> None:
        if self.items:
            self.highlighted = (self.highlighted + step) % len(self.items)
            self.moved = True
            self.refresh()

    @property
    def chosen(self) -> Completion | None:
        return self.items[self.highlighted] if self.items else None

    def render(self) -> RenderResult:
        text = Text(no_wrap=True, overflow="ellipsis")
        for index, item in enumerate(self.items):
            if index:
                text.append("\n")
            line = rich_plain(item.text, "reverse" if index == self.highlighted else "")
            detail = item.detail or _DETAILS.get(item.kind, "")
            if detail:
                line.append_text(rich_plain(f"  {detail}", "dim"))
            text.append_text(line)
        return text

    @staticmethod
    def _line(item: Completion) -> str:
        detail = item.detail or _DETAILS.get(item.kind, "")
        return f"{item.text}  {detail}" if detail else item.text
