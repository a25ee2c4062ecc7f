"""Wildcards: the sd-dynamic-prompts syntax expands an idea into several."""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from artisan import locations, wildcards
from artisan.wildcards import ENUMERATE_LIMIT, WildcardError, expand, has_wildcards, wildcard_files
from conftest import RunCli


def user_wildcard(name: str, lines: list[str]) -> Path:
    path = locations.user_wildcards_dir() / f"{name}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("idea", "wild"),
    [
        ("{red|blue} car", True),
        ("a car at __time_of_day__", True),
        ("{2$$a|b|c} cats", True),
        ("a plain idea", False),
        ("a sign that reads {hello}", False),
        ("snake_case_name and __ alone", False),
    ],
)
def test_has_wildcards(idea: str, wild: bool) -> None:
    assert has_wildcards(idea) is wild


def test_choices_give_each_option() -> None:
    assert expand("{red|blue|green} car", 5, seed=1) == ["red car", "blue car", "green car"]


def test_two_of_three_are_joined_with_a_comma() -> None:
    found = expand("{2$$red|green|blue}", 10, seed=1)
    assert sorted(found) == sorted(
        ["red,green", "red,blue", "green,red", "green,blue", "blue,red", "blue,green"]
    )


def test_nested_choices() -> None:
    assert sorted(expand("a {cat|{small|large} dog}", 10, seed=1)) == [
        "a cat",
        "a large dog",
        "a small dog",
    ]


def test_wildcard_files_from_the_user_folder() -> None:
    user_wildcard("fruit", ["apple", "# a comment", "", "pear"])
    assert sorted(expand("a __fruit__ on a table", 5, seed=1)) == [
        "a apple on a table",
        "a pear on a table",
    ]


def test_shipped_wildcards_are_there() -> None:
    names = wildcard_files()
    assert {"lighting", "time_of_day", "camera", "medium", "art_movement"} <= set(names)
    for path in names.values():
        lines = [
            line for line in path.read_text().splitlines() if line and not line.startswith("#")
        ]
        assert len(lines) >= 10 and len(set(lines)) == len(lines), path


def test_a_user_file_replaces_a_shipped_one() -> None:
    user_wildcard("time_of_day", ["teatime"])
    assert expand("a fox at __time_of_day__", 4, seed=1) == ["a fox at teatime"]


def test_count_limits_the_ideas_and_the_seed_reproduces_them() -> None:
    idea = "{red|blue|green|black} car at __time_of_day__"
    first = expand(idea, 4, seed=9)
    assert len(first) == 4 and len(set(first)) == 4
    times = set(wildcard_files()["time_of_day"].read_text().splitlines())
    for text in first:
        colour, rest = text.split(" car at ")
        assert colour in ("red", "blue", "green", "black") and rest in times
    assert expand(idea, 4, seed=9) == first
    assert any(expand(idea, 4, seed=seed) != first for seed in range(10, 20))


def test_many_combinations_are_drawn_at_random_but_seeded() -> None:
    user_wildcard("letter", [f"l{i}" for i in range(40)])
    user_wildcard("digit", [f"d{i}" for i in range(40)])
    idea = "__letter__ __digit__"
    assert ENUMERATE_LIMIT < 40 * 40
    found = expand(idea, 6, seed=3)
    assert len(set(found)) == 6
    assert all(
        text.split()[0].startswith("l") and text.split()[1].startswith("d") for text in found
    )
    assert expand(idea, 6, seed=3) == found


def test_an_idea_without_wildcards_comes_back_as_it_is() -> None:
    assert expand("a plain idea", 4, seed=1) == ["a plain idea"]


def test_an_unknown_wildcard_is_a_clear_error() -> None:
    with pytest.raises(WildcardError) as caught:
        expand("a __nonexistent__ cat", 3, seed=1)
    message = str(caught.value)
    assert "__nonexistent__" in message and "__time_of_day__" in message
    assert str(locations.user_wildcards_dir() / "nonexistent.txt") in message


def test_an_unclosed_brace_is_a_clear_error() -> None:
    with pytest.raises(WildcardError, match=r"character 7 .*never closed"):
        expand("a red {car|bus at night", 3, seed=1)


def test_checking_for_wildcards_does_not_import_the_library() -> None:
    code = (
        "import sys\n"
        "from artisan.wildcards import has_wildcards\n"
        "assert has_wildcards('{a|b}')\n"
        "print(sorted(m for m in ('dynamicprompts', 'pyparsing', 'jinja2') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# Nothing hangs, nothing escapes the folder ---------------------------------------------------


def expand_within(seconds: float, idea: str, count: int = 4) -> list[str] | WildcardError:
    """`expand` in a thread, given `seconds` to finish: what it returned or raised."""
    outcome: list[list[str] | WildcardError] = []

    def run() -> None:
        try:
            outcome.append(expand(idea, count, seed=1))
        except WildcardError as error:
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"the expansion was still running after {seconds:g} s"
    return outcome[0]


def refused(seconds: float, idea: str) -> str:
    result = expand_within(seconds, idea)
    assert isinstance(result, WildcardError), result
    return str(result)


def test_files_that_each_use_the_next_twice_are_refused_at_once_by_name() -> None:
    for level in range(1, 16):
        user_wildcard(f"l{level}", [f"__l{level + 1}__ __l{level + 1}__"])
    user_wildcard("l16", ["a", "b"])
    message = refused(30, "a __l1__ fox")
    assert "__l1__ uses __l2__ 2 times" in message and "more than 1,000 times" in message


def test_a_loop_of_files_is_named() -> None:
    user_wildcard("loop_a", ["x __loop_b__"])
    user_wildcard("loop_b", ["y __loop_a__"])
    message = refused(30, "a __loop_a__")
    assert "__loop_a__ → __loop_b__ → __loop_a__" in message


def test_deep_choices_are_not_called_a_loop() -> None:
    """No wildcard file is involved: the choices are nested too deeply."""
    message = refused(30, "{" * 200 + "a|b" + "}" * 200)
    assert "loop" not in message and "nested more than" in message


def test_a_group_of_thousands_of_choices_is_refused_before_parsing() -> None:
    idea = "{" + "|".join(f"choice{i}" for i in range(2000)) + "} car"
    message = refused(30, idea)
    assert "1,999 choices" in message and "wildcard file" in message


def test_links_back_to_the_folder_do_not_make_the_search_endless() -> None:
    user_wildcard("fruit", ["apple", "pear"])
    folder = locations.user_wildcards_dir()
    (folder / "deeper").mkdir()
    (folder / "deeper" / "up").symlink_to(folder)
    (folder / "deeper" / "top").symlink_to(folder.parent)
    assert sorted(expand_within(30, "a __fruit__")) == ["a apple", "a pear"]  # type: ignore[arg-type]


def test_a_named_pipe_is_refused_without_waiting_on_it() -> None:
    folder = locations.user_wildcards_dir()
    folder.mkdir(parents=True)
    os.mkfifo(folder / "piped.txt")
    assert "named pipe" in refused(30, "a __piped__ cat")


def test_a_link_to_a_device_is_refused_without_reading_it() -> None:
    folder = locations.user_wildcards_dir()
    folder.mkdir(parents=True)
    (folder / "endless.txt").symlink_to("/dev/zero")
    assert "device" in refused(10, "a __endless__ cat")


@pytest.mark.parametrize("name", ["../../outside/secret", "/etc/passwd", "people/../../x"])
def test_a_name_outside_the_folder_is_refused(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = locations.user_wildcards_dir().parent.parent / "outside"
    outside.mkdir(parents=True)
    (outside / "secret.txt").write_text("the secret\n")
    message = refused(30, f"{{red|blue}} __{name}__")
    assert "is not a wildcard name" in message
    assert "/etc/passwd.txt" not in message and "outside/secret.txt" not in message
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"apple\n" * (1024 * 1024 // 6 + 1), "larger"),
        (b"apple\n\xff\xfepear\n", "not UTF-8"),
        (b"apple\n\x00pear\n", "NUL byte on line 2"),
        (b"x" * 3000 + b"\n", "3,000 characters long"),
    ],
    ids=["too-big", "not-utf8", "nul", "long-line"],
)
def test_a_wildcard_file_that_breaks_a_rule_is_named(content: bytes, said: str) -> None:
    folder = locations.user_wildcards_dir()
    folder.mkdir(parents=True)
    (folder / "odd.txt").write_bytes(content)
    message = refused(30, "a __odd__ cat")
    assert said in message and str(folder / "odd.txt") in message


def test_the_expansion_has_a_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the look-up limits out of the way, the clock stops a chain of files."""
    monkeypatch.setattr(wildcards, "MAX_LOOKUPS_EACH", 10**9)
    monkeypatch.setattr(wildcards, "MAX_LOOKUPS", 10**9)
    for level in range(1, 20):
        user_wildcard(f"l{level}", [f"__l{level + 1}__ __l{level + 1}__"])
    user_wildcard("l20", ["a", "b"])
    with pytest.raises(WildcardError, match=r"took longer than 0\.5 seconds"):
        expand("a __l1__ fox", 4, seed=1, seconds=0.5)


async def test_an_expansion_in_the_background_stops_when_its_caller_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The thread stops, and its late "stopped" is not left behind as an error nobody read
    (asyncio would print it with a traceback when the future is collected)."""
    reported: list[dict[str, object]] = []
    asyncio.get_running_loop().set_exception_handler(
        lambda _loop, context: reported.append(context)
    )
    monkeypatch.setattr(wildcards, "MAX_LOOKUPS_EACH", 10**9)
    monkeypatch.setattr(wildcards, "MAX_LOOKUPS", 10**9)
    for level in range(1, 20):
        user_wildcard(f"l{level}", [f"__l{level + 1}__ __l{level + 1}__"])
    user_wildcard("l20", ["a", "b"])
    task = asyncio.create_task(
        wildcards.expand_in_background("a __l1__ fox", 4, seed=1, seconds=600)
    )
    deadline = time.monotonic() + 20
    while not any(thread.name == "wildcards" for thread in threading.enumerate()):
        assert time.monotonic() < deadline, "the expansion never started"
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    while any(thread.name == "wildcards" for thread in threading.enumerate()):
        assert time.monotonic() < deadline, "the expansion went on after it was stopped"
        await asyncio.sleep(0.01)
    for _ in range(3):  # the thread's last word is a callback on the loop: let it run
        await asyncio.sleep(0)
    gc.collect()
    assert [context.get("message") for context in reported] == []


def test_fewer_expansions_than_asked_are_written_and_said(cli: RunCli) -> None:
    """Two different ideas where four prompts were asked: both are written, and the person is
    told why there are two (writing one idea twice is what variations are for)."""
    result = cli("prompt", "{red|blue} car", "-n", "4", "--engine", "composer", "--seed", "3")
    assert result.code == 0, result.err
    assert "Prompt 2 (" in result.out and "Prompt 3" not in result.out
    assert "The idea has 2 different expansions, so 2 prompts are written (4 were asked for)." in (
        result.err
    )


async def test_the_app_goes_on_while_wildcards_expand_and_esc_stops_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tui_helpers import make_app, settle, wait_until

    # The limits out of the way, the expansion would run for minutes (raising=False: where
    # they do not exist, the expansion runs as long anyway).
    monkeypatch.setattr(wildcards, "MAX_LOOKUPS_EACH", 10**9, raising=False)
    monkeypatch.setattr(wildcards, "MAX_LOOKUPS", 10**9, raising=False)
    monkeypatch.setattr(wildcards, "EXPAND_SECONDS", 600.0, raising=False)
    for level in range(1, 20):
        user_wildcard(f"l{level}", [f"__l{level + 1}__ __l{level + 1}__"])
    user_wildcard("l20", ["a", "b"])

    def expanding() -> bool:
        return any(thread.name == "wildcards" for thread in threading.enumerate())

    app = make_app(engine="composer")
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        app.idea_pane.editor.focus()
        await pilot.press(*"a __l1__ fox", "ctrl+j")
        await wait_until(pilot, expanding, "the expansion started")
        await pilot.press(*" 42")  # the screen still answers (digits offer no completions)
        await wait_until(pilot, lambda: app.idea_pane.idea.endswith(" 42"), "typed")
        assert not app.query(".completion-menu.-shown")  # Esc is not taken by a list
        await pilot.press("escape")
        await wait_until(pilot, lambda: not expanding(), "the expansion stopped")
        await settle(pilot)
        assert app.workshop.version is None
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: app.return_code is not None, "the app quit")
