"""`artisan image edit PICTURE INSTRUCTION [--mask M] [--ref R ...]`: change a picture.

The picture (and up to 15 more to refer to) is sent to a model that edits (GPT Image) with the
instruction; a mask, a PNG whose transparent pixels mark what may change, is optional. The
result is linked to the library entry the picture belongs to (as its own metadata says), with
the instruction and the picture it came from kept in its record, so the entry's gallery shows
both. Everything is checked before anything is sent: the pictures exist and are images, the
mask is a PNG.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from artisan.errors import ArtisanError, UsageError

if TYPE_CHECKING:
    from artisan.library import Library


@dataclass(frozen=True)
class Edit:
    """An edit asked for: the instruction, the pictures, the entry they go to."""

    instruction: str
    entry: str | None
    """The library entry the picture belongs to, when its metadata says and it is there."""
    inputs: tuple[str, ...]
    """The picture to change, then the pictures to refer to."""
    mask: str | None


def edit_request(args: argparse.Namespace, library: Library) -> Edit:
    """What to render for `image edit ...`: the instruction, the pictures, the entry.

    Raises:
        UsageError: the picture or the instruction is missing, or a file is not a picture.
    """
    words = args.prompt[1:]
    if len(words) != 2 or not words[1].strip():
        raise UsageError('Give the picture and the instruction: artisan image edit PICTURE "..."')
    picture, instruction = Path(words[0]).expanduser(), words[1].strip()
    refs = [Path(ref).expanduser() for ref in args.ref]
    for path in (picture, *refs):
        _check_picture(path)
    mask = None
    if args.mask:
        mask = Path(args.mask).expanduser()
        _check_picture(mask, png=True)
    return Edit(
        instruction,
        _entry_of(picture, library),
        tuple(str(path) for path in (picture, *refs)),
        None if mask is None else str(mask),
    )


def _check_picture(path: Path, *, png: bool = False) -> None:
    from artisan.images.renderers.openai import PictureError, _picture

    try:
        _, _, mime = _picture(path)
    except PictureError as error:
        raise UsageError(str(error)) from None
    if png and mime != "image/png":
        raise UsageError(f"The mask {path} must be a PNG (with transparency where to edit).")


def _entry_of(picture: Path, library: Library) -> str | None:
    """The id of the library entry the picture belongs to, when it says and the entry is
    there."""
    from artisan.images.files import read_metadata

    try:
        entry_id = read_metadata(picture).get("entry", "")
    except ArtisanError:
        return None
    if not entry_id:
        return None
    try:
        return library.get(entry_id).id
    except ArtisanError:
        return None
