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
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from artisan import locations
from artisan.clock import Clock, system_clock
from artisan.connection import ApiError, ConnectionDropped, ProtocolError, RequestTimedOut
from artisan.entry import PromptEntry
from artisan.images import spending
from artisan.images.files import check_room, check_writable
from artisan.images.paid import (
    PaidRender,
    RenderOutcome,
    RunToEnd,
    SavedImage,
    temporary_images_dir,
    unsaved_images_dir,
)
from artisan.images.prices import estimate
from artisan.images.renderers import Renderer, make_renderer
from artisan.images.rendering import ProgressCallback, Rendered

if TYPE_CHECKING:
    from artisan.config import Settings
    from artisan.images.models import CheckedRequest
    from artisan.library import Library

DATA_ROOM = 1024 * 1024
"""Bytes the data folder needs free for a render: a line of the spending record and the
library entry (images that cannot be saved where asked go there too, if they fit)."""
BYTES_PER_PIXEL = 4
"""Room asked for each pixel of an image: a PNG is rarely larger than its raw pixels."""
AUTO_PIXELS = 1536 * 1024
"""Pixels of the largest image `auto` sizes give."""
__all__ = [
    "RenderOutcome",
    "SavedImage",
    "render_and_record",
    "room_needed",
    "temporary_images_dir",
    "unsaved_images_dir",
]


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
        paid = PaidRender(
            checked, rendered, reservation, library, known, entry, keep_prompt, folder, stem
        )
        job = RunToEnd(paid.run, on_cancel=paid.hurry)
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
    reserving = RunToEnd(
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
