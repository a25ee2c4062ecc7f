"""What `artisan image` tells as renders go: paths of saved files on stdout, one per line, as
each render finishes; revised prompts, costs, partial previews, warnings and library ids on
stderr; and the exit status at the end.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from artisan.cli.output import say, warn
from artisan.shorten import shorten

if TYPE_CHECKING:
    from artisan.images.batch import Batch, BatchItem
    from artisan.images.prices import Cost


class Reporter:
    """Prints each render as it finishes: paths on stdout, the rest on stderr."""

    def __init__(
        self, count: int, suffix_format: str | None, open_: bool, mode: str, *, preview: bool
    ) -> None:
        self.count = count
        self.suffix_format = suffix_format
        self.open = open_
        self.mode = mode
        self.preview = preview
        self.warned: set[str] = set()
        self.previews_shown = 0

    def changed(self, item: BatchItem) -> None:
        from artisan.images.batch import ItemState

        which = f"{item.label}: " if item.label else ""  # a comparison's cell
        if not which and self.count > 1:
            which = f"“{shorten(item.prompt, 40)}”: "
        if item.preview is not None and self.preview and item.state is ItemState.RENDERING:
            self._show_preview(item.preview, which)
            item.preview = None
        elif item.state is ItemState.RENDERING and isatty(sys.stderr):
            warn(f"{which}{item.stage}")
        elif item.state is ItemState.FAILED:
            warn(f"{which}{item.error}")
        elif item.state is ItemState.DONE and item.outcome is not None:
            self._report(item, which)

    def _show_preview(self, data: bytes, which: str) -> None:
        """A partial image: drawn on a terminal, said in a line otherwise."""
        from artisan.cli.output import draw
        from artisan.cli.preview import half_blocks

        self.previews_shown += 1
        if isatty(sys.stderr):
            draw(half_blocks(data))
        warn(f"{which}preview {self.previews_shown} arrived")

    def _report(self, item: BatchItem, which: str) -> None:
        from artisan.images.files import FORMATS_BY_SUFFIX

        outcome = item.outcome
        assert outcome is not None
        many = len(outcome.images) > 1
        for number, image in enumerate(outcome.images, start=1):
            say(str(image.path))
            revised = image.record.revised_prompt
            if revised:
                label = f"revised prompt {number}" if many else "revised prompt"
                say(f"{which}{label}: {revised}", err=True)
            actual = FORMATS_BY_SUFFIX.get(image.path.suffix.lower())
            if self.suffix_format is not None and actual != self.suffix_format:
                warn(
                    f"The server sent a {actual or image.path.suffix} image rather than "
                    f"{self.suffix_format}, so it was saved as {image.path.name}."
                )
        for note in outcome.warnings:
            if note not in self.warned:
                self.warned.add(note)
                warn(note)
        say(f"{which}{cost_line(outcome.cost, outcome.free)}", err=True)
        if outcome.entry is not None and outcome.saved_entry:
            say(f"{which}saved the prompt as {outcome.entry.id}", err=True)
        elif outcome.entry is not None:
            say(f"{which}linked to saved prompt {outcome.entry.id}", err=True)
        if self.open:
            _open([image.path for image in outcome.images], self.mode)


def cost_line(cost: Cost | None, free: bool = False) -> str:
    if free:
        return "cost: nothing (rendered on your own server)"
    if cost is None:
        return "cost: unknown (the model has no price in the table)"
    basis = "estimated from the price table" if cost.estimated else "from the reported usage"
    return f"cost: {cost.describe()} ({basis})"


def finish(batch: Batch) -> int:
    """Exit status 1 when any render failed (each failure was reported as it happened)."""
    from artisan.images.batch import ItemState

    if len(batch.items) > 1:
        spent = batch.spent()
        total = f"; spent {spent.describe()}" if spent is not None else ""
        warn(f"{batch.summary()}{total}.")
    return 1 if any(item.state is ItemState.FAILED for item in batch.items) else 0


def _open(paths: list[Path], mode: str) -> None:
    from artisan.images.opener import SYSTEM, ViewerError, show_image

    for path in paths:
        try:
            choice = show_image(path, mode)
        except ViewerError as error:
            warn(str(error))
            return
        if choice.how != SYSTEM:
            warn(f"Not opening a viewer ({choice.reason}); the path is above.")
            return


def isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
