"""The library's cache, `.index.json`: the parsed entries, and when a row may stand for its file.

Parsing 10,000 TOML files takes seconds; reading one JSON file of the parsed entries takes a
tenth of one. The cache never decides what is in the library, the files do; the question is
when a row can be used without opening its file. Each row keeps, besides the parsed entry:

- the file's stat signature: modification time, size, inode and change time (`st_ctime`), in
  nanoseconds. No program can set the change time back (unlike the modification time, which
  `touch -r`, `cp -p` and archive tools restore), so an edit in place, a file replaced by
  another, or a copy with restored dates all change the signature;
- a BLAKE2b digest of the bytes the entry was parsed from.

At each load, per file:

1. Signature unchanged, and the file *settled*: the row is used without opening the file.
2. Otherwise the file is read and hashed (microseconds; parsing takes a hundred times more). The
   same digest means the content is the same (a `touch`, a `chmod`, a hard-linked copy, a
   checkout that rewrote the same bytes): the row is kept and only its signature refreshed.
   A different digest: the file is parsed again.

*Settled* closes the one gap a signature leaves, the one git calls "racy": a file written twice
within one tick of the filesystem's clock (up to 2 s on FAT, one jiffy on ext4) with the same
size, in place, has the same signature after the second write as after the first. Such a write
can only have happened after the row was made, and a row is made before the cache is written,
so a file whose modification or change time is within `RACY_SECONDS` of the cache's own
modification time (read from the same filesystem clock, as git does with its index, so a skewed
wall clock does not matter) is verified by its digest. Rows older than that are settled for good.

A cache of any shape, damaged or hand-made, is never believed: every row is checked for its
types before use, an entry built from it must carry its file's name as id, and anything wrong
makes that file be read instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

from artisan import files
from artisan.atomic import write_atomic
from artisan.entry import EntryFormatError, PromptEntry, json_default

CACHE = ".index.json"
CACHE_FORMAT = 4
RACY_SECONDS = 2
_RACY_NS = RACY_SECONDS * 1_000_000_000

Signature = tuple[int, int, int, int]


def signature(info: os.stat_result) -> Signature:
    """What stat says about a file: modification time, size, inode, change time."""
    return (info.st_mtime_ns, info.st_size, info.st_ino, info.st_ctime_ns)


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass
class Index:
    """The rows of `.index.json` as read, unchecked until used."""

    rows: dict[str, Any] = field(default_factory=dict)
    written_ns: int = 0
    """The cache file's modification time; 0 when there was none."""

    settled_before: int = field(init=False)
    """Files last changed before this moment (ns) are trusted by stat alone."""

    def __post_init__(self) -> None:
        self.settled_before = self.written_ns - _RACY_NS

    def settled_row(self, name: str, stat: Signature) -> list[Any] | None:
        """The entry row for a file unchanged since the cache was written, or None."""
        row = self.rows.get(name)
        # One comparison of the first four items in C: this runs for every file at every load.
        if type(row) is not list or len(row) != 6 or row[:4] != [*stat]:
            return None
        if stat[0] >= self.settled_before or stat[3] >= self.settled_before:
            return None
        entry_row = row[5]
        return entry_row if type(entry_row) is list else None

    def row_with_digest(self, name: str, content_digest: str) -> list[Any] | None:
        """The entry row for a file whose bytes have not changed, or None."""
        row = self.rows.get(name)
        if not _well_formed(row) or row[4] != content_digest:
            return None
        entry_row: list[Any] = row[5]
        return entry_row

    def usable_rows(self) -> dict[str, list[Any]]:
        """Every well-formed entry row, by file name (for showing the cache alone)."""
        return {name: row[5] for name, row in self.rows.items() if _well_formed(row)}


def read_index(folder: Path) -> Index:
    """The cache, or an empty one when it is missing, too big, damaged or of another format."""
    path = folder / CACHE
    try:
        raw = files.read_json(path, files.LIBRARY_CACHE, follow_symlinks=False)
        written_ns = os.stat(path, follow_symlinks=False).st_mtime_ns
    except (OSError, files.FileProblem):
        return Index()
    if type(raw) is not dict or raw.get("format") != CACHE_FORMAT:
        return Index()
    rows = raw.get("files")
    if type(rows) is not dict:
        return Index()
    return Index(rows, written_ns)


def index_data(rows: dict[str, list[Any]]) -> bytes:
    """The cache's bytes; rows are `[*signature, digest, entry row]` by file name."""
    data = json.dumps(
        {"format": CACHE_FORMAT, "files": rows}, ensure_ascii=False, default=json_default
    )
    return data.encode("utf-8")


def write_index(folder: Path, data: bytes) -> None:
    """Write the cache (`index_data`)."""
    with contextlib.suppress(OSError):
        # The cache only saves time; a read-only or full disk must not stop the library from
        # working, and the next load reads the files again.
        write_atomic(folder / CACHE, data)


def make_row(stat: Signature, content_digest: str, entry_row: list[Any]) -> list[Any]:
    return [*stat, content_digest, entry_row]


def settled_now(stat: Signature) -> bool:
    """Whether a cache written now would trust this file's signature at the next load."""
    return max(stat[0], stat[3]) < time.time_ns() - _RACY_NS


def entry_from_row(row: list[Any], entry_id: str) -> PromptEntry | None:
    """The entry a cache row holds, or None when the row cannot be believed."""
    try:
        entry = PromptEntry.from_row(row)
    except (EntryFormatError, TypeError, ValueError, AttributeError, IndexError, KeyError):
        return None
    if entry.id != entry_id or entry.created.tzinfo is None or entry.updated.tzinfo is None:
        return None
    if entry.extra and not plain(entry.extra):
        return None
    if entry.images and not all(plain(image.extra) for image in entry.images):
        return None
    return entry


def plain(value: Any) -> bool:
    """Whether a value holds only what TOML and JSON share: text, numbers, booleans, lists
    and tables (no dates, which JSON would turn into text, and no JSON null)."""
    if isinstance(value, dict):
        return all(type(key) is str and plain(item) for key, item in value.items())
    if isinstance(value, list):
        return all(plain(item) for item in value)
    return isinstance(value, str | int | float | bool)


def _well_formed(row: Any) -> TypeGuard[list[Any]]:
    return (
        type(row) is list
        and len(row) == 6
        and type(row[0]) is int
        and type(row[1]) is int
        and type(row[2]) is int
        and type(row[3]) is int
        and type(row[4]) is str
        and type(row[5]) is list
    )
