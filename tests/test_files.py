"""artisan.files: every outside file is bounded, typed and checked before a parser sees it."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from artisan import files
from artisan.files import FileProblem, Limits

posix_only = pytest.mark.skipif(os.name != "posix", reason="FIFOs and devices are POSIX")
SMALL = Limits("a test file", 1024, 8)


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def refused(rule: str, call: object, *args: object, **kwargs: object) -> FileProblem:
    assert callable(call)
    with pytest.raises(FileProblem) as caught:
        call(*args, **kwargs)
    assert caught.value.rule == rule, caught.value
    return caught.value


# Opening ----------------------------------------------------------------------------------------


@posix_only
def test_a_fifo_is_refused_at_once_without_a_writer(tmp_path: Path) -> None:
    path = tmp_path / "pipe.toml"
    os.mkfifo(path)
    done: list[FileProblem] = []

    def read() -> None:
        try:
            files.read_bytes(path, SMALL)
        except FileProblem as problem:
            done.append(problem)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=10)
    assert not reader.is_alive(), "reading a FIFO blocked"
    [problem] = done
    assert problem.rule == "not-a-file"
    assert str(problem) == f"{path} is a named pipe (FIFO), not a regular file; it was not read"


@posix_only
def test_a_link_to_a_device_is_refused_before_reading(tmp_path: Path) -> None:
    link = tmp_path / "zero.toml"
    link.symlink_to("/dev/zero")
    problem = refused("not-a-file", files.read_bytes, link, SMALL)
    assert "is a device, not a regular file" in str(problem)
    problem = refused("not-a-file", files.read_bytes, link, SMALL, follow_symlinks=False)
    assert "is a symbolic link" in str(problem)


def test_a_link_to_a_regular_file_is_followed_only_when_allowed(tmp_path: Path) -> None:
    real = write(tmp_path, "real.toml", "a = 1\n")
    link = tmp_path / "link.toml"
    link.symlink_to(real)
    assert files.read_toml(link, SMALL) == {"a": 1}
    refused("not-a-file", files.read_toml, link, SMALL, follow_symlinks=False)


def test_a_folder_is_not_a_file(tmp_path: Path) -> None:
    (tmp_path / "folder.toml").mkdir()
    problem = refused("not-a-file", files.read_bytes, tmp_path / "folder.toml", SMALL)
    assert not problem.content


def test_a_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        files.read_toml(tmp_path / "nothing.toml", SMALL)


# Size and text ----------------------------------------------------------------------------------


def test_size_is_checked_before_reading(tmp_path: Path) -> None:
    path = write(tmp_path, "big.toml", "a = 1\n" + "#" * 2000)
    problem = refused("too-big", files.read_bytes, path, SMALL)
    assert problem.content
    assert "is larger (1.96 KiB) than artisan reads for a test file (1 KiB)" in str(problem)
    assert files.read_bytes(write(tmp_path, "edge.toml", b"x" * 1024), SMALL) == b"x" * 1024


def test_text_must_be_utf8(tmp_path: Path) -> None:
    path = write(tmp_path, "latin.toml", b"name = 'caf\xe9'\n")
    problem = refused("not-utf8", files.read_text, path, SMALL)
    assert "is not UTF-8 text (byte 12 cannot be read)" in str(problem)


# Depth ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "a = " + "[" * 1000 + "]" * 1000,
        "a = " + "{b = " * 1000 + "1" + "}" * 1000,
        ".".join(["a"] * 20_000) + " = 1",
        "[" + ".".join(["a"] * 20_000) + "]",
        "[[" + ".".join(["a"] * 9) + "]]",
        "[a.b.c.d]\ne.f.g.h.i = 1",  # nine levels only once the header and the key combine
        "a = [" * 5 + "{b = [[[1]]]}" + "]" * 5,
        "[[a]]\nx = [[[[[[1]]]]]]",  # an array of tables adds two levels the scan cannot see
    ],
)
def test_deep_toml_is_refused(text: str) -> None:
    problem = refused("too-deep", files.parse_toml, text, "deep.toml", SMALL)
    assert str(problem) == (
        "deep.toml is nested more deeply than artisan reads for a test file "
        "(8 levels of tables and lists)"
    )


@pytest.mark.parametrize(
    "text",
    [
        'a = "[[[[[[[[[[[[[[[[[[[["\n',
        "a = '{{{{{{{{{{{{{{{{{{{{'\n",
        'a = """\n[[[[[[[[[[[[[[[[[[[[\n"""\n',
        "a = '''[[[[[[[[[[[[[[[['''\n",
        "# [[[[[[[[[[[[[[[[[[[[[[[[\na = 1\n",
        'a = "\\"[[[[[[[[[[[[[[[[[["\n',
        "a.b.c.d.e.f.g = 1.5\n",
        'a = """x""""\n',
        "a = [1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5]\n",
        '"a.b.c.d.e.f.g.h.i.j" = 1\n',
        "[[a]]\nx = [[[[[1]]]]]\n",  # eight levels: the most allowed
    ],
)
def test_brackets_and_dots_in_strings_comments_and_numbers_do_not_count(text: str) -> None:
    assert files.parse_toml(text, "ok.toml", SMALL)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 5000,
        '{"a": ' * 1000 + "1" + "}" * 1000,
        '["\\\\", ' + "[" * 9 + "]" * 9 + "]",  # an escaped backslash ends no string
    ],
)
def test_deep_json_is_refused(text: str) -> None:
    refused("too-deep", files.parse_json, text, "deep.json", SMALL)


@pytest.mark.parametrize(
    "document",
    [
        {"a": "[[[[[[[[[[[[[[[[[[[[", "b": '\\"[[[[[[[[[[[[['},
        ["]]]]]]]]", "[[[[[[[[[[[[[[[", {"k": '"[[[[[[[['}],
        {"text": "line\nbreak\\", "more": "\\\\[[[[[[[[[[[[[[[[\\"},
    ],
)
def test_brackets_inside_json_strings_do_not_count(document: object) -> None:
    text = json.dumps(document)
    assert files.parse_json(text, "ok.json", SMALL) == document
    assert files.parse_json(text.encode(), "ok.json", SMALL) == document


def test_nesting_depth_counts_without_recursion() -> None:
    deep: list[object] = []
    for _ in range(100_000):
        deep = [deep]
    assert files.nesting_depth(deep, 50) == 51
    assert files.nesting_depth({"a": [1, {"b": 2}]}, 50) == 3
    assert files.nesting_depth("text", 50) == 0


@pytest.mark.parametrize(
    "text",
    [
        "a" * 1_000_000,
        '"\\' * 500_000,
        '"""' + '\\"""' * 200_000,
        "'" * 1_000_000,
        "'''" * 300_000,
        "[" + "a" * 999_998 + "]",
        ("a = 1.5\n" * 120_000),
        ("." * 999_999),
    ],
)
def test_the_scan_stays_linear_on_hostile_text(text: str) -> None:
    """Megabyte inputs built to make a scanner backtrack; each would take minutes if the scan
    were quadratic. The outcome is a clear refusal or a parse, never a hang."""
    big = Limits("a test file", 2_000_000, 32)
    try:
        files.parse_toml(text, "hostile.toml", big)
    except FileProblem as problem:
        assert problem.rule in ("too-deep", "syntax")
    try:
        files.parse_json(text, "hostile.json", big)
    except FileProblem as problem:
        assert problem.rule in ("too-deep", "syntax")


# The draft's reader -----------------------------------------------------------------------------


def test_the_draft_reader_returns_any_json(tmp_path: Path) -> None:
    path = write(tmp_path, "draft.json", '{"idea": "x", "versions": [{"text": "t"}]}')
    assert files.read_json(path, files.DRAFT) == {"idea": "x", "versions": [{"text": "t"}]}
    path = write(tmp_path, "list.json", "[1, 2]")
    assert files.read_json(path, files.DRAFT) == [1, 2]
    path = write(tmp_path, "deep.json", "[" * 100 + "]" * 100)
    refused("too-deep", files.read_json, path, files.DRAFT)


def test_every_kind_has_written_limits() -> None:
    kinds = [
        files.LIBRARY_ENTRY,
        files.LIBRARY_CACHE,
        files.IMPORT,
        files.CONFIG,
        files.THEME,
        files.TARGET,
        files.IMAGE_MODELS,
        files.DRAFT,
    ]
    for kind in kinds:
        assert kind.max_bytes >= 64 * 1024 and 8 <= kind.max_depth <= 48, kind
    # What the library writes, the library can read back; an import fits its entries.
    assert files.LIBRARY_CACHE.max_depth > files.LIBRARY_ENTRY.max_depth + 4
    assert files.IMPORT.max_depth >= files.LIBRARY_ENTRY.max_depth + 2


def test_a_file_just_over_the_limit_shows_sizes_that_differ(tmp_path: Path) -> None:
    """Rounded, 1 MiB and one byte read "larger (1 MiB) than ... (1 MiB)"."""
    path = tmp_path / "entry.toml"
    path.write_bytes(b"a" * (files.MIB + 1))
    with pytest.raises(files.FileProblem) as caught:
        files.read_bytes(path, files.Limits("a library file", files.MIB, 4))
    assert "larger (1,048,577 bytes) than artisan reads for a library file (1,048,576 bytes)" in (
        str(caught.value)
    )
