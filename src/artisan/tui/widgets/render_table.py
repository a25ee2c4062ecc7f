"""The progress of several renders at once: one row per prompt, with its state, time and cost."""

from __future__ import annotations

import time

from rich.text import Text
from textual.widgets import DataTable

from artisan.images.batch import BatchItem, ItemState
from artisan.images.compare import short_label
from artisan.shorten import shorten
from artisan.tui.text import rich_plain

PROMPT_WIDTH = 34
_STYLES = {
    ItemState.WAITING: "dim",
    ItemState.RENDERING: "bold",
    ItemState.DONE: "green",
    ItemState.FAILED: "red",
    ItemState.CANCELLED: "dim italic",
}


class RenderTable(DataTable[Text]):
    """Prompt, state, elapsed time and cost (estimated until it is known) of each render."""

    DEFAULT_CSS = """
    RenderTable { height: auto; max-height: 12; }
    """

    def __init__(self, items: list[BatchItem]) -> None:
        super().__init__(id="render-table", cursor_type="row", zebra_stripes=True)
        self.items = items

    def on_mount(self) -> None:
        self.add_column("#", key="number", width=3)
        self.add_column("prompt", key="prompt", width=PROMPT_WIDTH)
        self.add_column("state", key="state", width=14)
        self.add_column("time", key="time", width=5)
        self.add_column("cost", key="cost", width=9)
        for index, item in enumerate(self.items):
            self.add_row(*self._cells(index, item), key=str(index))

    def refresh_item(self, item: BatchItem) -> None:
        """Show the state of `item` now."""
        index = self.items.index(item)
        for column, cell in zip(
            ("number", "prompt", "state", "time", "cost"),
            self._cells(index, item),
            strict=True,
        ):
            self.update_cell(str(index), column, cell)

    def tick(self) -> None:
        """Move the clocks of the running renders on."""
        now = time.monotonic()
        for index, item in enumerate(self.items):
            if item.state is ItemState.RENDERING:
                self.update_cell(str(index), "time", Text(_seconds(item.elapsed(now))))

    def _cells(self, index: int, item: BatchItem) -> tuple[Text, ...]:
        cost = item.cost
        model = item.checked.model
        shown = cost.describe() if cost is not None else "?"
        if model is not None and not model.costs_money:
            shown = "free"  # one's own Stable Diffusion server
        if item.state in (ItemState.FAILED, ItemState.CANCELLED):
            shown = "-"  # nothing was drawn, so nothing is billed
        state = item.state.value
        if item.state is ItemState.DONE and item.outcome is not None:
            count = len(item.outcome.images)
            state = f"done: {count} image{'s' if count != 1 else ''}"
        return (
            Text(str(index + 1)),
            rich_plain(_first_words(short_label(item.cell) or item.prompt)),
            Text(state, style=_STYLES[item.state]),
            Text(_seconds(item.elapsed()) if item.started is not None else ""),
            Text(shown, style="" if item.outcome is not None else "dim"),
        )


def _seconds(value: float) -> str:
    return f"{value:.0f}s"


def _first_words(text: str) -> str:
    return shorten(text, PROMPT_WIDTH)
