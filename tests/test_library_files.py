"""Which files the library reads and writes: a file's name is its id, a copy is a prompt of its
own, and only regular files inside the library folder are ever read, written or moved."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from artisan import locations
from artisan.entry import EntryFormatError, PromptEntry
from artisan.errors import EntryNotFound, LibraryError
from artisan.library import Library
from conftest import RunCli, run_artisan

posix_only = pytest.mark.skipif(os.name != "posix", reason="FIFOs and /dev/zero are POSIX")


@pytest.fixture
def library() -> Library:
    return Library(locations.library_dir())


def saved(library: Library, prompt: str = "A tranquil beach at sunset") -> PromptEntry:
    return library.add(PromptEntry.create(prompt, idea="a beach sunset", target="dalle"))


def copy_of(library: Library, entry: PromptEntry, name: str, prompt: str) -> Path:
    """`cp <id>.toml <name>.toml`, then the copy's prompt edited by hand."""
    original = library.folder / f"{entry.id}.toml"
    copy = library.folder / f"{name}.toml"
    copy.write_text(original.read_text(encoding="utf-8").replace(entry.prompt, prompt), "utf-8")
    return copy


# A file's name is its id ----------------------------------------------------------------------


def test_tagging_an_edited_copy_leaves_the_original_alone(cli: RunCli, library: Library) -> None:
    """cp orig.toml copy.toml; edit the copy; `library tag copy x` writes the copy only."""
    entry = saved(library)
    original = library.folder / f"{entry.id}.toml"
    before = original.read_bytes()
    copy = copy_of(library, entry, "copy", "A stormy beach at night")

    result = cli("library", "tag", "copy", "x")

    assert result.code == 0, result.err
    assert original.read_bytes() == before
    written = tomllib.loads(copy.read_text(encoding="utf-8"))
    assert (written["id"], written["tags"]) == ("copy", ["x"])
    assert written["prompt"] == "A stormy beach at night"
    assert f"copy.toml holds the id `{entry.id}`" in result.err
    assert "it is the prompt `copy`" in result.err


def test_removing_a_copy_trashes_the_copy_not_the_original(cli: RunCli, library: Library) -> None:
    entry = saved(library)
    original = library.folder / f"{entry.id}.toml"
    before = original.read_bytes()
    copy_of(library, entry, "copy", "A stormy beach at night")

    result = cli("library", "rm", "copy")

    assert result.code == 0, result.err
    assert original.read_bytes() == before
    assert not (library.folder / "copy.toml").exists()
    trashed = library.folder / ".trash" / "copy.toml"
    assert "A stormy beach at night" in trashed.read_text(encoding="utf-8")
    assert library.trashed() == ["copy"]


def test_every_change_goes_to_the_file_that_was_read(library: Library) -> None:
    """update, fav, save_image, delete and restore on a copy never touch the original."""
    from artisan.entry import ImageRecord

    entry = saved(library)
    original = library.folder / f"{entry.id}.toml"
    before = original.read_bytes()
    copy = copy_of(library, entry, "mycopy", "A copy's own prompt")

    library.update("mycopy", lambda e: setattr(e, "favorite", True))
    library.save_image("mycopy", ImageRecord(path="/pics/a.png"))
    assert library.get("mycopy").images[0].path == "/pics/a.png"
    library.delete("mycopy")
    library.restore("mycopy")

    assert original.read_bytes() == before
    again = tomllib.loads(copy.read_text(encoding="utf-8"))
    assert (again["id"], again["favorite"], again["prompt"]) == (
        "mycopy",
        True,
        "A copy's own prompt",
    )


def test_the_mismatch_is_reported_at_every_load_until_the_copy_changes(
    library: Library,
) -> None:
    entry = saved(library)
    copy_of(library, entry, "copy", "another prompt")
    for _ in range(2):
        report = library.load()
        assert sorted(e.id for e in library.entries()) == sorted([entry.id, "copy"])
        [problem] = report.problems
        assert f"copy.toml holds the id `{entry.id}`" in problem
    library.update("copy", lambda e: e.tags.append("fixed"))
    assert library.load().problems == []


def test_get_tells_the_mismatch_once(library: Library) -> None:
    entry = saved(library)
    copy_of(library, entry, "copy", "another prompt")
    assert library.get("copy").id == "copy"
    [notice] = library.take_notices()
    assert "copy.toml" in notice and entry.id in notice
    assert library.take_notices() == []


def test_an_import_never_overwrites_a_file(library: Library, tmp_path: Path) -> None:
    """An imported entry whose id is taken by a file gets a new id."""
    entry = saved(library)
    taken = PromptEntry.create("another prompt entirely")
    taken.id = entry.id
    before = (library.folder / f"{entry.id}.toml").read_bytes()
    added = library.add(taken)
    assert added.id != entry.id
    assert (library.folder / f"{entry.id}.toml").read_bytes() == before


# Ids ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["trail\n", "Upper", "a b", "../x", "-dash", "é", "x" * 65])
def test_an_id_must_be_a_whole_valid_id(bad: str) -> None:
    with pytest.raises(EntryFormatError, match="`id`"):
        PromptEntry.from_dict({"id": bad, "prompt": "p"}, "x.toml")


def test_an_import_with_a_trailing_newline_in_an_id_creates_no_odd_file(
    cli: RunCli, library: Library, tmp_path: Path
) -> None:
    source = tmp_path / "in.json"
    source.write_text('{"prompts": [{"id": "trail\\n", "prompt": "p"}]}')
    result = cli("library", "import", str(source))
    assert result.code == 1
    assert "`id`" in result.err and "Traceback" not in result.err
    assert not library.folder.exists() or os.listdir(library.folder) == []


@pytest.mark.parametrize("ref", ["../config/config", "a/b", "x\ny", "*"])
def test_a_reference_that_is_no_id_reaches_no_file(cli: RunCli, ref: str) -> None:
    outside = locations.data_dir() / "config.toml"
    outside.parent.mkdir(parents=True, exist_ok=True)
    outside.write_text('id = "config"\nprompt = "outside the library"\n')
    result = cli("library", "show", ref)
    assert result.code == 1
    assert "is not a prompt id" in result.err
    assert "outside the library" not in result.out


def test_a_file_named_with_capitals_is_reported_with_the_fix(cli: RunCli, library: Library) -> None:
    """`Sunset.toml` cannot be reached by an id, so it is not listed; the warning says why."""
    saved(library)
    (library.folder / "Sunset.toml").write_text('id = "sunset"\nprompt = "p"\n')
    result = cli("library", "list")
    assert result.code == 0
    assert "Sunset.toml was skipped" in result.err
    assert "Rename it to sunset.toml" in result.err
    os.rename(library.folder / "Sunset.toml", library.folder / "sunset.toml")
    assert cli("library", "show", "sunset").code == 0


# Odd files ------------------------------------------------------------------------------------


@posix_only
def test_an_entry_linked_to_dev_zero_is_refused(cli: RunCli, library: Library) -> None:
    good = saved(library)
    os.symlink("/dev/zero", library.folder / "zero.toml")
    shown = cli("library", "show", "zero")
    assert shown.code == 1
    assert "zero.toml is a symbolic link" in shown.err
    assert "Traceback" not in shown.err
    listed = cli("library", "list")
    assert listed.code == 0
    assert good.id in listed.out
    assert "zero.toml is a symbolic link" in listed.err
    assert (library.folder / "zero.toml").is_symlink()  # reported, not moved or followed


def test_a_symlink_to_another_entry_is_not_read_or_written(library: Library) -> None:
    entry = saved(library)
    original = library.folder / f"{entry.id}.toml"
    before = original.read_bytes()
    os.symlink(original, library.folder / "alias.toml")
    with pytest.raises(LibraryError, match="symbolic link"):
        library.update("alias", lambda e: e.tags.append("x"))
    assert original.read_bytes() == before
    report = library.load()
    assert [e.id for e in library.entries()] == [entry.id]
    assert "alias.toml is a symbolic link" in report.problems[0]


@posix_only
def test_a_fifo_in_the_library_does_not_hang_list(library: Library) -> None:
    saved(library)
    os.mkfifo(library.folder / "pipe.toml")
    os.mkfifo(library.folder / ".index.json.fifo")
    result = run_artisan("library", "list", timeout=30)
    assert result.returncode == 0
    assert "pipe.toml is a named pipe (FIFO)" in result.stderr
    shown = run_artisan("library", "show", "pipe", timeout=30)
    assert shown.returncode == 1
    assert "named pipe" in shown.stderr


@posix_only
def test_a_fifo_as_the_cache_does_not_hang_loading(library: Library) -> None:
    saved(library)
    os.mkfifo(library.folder / ".index.json")
    result = run_artisan("library", "list", timeout=30)
    assert result.returncode == 0
    assert "A tranquil beach at sunset"[:10] not in result.stderr


def test_a_trash_that_links_out_of_the_library_is_not_used(
    cli: RunCli, library: Library, tmp_path: Path
) -> None:
    entry = saved(library)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, library.folder / ".trash")
    result = cli("library", "rm", entry.id)
    assert result.code == 1
    assert ".trash is not a folder inside the library" in result.err
    assert list(elsewhere.iterdir()) == []
    assert (library.folder / f"{entry.id}.toml").is_file()
    assert cli("library", "restore").code == 1


def test_a_corrupt_folder_that_links_out_is_not_used(library: Library, tmp_path: Path) -> None:
    saved(library)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, library.folder / ".corrupt")
    broken = library.folder / "broken.toml"
    broken.write_text("not = [toml")
    report = library.load()
    assert list(elsewhere.iterdir()) == []
    assert broken.exists()
    assert any("broken.toml" in p and "not moved aside" in p for p in report.problems)
    assert len(library) == 1


def test_a_lock_that_links_out_is_not_followed(
    cli: RunCli, library: Library, tmp_path: Path
) -> None:
    entry = saved(library)
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    (library.folder / ".lock").unlink()
    os.symlink(precious, library.folder / ".lock")
    result = cli("library", "tag", entry.id, "x")
    assert result.code == 1
    assert ".lock is not a regular file" in result.err
    assert precious.read_text() == "keep me"
    assert library.get(entry.id).tags == []


def test_an_oversized_entry_is_set_aside(library: Library) -> None:
    good = saved(library)
    big = library.folder / "big.toml"
    big.write_text('id = "big"\nprompt = "' + "x" * (2 * 1024 * 1024) + '"\n')
    report = library.load()
    assert [e.id for e in library.entries()] == [good.id]
    [problem] = report.problems
    assert "big.toml cannot be read (is larger (2 MiB) than artisan reads" in problem
    assert (library.folder / ".corrupt" / "big.toml").exists()


def test_a_deeply_nested_entry_is_set_aside(cli: RunCli, library: Library) -> None:
    """2 KB nested 1,000 levels deep: every command still works, the file goes aside."""
    good = saved(library)
    (library.folder / "deep.toml").write_text(
        'id = "deep"\nprompt = "p"\nx = ' + "[" * 1000 + "]" * 1000 + "\n"
    )
    shown = cli("library", "show", "deep")
    assert shown.code == 1 and "nested more deeply" in shown.err
    listed = cli("library", "list")
    assert listed.code == 0 and good.id in listed.out
    assert "deep.toml cannot be read (is nested more deeply" in listed.err
    assert (library.folder / ".corrupt" / "deep.toml").exists()


def test_a_long_dotted_key_is_refused_without_parsing(library: Library) -> None:
    saved(library)
    (library.folder / "dots.toml").write_text(
        'id = "dots"\nprompt = "p"\n' + ".".join(["a"] * 20_000) + " = 1\n"
    )
    report = library.load()
    assert len(library) == 1
    assert "dots.toml cannot be read (is nested more deeply" in report.problems[0]


def test_a_missing_entry_is_not_found_not_a_crash(library: Library) -> None:
    saved(library)
    with pytest.raises(EntryNotFound):
        library.get("nothere")


# Imports ----------------------------------------------------------------------------------------


def test_a_deeply_nested_import_is_one_clear_error(cli: RunCli, tmp_path: Path) -> None:
    for name, text in (
        ("deep.json", '{"prompts": ' + "[" * 2000 + "]" * 2000 + "}"),
        ("deep.toml", "prompts = " + "[" * 2000 + "]" * 2000),
    ):
        source = tmp_path / name
        source.write_text(text)
        result = cli("library", "import", str(source))
        assert result.code == 1
        assert f"{source} is nested more deeply than artisan reads for an import file" in (
            result.err
        )
        assert "Traceback" not in result.err


def test_import_entries_the_library_could_not_read_back_are_skipped(
    cli: RunCli, library: Library, tmp_path: Path
) -> None:
    deep: object = "x"
    for _ in range(34):  # too deep for a library file, not for an import
        deep = [deep]
    records = [
        {"id": "good", "prompt": "a good prompt"},
        {"id": "withnull", "prompt": "p1", "rating": None},
        {"id": "huge", "prompt": "x" * (2 * 1024 * 1024)},
        {"id": "nested", "prompt": "p2", "deep": deep},
    ]
    source = tmp_path / "in.json"
    source.write_text(json_text({"version": 1, "prompts": records}))
    result = cli("library", "import", str(source))
    assert result.code == 0
    assert "prompt 2 holds a value a library file cannot" in result.err
    assert "prompt 3 is larger (2 MiB) than a library file may be (1 MiB)" in result.err
    assert "prompt 4 is nested more deeply than a library file may be" in result.err
    assert sorted(p.name for p in library.folder.glob("*.toml")) == ["good.toml"]
    assert library.load().problems == []


@posix_only
def test_importing_a_fifo_does_not_hang(tmp_path: Path) -> None:
    source = tmp_path / "in.json"
    os.mkfifo(source)
    result = run_artisan("library", "import", str(source), timeout=30)
    assert result.returncode == 1
    assert "named pipe" in result.stderr


def json_text(document: object) -> str:
    import json

    return json.dumps(document)
