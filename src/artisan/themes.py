"""Colour themes as TOML files.

Shipped themes live in the package's data folder (`artisan/data/themes/`); a person
adds their own in `<config dir>/themes/`. A file holds the fields of Textual's `Theme`:

    name = "harbour"
    dark = true
    primary = "#4fb3bf"
    background = "#0f1b24"
    [variables]
    footer-key-foreground = "#4fb3bf"

This module reads and checks the files without importing Textual, the colours included (with
the grammar Textual's `Color.parse` reads, a little stricter), so `artisan themes`,
`artisan config set theme` and the app accept exactly the same themes. Loading returns the
themes that could be read and a `BrokenTheme` for each file that could not, so one broken file
never stops the app.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from artisan import files, locations
from artisan.shorten import shorten

COLOUR_FIELDS = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_NUMBER = r"\s*-?[0-9]+\.?[0-9]*"
_PERCENT = _NUMBER + "%"
_COLOUR = re.compile(
    rf"#(?:[0-9a-fA-F]{{3,4}}|[0-9a-fA-F]{{6}}|[0-9a-fA-F]{{8}})"
    rf"|rgb\({_NUMBER}\s*,{_NUMBER}\s*,{_NUMBER}\s*\)"
    rf"|rgba\({_NUMBER}\s*,{_NUMBER}\s*,{_NUMBER}\s*,{_NUMBER}\s*\)"
    rf"|hsl\({_NUMBER}\s*,{_PERCENT}\s*,{_PERCENT}\s*\)"
    rf"|hsla\({_NUMBER}\s*,{_PERCENT}\s*,{_PERCENT}\s*,{_NUMBER}\s*\)"
)
_ALPHA_SUFFIX = re.compile(r"(?P<colour>.+?)(?:\s+[0-9]{1,3}%)?")
_CSS_COLOUR_NAMES = """
transparent aliceblue antiquewhite aqua aquamarine azure beige bisque black blanchedalmond blue
blueviolet brown burlywood cadetblue chartreuse chocolate coral cornflowerblue cornsilk crimson
cyan darkblue darkcyan darkgoldenrod darkgray darkgreen darkgrey darkkhaki darkmagenta
darkolivegreen darkorange darkorchid darkred darksalmon darkseagreen darkslateblue
darkslategray darkslategrey darkturquoise darkviolet deeppink deepskyblue dimgray dimgrey
dodgerblue firebrick floralwhite forestgreen fuchsia gainsboro ghostwhite gold goldenrod gray
green greenyellow grey honeydew hotpink indianred indigo ivory khaki lavender lavenderblush
lawngreen lemonchiffon lightblue lightcoral lightcyan lightgoldenrodyellow lightgray lightgreen
lightgrey lightpink lightsalmon lightseagreen lightskyblue lightslategray lightslategrey
lightsteelblue lightyellow lime limegreen linen magenta maroon mediumaquamarine mediumblue
mediumorchid mediumpurple mediumseagreen mediumslateblue mediumspringgreen mediumturquoise
mediumvioletred midnightblue mintcream mistyrose moccasin navajowhite navy oldlace olive
olivedrab orange orangered orchid palegoldenrod palegreen paleturquoise palevioletred
papayawhip peachpuff peru pink plum powderblue purple rebeccapurple red rosybrown royalblue
saddlebrown salmon sandybrown seagreen seashell sienna silver skyblue slateblue slategray
slategrey snow springgreen steelblue tan teal thistle tomato turquoise violet wheat white
whitesmoke yellow yellowgreen
"""
ANSI_NAMES = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")
COLOUR_NAMES = frozenset(
    [
        *_CSS_COLOUR_NAMES.split(),
        *(f"ansi_{name}" for name in ANSI_NAMES),
        *(f"ansi_bright_{name}" for name in ANSI_NAMES),
        "ansi_default",
    ]
)
"""The CSS colour names, and the terminal's own colours as Textual names them."""


@dataclass(frozen=True)
class ThemeFile:
    """A theme read from disk, not yet checked by Textual."""

    name: str
    path: Path
    fields: dict[str, Any]
    """Keyword arguments for `textual.theme.Theme`."""
    shipped: bool

    @property
    def dark(self) -> bool:
        return bool(self.fields.get("dark", True))


@dataclass(frozen=True)
class BrokenTheme:
    """A theme file that cannot be used."""

    name: str
    """The theme it would have been: its `name`, or the file's name without `.toml`."""
    path: Path
    problem: str

    def __str__(self) -> str:
        return f"Theme file {self.path}: {self.problem}"


def load_theme_files(user_dir: Path | None = None) -> tuple[list[ThemeFile], list[BrokenTheme]]:
    """Read the shipped themes, then the user's (a user theme replaces a shipped namesake)."""
    found: dict[str, ThemeFile] = {}
    broken: list[BrokenTheme] = []
    user_dir = locations.user_themes_dir() if user_dir is None else user_dir
    for folder, shipped in ((locations.builtin_themes_dir(), True), (user_dir, False)):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                theme = read_theme_file(path, shipped=shipped)
            except ThemeFileError as error:
                broken.append(BrokenTheme(error.name or path.stem, path, str(error)))
                continue
            found[theme.name] = theme
    return list(found.values()), broken


class ThemeFileError(ValueError):
    """A theme file that cannot be used; the message says why."""

    def __init__(self, message: str, name: str | None = None) -> None:
        super().__init__(message)
        self.name = name


def read_theme_file(path: Path, *, shipped: bool = False) -> ThemeFile:
    """Parse and check one theme file.

    Raises:
        ThemeFileError: with a message saying what is wrong with the file.
    """
    try:
        data = files.read_toml(path, files.THEME)
    except FileNotFoundError:
        raise ThemeFileError("cannot be read (it is gone)") from None
    except files.FileProblem as unreadable:
        raise ThemeFileError(unreadable.reason) from None
    name = data.pop("name", path.stem)
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ThemeFileError("`name` must be lowercase letters, digits, - or _")
    if not isinstance(data.get("primary"), str):
        raise ThemeFileError('`primary` (a colour such as "#4fb3bf") is required', name)
    fields: dict[str, Any] = {}
    for key, value in data.items():
        problem = _field_problem(key, value)
        if problem:
            raise ThemeFileError(problem, name)
        fields[key] = value
    return ThemeFile(name=name, path=path, fields=fields, shipped=shipped)


def colour_problem(value: object) -> str | None:
    """Why `value` is not a colour a theme can use, or None when it is one.

    Accepts what Textual's `Color.parse` accepts: #rgb, #rgba, #rrggbb, #rrggbbaa, rgb(),
    rgba(), hsl(), hsla() and the colour names (`teal`, `ansi_bright_blue`).
    """
    if not isinstance(value, str):
        return "must be a colour written as text"
    if value in COLOUR_NAMES or _COLOUR.fullmatch(value):
        return None
    return (
        f"= {_quoted(value)} is not a colour (write it as #4fb3bf, rgb(79,179,191), "
        "hsl(186,45%,53%) or a name such as teal)"
    )


def variable_problem(name: str, value: object) -> str | None:
    """Why a `[variables]` value cannot be used, or None. Variables end up in the stylesheet,
    so only a colour, with an optional opacity (`#4fb3bf 40%`), is safe there."""
    if not isinstance(value, str):
        return f"variable `{name}` must be a colour written as text"
    match = _ALPHA_SUFFIX.fullmatch(value.strip())
    if match is None or colour_problem(match.group("colour")) is not None:
        return f"variable `{name}` = {_quoted(value)} is not a colour"
    return None


def theme_name_problem(
    name: str, builtin: Iterable[str], user_dir: Path | None = None
) -> str | None:
    """Why `name` cannot be chosen as the theme, or None when it can.

    Args:
        name: The theme asked for.
        builtin: The themes that come with Textual (the app's face knows them).
        user_dir: The user's theme folder (default: the config folder's).
    """
    themes, broken = load_theme_files(user_dir)
    if name in {theme.name for theme in themes} or name in set(builtin):
        return None
    for failure in broken:
        if failure.name == name:
            return f"Theme `{name}` cannot be used: {failure}."
    available = sorted({theme.name for theme in themes} | set(builtin))
    return f"There is no theme `{name}`; available: {', '.join(available)}."


def _field_problem(key: str, value: Any) -> str | None:
    if key in COLOUR_FIELDS:
        problem = colour_problem(value)
        return f"`{key}` {problem}" if problem else None
    if key == "dark":
        return None if isinstance(value, bool) else "`dark` must be true or false"
    if key in ("luminosity_spread", "text_alpha"):
        number = isinstance(value, int | float) and not isinstance(value, bool)
        return None if number else f"`{key}` must be a number"
    if key == "variables":
        if not isinstance(value, dict):
            return "`[variables]` must map names to colours"
        for name, item in value.items():
            problem = variable_problem(name, item)
            if problem:
                return problem
        return None
    return f"unknown key `{key}`"


def _quoted(value: str) -> str:
    return f'"{shorten(value, 40, one_line=False)}"'
