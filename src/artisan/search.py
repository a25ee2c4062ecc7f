"""Searching the library as you type.

A query is split into words, and an entry matches when each word starts a word of its title,
tags, idea or prompt (case-insensitive): "cat" finds "cat" and "catalina", never "education".
Matches are ranked by how and where each word was found: a whole word above the start of a
longer one, the title and tags above the idea, the idea above the prompt. Favourites come first
on a tie, then newer before older.

A word that starts no word of the entries still in the running is probably a typo: it is
compared with every word of every searched field (rapidfuzz), and the closest words that begin
with the same letter stand in for it ("lonly" finds "lonely", "portait" finds "portrait").
Entries found through a stand-in rank below those found as typed.

Typing narrows a query one character at a time, and a longer query can only match a subset of
what a shorter one matched, so the index remembers its last result and searches only inside it
when the new query extends the old one.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections import Counter
from collections.abc import Iterable, Set
from dataclasses import dataclass

from artisan.bulk import collector_paused
from artisan.entry import PromptEntry

FUZZY_CUTOFF = 75.0
"""The least similarity (rapidfuzz `ratio`, 0-100) for a word to stand in for a typo."""
FUZZY_ALTERNATIVES = 4
FUZZY_MIN_LENGTH = 3
"""Shorter words are never taken for typos: most of them start some word anyway."""

_NOT_WORD = re.compile(r"\W+")
_ASCII_NOT_WORD = str.maketrans(
    {code: " " for code in range(128) if _NOT_WORD.fullmatch(chr(code))}
)
"""`_NOT_WORD` for ASCII text (everything but letters, digits and `_`), as spaces."""


def words_of(text: str) -> str:
    """`text` as searchable words: case-folded, separated and surrounded by spaces, so that
    " cat" is found exactly where a word starts with "cat" and " cat " where it is "cat"."""
    folded = text.casefold()
    if folded.isascii():
        # str.translate has a fast path for ASCII, several times quicker than the regex.
        return f" {folded.translate(_ASCII_NOT_WORD)} "
    return f" {_NOT_WORD.sub(' ', folded)} "


@dataclass(slots=True)
class _Row:
    entry: PromptEntry
    title: str
    tags: str
    idea: str
    text: str
    """Title, tags, idea and prompt, one after the other: a row matches a word when this holds
    it (the prompt is not kept apart: it is the part of `text` after the others)."""
    boost: float
    """Favourites rank above other entries with the same score."""
    initials: str = ""
    """The first character of each of its words (set by `_Words`)."""


@dataclass(frozen=True)
class _Term:
    """A query word, or the words standing in for it when it is a typo (with their
    similarity, 0-1)."""

    word: str
    alternatives: tuple[tuple[str, float], ...] = ()

    @property
    def exact(self) -> bool:
        return not self.alternatives


class SearchIndex:
    """The searchable words of a list of entries."""

    def __init__(self, entries: Iterable[PromptEntry]) -> None:
        self._entries = list(entries)
        self._built: list[_Row] | None = None
        self._lock = threading.RLock()
        self._words: _Words | None = None
        self._last_words: list[str] | None = None
        self._last_rows: list[_Row] = []
        self._titles: dict[str, str] = {}
        """Each row's entry id and title, made with the rows."""
        self._title_counts: Counter[str] = Counter()
        self._shared: set[str] = set()
        """Titles more than one entry has, kept as rows come and go."""

    @property
    def _rows(self) -> list[_Row]:
        """The searchable copies, made on first use (or by `build`, in the background)."""
        rows = self._built
        if rows is None:
            with self._lock:
                if self._built is None:
                    with collector_paused():
                        built = [_make_row(entry) for entry in self._entries]
                        for row in built:
                            self._count(row.entry.id, row.entry.title, 1)
                        self._built = built
                rows = self._built
        return rows

    def build(self) -> None:
        """Make the searchable copies now, so that the first search does not wait for them.

        The app shows a freshly read library at once and calls this from a worker thread
        right after; a search typed before it finishes makes the copies itself.
        """
        self._rows  # noqa: B018 - the property builds them

    def warm(self) -> None:
        """Gather every word and the entries holding it now (see `_Words`), rather than on
        the first typo. Searches work without it, only slower on rare words."""
        self._all_words()

    @property
    def warmed(self) -> bool:
        """Whether `warm` has run (or a typo made the search gather the words itself)."""
        return self._words is not None

    def __len__(self) -> int:
        return len(self._built) if self._built is not None else len(self._entries)

    def entries(self) -> list[PromptEntry]:
        """All entries, in the order given (newest first for a library)."""
        if self._built is None:
            return list(self._entries)
        return [row.entry for row in self._built]

    @property
    def shared_titles(self) -> Set[str]:
        """The titles more than one entry has (a live view: it changes with the index)."""
        self._rows  # noqa: B018 - counted with the rows
        return self._shared

    def upsert(self, entry: PromptEntry) -> None:
        """Add an entry, or replace the one with its id, keeping newest-first order.

        Adding takes a binary search and an insert; only replacing reads every row.
        """
        row = _make_row(entry)
        with self._lock:
            rows = self._rows
            if entry.id in self._titles:
                self._drop(entry.id)
                rows = self._rows
            self._last_words = None
            self._last_rows = []
            key = (entry.created, entry.id)
            low, high = 0, len(rows)
            while low < high:  # the rows are sorted newest first: find the first older row
                middle = (low + high) // 2
                other = rows[middle].entry
                if (other.created, other.id) > key:
                    low = middle + 1
                else:
                    high = middle
            rows.insert(low, row)
            self._count(entry.id, entry.title, 1)
            if self._words is not None:
                self._words.add(row)

    def remove(self, entry_id: str) -> None:
        with self._lock:
            self._drop(entry_id)

    def _drop(self, entry_id: str) -> None:
        # A dropped row stays in the word lists: searches only ever keep rows they were given.
        rows = self._rows
        if entry_id not in self._titles:
            return
        # The title as counted: the entry object may have been renamed in place since.
        self._count(entry_id, self._titles[entry_id], -1)
        self._built = [row for row in rows if row.entry.id != entry_id]
        self._last_words = None
        self._last_rows = []

    def _count(self, entry_id: str, title: str, change: int) -> None:
        """Count an entry's title in (1) or out (-1), keeping `_shared` up to date."""
        count = self._title_counts[title] + change
        if change > 0:
            self._titles[entry_id] = title
        else:
            del self._titles[entry_id]
        if count > 0:
            self._title_counts[title] = count
        else:
            del self._title_counts[title]
        if count > 1:
            self._shared.add(title)
        else:
            self._shared.discard(title)

    def search(self, query: str) -> list[PromptEntry]:
        """Entries matching every word of `query`, best first. An empty query matches all."""
        words = words_of(query).split()
        if not words:
            self._last_words = None
            return [row.entry for row in self._rows]

        narrowed = self._last_words is not None and _narrows(self._last_words, words)
        terms, matched = self._match(words, self._last_rows if narrowed else self._rows)
        if narrowed and not (matched and all(term.exact for term in terms)):
            # A word that became a typo may stand for words the last result did not hold, and
            # a word that matched nothing there may still match next to other stand-ins.
            terms, matched = self._match(words, self._rows)

        totals = _levels(matched, terms[0], self._words)
        for term in terms[1:]:
            levels = _levels(matched, term, self._words)
            totals = [a + b for a, b in zip(totals, levels, strict=True)]
        keys = [total + row.boost for total, row in zip(totals, matched, strict=True)]
        # The sort is stable, so equal scores keep the library's newest-first order.
        order = sorted(range(len(matched)), key=keys.__getitem__, reverse=True)

        # Only a search made of words as typed is safe to narrow from: a stand-in for a typo
        # may stop applying as the word is typed further.
        exact = all(term.exact for term in terms)
        self._last_words = words if exact else None
        self._last_rows = matched if exact else []
        return [matched[index].entry for index in order]

    def _match(self, words: list[str], rows: list[_Row]) -> tuple[list[_Term], list[_Row]]:
        """The terms of `words` and the rows of `rows` matching them all.

        A word is taken as typed when it starts a word of a row that matched the words before
        it (or when it is too short to be a typo); otherwise as a typo, with stand-ins.
        """
        known = self._words  # None until `warm` has run: then every row is read instead
        terms: list[_Term] = []
        for word in words:
            found = _starting(rows, word, known)
            if found or len(word) < FUZZY_MIN_LENGTH:
                terms.append(_Term(word))
                rows = found
                continue
            every = self._all_words()
            term = _Term(word, every.close_to(word))
            terms.append(term)
            holding = every.rows_holding(alternative for alternative, _ in term.alternatives)
            rows = [row for row in rows if id(row) in holding]
        return terms, rows

    def _all_words(self) -> _Words:
        words = self._words
        if words is None:
            with self._lock:
                words = self._words
                if words is None:
                    words = _Words(self._rows)
                    self._words = words
        return words


class _Words:
    """Every word of the rows, each with the rows holding it (in the row order).

    With it, a search finds the rows holding a rare word, or a stand-in for a typo, without
    reading every row; and knows at once that a word starts no word at all.
    """

    def __init__(self, rows: list[_Row]) -> None:
        holders: dict[str, list[_Row]] = {}
        with collector_paused():
            for row in rows:
                words = set(row.text.split())
                row.initials = "".join({word[0] for word in words})
                for word in words:
                    found = holders.get(word)
                    if found is None:
                        holders[word] = [row]
                    else:
                        found.append(row)
        self.holders = holders
        self.ordered = sorted(holders)

    def add(self, row: _Row) -> None:
        words = set(row.text.split())
        row.initials = "".join({word[0] for word in words})
        for word in words:
            found = self.holders.get(word)
            if found is None:
                self.holders[word] = [row]
                bisect.insort(self.ordered, word)
            else:
                found.append(row)

    def starting_with(self, start: str) -> list[str]:
        """The words that start with `start`, in alphabetical order."""
        low = bisect.bisect_left(self.ordered, start)
        high = bisect.bisect_left(self.ordered, start + _LAST_CHARACTER, low)
        return self.ordered[low:high]

    def rows_holding(self, words: Iterable[str]) -> set[int]:
        """The ids of the rows holding any of `words` as a whole word."""
        found: set[int] = set()
        for word in words:
            found.update(map(id, self.holders.get(word, ())))
        return found

    def close_to(self, word: str) -> tuple[tuple[str, float], ...]:
        """The words most like `word` that begin with its first letter, with their
        similarity (0-1), best first."""
        from rapidfuzz import fuzz, process

        matches = process.extract(
            word,
            self.starting_with(word[0]),
            scorer=fuzz.ratio,
            score_cutoff=FUZZY_CUTOFF,
            limit=FUZZY_ALTERNATIVES,
        )
        return tuple((match[0], match[1] / 100) for match in matches)


_LAST_CHARACTER = chr(0x10FFFF)


def _starting(rows: list[_Row], word: str, known: _Words | None) -> list[_Row]:
    """The rows holding a word that starts with `word`.

    Through the word lists when the words starting so are held by fewer than four times as
    many rows, all told, as there are rows to check (a row is read about four times slower
    than a list is merged); by reading every row otherwise.
    """
    if known is not None:
        if len(word) == 1:  # the first key of a query: nearly every row, and all must be read
            return [row for row in rows if word in row.initials]
        starts = known.starting_with(word)
        if not starts:
            return []
        holders = known.holders
        if sum(len(holders[start]) for start in starts) < 4 * len(rows):
            holding = known.rows_holding(starts)
            return [row for row in rows if id(row) in holding]
    start = " " + word
    return [row for row in rows if start in row.text]


def _make_row(entry: PromptEntry) -> _Row:
    title = words_of(entry.title)
    tags = words_of(" ".join(entry.tags))
    idea = words_of(entry.idea)
    boost = 0.5 if entry.favorite else 0.0
    return _Row(entry, title, tags, idea, title + tags + idea + words_of(entry.prompt), boost)


def _levels(rows: list[_Row], term: _Term, known: _Words | None) -> list[float]:
    """How well each row (all known to match) matches `term`.

    The word as typed: 10 a whole word of the title, 9 a whole tag, 8 the start of a word of
    the title, 7 the start of a tag, 5 a whole word of the idea, 4 the start of one, 3 a whole
    word of the prompt, 2 the start of one. A stand-in for a typo: its level as a whole word
    times its similarity, then halved, so it stays below the same place found as typed (the
    best stand-in counts).
    """
    if term.exact:
        whole_in: set[int] | None = None
        if known is not None:
            whole_in = known.rows_holding((term.word,))
        return _word_levels(rows, term.word, whole_in)
    assert known is not None  # a stand-in comes from the word lists
    matched = {id(row) for row in rows}
    best: dict[int, float] = {}
    for word, similarity in term.alternatives:
        weight = similarity / 2
        whole = f" {word} "
        for row in known.holders.get(word, ()):
            key = id(row)
            if key not in matched:
                continue
            level = weight * (
                10.0
                if whole in row.title
                else 9.0
                if whole in row.tags
                else 5.0
                if whole in row.idea
                else 3.0
            )
            if level > best.get(key, 0.0):
                best[key] = level
    return [best.get(id(row), 0.0) for row in rows]


def _word_levels(rows: list[_Row], word: str, whole_in: set[int] | None) -> list[float]:
    """`_levels` for a word as typed. `whole_in`: the ids of the rows holding it as a whole
    word, when known (else the prompt is read to tell).

    One comprehension with no call per row: typing the first letter of a query matches
    nearly every prompt, and this runs for each of them on every keystroke. The title, tags
    and idea are short; the prompt is read only when the word is in none of them.
    """
    start = " " + word
    whole = start + " "
    if len(word) == 1:
        # The first key of a query: where a word starts with it is all that tells rows apart
        # (a one-letter word is rarely what is looked for), and nearly every row matches.
        return [
            8.0
            if start in row.title
            else 7.0
            if start in row.tags
            else 4.0
            if start in row.idea
            else 2.0
            for row in rows
        ]
    if whole_in is None:
        return [
            (10.0 if whole in row.title else 8.0)
            if start in row.title
            else (9.0 if whole in row.tags else 7.0)
            if start in row.tags
            else (5.0 if whole in row.idea else 4.0)
            if start in row.idea
            # Not in the title, tags or idea: a whole word in `text` is in the prompt.
            else (3.0 if whole in row.text else 2.0)
            for row in rows
        ]
    return [
        (10.0 if whole in row.title else 8.0)
        if start in row.title
        else (9.0 if whole in row.tags else 7.0)
        if start in row.tags
        else (5.0 if whole in row.idea else 4.0)
        if start in row.idea
        else (3.0 if id(row) in whole_in else 2.0)
        for row in rows
    ]


def _narrows(previous: list[str], current: list[str]) -> bool:
    """Whether every entry matching `current` also matches `previous`.

    True when each earlier word is kept, the last one possibly extended, and words may follow:
    "golden h" -> "golden ho" -> "golden hour light".
    """
    if len(current) < len(previous):
        return False
    *kept, last = previous
    return current[: len(kept)] == kept and current[len(kept)].startswith(last)
