"""What a gallery shows: the images of a library entry or of a batch of renders, each with what
is known of it, and small pictures of them to draw quickly.

Textual-free: the app's gallery screen shows these, the thumbnails are made in a thread (a
rendered image is several megabytes; its thumbnail a few kilobytes, so moving through the
grid never decodes a full image again).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from artisan.entry import ImageRecord, PromptEntry

if TYPE_CHECKING:
    from PIL.Image import Image

    from artisan.images.batch import BatchItem

THUMBNAIL_PIXELS = 192
"""Longest side of a thumbnail: enough for a tile, even drawn with Kitty graphics."""


@dataclass(frozen=True)
class GalleryImage:
    """One image in a gallery: its record (with the prompt and entry filled in) and file."""

    record: ImageRecord
    path: Path
    title: str
    """The title of the prompt it was made from."""
    cell: str = ""
    """In a comparison, what tells it from the others ("gpt-image-2 · low")."""

    @property
    def exists(self) -> bool:
        return self.path.is_file()

    def caption(self, words: int = 6) -> str:
        """What differs, in a comparison; else the first words of its prompt."""
        if self.cell:
            return self.cell
        parts = " ".join((self.record.prompt or self.title).split()).split(" ")
        shown = " ".join(parts[:words])
        return shown + ("…" if len(parts) > words else "")

    def facts(self) -> str:
        """Model, size and cost on one line: "gpt-image-2 · 1024x1024 · $0.0082"."""
        return " · ".join(part for part in (self.record.model, self.size_and_cost()) if part)

    def size_and_cost(self) -> str:
        """ "1024x1024 · $0.0082"; "~$0.040" for an estimated cost."""
        from artisan.images.prices import Cost

        cost = self.record.cost
        price = "" if cost is None else Cost(cost, self.record.cost_estimated).describe()
        return " · ".join(part for part in (self.record.size, price) if part)


def entry_images(entry: PromptEntry) -> list[GalleryImage]:
    """The images of a library entry, oldest first."""
    return [_shown(record, entry) for record in entry.images]


def batch_images(items: Iterable[BatchItem]) -> list[GalleryImage]:
    """The images a batch of renders saved, in the order of its prompts (a comparison's in
    the order of its cells, each captioned by what differs)."""
    from artisan.images.compare import short_label

    images = []
    for item in items:
        if item.outcome is None:
            continue
        entry = item.outcome.entry
        for saved in item.outcome.images:
            record = replace(saved.record, prompt=item.prompt)
            if entry is not None:
                images.append(replace(_shown(record, entry), cell=short_label(item.cell)))
            else:
                title = item.label or item.prompt
                images.append(GalleryImage(record, saved.path, title, short_label(item.cell)))
    return images


def thumbnail(path: Path, size: int = THUMBNAIL_PIXELS) -> Image | None:
    """A small copy of the image at `path`, or None when it cannot be read."""
    from PIL import Image as Pillow
    from PIL import UnidentifiedImageError

    try:
        with Pillow.open(path) as image:
            image.draft("RGB", (size, size))  # JPEG: decode at a fraction of the size
            image.thumbnail((size, size))
            return image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
    except (OSError, UnidentifiedImageError, ValueError, Pillow.DecompressionBombError):
        return None


def _shown(record: ImageRecord, entry: PromptEntry) -> GalleryImage:
    filled = replace(record, prompt=record.prompt or entry.prompt, entry=entry.id)
    return GalleryImage(filled, Path(record.path).expanduser(), entry.title)
