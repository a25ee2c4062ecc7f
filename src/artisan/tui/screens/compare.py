"""Two versions of the prompt side by side in one text: what the newer one took out and put in.

Words are compared, not characters, since a refined prompt moves whole phrases: removed words
are struck through, added ones underlined and coloured, the rest as it was.
"""

from __future__ import annotations

import difflib
import re

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from artisan.tui.screens.dialog import Dialog
from artisan.tui.text import plain, rich_plain

_WORDS = re.compile(r"\s+|\S+")


def word_diff(old: str, new: str) -> Text:
    """`new` with the words it dropped from `old` struck through and the words it added
    marked; runs of unchanged words as they are."""
    before, after = _WORDS.findall(old), _WORDS.findall(new)
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    shown = Text()
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op in ("delete", "replace"):
            shown.append_text(rich_plain("".join(before[a1:a2]), "strike red"))
        if op in ("insert", "replace"):
            shown.append_text(rich_plain("".join(after[b1:b2]), "bold green underline"))
        if op == "equal":
            shown.append_text(rich_plain("".join(after[b1:b2])))
    return shown


def changed_words(old: str, new: str) -> tuple[int, int]:
    """How many words `new` dropped from `old`, and how many it added."""
    before, after = old.split(), new.split()
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    removed = added = 0
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op in ("delete", "replace"):
            removed += a2 - a1
        if op in ("insert", "replace"):
            added += b2 - b1
    return removed, added


class CompareScreen(Dialog[None]):
    """Shows what changed from one version to another."""

    DEFAULT_CSS = """
    CompareScreen #compare { width: 100; height: auto; max-height: 90%; }
    CompareScreen #compare-legend { color: $text-muted; margin-bottom: 1; }
    """

    def __init__(self, title: str, old: str, new: str) -> None:
        super().__init__()
        self.title_text = title
        self.old = old
        self.new = new

    def compose(self) -> ComposeResult:
        removed, added = changed_words(self.old, self.new)
        with VerticalScroll(id="compare", classes="dialog") as box:
            box.border_title = plain(self.title_text)
            box.border_subtitle = "Esc closes"
            yield Static(
                plain(f"{removed} words taken out (struck through), {added} put in (underlined)"),
                id="compare-legend",
            )
            yield Static(word_diff(self.old, self.new), id="compare-text")
