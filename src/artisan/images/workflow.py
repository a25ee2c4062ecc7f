"""Render a prompt, record what it cost, save the images and link them to the prompt's entry.

This is the one path both faces take: `artisan image` and the app's render actions call
`render_and_record` (a batch calls it once per prompt), so an image is never saved without its
entry knowing, and never paid for without the spending record knowing, whichever started it.

The order matters to what a person is left with when something fails:
1. before anything is sent: a library id given by the person is looked up (a typo costs no
   request); the images folder is checked by writing a probe file into it, and both it and the
   data folder for room on their disks; and the request is reserved in the spending record
   under its lock, which refuses it when it would pass `image.monthly_limit`;
2. the images are rendered. A request the server refused takes its reservation back; one that
   was sent and never answered (a timeout, a dropped connection, Esc, Ctrl-C) stays counted at
   its estimate, since the server may have drawn and billed it;
3. from the moment the server answered, the request is paid for, and the rest runs to its end
   in a thread of its own even when the render is cancelled meanwhile: the prompt is saved or
   linked (`Library.find_or_add`, so renders of one prompt at once make one entry), what it
   cost is settled in the record, and each image is written: to the images folder, else the
   data folder's `unsaved-images/`, else the temporary folder, else it is held in memory and
   the message says so. Nothing that fails here loses what came before it.

What is recorded is what the server's usage came to, but never more than the request's
estimate: the estimate prices the costliest choice the request allows, so a report above it is
for something not asked for (extra images) or not a report at all (a billion tokens). Such a
figure is kept beside the line (`reported`) and said.
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
from artisan.clock import Clock, system_clock
from artisan.connection import ApiError, ConnectionDropped, ProtocolError, RequestTimedOut
from artisan.entry import ImageRecord, PromptEntry
from artisan.errors import ArtisanError
from artisan.images import spending
from artisan.images.files import ImageFileError, check_room, check_writable, save_image
from artisan.images.prices import Cost, dollars, estimate
from artisan.images.renderers import Renderer, make_renderer
from artisan.images.rendering import (
    ProgressCallback,
    Rendered,
    RenderedImage,
    RenderProgress,
    Stage,
)

if TYPE_CHECKING:
    from artisan.config import Settings
    from artisan.images.models import CheckedRequest
    from artisan.library import Library

DATA_ROOM = 1024 * 1024
"""Bytes the data folder needs free for a render: a line of the spending record and the
library entry (images that cannot be saved where asked go there too, if they fit)."""
PROGRESS_WAIT = 2.0
"""Seconds the paid steps wait for the event loop to hear their progress."""
PAID_WORK_WAIT = 60.0
"""Seconds a cancelled render waits for its paid images to be written before it gives up."""
BYTES_PER_PIXEL = 4
"""Room asked for each pixel of an image: a PNG is rarely larger than its raw pixels."""
AUTO_PIXELS = 1536 * 1024
"""Pixels of the largest image `auto` sizes give."""
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


async def render_and_record(
    settings: Settings,
    checked: CheckedRequest,
    library: Library,
    *,
    entry: PromptEntry | str | None = None,
    keep_prompt: bool = True,
    folder: Path | None = None,
    stem: str | None = None,
    on_progress: ProgressCallback | None = None,
    renderer: Renderer | None = None,
    clock: Clock = system_clock,
    on_paid: Callable[[RenderOutcome], None] | None = None,
) -> RenderOutcome:
    """Render a checked request, record its cost, save every image and link it to its entry.

    Args:
        settings: Server, key, timeout, the images folder and the monthly limit.
        checked: What `validate` returned; its prompt is the one rendered.
        library: Where the entry lives.
        entry: The prompt's entry: a saved entry's id (looked up before anything is sent); a
            `PromptEntry`, saved once the images arrive if it is not in the library yet; or
            None, for a new entry made from the prompt. An unsaved prompt whose text is
            already saved is linked to that entry rather than saved twice.
        keep_prompt: False: a prompt that is not saved is not saved now either; its images
            are written with no entry (an id given as `entry` is still linked).
        folder: Where to save; by default the `images_dir` setting.
        stem: The file name without extension (`-o cat.png`); by default time and prompt.
        on_progress: Told about each step, for a progress line (always on the event loop).
        renderer: Who draws it (one shared by a batch); by default the one of the request's
            provider, made here and closed after.
        clock: What time it is, for the spending record and its month.
        on_paid: Told what became of a paid render, also when the render is cancelled after
            the answer arrived (then the images are still saved, and this is the only word
            of them).

    Raises:
        ApiError: the render failed, or the answer held no image artisan could keep (it is
            recorded all the same).
        EntryNotFound: `entry` is an id that matches no saved prompt; nothing was sent.
        SpendingLimitReached, SpendingNotRecorded: refused before sending.
        ImageFileError: the images folder cannot be written or either disk is too full
            (nothing was sent); or an image could not be saved after the render (the message
            says where it is kept).
        LibraryError: the entry could not be written; the images are saved, and named.
        asyncio.CancelledError: cancelled; a request sent is recorded, and paid images saved.
    """
    known: PromptEntry | None = None
    if isinstance(entry, str):
        known = await asyncio.to_thread(library.get, entry)
    folder = folder or settings.images_path()
    await asyncio.to_thread(_check_folders, folder, checked)
    drawer = renderer or make_renderer(settings, checked.request.provider)
    try:
        reservation = await _reserve(settings, checked, clock)
        rendered = await _render(drawer, checked, reservation, on_progress)
        paid = _PaidRender(
            checked, rendered, reservation, library, known, entry, keep_prompt, folder, stem
        )
        job = _Job(paid.run, on_cancel=paid.hurry)
        paid.report_to(on_progress)
        try:
            outcome = await job.run()
        finally:
            if on_paid is not None and job.result is not None:
                on_paid(job.result)
    finally:
        if renderer is None:
            await drawer.close()
    if not rendered.images:
        raise _no_image(rendered, outcome)
    if outcome.failure:
        raise outcome.failure_kind(outcome.failure)
    return outcome


async def _reserve(
    settings: Settings, checked: CheckedRequest, clock: Clock
) -> spending.Reservation | None:
    """The request's place in the spending record; None for a renderer that costs nothing."""
    if checked.model is not None and not checked.model.costs_money:
        return None
    request = checked.request
    expected = estimate(checked.model, request)
    reserving = _Job(
        lambda: spending.reserve(
            settings,
            expected,
            model=request.model,
            images=request.n,
            size=request.size or "",
            quality=request.quality or "",
            clock=clock,
        )
    )
    try:
        return await reserving.run()
    except asyncio.CancelledError:
        if reserving.result is not None:
            spending.release(reserving.result)  # reserved, and nothing was sent
        raise


async def _render(
    renderer: Renderer,
    checked: CheckedRequest,
    reservation: spending.Reservation | None,
    on_progress: ProgressCallback | None,
) -> Rendered:
    """Draw it; a request that fails or is stopped settles or releases its reservation."""
    try:
        return await renderer.render(checked, on_progress=on_progress)
    except ApiError as error:
        if reservation is not None:
            if _answered(error):
                spending.release(reservation)
            else:
                _count_unanswered(reservation, checked, "sent, with no answer")
        raise
    except BaseException:
        # Esc, Ctrl-C, or a bug: the request may have reached the server and be drawn.
        if reservation is not None:
            _count_unanswered(reservation, checked, "stopped after it was sent")
        raise


def unsaved_images_dir() -> Path:
    """Where rendered images that could not be saved where asked are kept."""
    return locations.data_dir() / "unsaved-images"


def temporary_images_dir() -> Path:
    """The last place a paid image is written to, when the data folder fails too."""
    return Path(tempfile.gettempdir()) / "artisan-unsaved-images"


def room_needed(checked: CheckedRequest) -> int:
    """Bytes a render's images may take on disk."""
    size = checked.request.size or "auto"
    width, _, height = size.partition("x")
    pixels = int(width) * int(height) if width.isdigit() and height.isdigit() else AUTO_PIXELS
    return checked.request.n * (pixels * BYTES_PER_PIXEL + 64 * 1024)


# Before sending ------------------------------------------------------------------------------


def _check_folders(folder: Path, checked: CheckedRequest) -> None:
    check_writable(folder)
    check_room(folder, room_needed(checked), "to save the images")
    check_room(locations.data_dir(), DATA_ROOM, "in the data folder to record the render")


def _answered(error: ApiError) -> bool:
    """Whether the server answered the request with an error (nothing was drawn or billed),
    or nothing was sent at all (no key, no connection)."""
    return not isinstance(error, RequestTimedOut | ConnectionDropped | ProtocolError)


def _count_unanswered(reservation: spending.Reservation, checked: CheckedRequest, why: str) -> None:
    """Settle a request that was sent and never answered at its estimate."""
    cost = reservation.estimate
    request = checked.request
    spent = spending.Spent(
        when=reservation.when,
        model=request.model,
        images=request.n,
        cost=None if cost is None else cost.dollars,
        estimated=True,
        size=request.size or "",
        quality=request.quality or "",
        note=f"{why}: counted at its estimate, as the server may have billed it",
    )
    spending.settle(reservation, spent)


def _no_image(rendered: Rendered, outcome: RenderOutcome) -> ApiError:
    problems = " ".join(rendered.problems) or "The answer held no image."
    recorded = (
        f" The render is recorded at {outcome.cost.describe()}, since the server drew it."
        if outcome.cost is not None
        else ""
    )
    kinds = [type(failure) for failure in rendered.failures[-1:]]
    return (kinds[0] if kinds else ProtocolError)(problems + recorded)


class _Job(Generic[T]):
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


class _PaidRender:
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

    def report_to(self, on_progress: ProgressCallback | None) -> None:
        """Tell `on_progress`, on the running event loop, how the paid steps go."""
        self._loop = asyncio.get_running_loop()
        self._progress = on_progress

    def hurry(self) -> None:
        """The render was cancelled: the loop waits for this thread, so stop telling it."""
        self._progress = None

    def _tell(self, step: RenderProgress) -> None:
        """Tell the listener on its loop, and wait (briefly) until it has heard: what it does
        with a step happens before the next."""
        progress, loop = self._progress, self._loop
        if progress is None or loop is None:
            return
        heard = threading.Event()

        def tell() -> None:
            try:
                if self._progress is not None:
                    progress(step)
            finally:
                heard.set()

        try:
            loop.call_soon_threadsafe(tell)
        except RuntimeError:
            return  # the loop closed meanwhile
        heard.wait(PROGRESS_WAIT)

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
