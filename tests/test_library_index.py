"""The library's `.index.json`: used only when it matches the files, by stat and by content."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from artisan import files, locations
from artisan.entry import PromptEntry
from artisan.library import Library
from artisan.library_index import CACHE, RACY_SECONDS, digest, signature

SETTLED = RACY_SECONDS + 5
"""Seconds between a file's last change and the cache's writing after which stat is trusted."""


@pytest.fixture
def library() -> Library:
    return Library(locations.library_dir())


def saved(library: Library, prompt: str) -> PromptEntry:
    return library.add(PromptEntry.create(prompt, idea=prompt, target="dalle"))


def settle(library: Library) -> None:
    """Make the cache look written long after the files last changed (as it is for any
    library not edited in the last seconds)."""
    path = library.folder / CACHE
    later = path.stat().st_mtime_ns + SETTLED * 1_000_000_000
    os.utime(path, ns=(later, later))


def cache_document(library: Library) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((library.folder / CACHE).read_text(encoding="utf-8"))
    return document


def write_cache(library: Library, document: dict[str, Any], *, mtime_ns: int) -> None:
    path = library.folder / CACHE
    path.write_text(json.dumps(document), encoding="utf-8")
    os.utime(path, ns=(mtime_ns, mtime_ns))


class Reads:
    """Counts the library files actually opened."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.names: list[str] = []
        real = files.read_bytes

        def counting(path: Path, limits: files.Limits, **kwargs: Any) -> bytes:
            if limits is files.LIBRARY_ENTRY:
                self.names.append(path.name)
            return real(path, limits, **kwargs)

        monkeypatch.setattr(files, "read_bytes", counting)


def test_a_settled_cache_is_used_without_opening_the_files(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(5):
        saved(library, f"prompt {number}")
    library.load()
    settle(library)
    reads = Reads(monkeypatch)
    report = Library(library.folder).load()
    assert (report.parsed, reads.names) == (0, [])


def test_a_file_rewritten_in_place_with_the_same_size_and_time_is_noticed(
    library: Library,
) -> None:
    """An edit in place that keeps the size and puts the modification time back (a coarse
    clock, `touch -r`, `cp -p`) is found by the change time and the digest."""
    entry = saved(library, "A red fox at dawn")
    library.load()
    settle(library)
    path = library.folder / f"{entry.id}.toml"
    before = path.stat()
    edited = path.read_bytes().replace(b"A red fox at dawn", b"A tan fox at dusk")
    with open(path, "r+b") as handle:  # in place: same inode
        handle.write(edited)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (
        before.st_ino,
        before.st_size,
        before.st_mtime_ns,
    )

    fresh = Library(library.folder)
    report = fresh.load()

    assert report.parsed == 1
    assert fresh.get(entry.id).prompt == "A tan fox at dusk"
    assert [e.prompt for e in fresh.entries()] == ["A tan fox at dusk"]


def test_a_racy_row_is_checked_by_content(library: Library) -> None:
    """A file rewritten in place within the same clock tick as its row was made keeps its
    size and times: the row's stat matches, yet it holds the old text. Because the file is as
    new as the cache, the row is checked against the file's digest, and the new text wins."""
    entry = saved(library, "the old prompt")
    path = library.folder / f"{entry.id}.toml"
    library.load()
    with open(path, "r+b") as handle:
        handle.write(path.read_bytes().replace(b"the old prompt", b"the new prompt"))
    document = cache_document(library)
    document["files"][path.name][:4] = list(signature(path.stat()))  # a same-tick rewrite
    write_cache(library, document, mtime_ns=path.stat().st_mtime_ns)

    fresh = Library(library.folder)
    report = fresh.load()

    assert report.parsed == 1
    assert [e.prompt for e in fresh.entries()] == ["the new prompt"]


def test_a_touched_file_is_checked_by_digest_not_parsed(library: Library) -> None:
    entry = saved(library, "unchanged words")
    library.load()
    settle(library)
    path = library.folder / f"{entry.id}.toml"
    os.utime(path, ns=(0, 10**18))  # a new modification time, the same bytes
    report = Library(library.folder).load()
    assert report.parsed == 0
    rows = cache_document(library)["files"]
    assert rows[path.name][:4] == list(signature(path.stat()))  # refreshed for next time
    assert rows[path.name][4] == digest(path.read_bytes())


def test_a_row_claiming_another_id_is_not_believed(library: Library) -> None:
    first = saved(library, "first prompt")
    second = saved(library, "second prompt")
    library.load()
    document = cache_document(library)
    rows = document["files"]
    rows[f"{first.id}.toml"][5][0] = second.id  # the row says it is the other entry
    write_cache(library, document, mtime_ns=(library.folder / CACHE).stat().st_mtime_ns)

    fresh = Library(library.folder)
    assert fresh.load_cached()
    assert sorted(e.id for e in fresh.entries()) == [second.id]
    fresh.load()
    assert sorted(e.prompt for e in fresh.entries()) == ["first prompt", "second prompt"]


@pytest.mark.parametrize(
    "document",
    [
        [],
        None,
        {"format": 3},
        {"format": 3, "files": []},
        {"format": 3, "files": {"x.toml": None}},
        {"format": 3, "files": {"x.toml": [1, 2, 3, 4, "d", None]}},
        {"format": 3, "files": {"x.toml": [1, 2, 3, 4, "d", [1, 2]]}},
        {"format": 3, "files": {"x.toml": [1, 2, 3, 4, "d", ["x"] * 14]}},
        {"format": "3", "files": {}},
    ],
)
def test_a_cache_of_any_shape_is_never_fatal(library: Library, document: Any) -> None:
    entry = saved(library, "kept")
    (library.folder / CACHE).write_text(json.dumps(document), encoding="utf-8")
    fresh = Library(library.folder)
    fresh.load_cached()
    fresh.load()
    assert [e.id for e in fresh.entries()] == [entry.id]


def test_a_cache_nested_a_thousand_deep_is_ignored(library: Library) -> None:
    entry = saved(library, "kept")
    (library.folder / CACHE).write_text('{"format": 3, "files": ' + "[" * 5000 + "]" * 5000 + "}")
    fresh = Library(library.folder)
    assert not fresh.load_cached()
    assert fresh.load().parsed == 1
    assert [e.id for e in fresh.entries()] == [entry.id]


def test_cached_dates_without_a_time_zone_are_not_believed(library: Library) -> None:
    entry = saved(library, "zoned")
    library.load()
    document = cache_document(library)
    document["files"][f"{entry.id}.toml"][5][8] = "2026-01-01T10:00:00"
    write_cache(library, document, mtime_ns=(library.folder / CACHE).stat().st_mtime_ns)
    fresh = Library(library.folder)
    report = fresh.load()
    assert report.parsed == 1
    assert fresh.entries()[0].created.tzinfo is not None
