"""The words completions are drawn from: phrases by weight, looked up by their start.

`Vocabulary` keeps every phrase case-folded in one sorted list, so the phrases starting with
what was typed are one binary search away; the best few of each two- and three-letter start
are found once, when it is built, so that the first keys of a word (whose ranges are the
longest) cost a dictionary lookup. Building it reads every prompt of the library: it is done
off the event loop, and a lookup never waits for it.

The phrases come from:

- the composer's data, gathered by `composer_phrases` from every string of `ComposerData`
  that reads as a phrase, whatever axes and presets it holds;
- the phrase book (`artisan.refinement.phrases`);
- the person's library: the words of their prompts and ideas, and the comma-separated items
  they wrote, each weighed by how many prompts use it (`library_counts`).
"""

from __future__ import annotations

import bisect
import dataclasses
import heapq
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from artisan.entry import PromptEntry

LIMIT = 8
"""Completions offered at once."""
SHORT_PREFIXES = (2, 3)
"""Lengths of the starts whose best phrases are found when the vocabulary is built."""
YOURS = "yours"
PHRASE = "phrase"
_WORD = re.compile(r"[^\W\d_][\w'\u2019-]{2,}")
_ITEM_BREAKS = re.compile(r"[,.;:!?()\[\]{}|\n]|\s--\w|negative prompt", re.IGNORECASE)
_SKIPPED_FIELDS = frozenset({"id", "source", "problems"})
"""Fields of the composer's data that hold names of things or messages, not phrases."""
SMALL_LIBRARY = 500
"""Up to this many prompts, every item the person wrote is offered; in larger libraries an
item must be in two prompts (a phrase they come back to, not the rest of one prompt)."""


@dataclass(frozen=True, slots=True)
class Word:
    """One phrase of the vocabulary: as shown, its weight, and where it came from."""

    text: str
    weight: float
    kind: str
    """`phrase` (the composer's or the phrase book's) or `yours` (the person's library)."""


class Vocabulary:
    """Phrases looked up by how they start, heaviest first."""

    def __init__(self, words: Mapping[str, Word]) -> None:
        """`words`: each phrase by its key, its case-folded form with single spaces."""
        self.keys = sorted(words)
        self.words = [words[key] for key in self.keys]
        self._best: dict[str, list[int]] = {}
        for length in SHORT_PREFIXES:
            start = 0
            while start < len(self.keys):
                prefix = self.keys[start][:length]
                end = self._end_of(prefix, start)
                if len(prefix) == length:
                    self._best[prefix] = self._heaviest(range(start, end))
                start = end

    def __len__(self) -> int:
        return len(self.keys)

    def starting(self, typed: str, limit: int = LIMIT) -> list[Word]:
        """The heaviest phrases starting with `typed` (case-folded), never `typed` itself."""
        prefix = key_of(typed)
        if not prefix:
            return []
        best = self._best.get(prefix)
        if best is None:
            start = bisect.bisect_left(self.keys, prefix)
            best = self._heaviest(range(start, self._end_of(prefix, start)), limit + 1)
        return [self.words[i] for i in best if self.keys[i] != prefix][:limit]

    def _end_of(self, prefix: str, start: int) -> int:
        return bisect.bisect_left(self.keys, prefix + _LAST, start)

    def _heaviest(self, indexes: range, limit: int = LIMIT + 1) -> list[int]:
        words = self.words
        if len(indexes) <= limit:
            return sorted(indexes, key=lambda i: -words[i].weight)
        return heapq.nlargest(limit, indexes, key=lambda i: words[i].weight)


_LAST = chr(0x10FFFF)


def key_of(text: str) -> str:
    """How a phrase is looked up: case-folded, with single spaces."""
    return " ".join(text.casefold().split())


def build_vocabulary(
    phrases: Iterable[str], entries: Iterable[PromptEntry] = (), library_size: int = 0
) -> Vocabulary:
    """The vocabulary of `phrases` (the composer's and the phrase book's) and of the person's
    library entries, whose words and items weigh by the number of prompts using them."""
    words: dict[str, Word] = {}
    for phrase in phrases:
        key = key_of(phrase)
        if key and key not in words:
            words[key] = Word(" ".join(phrase.split()), 1.0, PHRASE)
    counts, shown = library_counts(entries)
    least = 1 if library_size <= SMALL_LIBRARY else 2
    for key, count in counts.items():
        known = words.get(key)
        if known is not None:
            words[key] = Word(known.text, known.weight + count, YOURS)
        elif count >= least or " " not in key:
            words[key] = Word(shown.get(key, key), float(count), YOURS)
    return Vocabulary(words)


def library_counts(entries: Iterable[PromptEntry]) -> tuple[Counter[str], dict[str, str]]:
    """How many prompts use each word (three letters or more) and each item of two to five
    words (the parts between commas and full stops), and how each item was first written.

    Words are counted in their case-folded form (one regular expression over each prompt,
    in C); 10,000 prompts take under a second, in a thread.
    """
    counts: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for entry in entries:
        text = f"{entry.prompt}\n{entry.idea}"
        found = set(_WORD.findall(text.casefold()))
        for item in _ITEM_BREAKS.split(text):
            parts = item.split()
            if 2 <= len(parts) <= 5:
                phrase = " ".join(parts)
                key = phrase.casefold()
                found.add(key)
                if key not in shown:
                    shown[key] = phrase
        counts.update(found)
    return counts, shown


def composer_phrases(data: object) -> list[str]:
    """Every string of the composer's data that reads as a phrase, in no particular order.

    The data is walked generally (dataclasses, mappings, lists), so a new axis, preset field
    or vocabulary table is found without a change here; what does not read as a phrase (a
    sentence, a template with `{}`, a file name) is left out.
    """
    found: set[str] = set()
    pending: list[object] = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _phrase_like(item):
                found.add(" ".join(item.split()))
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):
            pending.extend(
                getattr(item, f.name)
                for f in dataclasses.fields(item)
                if f.name not in _SKIPPED_FIELDS
            )
        elif isinstance(item, Mapping):
            pending.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            pending.extend(item)
    return sorted(found)


def _phrase_like(text: str) -> bool:
    text = text.strip()
    return (
        2 <= len(text) <= 60
        and len(text.split()) <= 8
        and not any(mark in text for mark in "{}\n")
        and not text.endswith(".")
        and ". " not in text
        and any(c.isalpha() for c in text)
    )
