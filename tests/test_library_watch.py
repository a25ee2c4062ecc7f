"""Other programs' changes to the library: noticed by the watcher, shown by the running app."""

from __future__ import annotations

import os
import queue
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from artisan import locations
from artisan.library import Library
from artisan.library_watch import LibraryWatch
from fake_openai import FakeOpenAI
from tui_helpers import fill_library, make_app, screen_text, settle

WAIT = 10.0
"""Longest wait for a change to be reported; a healthy watcher takes a fraction of a second."""


class Changes:
    """Collects what a watcher reports, and waits for it with a deadline."""

    def __init__(self) -> None:
        self.batches: queue.Queue[set[str]] = queue.Queue()

    def __call__(self, names: set[str]) -> None:
        self.batches.put(names)

    def until(self, name: str) -> set[str]:
        """Every name reported up to and including the batch that names `name`."""
        seen: set[str] = set()
        deadline = time.monotonic() + WAIT
        while name not in seen:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"{name} was not reported; saw {sorted(seen)}"
            seen |= self.batches.get(timeout=remaining)
        return seen


def edit_in_place(path: Path, old: bytes, new: bytes) -> None:
    """What an editor that saves in place does: same file, same inode."""
    data = path.read_bytes().replace(old, new)
    with open(path, "r+b") as handle:
        handle.write(data)
        handle.truncate()


@pytest.fixture(params=["watchfiles", "polling"])
def watching(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[LibraryWatch, Changes]]:
    folder = tmp_path / "library"
    folder.mkdir()
    (folder / "entry.toml").write_text('id = "entry"\nprompt = "before"\n')
    changes = Changes()
    watch = LibraryWatch(
        folder, changes, use_watchfiles=request.param == "watchfiles", poll_seconds=0.1
    )
    watch.start()
    yield watch, changes
    watch.stop()
    assert not watch.running


def test_an_in_place_edit_is_reported(watching: tuple[LibraryWatch, Changes]) -> None:
    watch, changes = watching
    edit_in_place(watch.folder / "entry.toml", b"before", b"after!")
    assert "entry.toml" in changes.until("entry.toml")


def test_artisans_own_files_are_not_reported(watching: tuple[LibraryWatch, Changes]) -> None:
    watch, changes = watching
    folder = watch.folder
    (folder / ".index.json").write_text("{}")
    (folder / ".entry.toml.1a2b3c4d.tmp").write_text("half")
    (folder / ".lock").write_text("")
    (folder / ".trash").mkdir()
    (folder / ".trash" / "old.toml").write_text('id = "old"\n')
    (folder / "new.toml").write_text('id = "new"\nprompt = "p"\n')
    assert changes.until("new.toml") == {"new.toml"}


def test_added_and_removed_files_are_reported(watching: tuple[LibraryWatch, Changes]) -> None:
    watch, changes = watching
    (watch.folder / "added.toml").write_text('id = "added"\nprompt = "p"\n')
    changes.until("added.toml")
    (watch.folder / "entry.toml").unlink()
    changes.until("entry.toml")


def test_a_library_folder_made_later_is_watched(tmp_path: Path) -> None:
    folder = tmp_path / "library"
    changes = Changes()
    watch = LibraryWatch(folder, changes, poll_seconds=0.1)
    watch.start()
    try:
        folder.mkdir()
        (folder / "first.toml").write_text('id = "first"\nprompt = "p"\n')
        changes.until("first.toml")
        edit_in_place(folder / "first.toml", b'"p"', b'"q"')
        changes.until("first.toml")
    finally:
        watch.stop()


def test_stopping_ends_the_thread(tmp_path: Path) -> None:
    changes = Changes()
    watch = LibraryWatch(tmp_path, changes)
    watch.start()
    assert watch.running
    watch.stop()
    assert not watch.running


async def test_another_programs_in_place_edit_shows_in_the_app(server: FakeOpenAI) -> None:
    """An entry's title edited in place by another program appears in the running app."""
    [entry] = fill_library(1)
    path = locations.library_dir() / f"{entry.id}.toml"
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert entry.title in screen_text(app)
        edit_in_place(path, entry.title.encode(), b"Edited elsewhere")
        edited = time.monotonic()
        while "Edited elsewhere" not in screen_text(app):
            assert time.monotonic() - edited < 1.0, "the edit did not show within a second"
            await pilot.pause(0.05)
    assert Library(locations.library_dir()).get(entry.id).title == "Edited elsewhere"


def test_the_watcher_does_not_follow_the_library_into_subfolders(tmp_path: Path) -> None:
    """Changes inside .trash/ or .corrupt/ are artisan's own moves, never reported."""
    folder = tmp_path / "library"
    (folder / ".corrupt").mkdir(parents=True)
    changes = Changes()
    watch = LibraryWatch(folder, changes)
    watch.start()
    try:
        (folder / ".corrupt" / "x.toml").write_text("x")
        os.replace(folder / ".corrupt" / "x.toml", folder / ".corrupt" / "y.toml")
        (folder / "real.toml").write_text('id = "real"\nprompt = "p"\n')
        assert changes.until("real.toml") == {"real.toml"}
    finally:
        watch.stop()
