"""Render a prompt, save the images and link them to the prompt's library entry.

This is the one path both faces take: `artisan image` and the app's render action call
`render_and_record`, so an image is never saved without its entry knowing, whichever started it.

The order matters to what a person is left with when something fails:
1. a library id given by the person is looked up first, so a typo costs no request;
2. the images are rendered (nothing is written if that fails or is cancelled);
3. a prompt that is not in the library yet is saved, or linked to the entry that already holds
   the same text;
4. each image is written to disk, then recorded in the entry.
Disk work runs in threads, so the app's event loop never waits on a disk.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from artisan.entry import ImageRecord, PromptEntry, now
from artisan.errors import ArtisanError, EntryNotFound
from artisan.images.files import ImageMetadata, save_image
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

    entry: PromptEntry
    """The library entry the images are linked to, as saved."""
    images: list[SavedImage]
    saved_entry: bool
    """True when the prompt was not in the library and was saved by this render."""


@dataclass(frozen=True)
class EntryImage:
    """One image of a library entry, and whether its file is still there."""

    record: ImageRecord
    path: Path
    exists: bool


async def render_and_record(
    settings: Settings,
    checked: CheckedRequest,
    library: Library,
    *,
    entry: PromptEntry | str | None = None,
    folder: Path | None = None,
    stem: str | None = None,
    on_progress: ProgressCallback | None = None,
    client: AsyncOpenAI | None = None,
) -> RenderOutcome:
    """Render a checked request, save every image and link it to its library entry.

    Args:
        settings: Server, key, timeout and the images folder.
        checked: What `validate` returned; its prompt is the one rendered.
        library: Where the entry lives.
        entry: The prompt's entry: a saved entry's id (looked up before anything is sent); a
            `PromptEntry`, saved once the images arrive if it is not in the library yet; or
            None, for a new entry made from the prompt. An unsaved prompt whose text is
            already saved is linked to that entry rather than saved twice.
        folder: Where to save; by default the `images_dir` setting.
        stem: The file name without extension (`-o cat.png`); by default time and prompt.
        on_progress: Told about each step, for a progress line.
        client: An SDK client to reuse.

    Raises:
        ApiError: the render failed; nothing was written.
        EntryNotFound: `entry` is an id that matches no saved prompt; nothing was sent.
        ImageFileError, LibraryError: a file or the entry could not be written; the message
            names the images that were saved before.
        asyncio.CancelledError: cancelled while rendering; nothing was written.
    """
    prompt = checked.request.prompt
    if isinstance(entry, str):
        known: PromptEntry | None = await asyncio.to_thread(library.get, entry)
    else:
        known = await asyncio.to_thread(_saved_entry, library, entry, prompt)

    images = await render(settings, checked, on_progress=on_progress, client=client)

    saved_entry = known is None
    if known is None:
        draft = entry if isinstance(entry, PromptEntry) else PromptEntry.create(prompt)
        known = await asyncio.to_thread(library.add, draft)
    folder = folder or settings.images_path()

    saved: list[SavedImage] = []
    current = known
    for index, image in enumerate(images, start=1):
        if on_progress is not None:
            on_progress(_saving(index, len(images), folder))
        try:
            path, record = await asyncio.to_thread(_save_one, image, current.id, folder, stem)
            saved.append(SavedImage(path, record))
            current = await asyncio.to_thread(library.save_image, current.id, record)
        except ArtisanError as error:
            raise _with_saved(error, saved) from None
    return RenderOutcome(entry=current, images=saved, saved_entry=saved_entry)


def list_images(entry: PromptEntry) -> list[EntryImage]:
    """An entry's images, oldest first, with whether each file still exists."""
    listed = []
    for record in entry.images:
        path = Path(record.path).expanduser()
        listed.append(EntryImage(record=record, path=path, exists=path.is_file()))
    return listed


def _saved_entry(library: Library, entry: PromptEntry | None, prompt: str) -> PromptEntry | None:
    """The library's entry for this render, or None when the prompt is not saved yet."""
    if entry is not None:
        try:
            return library.get(entry.id)
        except EntryNotFound:
            entry = None  # deleted meanwhile: find the same text, or save it anew
    # Rendering a prompt again adds to its entry instead of saving the same text twice.
    library.load()
    text = prompt.strip()
    for candidate in library.entries():  # newest first
        if candidate.prompt.strip() == text:
            return candidate
    return None


def _save_one(
    image: RenderedImage, entry_id: str, folder: Path, stem: str | None
) -> tuple[Path, ImageRecord]:
    created = now()
    metadata = ImageMetadata(
        prompt=image.prompt,
        model=image.model,
        size=image.size,
        created=created,
        quality=image.quality,
        revised_prompt=image.revised_prompt,
        style=image.style,
        background=image.background,
        entry=entry_id,
    )
    path = save_image(image.data, metadata, folder, stem=stem)
    extra = {
        key: value
        for key, value in (
            ("quality", image.quality),
            ("style", image.style),
            ("background", image.background),
        )
        if value
    }
    record = ImageRecord(
        path=str(path),
        model=image.model,
        size=image.size,
        revised_prompt=image.revised_prompt,
        created=created,
        extra=extra,
    )
    return path, record


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
