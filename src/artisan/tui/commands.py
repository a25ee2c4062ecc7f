"""The command palette's commands: Textual's system commands, found by other words too.

Textual's own provider matches what is typed against a command's title only, so "keys" or
"shortcuts" found nothing though Help lists every key. Each action of the keymap table carries
the other words people look for it by (`KeyAction.words`); a command whose title does not
match is found by those, ranked below the titles that match.
"""

from __future__ import annotations

from textual.command import Hit, Hits
from textual.system_commands import SystemCommandsProvider

from artisan.tui import keymap

_BY_WORDS = 0.8
"""How a match on a command's other words ranks against one on its title."""


def palette_title(action: keymap.KeyAction) -> str:
    """The palette's title for an action: "Help", "Idea: Clear", "Library: Delete"."""
    return f"{PALETTE_SCOPES[action.scope]}{action.label}"


PALETTE_SCOPES = {keymap.APP: "", keymap.IDEA: "Idea: ", keymap.LIBRARY: "Library: "}
"""The scopes whose actions the palette offers, and how their titles start."""

_WORDS = {
    palette_title(action): action.words
    for action in keymap.KEYMAP
    if action.words and action.scope in PALETTE_SCOPES
}


class Commands(SystemCommandsProvider):
    """Every system command, matched by its title or by its other words."""

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback, *_ in self.app.get_system_commands(self.screen):
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
                continue
            words = _WORDS.get(name, "")
            by_words = max((matcher.match(word) for word in words.split()), default=0)
            if by_words > 0:
                yield Hit(by_words * _BY_WORDS, name, callback, help=help_text)
