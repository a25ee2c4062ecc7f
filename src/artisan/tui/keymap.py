"""The keymap's Textual side: bindings from the table of actions (`artisan.actions`).

The table drives the bindings of the app and its panes, the key bar at the bottom, the help
screen (F1) and the command palette, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping

from textual.binding import Binding, BindingType

from artisan.actions import (
    APP,
    GALLERY,
    IDEA,
    KEYMAP,
    KEYMAP_BY_ID,
    LIBRARY,
    PROMPT,
    SCOPE_TITLES,
    VARIATIONS,
    KeyAction,
    unknown_actions,
)

__all__ = [
    "APP",
    "GALLERY",
    "IDEA",
    "KEYMAP",
    "KEYMAP_BY_ID",
    "LIBRARY",
    "PROMPT",
    "SCOPE_TITLES",
    "VARIATIONS",
    "KeyAction",
    "bindings",
    "check_remapping",
    "effective_keys",
]


def bindings(scope: str) -> list[BindingType]:
    """Textual bindings for one scope of the table."""
    return [
        Binding(
            action.keys,
            action.action,
            action.label,
            show=action.show,
            priority=action.priority,
            id=action.id,
            tooltip=action.help,
        )
        for action in KEYMAP
        if action.scope == scope and action.keys
    ]


def check_remapping(keys: Mapping[str, str]) -> list[str]:
    """Warnings for remapped keys that name no action."""
    return unknown_actions(keys, "config.toml")


def effective_keys(action: KeyAction, keymap: Mapping[str, str]) -> str:
    """The keys an action is bound to after remapping."""
    return keymap.get(action.id, action.keys)
