"""Two versions of the prompt side by side in one text: what the newer one took out and put in.

Words are compared, not characters, since a refined prompt moves whole phrases: removed words
are struck through and red inside `[-` `-]`, added ones underlined and green inside `{+` `+}`
(as `git diff --word-diff` writes them), the rest as it was. The brackets keep the two apart
where there is no colour (a monochrome terminal, a screen reader, a copy of the text).
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
    shown = Text()
    for taken, put, same in _changes(old, new):
        if taken:
            _marked(shown, taken, REMOVED, "strike red")
        if taken and put:
            shown.append(" ")
        if put:
            _marked(shown, put, INSERTED, "bold green underline")
        if same:
            shown.append_text(rich_plain(same))
    return shown


def _changes(old: str, new: str) -> list[tuple[str, str, str]]:
    """The runs of `new` against `old`: (taken out, put in, then kept as it was).

    Spaces alone between two changes belong to the change, so "ukiyo-e woodblock" replaced
    by "35mm film" reads as one change, not two with a kept space between.
    """
    before, after = _WORDS.findall(old), _WORDS.findall(new)
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    runs: list[tuple[str, str, str]] = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        taken = "".join(before[a1:a2]) if op in ("delete", "replace") else ""
        put = "".join(after[b1:b2]) if op in ("insert", "replace") else ""
        same = "".join(after[b1:b2]) if op == "equal" else ""
        if runs and (taken or put) and not runs[-1][2].strip() and (runs[-1][0] or runs[-1][1]):
            last_taken, last_put, gap = runs.pop()
            runs.append((last_taken + gap + taken, last_put + gap + put, ""))
        elif runs and same and not runs[-1][2]:
            last_taken, last_put, _ = runs.pop()
            runs.append((last_taken, last_put, same))
        else:
            runs.append((taken, put, same))
    return runs


REMOVED = ("[-", "-]")
INSERTED = ("{+", "+}")


def _marked(shown: Text, words: str, marks: tuple[str, str], style: str) -> None:
    """`words` between `marks`, styled; the spaces around them stay outside the marks."""
    core = words.strip()
    if not core:
        shown.append(words)
        return
    lead = words[: len(words) - len(words.lstrip())]
    trail = words[len(words.rstrip()) :]
    shown.append(lead)
    shown.append(marks[0], style="dim")
    shown.append_text(rich_plain(core, style))
    shown.append(marks[1], style="dim")
    shown.append(trail)


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
                plain(f"{removed} words taken out [-like this-], {added} put in {{+like this+}}"),
                id="compare-legend",
            )
            yield Static(word_diff(self.old, self.new), id="compare-text")
