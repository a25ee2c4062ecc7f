"""Colour themes as TOML files.

Shipped themes live in the top-level `themes/` folder (packaged as `artisan/themes`); a person
adds their own in `<config dir>/themes/`. A file holds the fields of Textual's `Theme`:

    name = "harbour"
    dark = true
    primary = "#4fb3bf"
    background = "#0f1b24"
    [variables]
    footer-key-foreground = "#4fb3bf"

This module reads the files without importing Textual; the app turns them into `Theme`
objects (and checks the colours) when it starts. Loading returns the themes that could be read
and a message for each file that could not, so one broken file never stops the app.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from artisan import locations

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
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


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


def load_theme_files(user_dir: Path | None = None) -> tuple[list[ThemeFile], list[str]]:
    """Read the shipped themes, then the user's (a user theme replaces a shipped namesake)."""
    found: dict[str, ThemeFile] = {}
    failures: list[str] = []
    user_dir = locations.user_themes_dir() if user_dir is None else user_dir
    for folder, shipped in ((locations.builtin_themes_dir(), True), (user_dir, False)):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                theme = read_theme_file(path, shipped=shipped)
            except ValueError as error:
                failures.append(f"Theme file {path}: {error}")
                continue
            found[theme.name] = theme
    return list(found.values()), failures


def read_theme_file(path: Path, *, shipped: bool = False) -> ThemeFile:
    """Parse one theme file.

    Raises:
        ValueError: with a message saying what is wrong with the file.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ValueError(f"cannot be read ({error.strerror or error})") from None
    except UnicodeDecodeError:
        raise ValueError("is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"is not valid TOML ({error})") from None
    name = data.pop("name", path.stem)
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError("`name` must be lowercase letters, digits, - or _")
    if not isinstance(data.get("primary"), str):
        raise ValueError('`primary` (a colour such as "#4fb3bf") is required')
    fields: dict[str, Any] = {}
    for key, value in data.items():
        if key in COLOUR_FIELDS:
            if not isinstance(value, str):
                raise ValueError(f"`{key}` must be a colour written as text")
        elif key == "dark":
            if not isinstance(value, bool):
                raise ValueError("`dark` must be true or false")
        elif key in ("luminosity_spread", "text_alpha"):
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise ValueError(f"`{key}` must be a number")
        elif key == "variables":
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise ValueError("`[variables]` must map names to text values")
        else:
            raise ValueError(f"unknown key `{key}`")
        fields[key] = value
    return ThemeFile(name=name, path=path, fields=fields, shipped=shipped)
