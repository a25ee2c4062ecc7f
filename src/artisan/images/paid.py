"""What follows a paid answer: the entry, the settled cost, the images written somewhere, the
links, run to their end in a thread of their own (`RunToEnd`) even when the render is cancelled
meanwhile, so a paid image is never dropped half-way. See `artisan.images.workflow` for the
whole path.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

from artisan import locations
from artisan.entry import ImageRecord, PromptEntry
from artisan.errors import ArtisanError
from artisan.images import spending
from artisan.images.files import ImageFileError, save_image
from artisan.images.prices import Cost, dollars
from artisan.images.rendering import (
    ProgressCallback,
    Rendered,
    RenderedImage,
    RenderProgress,
    Stage,
)

if TYPE_CHECKING:
    from artisan.images.models import CheckedRequest
    from artisan.library import Library

PROGRESS_WAIT = 2.0
"""Seconds the paid steps wait for the event loop to hear their progress."""
PAID_WORK_WAIT = 60.0
"""Seconds a cancelled render waits for its paid images to be written before it gives up."""
T = TypeVar("T")


@dataclass(frozen=True)
class SavedImage:
    """An image on disk and its record in the library."""

    path: Path
    record: ImageRecord


@dataclass(frozen=True)
class RenderOutcome:
    """What `render_and_record` did."""

    entry: PromptEntry | None
    """The library entry the images are linked to, as saved; None when the prompt was not
    to be kept (or could not be saved)."""
    images: list[SavedImage]
    saved_entry: bool
    """True when the prompt was not in the library and was saved by this render."""
    cost: Cost | None = None
    """What the render is recorded at (None: its model has no price, or it costs nothing)."""
    free: bool = False
    """Rendered on a server that costs nothing (one's own Stable Diffusion server)."""
    warnings: list[str] = field(default_factory=list)
    """Worth telling, not failures: images the server sent that were not kept, a report of
    usage not believed, the spending record that could not be written."""
    failure: str = ""
    """What went wrong after the request was paid for (an image kept elsewhere, the library
    not linked), with where everything is; empty when all went well."""
    unsaved: list[RenderedImage] = field(default_factory=list)
    """Images that could be written nowhere, held in memory."""
    failure_kind: type[ArtisanError] = ArtisanError
    """The kind of the first failure, so it is raised as what it was."""


def unsaved_images_dir() -> Path:
    """Where rendered images that could not be saved where asked are kept."""
    return locations.data_dir() / "unsaved-images"


def temporary_images_dir() -> Path:
    """The last place a paid image is written to, when the data folder fails too."""
    return Path(tempfile.gettempdir()) / "artisan-unsaved-images"


class RunToEnd(Generic[T]):
    """A function run in a thread of its own (not the executor: it starts at once), which
    runs to its end whatever happens to the task awaiting it. Cancelling the task waits for
    the function (at most `PAID_WORK_WAIT`) before the cancel goes on: what it did, such as
    writing a paid image, is then done, and its `result` is there to act on."""

    def __init__(
        self, function: Callable[[], T], *, on_cancel: Callable[[], None] | None = None
    ) -> None:
        self.function = function
        self.on_cancel = on_cancel
        self.result: T | None = None
        self._done = threading.Event()

    async def run(self) -> T:
        loop = asyncio.get_running_loop()
        ended: asyncio.Future[T] = loop.create_future()

        def work() -> None:
            try:
                self.result = value = self.function()
            except BaseException as error:
                with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                    loop.call_soon_threadsafe(_fail, ended, error)
            else:
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(_succeed, ended, value)
            finally:
                self._done.set()

        threading.Thread(target=work, name="artisan-render-step", daemon=True).start()
        try:
            return await asyncio.shield(ended)
        except asyncio.CancelledError:
            if self.on_cancel is not None:
                self.on_cancel()
            # Blocking the loop here is the price of never dropping a paid image.
            self._done.wait(PAID_WORK_WAIT)
            raise


def _succeed(future: asyncio.Future[T], value: T) -> None:
    if not future.done():
        future.set_result(value)


def _fail(future: asyncio.Future[T], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)


# After the answer: paid for ------------------------------------------------------------------


class PaidRender:
    """Everything that follows a paid answer, run to its end in a thread of its own."""

    def __init__(
        self,
        checked: CheckedRequest,
        rendered: Rendered,
        reservation: spending.Reservation | None,
        library: Library,
        known: PromptEntry | None,
        entry: PromptEntry | str | None,
        keep_prompt: bool,
        folder: Path,
        stem: str | None,
    ) -> None:
        self.checked = checked
        self.rendered = rendered
        self.reservation = reservation
        self.library = library
        self.known = known
        self.entry = entry
        self.keep_prompt = keep_prompt
        self.folder = folder
        self.stem = stem
        self._loop: asyncio.AbstractEventLoop | None = None
        self._progress: ProgressCallback | None = None
        self._wake = threading.Condition()
        """Wakes this thread when the loop heard a step, or stopped listening (`hurry`)."""
        self._hurried = False

    def report_to(self, on_progress: ProgressCallback | None) -> None:
        """Tell `on_progress`, on the running event loop, how the paid steps go."""
        self._loop = asyncio.get_running_loop()
        self._progress = on_progress

    def hurry(self) -> None:
        """The render was cancelled: the loop now waits for this thread, so stop telling it
        (and stop waiting for it to hear)."""
        with self._wake:
            self._progress = None
            self._hurried = True
            self._wake.notify_all()

    def _tell(self, step: RenderProgress) -> None:
        """Tell the listener on its loop, and wait until it has heard (or stopped listening):
        what it does with a step happens before the next."""
        progress, loop = self._progress, self._loop
        if progress is None or loop is None:
            return
        heard = [False]

        def tell() -> None:
            try:
                if self._progress is not None:
                    progress(step)
            finally:
                with self._wake:
                    heard[0] = True
                    self._wake.notify_all()

        try:
            loop.call_soon_threadsafe(tell)
        except RuntimeError:
            return  # the loop closed meanwhile
        with self._wake:
            # The deadline only guards a loop that stopped without running callbacks.
            self._wake.wait_for(lambda: heard[0] or self._hurried, PROGRESS_WAIT)

    def run(self) -> RenderOutcome:
        """Save or link the prompt, settle the cost, write every image somewhere, link them."""
        images = self.rendered.images
        self._tell(
            RenderProgress(
                Stage.RECEIVED,
                f"Received {len(images)} image{'s' if len(images) != 1 else ''}; recording…",
            )
        )
        failures: list[tuple[type[ArtisanError], str]] = []
        current, saved_entry = self._entry(failures)
        entry_id = current.id if current is not None else ""
        cost, warnings = self._settle(entry_id)
        images = _with_costs(images, cost, self.rendered.usage)
        saved: list[SavedImage] = []
        unsaved: list[RenderedImage] = []
        for index, image in enumerate(images, start=1):
            self._tell(
                RenderProgress(
                    Stage.SAVING,
                    f"Saving image {index} of {len(images)} to {self.folder}…",
                    index - 1,
                    len(images),
                )
            )
            placed = _save_somewhere(image, entry_id, self.folder, self.stem, failures)
            if placed is None:
                unsaved.append(image)
            else:
                saved.append(placed)
        if current is not None:
            current = self._link(current, saved, failures)
        reserved = self.reservation.warnings if self.reservation is not None else ()
        return RenderOutcome(
            entry=current,
            images=saved,
            saved_entry=saved_entry,
            cost=cost,
            free=self.reservation is None,
            warnings=[*reserved, *self.rendered.problems, *warnings],
            failure=_failure_text(failures, saved, unsaved, self.folder),
            unsaved=unsaved,
            failure_kind=_first_kind(failures),
        )

    def _entry(
        self, failures: list[tuple[type[ArtisanError], str]]
    ) -> tuple[PromptEntry | None, bool]:
        if self.known is not None:
            return self.known, False
        if not self.keep_prompt or not self.rendered.images:
            return None, False
        prompt = self.checked.request.prompt
        draft = self.entry if isinstance(self.entry, PromptEntry) else PromptEntry.create(prompt)
        try:
            return self.library.find_or_add(draft)
        except ArtisanError as error:
            failures.append((type(error), f"{error.message} The images are saved without it."))
            return None, False

    def _settle(self, entry_id: str) -> tuple[Cost | None, list[str]]:
        """Record the request at what the server's usage came to, capped at its estimate."""
        if self.reservation is None:
            return None, []  # drawn on one's own server: nothing to record
        request = self.checked.request
        reported = self.rendered.cost
        reserved = self.reservation.estimate
        cost, disbelieved = _believed(reported, reserved)
        warnings: list[str] = []
        note = ""
        if disbelieved is not None and cost is not None:
            note = f"the server's usage came to {dollars(disbelieved)}; capped at the estimate"
            warnings.append(
                f"The server reported usage worth {dollars(disbelieved)}, more than this "
                f"request can cost ({cost.describe()} at most for what was asked); "
                f"{cost.describe()} is recorded, and the report is kept in the spending record. "
                "If the price table is out of date, correct it in image-models.toml."
            )
        usage = self.rendered.usage
        first = self.rendered.images[0].record if self.rendered.images else None
        spent = spending.Spent(
            when=self.reservation.when,
            model=request.model,
            images=self.rendered.sent,
            cost=None if cost is None else cost.dollars,
            estimated=cost is not None and cost.estimated,
            usage=usage,
            entry=entry_id,
            size=first.size if first else request.size or "",
            quality=first.quality if first else request.quality or "",
            note=note,
            reported=disbelieved,
        )
        problem = spending.settle(self.reservation, spent)
        if problem:
            warnings.append(problem)
        return cost, warnings

    def _link(
        self,
        current: PromptEntry,
        saved: list[SavedImage],
        failures: list[tuple[type[ArtisanError], str]],
    ) -> PromptEntry:
        for image in saved:
            try:
                current = self.library.save_image(current.id, image.record)
            except ArtisanError as error:
                failures.append((type(error), error.message))
                break
        return current


def _first_kind(failures: list[tuple[type[ArtisanError], str]]) -> type[ArtisanError]:
    """What to raise: an image not saved where asked matters most, then the first failure."""
    kinds = [kind for kind, _ in failures]
    if ImageFileError in kinds:
        return ImageFileError
    return kinds[0] if kinds else ArtisanError


def _believed(reported: Cost | None, reserved: Cost | None) -> tuple[Cost | None, float | None]:
    """What to record of a reported cost: it, or the reservation when it is more.

    Returns:
        The cost to record, and the reported figure when it was not believed.
    """
    if reported is None or reserved is None:
        return reported, None
    if reported.dollars <= reserved.dollars * (1 + 1e-9):
        return reported, None
    return Cost(reserved.dollars, estimated=True), reported.dollars


def _with_costs(
    images: list[RenderedImage], cost: Cost | None, usage: dict[str, int] | None
) -> list[RenderedImage]:
    """Each image with its share of what the request is recorded at, and of its usage.

    The images of a request add up to it: each records 1/n of the cost and of each token count
    (the remainder on the first image).
    """
    count = len(images)
    shared = []
    for index, image in enumerate(images):
        share = None
        if usage:
            share = {k: v // count + (v % count if index == 0 else 0) for k, v in usage.items()}
        record = replace(
            image.record,
            cost=None if cost is None else cost.dollars / count,
            cost_estimated=cost is not None and cost.estimated,
            usage=share,
        )
        shared.append(replace(image, record=record))
    return shared


def _save_somewhere(
    image: RenderedImage,
    entry_id: str,
    folder: Path,
    stem: str | None,
    failures: list[tuple[type[ArtisanError], str]],
) -> SavedImage | None:
    """Write the image where asked, else where it can be found again; None: nowhere."""
    first_error: ImageFileError | None = None
    for place in (folder, unsaved_images_dir(), temporary_images_dir()):
        try:
            saved = _save_one(image, entry_id, place, stem)
        except ImageFileError as error:
            first_error = first_error or error
            continue
        if first_error is not None:
            failures.append((ImageFileError, first_error.message))
        return saved
    assert first_error is not None
    failures.append((ImageFileError, first_error.message))
    return None


def _save_one(image: RenderedImage, entry_id: str, folder: Path, stem: str | None) -> SavedImage:
    from artisan.entry import now

    record = replace(image.record, created=now(), entry=entry_id)
    path = save_image(image.data, record, folder, stem=stem)
    return SavedImage(path, replace(record, path=str(path)))


def _failure_text(
    failures: list[tuple[type[ArtisanError], str]],
    saved: list[SavedImage],
    unsaved: list[RenderedImage],
    folder: Path,
) -> str:
    """What went wrong after paying, and where every image is."""
    if not failures:
        return ""
    text = " ".join(dict.fromkeys(message for _, message in failures))
    elsewhere = [image.path for image in saved if image.path.parent != folder]
    if elsewhere:
        noun = "image is" if len(elsewhere) == 1 else "images are"
        text += f" The rendered {noun} kept at {', '.join(str(p) for p in elsewhere)}."
    here = [image.path for image in saved if image.path.parent == folder]
    if here and (elsewhere or unsaved):
        text += f" Saved as asked: {', '.join(str(p) for p in here)}."
    elif here:
        text += f" Saved before the failure: {', '.join(str(p) for p in here)}."
    if unsaved:
        noun = "image" if len(unsaved) == 1 else f"{len(unsaved)} images"
        text += (
            f" The {noun} could be written nowhere (the images folder, "
            f"{unsaved_images_dir()} and {temporary_images_dir()} all failed) and "
            f"{'is' if len(unsaved) == 1 else 'are'} held in memory only."
        )
    return text
