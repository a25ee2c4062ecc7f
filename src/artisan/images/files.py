"""Saving rendered images: safe names, metadata inside, never a half-written or replaced file.

A file is named `YYYYMMDD-HHMMSS-<slug>.<ext>`, the slug made from the prompt: lowercase ASCII
words joined by hyphens, at most 48 characters, so whatever a prompt holds (`../../etc/passwd`,
newlines, emoji, 5,000 characters) the name stays one plain file name on every system.

The image is written in full to a hidden temporary file first (atomically, see
`artisan.atomic`), then linked under its final name with an operation that fails when the name
is taken, in which case `-2`, `-3`, ... is tried. So two images rendered in the same second, or
two artisan processes, never overwrite each other, and a reader never sees a partial file.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import unicodedata
from datetime import datetime
from pathlib import Path

from artisan.atomic import write_atomic
from artisan.entry import ImageRecord
from artisan.files import show_size
from artisan.images.metadata import (
    ImageFileError,
    ImageInfo,
    NotAnImage,
    embed_metadata,
    inspect_image,
    read_metadata,
)

__all__ = [
    "ImageFileError",
    "ImageInfo",
    "NotAnImage",
    "check_room",
    "check_writable",
    "extension_for",
    "file_stem",
    "inspect_image",
    "read_metadata",
    "save_image",
    "slugify",
]

SLUG_LENGTH = 48
FALLBACK_SLUG = "image"
MAX_NUMBERED = 10_000
EXTENSIONS = {"png": "png", "jpeg": "jpg", "webp": "webp", "gif": "gif"}
"""File extension for each image format; other formats use their own name."""
FORMATS_BY_SUFFIX = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".webp": "webp"}
"""Image format for each file suffix a person may give with `-o`."""
_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", "clock$", "conin$", "conout$"}
    | {f"{device}{number}" for device in ("com", "lpt") for number in range(10)}
)
"""Names Windows keeps for devices, whatever the extension."""
_WORD = re.compile(r"[a-z0-9]+")


def slugify(text: str, max_length: int = SLUG_LENGTH) -> str:
    """A short file-name-safe version of `text`: "A beach, at dusk!" -> "a-beach-at-dusk".

    Only lowercase ASCII letters, digits and single hyphens, never empty, never a reserved
    device name, at most `max_length` characters, cut at a word boundary where possible.
    """
    # NFKD splits accented letters into letter + accent, so "café" keeps its "e".
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = ""
    for match in _WORD.finditer(plain):
        word = match.group()
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_length:
            slug = slug or word[:max_length]
            break
        slug = candidate
    if not slug:
        return FALLBACK_SLUG
    if slug in _RESERVED:
        slug = f"{slug}-{FALLBACK_SLUG}"
    return slug


def file_stem(prompt: str, created: datetime) -> str:
    """The file name without extension: `20261126-123001-a-tranquil-beach-at-sunset`."""
    return f"{created:%Y%m%d-%H%M%S}-{slugify(prompt)}"


def extension_for(fmt: str) -> str:
    return EXTENSIONS.get(fmt, fmt)


def save_image(data: bytes, record: ImageRecord, folder: Path, *, stem: str | None = None) -> Path:
    """Write an image with its metadata to a new file in `folder`.

    Args:
        data: The image as the server sent it.
        record: Prompt, model, size, cost and so on, written into the file (its `created`
            must be set).
        folder: Where to write; created if needed.
        stem: The file name without extension; by default made from the time and the prompt.
            When taken, `-2`, `-3`, ... is added: an existing file is never replaced.

    Returns:
        The path of the new file. Its extension follows what the data really is.

    Raises:
        NotAnImage: the data is not an image.
        ImageFileError: the folder cannot be created or written. No file is left behind.
    """
    info = inspect_image(data)
    content = embed_metadata(data, info.format, record)
    stem = stem or file_stem(record.prompt, record.created or datetime.now().astimezone())
    if Path(stem).name != stem or stem in ("", ".", ".."):
        raise ValueError(f"{stem!r} is not a file name")
    _ensure_folder(folder)
    return _write_new(folder, stem, extension_for(info.format), content)


def check_writable(folder: Path) -> None:
    """Make sure images can be saved in `folder`: create it, write a probe file, remove it.

    Called before a render is paid for, so a read-only or missing pictures folder costs
    nothing.

    Raises:
        ImageFileError: the folder cannot be created or written, with what to do.
    """
    _ensure_folder(folder)
    probe = folder / f".artisan-probe-{secrets.token_hex(4)}.tmp"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, b"probe")
        finally:
            os.close(fd)
        os.unlink(probe)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(probe)
        raise ImageFileError(
            f"Cannot save images in {folder}: {error.strerror or error}. Nothing was sent. "
            "Choose another folder with `artisan config set images_dir ...` (or -o)."
        ) from None


def check_room(folder: Path, needed: int, purpose: str) -> None:
    """Make sure the disk holding `folder` has `needed` bytes free, before a render is paid for.

    Args:
        folder: The folder (or, when it does not exist yet, the nearest one above it).
        needed: Bytes the render will write there.
        purpose: What they are for, for the message: "to save the image".

    Raises:
        ImageFileError: too little room, saying how much there is and what it is for.
    """
    existing = next((p for p in (folder, *folder.parents) if p.is_dir()), None)
    if existing is None:
        return
    try:
        free = shutil.disk_usage(existing).free
    except OSError:
        return  # cannot tell: the write itself will say, and the image is kept elsewhere
    if free >= needed:
        return
    raise ImageFileError(
        f"{folder} has {show_size(free)} free; about {show_size(needed)} is needed {purpose}. "
        "Nothing was sent. Free some space, or choose another folder (`artisan config set "
        "images_dir ...` or -o; `ARTISAN_DATA_DIR` for the data folder)."
    )


def _ensure_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ImageFileError(
            f"Cannot save images in {folder}: it is a file, not a folder. Choose another "
            "folder with `artisan config set images_dir ...` (or -o)."
        ) from None
    except OSError as error:
        raise ImageFileError(
            f"Cannot create the images folder {folder}: {error.strerror or error}. Choose "
            "another with `artisan config set images_dir ...` (or -o)."
        ) from None


def _write_new(folder: Path, stem: str, ext: str, content: bytes) -> Path:
    """Write `content` as `stem.ext`, or `stem-2.ext`, ...: whichever is free first."""
    staging = folder / f".{stem[:60]}.{secrets.token_hex(4)}.part"
    try:
        write_atomic(staging, content)
    except OSError as error:
        raise ImageFileError(
            f"Cannot write the image to {folder}: {error.strerror or error}."
        ) from None
    try:
        for number in range(1, MAX_NUMBERED + 1):
            path = folder / (f"{stem}.{ext}" if number == 1 else f"{stem}-{number}.{ext}")
            try:
                # A hard link claims the name only if it is free, atomically, and the file
                # appears complete under it.
                os.link(staging, path)
            except FileExistsError:
                continue
            except OSError:
                # No hard links on this filesystem (FAT, some network shares): check, then
                # rename. Only another process claiming the name in between could be hit.
                if os.path.lexists(path):
                    continue
                os.replace(staging, path)
            return path
        raise ImageFileError(f"Cannot find a free file name for {stem}.{ext} in {folder}.")
    except OSError as error:
        raise ImageFileError(
            f"Cannot write the image to {folder}: {error.strerror or error}."
        ) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(staging)
