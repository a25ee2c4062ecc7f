"""The library on disk: format, atomic writes, bad files, trash, cache and concurrency."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap
import time
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from artisan import locations
from artisan.entry import ImageRecord, PromptEntry
from artisan.errors import EntryNotFound, LibraryError
from artisan.library import Library, SaveOutcome, dumps_entry, loads_entry


@pytest.fixture
def library() -> Library:
    return Library(locations.library_dir())


def make(prompt: str = "A tranquil beach at sunset", **kwargs: Any) -> PromptEntry:
    return PromptEntry.create(
        prompt, idea=str(kwargs.pop("idea", "a beach sunset")), target="dalle", **kwargs
    )


def test_saved_file_has_the_documented_keys(library: Library) -> None:
    entry = library.add(make(tags=["Beach", "#sunset", "beach"]))
    path = library.folder / f"{entry.id}.toml"
    data = tomllib.loads(path.read_text())
    assert data["version"] == 1
    assert data["id"] == entry.id
    assert data["title"] == "a beach sunset"
    assert data["prompt"] == "A tranquil beach at sunset"
    assert data["idea"] == "a beach sunset"
    assert data["target"] == "dalle"
    assert data["tags"] == ["beach", "sunset"]
    assert data["favorite"] is False
    assert isinstance(data["created"], datetime) and data["created"].tzinfo is not None
    assert isinstance(data["updated"], datetime)
    assert data["notes"] == ""


def test_images_are_written_as_array_of_tables(library: Library) -> None:
    entry = make()
    entry.images.append(
        ImageRecord(
            path="/pics/a.png",
            model="gpt-image-2",
            size="1024x1024",
            revised_prompt="A beach.",
            created=entry.created,
        )
    )
    library.add(entry)
    text = (library.folder / f"{entry.id}.toml").read_text()
    assert "\n[[images]]\n" in text
    again = library.get(entry.id)
    assert again.images[0].path == "/pics/a.png"
    assert again.images[0].revised_prompt == "A beach."


def test_round_trip_keeps_unknown_keys(library: Library) -> None:
    """Keys artisan does not know survive a load and a rewrite, at every level."""
    entry = library.add(make())
    path = library.folder / f"{entry.id}.toml"
    path.write_text(
        path.read_text()
        + textwrap.dedent("""
        rating = 5
        seed = 1234

        [extra_table]
        mood = "calm"
        when = 2026-01-02T03:04:05Z

        [[images]]
        path = "/pics/x.png"
        model = "gpt-image-2"
        size = "1024x1024"
        upscaled = true
    """)
    )
    library.update(entry.id, lambda e: e.tags.append("kept"))
    data = tomllib.loads(path.read_text())
    assert data["rating"] == 5
    assert data["seed"] == 1234
    assert data["extra_table"]["mood"] == "calm"
    assert isinstance(data["extra_table"]["when"], datetime)
    assert data["images"][0]["upscaled"] is True
    assert data["tags"] == ["kept"]


def test_writes_leave_no_temporary_files(library: Library) -> None:
    for index in range(20):
        library.add(make(f"prompt {index}"))
    names = os.listdir(library.folder)
    assert len([n for n in names if n.endswith(".toml")]) == 20
    assert not [n for n in names if n.endswith(".tmp")]


def test_entries_are_newest_first(library: Library) -> None:
    old = make("old")
    old.created = datetime(2020, 1, 1).astimezone()
    library.add(old)
    new = library.add(make("new"))
    library.load()
    assert [e.id for e in library.entries()] == [new.id, old.id]


def test_get_by_unique_prefix(library: Library) -> None:
    entry = library.add(make())
    assert library.get(entry.id[:4]).id == entry.id
    with pytest.raises(EntryNotFound, match="No saved prompt has the id `zzzz`"):
        library.get("zzzz")


def test_corrupt_file_is_moved_aside_and_others_load(library: Library) -> None:
    good = library.add(make())
    bad = library.folder / "broken.toml"
    bad.write_text('id = "broken"\nprompt = "unterminated\n')
    report = library.load()
    assert [e.id for e in library.entries()] == [good.id]
    assert len(report.problems) == 1
    assert "broken.toml" in report.problems[0]
    assert not bad.exists()
    assert (library.folder / ".corrupt" / "broken.toml").read_text().startswith('id = "broken"')


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.toml", "", "empty"),
        ("typed.toml", 'id = "typed"\nprompt = "p"\ntags = "not a list"\n', "`tags` must be"),
        ("noprompt.toml", 'id = "noprompt"\n', "`prompt` is missing"),
        ("binary.toml", "\udcff", ""),
    ],
)
def test_unusable_files_are_reported_by_name(
    library: Library, name: str, content: str, reason: str
) -> None:
    library.folder.mkdir(parents=True)
    (library.folder / name).write_bytes(content.encode("utf-8", "surrogateescape"))
    report = library.load()
    assert len(library) == 0
    assert name in report.problems[0]
    assert reason in report.problems[0]
    assert (library.folder / ".corrupt" / name).exists()


def test_future_version_is_left_in_place(library: Library) -> None:
    library.folder.mkdir(parents=True)
    path = library.folder / "future.toml"
    path.write_text('version = 2\nid = "future"\nprompt = "p"\nhologram = true\n')
    report = library.load()
    assert len(library) == 0
    assert "newer artisan" in report.problems[0]
    assert path.exists()


def test_folder_named_like_an_entry_is_skipped(library: Library) -> None:
    good = library.add(make())
    (library.folder / "odd.toml").mkdir()
    report = library.load()
    assert [e.id for e in library.entries()] == [good.id]
    assert "odd.toml is a folder" in report.problems[0]


def test_file_name_is_the_id(library: Library) -> None:
    """A hand-copied file keeps its original's id inside; the file name wins."""
    entry = library.add(make())
    copy = library.folder / "mycopy.toml"
    copy.write_bytes((library.folder / f"{entry.id}.toml").read_bytes())
    library.load()
    assert sorted(e.id for e in library.entries()) == sorted([entry.id, "mycopy"])


def test_delete_moves_to_trash_and_restore_brings_back(library: Library) -> None:
    entry = library.add(make())
    library.delete(entry.id)
    assert not (library.folder / f"{entry.id}.toml").exists()
    assert (library.folder / ".trash" / f"{entry.id}.toml").exists()
    assert library.trashed() == [entry.id]
    restored = library.restore(entry.id[:5])
    assert restored.prompt == entry.prompt
    assert (library.folder / f"{entry.id}.toml").exists()
    with pytest.raises(EntryNotFound):
        library.restore(entry.id)


def test_cache_sees_files_changed_by_other_programs(library: Library) -> None:
    entry = library.add(make())
    other = library.add(make("second"))
    assert library.load().parsed == 2
    assert library.load().parsed == 0  # everything from the cache now
    path = library.folder / f"{entry.id}.toml"
    path.write_text(path.read_text().replace("A tranquil beach at sunset", "Edited by hand"))
    (library.folder / f"{other.id}.toml").unlink()
    report = library.load()
    assert report.parsed == 1
    assert [e.prompt for e in library.entries()] == ["Edited by hand"]


def test_broken_cache_is_ignored(library: Library) -> None:
    library.add(make())
    library.load()
    (library.folder / ".index.json").write_text("{not json")
    assert library.load().parsed == 1
    assert len(library) == 1


def test_update_of_a_vanished_entry_says_so(library: Library) -> None:
    entry = library.add(make())
    (library.folder / f"{entry.id}.toml").unlink()
    with pytest.raises(EntryNotFound):
        library.update(entry.id, lambda e: None)


@pytest.mark.parametrize(
    ("number", "words"),
    [(errno.ENOSPC, "No space left on device"), (errno.EROFS, "Read-only file system")],
)
def test_write_failure_keeps_data_and_says_so(
    library: Library, monkeypatch: pytest.MonkeyPatch, number: int, words: str
) -> None:
    """A full disk or read-only folder: the save fails with the reason, nothing on disk changes."""
    entry = library.add(make())
    path = library.folder / f"{entry.id}.toml"
    before = path.read_bytes()

    def refuse(path: Path, data: bytes, **kwargs: object) -> None:
        raise OSError(number, os.strerror(number))

    monkeypatch.setattr("artisan.library.write_atomic", refuse)
    new = make("new one")
    with pytest.raises(LibraryError, match=f"Could not save .*{words}.*Nothing was lost"):
        library.add(new)
    with pytest.raises(LibraryError, match=words):
        library.update(entry.id, lambda e: e.tags.append("x"))
    assert [p.name for p in library.folder.glob("*.toml")] == [path.name]
    assert path.read_bytes() == before
    assert new.prompt == "new one"  # still in memory for a retry
    monkeypatch.undo()
    library.add(new)
    assert library.get(new.id).prompt == "new one"


def test_dumps_and_loads_are_inverse() -> None:
    entry = make('multi\nline "quoted" \\ prompt', tags=["a"])
    entry.extra["nested"] = {"deep": {"x": [1, 2]}}
    again = loads_entry(dumps_entry(entry), "x.toml")
    assert again == entry


CONCURRENT_WORKER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from artisan.entry import PromptEntry
    from artisan.library import Library

    folder, shared, name, count = Path(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
    library = Library(folder)
    for index in range(count):
        library.add(PromptEntry.create(f"{name} prompt {index}", idea=name))
        library.update(shared, lambda e, t=f"{name}-{index}": e.tags.append(t))
""")


@pytest.mark.slow
def test_two_processes_saving_and_tagging_lose_nothing(library: Library, tmp_path: Path) -> None:
    """Two processes each save 150 prompts and tag one shared entry 150 times."""
    shared = library.add(make("shared"))
    script = tmp_path / "worker.py"
    script.write_text(CONCURRENT_WORKER)
    count = 150
    workers = [
        subprocess.Popen(
            [sys.executable, str(script), str(library.folder), shared.id, name, str(count)]
        )
        for name in ("alpha", "beta")
    ]
    assert [w.wait(timeout=120) for w in workers] == [0, 0]
    report = library.load()
    assert report.problems == []
    prompts = {e.prompt for e in library.entries()}
    assert len(library) == 2 * count + 1
    for name in ("alpha", "beta"):
        assert all(f"{name} prompt {i}" in prompts for i in range(count))
    tags = library.get(shared.id).tags
    assert len(tags) == 2 * count
    assert set(tags) == {f"{n}-{i}" for n in ("alpha", "beta") for i in range(count)}


OTHER_SAVER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from artisan.entry import PromptEntry
    from artisan.library import Library
    library = Library(Path(sys.argv[1]))
    for text in sys.argv[2:]:
        entry = PromptEntry.create(text, idea="elsewhere", target="dalle")
        print(library.save_prompt(entry).entry.id)
""")


def test_a_save_finds_prompts_another_process_saved_since(library: Library, tmp_path: Path) -> None:
    library.load()
    library.save_prompt(make("ours"))  # from here on, saving knows the folder without reading it
    script = tmp_path / "other.py"
    script.write_text(OTHER_SAVER)
    other = subprocess.run(
        [sys.executable, str(script), str(library.folder), "theirs 1", "theirs 2"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    saved = [library.save_prompt(make(f"theirs {number}")) for number in (1, 2)]
    assert [s.outcome for s in saved] == [SaveOutcome.FOUND, SaveOutcome.FOUND]
    assert [s.entry.id for s in saved] == other.stdout.split()
    assert len(list(library.folder.glob("*.toml"))) == 3


def test_a_save_finds_a_file_another_program_put_in_the_folder(library: Library) -> None:
    ours = library.save_prompt(make("ours")).entry
    copied = make("copied by hand")
    copied.id = "byhand"
    staged = library.folder / "staging.tmp"
    staged.write_bytes(dumps_entry(copied))
    os.replace(staged, library.folder / "byhand.toml")  # as an editor or `cp` leaves it
    # A folder's time moves on at the next tick of the system's clock; the copy may have come
    # within the tick of the save above, so the folder is dated as a copy a tick later is.
    folder = os.stat(library.folder)
    os.utime(library.folder, ns=(folder.st_atime_ns, folder.st_mtime_ns + 1_000_000_000))
    saved = library.save_prompt(make("copied by hand"))
    assert saved.outcome is SaveOutcome.FOUND
    assert saved.entry.id == "byhand"
    assert {path.stem for path in library.folder.glob("*.toml")} == {ours.id, "byhand"}


def test_a_match_rewritten_in_place_is_not_taken_for_the_text(library: Library) -> None:
    first = library.save_prompt(make("the text")).entry
    path = library.folder / f"{first.id}.toml"
    changed = loads_entry(path.read_bytes(), path.name)
    changed.prompt = "rewritten by another program"
    with open(path, "r+b") as file:  # in place: the folder itself does not change
        file.truncate(0)
        file.write(dumps_entry(changed))
    saved = library.save_prompt(make("the text"))
    assert saved.outcome is SaveOutcome.ADDED
    assert saved.entry.id != first.id
    assert loads_entry(path.read_bytes(), path.name).prompt == "rewritten by another program"


def test_library_folder_created_on_first_save(isolated_home: Path) -> None:
    library = Library(isolated_home / "deep" / "er" / "library")
    assert library.load().problems == []
    library.add(make())
    assert len(list((isolated_home / "deep" / "er" / "library").glob("*.toml"))) == 1


def test_unreadable_library_folder_is_an_error(isolated_home: Path) -> None:
    path = isolated_home / "notafolder"
    path.write_text("x")
    with pytest.raises(LibraryError, match="Cannot read the library folder"):
        Library(path).load()


def test_stale_temporary_files_are_cleaned(library: Library) -> None:
    library.add(make())
    old = library.folder / ".x.toml.ab12cd34.tmp"
    young = library.folder / ".y.toml.ab12cd35.tmp"
    old.write_text("half")
    young.write_text("half")
    os.utime(old, (0, 0))
    # As young as the wall clock says now, whatever day the suite is told it is (--clock-at).
    now = time.time()
    os.utime(young, (now, now))
    assert library.load().problems == []
    assert not old.exists()
    assert young.exists()


def test_line_breaks_are_kept_as_line_breaks(library: Library) -> None:
    """CR LF and a lone CR are kept as the line breaks they meant (a CR on its own would let
    later text overwrite earlier text on a terminal, so the library never stores one)."""
    entry = library.add(make("line one\r\nline two\rthree\nfour"))
    assert library.get(entry.id).prompt == "line one\nline two\nthree\nfour"
