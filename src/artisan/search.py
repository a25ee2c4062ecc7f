"""Searching the library as you type.

A query is split into words; an entry matches when every word is found in its title, tags, idea
or prompt (case-insensitive). Matches are ranked by where the words were found: a word in the
title or a tag counts more than one deep in the prompt, favourites come before the rest on a tie,
then newer before older.

A word found nowhere is probably a typo: it is compared with the words of every title, tag and
idea using rapidfuzz, and the closest ones stand in for it ("lonly" finds "lonely").

Typing narrows a query one character at a time, and a longer query can only match a subset of
what a shorter one matched, so the index remembers its last result and searches only inside it
when the new query extends the old one.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from artisan.bulk import collector_paused
from artisan.entry import PromptEntry

_WORD = re.compile(r"\w+")
FUZZY_CUTOFF = 75.0
FUZZY_ALTERNATIVES = 4
FUZZY_MIN_LENGTH = 3


@dataclass(slots=True)
class _Row:
    entry: PromptEntry
    title: str
    tags: tuple[str, ...]
    tag_text: str
    idea: str
    prompt: str
    head: str
    """Title, tags and idea: the short fields, checked before the prompt."""
    haystack: str
    boost: float
    """Favourites rank above other entries with the same score."""


@dataclass(frozen=True)
class _Term:
    """A query word and the words standing in for it when it is a typo."""

    words: tuple[str, ...]
    weight: float


class SearchIndex:
    """Lower-cased copies of the searchable fields of a list of entries."""

    def __init__(self, entries: Iterable[PromptEntry]) -> None:
        self._entries = list(entries)
        self._built: list[_Row] | None = None
        self._building = threading.Lock()
        self._vocabulary: list[str] | None = None
        self._last_query: str | None = None
        self._last_rows: list[_Row] = []

    @property
    def _rows(self) -> list[_Row]:
        """The searchable copies, made on first use (or by `build`, in the background)."""
        rows = self._built
        if rows is None:
            with self._building:
                if self._built is None:
                    with collector_paused():
                        self._built = [_make_row(entry) for entry in self._entries]
                rows = self._built
        return rows

    @_rows.setter
    def _rows(self, rows: list[_Row]) -> None:
        self._built = rows

    def build(self) -> None:
        """Make the searchable copies now, so that the first search does not wait for them.

        The app shows a freshly read library at once and calls this from a worker thread
        right after; a search typed before it finishes makes the copies itself.
        """
        self._rows  # noqa: B018 - the property builds them

    def __len__(self) -> int:
        return len(self._built) if self._built is not None else len(self._entries)

    def entries(self) -> list[PromptEntry]:
        """All entries, in the order given (newest first for a library)."""
        if self._built is None:
            return list(self._entries)
        return [row.entry for row in self._built]

    def upsert(self, entry: PromptEntry) -> None:
        """Add an entry, or replace the one with its id, keeping newest-first order."""
        self._drop(entry.id)
        row = _make_row(entry)
        key = (entry.created, entry.id)
        low, high = 0, len(self._rows)
        while low < high:  # the rows are sorted newest first: find the first older row
            middle = (low + high) // 2
            other = self._rows[middle].entry
            if (other.created, other.id) > key:
                low = middle + 1
            else:
                high = middle
        self._rows.insert(low, row)
        if self._vocabulary is not None:
            words = set(self._vocabulary)
            words.update(_WORD.findall(row.head))
            self._vocabulary = sorted(words)

    def remove(self, entry_id: str) -> None:
        self._drop(entry_id)

    def _drop(self, entry_id: str) -> None:
        self._rows = [row for row in self._rows if row.entry.id != entry_id]
        self._last_query = None
        self._last_rows = []

    def search(self, query: str) -> list[PromptEntry]:
        """Entries matching every word of `query`, best first. An empty query matches all."""
        words = query.casefold().split()
        if not words:
            self._last_query = None
            return [row.entry for row in self._rows]

        normalized = " ".join(words)
        candidates = self._rows
        if self._last_query is not None and _narrows(self._last_query, normalized):
            candidates = self._last_rows

        terms = [self._term(word, candidates) for word in words]
        exact = all(term.weight == 1.0 for term in terms)
        matched = candidates
        for term in terms:
            if len(term.words) == 1:
                word = term.words[0]
                matched = [row for row in matched if word in row.haystack]
            else:
                hits: set[int] = set()
                for word in term.words:
                    hits.update(id(row) for row in matched if word in row.haystack)
                matched = [row for row in matched if id(row) in hits]

        totals = _levels(matched, terms[0])
        for term in terms[1:]:
            totals = [a + b for a, b in zip(totals, _levels(matched, term), strict=True)]
        keys = [total + row.boost for total, row in zip(totals, matched, strict=True)]
        # The sort is stable, so equal scores keep the library's newest-first order.
        order = sorted(range(len(matched)), key=keys.__getitem__, reverse=True)
        results = [matched[index].entry for index in order]

        # Only exact results are safe to narrow from: a fuzzy stand-in may stop applying as the
        # word is typed further.
        self._last_query = normalized if exact else None
        self._last_rows = matched if exact else []
        return results

    def warm(self) -> None:
        """Build the fuzzy vocabulary now rather than on the first typo."""
        self._close_words("warm")

    def _term(self, word: str, candidates: list[_Row]) -> _Term:
        if len(word) < FUZZY_MIN_LENGTH or any(word in row.haystack for row in candidates):
            return _Term((word,), 1.0)
        alternatives = self._close_words(word)
        return _Term(tuple(alternatives), 0.8) if alternatives else _Term((word,), 1.0)

    def _close_words(self, word: str) -> list[str]:
        from rapidfuzz import fuzz, process

        if self._vocabulary is None:
            with collector_paused():
                words = "\n".join(row.head for row in self._rows)
                self._vocabulary = sorted(set(_WORD.findall(words)))
        matches = process.extract(
            word,
            self._vocabulary,
            scorer=fuzz.ratio,
            score_cutoff=FUZZY_CUTOFF,
            limit=FUZZY_ALTERNATIVES,
        )
        return [match[0] for match in matches]


def _make_row(entry: PromptEntry) -> _Row:
    title = entry.title.casefold()
    tags = tuple(tag.casefold() for tag in entry.tags)
    idea = entry.idea.casefold()
    prompt = entry.prompt.casefold()
    tag_text = " ".join(tags)
    head = "\n".join((title, tag_text, idea))
    boost = 0.5 if entry.favorite else 0.0
    return _Row(entry, title, tags, tag_text, idea, prompt, head, head + "\n" + prompt, boost)


def _levels(rows: list[_Row], term: _Term) -> list[float]:
    """How well each row (all known to match) matches `term`: 10 for a title word starting with
    it, 9 an exact tag, 8 elsewhere in the title, 7 inside a tag, 4 the idea, 2 the prompt;
    0.8 times that for a word standing in for a typo (the best of them counts).
    """
    if len(term.words) == 1 and term.weight == 1.0:
        return _word_levels(rows, term.words[0], everywhere=True)
    best = [0.0] * len(rows)
    for word in term.words:
        levels = _word_levels(rows, word, everywhere=False)
        best = [max(a, b) for a, b in zip(best, levels, strict=True)]
    return [level * term.weight for level in best]


def _word_levels(rows: list[_Row], word: str, *, everywhere: bool) -> list[float]:
    """`_levels` for one word; with `everywhere`, every row is known to contain it somewhere,
    else a row without it gets 0.

    One comprehension with no call per row: typing the first letters of a query matches
    nearly every prompt, and this runs for each of them on every keystroke.
    """
    spaced = " " + word
    return [
        (2.0 if everywhere or word in row.prompt else 0.0)
        if word not in row.head
        else (10.0 if row.title.startswith(word) or spaced in row.title else 8.0)
        if word in row.title
        else 9.0
        if word in row.tags
        else 7.0
        if word in row.tag_text
        else 4.0
        for row in rows
    ]


def _narrows(previous: str, current: str) -> bool:
    """Whether every entry matching `current` also matches `previous`.

    True when `current` is `previous` with characters appended, so that each earlier word is
    kept or extended: "golden h" -> "golden ho". A trailing space starts a new word, which only
    adds a condition.
    """
    if not current.startswith(previous):
        return False
    return len(previous.split()) <= len(current.split())
