"""Theme files are checked in the core exactly as strictly as the app needs: a colour the core
accepts is one Textual can draw, so `artisan themes` and the app never disagree."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual._color_constants import COLOR_NAME_TO_RGB
from textual.color import Color, ColorParseError
from textual.theme import Theme

from artisan.themes import (
    COLOUR_NAMES,
    colour_problem,
    load_theme_files,
    read_theme_file,
    variable_problem,
)


def textual_accepts(text: str) -> bool:
    try:
        Color.parse(text)
    except ColorParseError:
        return False
    return True


colourish = st.one_of(
    st.text(max_size=30),
    st.from_regex(r"#[0-9a-fA-FgG]{0,9}", fullmatch=True),
    st.builds(
        lambda fn, parts, pct: f"{fn}({', '.join(p + ('%' if pct else '') for p in parts)})",
        st.sampled_from(["rgb", "rgba", "hsl", "hsla", "RGB"]),
        st.lists(st.from_regex(r"-?[0-9]{1,4}(\.[0-9]{0,3})?", fullmatch=True), max_size=5),
        st.booleans(),
    ),
    st.sampled_from(sorted(COLOR_NAME_TO_RGB)).map(lambda name: name + " "),
)


@settings(max_examples=400, deadline=None)
@given(colourish)
def test_what_the_core_accepts_textual_can_draw(text: str) -> None:
    if colour_problem(text) is None:
        assert textual_accepts(text), text


@pytest.mark.parametrize(
    "text",
    [
        "#4fb3bf",
        "#4FB",
        "#4fb3",
        "#4fb3bf80",
        "rgb(79,179,191)",
        "rgb( 79 , 179 , 191 )",
        "rgba(79,179,191,0.5)",
        "hsl(186,45%,53%)",
        "hsla(186, 45%, 53%, 0.4)",
        "teal",
        "ansi_bright_blue",
        "ansi_default",
    ],
)
def test_the_usual_ways_of_writing_a_colour_are_accepted(text: str) -> None:
    assert colour_problem(text) is None
    assert textual_accepts(text)


def test_every_colour_name_textual_knows_is_known() -> None:
    assert set(COLOR_NAME_TO_RGB) <= COLOUR_NAMES


@pytest.mark.parametrize("text", ["notacolour", "#12", "#4fb3bf\n", "rgb(1,2)", "", 5, None])
def test_what_is_not_a_colour_says_so(text: object) -> None:
    assert colour_problem(text) is not None


def test_variables_take_a_colour_with_an_optional_opacity() -> None:
    assert variable_problem("footer-key-foreground", "#4fb3bf") is None
    assert variable_problem("footer-key-foreground", "#4fb3bf 40%") is None
    assert variable_problem("x", "red; background: url(x)") == (
        'variable `x` = "red; background: url(x)" is not a colour'
    )


def test_every_theme_the_core_accepts_textual_builds(tmp_path: Path) -> None:
    themes, broken = load_theme_files(tmp_path)
    assert broken == []
    for theme_file in themes:
        Theme(name=theme_file.name, **theme_file.fields).to_color_system()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('primary = "notacolour"\n', '`primary` = "notacolour" is not a colour'),
        ('primary = "#fff"\ndark = "yes"\n', "`dark` must be true or false"),
        ('primary = "#fff"\nshiny = 1\n', "unknown key `shiny`"),
        ('name = "Bad Name"\nprimary = "#fff"\n', "`name` must be lowercase"),
        ('primary = "#fff"\n[variables]\na = "url(x)"\n', "variable `a`"),
        ("primary = " + "[" * 100 + "]" * 100 + "\n", "nested more deeply"),
    ],
)
def test_a_broken_theme_file_says_why(tmp_path: Path, content: str, problem: str) -> None:
    (tmp_path / "mine.toml").write_text(content)
    themes, broken = load_theme_files(tmp_path)
    assert "mine" not in {theme.name for theme in themes}
    [failure] = broken
    assert problem in failure.problem
    with pytest.raises(ValueError) as caught:
        read_theme_file(tmp_path / "mine.toml")
    assert str(caught.value) == failure.problem
