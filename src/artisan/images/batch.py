"""Rendering several prompts together: one request per prompt, a few at a time.

A `Batch` holds one `BatchItem` per prompt and runs them through `render_and_record`, at most
`image.parallel` at once, telling a listener each time an item changes (for a progress table:
prompt, state, elapsed time, cost). What happens to each item is kept on it: a failed render is
an error on its row and never stops the others, and every image that arrived is saved.

Stopping comes in two steps, since a request already sent is being paid for: `cancel_waiting`
cancels the prompts not started (the running ones finish and are kept), `stop` also stops the
running ones: a request stopped before its answer arrived is recorded at its estimate (the
server may have billed it), and one whose answer had arrived is saved all the same. The whole
batch is checked against `image.monthly_limit` before the first request: a batch that would pass
it sends nothing; then each render reserves its own share as it starts.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from artisan.clock import Clock, system_clock
from artisan.errors import ArtisanError
from artisan.images import spending
from artisan.images.prices import Cost, estimate
from artisan.images.workflow import RenderOutcome, render_and_record

if TYPE_CHECKING:
    from artisan.config import Settings
    from artisan.entry import PromptEntry
    from artisan.images.compare import Cell
    from artisan.images.models import CheckedRequest
    from artisan.images.renderers import Renderer
    from artisan.images.rendering import RenderProgress
    from artisan.library import Library


class ItemState(StrEnum):
    """Where one prompt of a batch is."""

    WAITING = "waiting"
    RENDERING = "rendering"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(eq=False)
class BatchItem:
    """One prompt of a batch and what became of it."""

    checked: CheckedRequest
    entry: PromptEntry | str | None = None
    """As `render_and_record` takes it: a saved entry's id, an unsaved entry, or None."""
    label: str = ""
    """What the person calls it ("variation 2", an entry's title); the prompt by default."""
    cell: Cell = ()
    """In a comparison, the values this render varies (model=gpt-image-2, quality=low)."""
    state: ItemState = ItemState.WAITING
    stage: str = ""
    """The render's last progress line ("Saving image 1 of 2…")."""
    started: float | None = None
    ended: float | None = None
    outcome: RenderOutcome | None = None
    error: str = ""
    estimate: Cost | None = field(default=None)
    preview: bytes | None = None
    """The latest partial image, while it streams in (until a listener takes it)."""

    def __post_init__(self) -> None:
        if self.estimate is None:
            self.estimate = estimate(self.checked.model, self.checked.request)

    @property
    def prompt(self) -> str:
        return self.checked.request.prompt

    @property
    def finished(self) -> bool:
        return self.state in (ItemState.DONE, ItemState.FAILED, ItemState.CANCELLED)

    @property
    def cost(self) -> Cost | None:
        """What it cost once done; until then, what it is estimated to cost."""
        if self.outcome is not None:
            return self.outcome.cost
        return self.estimate

    def elapsed(self, now: float | None = None) -> float:
        if self.started is None:
            return 0.0
        end = self.ended if self.ended is not None else (now or time.monotonic())
        return max(0.0, end - self.started)


Listener = Callable[[BatchItem], None]


class Batch:
    """Renders several prompts, at most `parallel` at once.

    Args:
        settings: Server, key, folders, `image.parallel` and `image.monthly_limit`.
        library: Where the images are linked.
        items: One per prompt, each already checked by `validate`.
        keep_prompts: False: prompts not in the library stay out of it (see
            `render_and_record`).
        folder: Where to save; by default the `images_dir` setting.
        stem: A file name for every image (`-o`); numbered when taken.
        on_change: Told each time an item changes state or has progress.
        parallel: Requests at once; by default the `image.parallel` setting.
        clock: What time it is, for the spending record.
    """

    def __init__(
        self,
        settings: Settings,
        library: Library,
        items: Sequence[BatchItem],
        *,
        keep_prompts: bool = True,
        folder: Path | None = None,
        stem: str | None = None,
        on_change: Listener | None = None,
        parallel: int | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self.settings = settings
        self.library = library
        self.items = list(items)
        self.keep_prompts = keep_prompts
        self.folder = folder
        self.stem = stem
        self.on_change = on_change
        self.parallel = max(1, parallel or settings.image_parallel)
        self.clock = clock
        self._renderers: dict[str, Renderer] = {}
        """One per provider, shared by the batch's renders (an HTTP client each)."""
        self._tasks: dict[BatchItem, asyncio.Task[None]] = {}

    @property
    def estimate(self) -> Cost | None:
        """What the whole batch is estimated to cost; None when a prompt's cost is unknown."""
        total = Cost(0.0)
        for item in self.items:
            if item.estimate is None:
                return None
            total = total + item.estimate
        return total

    def check_limit(self) -> list[str]:
        """Refuse the batch if its estimate would pass `image.monthly_limit`.

        Returns:
            Notes: the limit cannot be checked (a cost is unknown), lines of the spending
            record that could not be read.

        Raises:
            SpendingLimitReached, SpendingNotRecorded: nothing is sent.
        """
        return spending.check_limit(self.settings, self.estimate, clock=self.clock)

    async def run(self) -> list[BatchItem]:
        """Render every item; returns them, each done, failed or cancelled.

        Raises:
            SpendingLimitReached: the batch would pass the monthly limit; nothing was sent.
            asyncio.CancelledError: the batch itself was cancelled; finished items are kept,
                the others are marked cancelled.
        """
        await asyncio.to_thread(self.check_limit)
        gate = asyncio.Semaphore(self.parallel)
        try:
            self._tasks = {
                item: asyncio.create_task(self._one(item, gate))
                for item in self.items
                if not item.finished
            }
            try:
                # A render stopped by `stop` ends its own task only, not the batch.
                results = await asyncio.gather(*self._tasks.values(), return_exceptions=True)
            except asyncio.CancelledError:
                # The batch itself was cancelled: gather has cancelled the renders; let them
                # mark themselves before the renderers go away.
                await asyncio.gather(*self._tasks.values(), return_exceptions=True)
                raise
            for result in results:
                if isinstance(result, Exception):
                    raise result  # a bug: failures a person can meet are kept on their item
        finally:
            renderers, self._renderers = list(self._renderers.values()), {}
            for renderer in renderers:
                await renderer.close()
        return self.items

    def renderer(self, provider: str) -> Renderer:
        """The batch's renderer for `provider`, made on first use."""
        from artisan.images.renderers import make_renderer

        if provider not in self._renderers:
            self._renderers[provider] = make_renderer(self.settings, provider)
        return self._renderers[provider]

    def cancel_waiting(self) -> int:
        """Cancel the prompts not started yet; the running ones go on. How many were cancelled."""
        cancelled = 0
        for item in self.items:
            if item.state is ItemState.WAITING:
                self._finish(item, ItemState.CANCELLED, "not sent")
                cancelled += 1
        return cancelled

    def stop(self) -> int:
        """Cancel everything not finished, the running renders too (each is recorded at its
        estimate; one whose answer already arrived is saved). How many were stopped."""
        stopped = self.cancel_waiting()
        for item, task in self._tasks.items():
            if item.state is ItemState.RENDERING and not task.done():
                task.cancel()
                stopped += 1
        return stopped

    @property
    def running(self) -> bool:
        return any(item.state is ItemState.RENDERING for item in self.items)

    def summary(self) -> str:
        """ "4 done", "3 done, 1 failed", "1 rendering, 2 waiting, 1 done"."""
        counts: dict[str, int] = {}
        for item in self.items:
            counts[item.state.value] = counts.get(item.state.value, 0) + 1
        order = [state.value for state in ItemState]
        return ", ".join(f"{counts[name]} {name}" for name in order if name in counts)

    def spent(self) -> Cost | None:
        """What the finished renders cost; None when none finished or a cost is unknown."""
        done = [item.outcome for item in self.items if item.outcome is not None]
        if not done or any(outcome.cost is None for outcome in done):
            return None
        total = Cost(0.0)
        for outcome in done:
            if outcome.cost is not None:
                total = total + outcome.cost
        return total

    async def _one(self, item: BatchItem, gate: asyncio.Semaphore) -> None:
        try:
            await gate.acquire()
        except asyncio.CancelledError:
            if item.state is ItemState.WAITING:
                self._finish(item, ItemState.CANCELLED, "not sent")
            raise
        try:
            await self._render(item)
        finally:
            gate.release()

    async def _render(self, item: BatchItem) -> None:
        if item.state is not ItemState.WAITING:
            return  # cancelled while it waited for a slot
        item.state = ItemState.RENDERING
        item.started = time.monotonic()
        item.stage = "sending the request"
        self._tell(item)

        def progress(step: RenderProgress) -> None:
            if not item.finished:
                item.stage = step.message
                if step.preview is not None:
                    item.preview = step.preview
                self._tell(item)

        def paid(outcome: RenderOutcome) -> None:
            item.outcome = outcome

        try:
            item.outcome = await render_and_record(
                self.settings,
                item.checked,
                self.library,
                entry=item.entry,
                keep_prompt=self.keep_prompts,
                folder=self.folder,
                stem=self.stem,
                on_progress=progress,
                renderer=self.renderer(item.checked.request.provider),
                clock=self.clock,
                on_paid=paid,
            )
        except asyncio.CancelledError:
            if item.outcome is not None:
                # Stopped after the answer arrived: paid, and saved all the same.
                self._done(item)
            else:
                self._finish(item, ItemState.CANCELLED, "stopped; recorded at its estimate")
            raise
        except ArtisanError as error:
            self._finish(item, ItemState.FAILED, "", error=str(error))
            return
        self._done(item)

    def _done(self, item: BatchItem) -> None:
        assert item.outcome is not None
        count = len(item.outcome.images)
        if item.outcome.failure:
            self._finish(item, ItemState.FAILED, "", error=item.outcome.failure)
            return
        self._finish(item, ItemState.DONE, f"{count} image{'s' if count != 1 else ''}")

    def _finish(self, item: BatchItem, state: ItemState, stage: str, *, error: str = "") -> None:
        item.state = state
        item.stage = stage
        item.error = error
        item.ended = time.monotonic()
        self._tell(item)

    def _tell(self, item: BatchItem) -> None:
        if self.on_change is not None:
            self.on_change(item)
