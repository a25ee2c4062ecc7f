"""Render a prompt, save the images and link them to the prompt's library entry.

This is the one path both faces take: `artisan image` and the app's render actions call
`render_and_record` (a batch calls it once per prompt), so an image is never saved without its
entry knowing, and never paid for without the spending record knowing, whichever started it.

The order matters to what a person is left with when something fails:
1. a library id given by the person is looked up first, so a typo costs no request; the
   images folder is checked by writing a probe file into it, so a read-only or missing folder
   costs no request either; and the estimate is checked against `image.monthly_limit`;
2. the images are rendered (nothing is written if that fails or is cancelled), and what they
   cost is added to the spending record;
3. a prompt that is not in the library yet is saved (when it is to be kept), or linked to the
   entry that already holds the same text: one step under the library's lock
   (`Library.find_or_add`), so four renders of one prompt at once make one entry with four
   images, not four entries;
4. each image is written to disk, then recorded in the entry. An image that still cannot be
   written (the disk filled up, the folder went away) is kept in the data folder's
   `unsaved-images/`, and the error says where: a paid render is never thrown away.
Disk work runs in threads, so the app's event loop never waits on a disk.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from artisan import locations
from artisan.entry import ImageRecord, PromptEntry, now
from artisan.errors import ArtisanError
from artisan.images import spending
from artisan.images.files import ImageFileError, check_writable, save_image
from artisan.images.prices import Cost, estimate
from artisan.images.rendering import (
    ProgressCallback,
    RenderedImage,
    RenderProgress,
    Stage,
    render,
)

if TYPE_CHECKING:
    from openai import AsyncOpenAI

    from artisan.config import Settings
    from artisan.images.models import CheckedRequest
    from artisan.library import Library


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
    to be kept."""
    images: list[SavedImage]
    saved_entry: bool
    """True when the prompt was not in the library and was saved by this render."""
    cost: Cost | None = None
    """What the render cost (None: its model has no price)."""
    warnings: list[str] = field(default_factory=list)
    """Worth telling, not failures: the spending record could not be written, the monthly
    limit could not be checked."""


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
    client: AsyncOpenAI | None = None,
) -> RenderOutcome:
    """Render a checked request, save every image and link it to its library entry.

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
        on_progress: Told about each step, for a progress line.
        client: An SDK client to reuse.

    Raises:
        ApiError: the render failed; nothing was written.
        EntryNotFound: `entry` is an id that matches no saved prompt; nothing was sent.
        SpendingLimitReached: the estimate would pass `image.monthly_limit`; nothing was sent.
        ImageFileError, LibraryError: a file or the entry could not be written; the message
            names the images that were saved before.
        asyncio.CancelledError: cancelled while rendering; nothing was written.
    """
    prompt = checked.request.prompt
    known: PromptEntry | None = None
    if isinstance(entry, str):
        known = await asyncio.to_thread(library.get, entry)
    folder = folder or settings.images_path()
    await asyncio.to_thread(check_writable, folder)
    warnings: list[str] = []
    limit_note = await asyncio.to_thread(
        spending.check_limit, settings, estimate(checked.model, checked.request)
    )
    if limit_note:
        warnings.append(limit_note)

    images = await render(settings, checked, on_progress=on_progress, client=client)
    cost = _total(images)

    current: PromptEntry | None
    if known is not None:
        current, saved_entry = known, False
    elif keep_prompt:
        draft = entry if isinstance(entry, PromptEntry) else PromptEntry.create(prompt)
        current, saved_entry = await asyncio.to_thread(library.find_or_add, draft)
    else:
        current, saved_entry = None, False
    entry_id = current.id if current is not None else ""
    noted = await asyncio.to_thread(_note_spending, checked, images, cost, entry_id)
    if noted:
        warnings.append(noted)

    saved: list[SavedImage] = []
    for index, image in enumerate(images, start=1):
        if on_progress is not None:
            on_progress(_saving(index, len(images), folder))
        try:
            path, record = await asyncio.to_thread(_save_one, image, entry_id, folder, stem)
        except ImageFileError as error:
            kept = await asyncio.to_thread(_keep_unsaved, images[index - 1 :], entry_id, stem)
            raise _with_saved(_with_kept(error, kept), saved) from None
        saved.append(SavedImage(path, record))
        if current is None:
            continue
        try:
            current = await asyncio.to_thread(library.save_image, current.id, record)
        except ArtisanError as error:
            raise _with_saved(error, saved) from None
    return RenderOutcome(
        entry=current, images=saved, saved_entry=saved_entry, cost=cost, warnings=warnings
    )


def _total(images: list[RenderedImage]) -> Cost | None:
    """What a request cost: the sum of its images' shares."""
    costs = [image.record.cost for image in images]
    if not images or any(cost is None for cost in costs):
        return None
    return Cost(sum(cost or 0.0 for cost in costs), images[0].record.cost_estimated)


def _note_spending(
    checked: CheckedRequest, images: list[RenderedImage], cost: Cost | None, entry_id: str
) -> str | None:
    """Add the render to the spending record; a warning when that failed (the images are
    still saved: losing a line of the record is better than losing a paid image)."""
    usage: dict[str, int] = {}
    for image in images:
        for key, value in (image.record.usage or {}).items():
            usage[key] = usage.get(key, 0) + value
    first = images[0].record if images else ImageRecord(path="")
    spent = spending.Spent(
        when=now(),
        model=checked.request.model,
        images=len(images),
        cost=None if cost is None else cost.dollars,
        estimated=cost is not None and cost.estimated,
        usage=usage or None,
        entry=entry_id,
        size=first.size,
        quality=first.quality,
    )
    try:
        spending.record(spent)
    except OSError as error:
        return (
            f"What this render cost could not be added to {locations.spending_file()}: "
            f"{error.strerror or error}. `artisan spend` will not count it."
        )
    return None


def _save_one(
    image: RenderedImage, entry_id: str, folder: Path, stem: str | None
) -> tuple[Path, ImageRecord]:
    record = replace(image.record, created=now(), entry=entry_id)
    path = save_image(image.data, record, folder, stem=stem)
    return path, replace(record, path=str(path))


def unsaved_images_dir() -> Path:
    """Where rendered images that could not be saved where asked are kept."""
    return locations.data_dir() / "unsaved-images"


def _keep_unsaved(images: list[RenderedImage], entry_id: str, stem: str | None) -> list[Path] | str:
    """Save images in `unsaved_images_dir()`; their paths, or why that failed too."""
    kept: list[Path] = []
    try:
        for image in images:
            kept.append(_save_one(image, entry_id, unsaved_images_dir(), stem)[0])
    except ImageFileError as error:
        return error.message
    return kept


def _with_kept(error: ImageFileError, kept: list[Path] | str) -> ImageFileError:
    """The error, saying where the images that could not be saved are kept."""
    if isinstance(kept, str):
        return ImageFileError(f"{error.message} Keeping the images elsewhere failed too: {kept}")
    where = ", ".join(str(path) for path in kept)
    noun = "image is" if len(kept) == 1 else "images are"
    return ImageFileError(f"{error.message} The rendered {noun} kept at {where}.")


def _saving(index: int, total: int, folder: Path) -> RenderProgress:
    return RenderProgress(
        Stage.SAVING, f"Saving image {index} of {total} to {folder}…", index - 1, total
    )


def _with_saved(error: ArtisanError, saved: list[SavedImage]) -> ArtisanError:
    """The same error, saying which images were saved and linked before it."""
    if not saved:
        return error
    paths = ", ".join(str(image.path) for image in saved)
    return type(error)(f"{error.message} Saved before the failure: {paths}.")
