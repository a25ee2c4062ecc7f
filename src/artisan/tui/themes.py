"""Registering the theme files with Textual, and choosing the configured theme."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.color import ColorParseError
from textual.theme import Theme

from artisan.themes import BrokenTheme, load_theme_files

FALLBACK = "artisan-dark"


def register_themes(app: App[Any]) -> list[BrokenTheme]:
    """Register shipped and user themes; return the files that could not be used.

    The files are checked by `artisan.themes` (as `artisan themes` checks them); Textual
    parsing the colours again is a net for a difference between the two.
    """
    files, broken = load_theme_files()
    for theme_file in files:
        try:
            theme = Theme(name=theme_file.name, **theme_file.fields)
            theme.to_color_system()  # parses every colour: a bad one fails here, not later
        except (ColorParseError, ValueError, TypeError) as error:
            broken.append(BrokenTheme(theme_file.name, theme_file.path, str(error)))
            continue
        app.register_theme(theme)
    return broken


def choose_theme(app: App[Any], wanted: str) -> list[str]:
    """Register the themes and switch to `wanted`; one warning per file that failed.

    When `wanted` cannot be used, the one warning about it says why and what is used instead.
    """
    broken = register_themes(app)
    warnings = [str(failure) for failure in broken if failure.name != wanted]
    if wanted in app.available_themes:
        app.theme = wanted
        return warnings
    fallback = FALLBACK if FALLBACK in app.available_themes else "textual-dark"
    reason = next((str(failure) for failure in broken if failure.name == wanted), None)
    if reason is None:
        available = ", ".join(sorted(app.available_themes))
        reason = f"it is not among the themes ({available})"
    warnings.append(f"Theme `{wanted}` cannot be used: {reason}. Using {fallback}.")
    app.theme = fallback
    return warnings
