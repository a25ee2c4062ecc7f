"""Registering the theme files with Textual."""

from __future__ import annotations

import re
from typing import Any

from textual.app import App
from textual.color import Color, ColorParseError
from textual.theme import Theme

from artisan.themes import load_theme_files

_ALPHA = re.compile(r"^(?P<colour>.+?)(?:\s+(?P<alpha>\d{1,3})%)?$")


def register_themes(app: App[Any]) -> list[str]:
    """Register shipped and user themes; return one message per file that failed."""
    files, failures = load_theme_files()
    for theme_file in files:
        try:
            theme = Theme(name=theme_file.name, **theme_file.fields)
            theme.to_color_system()  # parses every colour: a bad one fails here, not later
            for name, value in theme.variables.items():
                _check_variable(name, value)
        except (ColorParseError, ValueError) as error:
            failures.append(f"Theme file {theme_file.path}: {error}")
            continue
        app.register_theme(theme)
    return failures


def _check_variable(name: str, value: str) -> None:
    """Variables end up in the stylesheet; only colours (with an optional alpha %) are safe."""
    match = _ALPHA.match(value.strip())
    if match is None:
        raise ValueError(f"variable `{name}` is not a colour")
    try:
        Color.parse(match.group("colour"))
    except ColorParseError:
        raise ValueError(f"variable `{name}` = {value!r} is not a colour") from None
