"""Wildcards: the sd-dynamic-prompts syntax expands an idea into several."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from artisan import locations
from artisan.wildcards import ENUMERATE_LIMIT, WildcardError, expand, has_wildcards, wildcard_files


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
