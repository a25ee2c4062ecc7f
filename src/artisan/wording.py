"""Words as a reader takes them: whole words in any of their forms, a/an, singular and plural.

Matching is by whole words, each in either number: "fox" is found in "two foxes", and "logo"
never in "logotype". A phrase matches where its words follow one another ("coffee shop" in "a
coffee-shop logo": hyphens and punctuation separate words as spaces do). Subject words may also
end a compound ("burger" in "hamburgers", "flower" in "sunflowers"): `Words.find(...,
compounds=True)`, for words of five letters or more, so "cat" is never found in "catalogue"
nor "ring" in "earrings".

Articles and plurals come from `inflect`, with the few corrections English needs for
abbreviations spoken letter by letter ("a UI", "an LED") and for numbers ("an 8-bit scene").
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import inflect


@cache
def _inflect() -> inflect.engine:
    """inflect's engine, made on first use: importing inflect takes ~9 ms, which the app's
    launch need not pay before a prompt is checked."""
    import inflect

    return inflect.engine()


@cache
def _english() -> dict[str, list[str]]:
    with (Path(__file__).parent / "data" / "words.toml").open("rb") as handle:
        return tomllib.load(handle)


def english(name: str) -> frozenset[str]:
    """A list of `data/words.toml`: words of English the composer and the checker need."""
    return frozenset(_english()[name])


_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_COMPOUND_HEAD = 5
_COMPOUND_LEAD = 3
_LEADING_NUMBER = re.compile(r"^(\d+)")
_LETTERS_AN = frozenset("AEFHILMNORSX")
"""Capital letters whose spoken name starts with a vowel sound: "an F", "an X"."""
_NOT_PLURAL = english("not_plural")
_UNCOUNTED = english("uncounted")


@cache
def stem(word: str) -> str:
    """`word` in the singular, lower case: the form words are compared in."""
    word = word.lower()
    if word.endswith("'s"):
        return stem(word[:-2]) + "'s"
    if not is_plural(word):
        return word
    singular = _inflect().singular_noun(word)
    return singular if isinstance(singular, str) and singular else word


@cache
def is_plural(word: str) -> bool:
    """Whether `word` is a plural noun ("foxes", "mice"); "glass", "lens" and "news" are not."""
    word = word.lower()
    if len(word) < 3 or word in _NOT_PLURAL or word in _UNCOUNTED:
        return False
    if word.endswith(("ss", "us", "is", "ous", "'s")):
        return False
    singular = _inflect().singular_noun(word)
    return isinstance(singular, str) and bool(singular) and singular != word


def tokens(text: str) -> list[str]:
    """The words of `text`, lower case, each in the singular."""
    return list(_tokens(text))


@lru_cache(maxsize=65536)
def _tokens(text: str) -> tuple[str, ...]:
    return tuple(stem(token) for token in _TOKEN.findall(text.lower().replace("\u2019", "'")))


@lru_cache(maxsize=65536)
def _key(phrase: str) -> str:
    """A phrase as it is looked for: its words in the singular, between spaces."""
    wanted = _tokens(phrase)
    return " " + " ".join(wanted) + " " if wanted else ""


class Words:
    """A text read once for many whole-word look-ups (`"fox" in Words("two foxes")`)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.stems = list(_tokens(text))
        self._joined = " " + " ".join(self.stems) + " "
        self._runs: frozenset[str] | None = None

    def __contains__(self, phrase: object) -> bool:
        return isinstance(phrase, str) and self.find(phrase) >= 0

    def find(self, phrase: str, *, compounds: bool = False) -> int:
        """The index of the first word where `phrase` starts, or -1. With `compounds`, a
        one-word phrase of five letters or more also ends a longer word ("hamburgers")."""
        key = _key(phrase)
        if not key:
            return -1
        place = self._joined.find(key)
        if place >= 0:
            return self._joined.count(" ", 0, place)
        if compounds and key.count(" ") == 2 and len(key) - 2 >= _COMPOUND_HEAD:
            word = key.strip()
            for index, token in enumerate(self.stems):
                if token.endswith(word) and len(token) - len(word) >= _COMPOUND_LEAD:
                    return index
        return -1

    def any(self, phrases: Iterable[str], *, compounds: bool = False) -> bool:
        if compounds:
            return any(self.find(phrase, compounds=True) >= 0 for phrase in phrases)
        grams = self._grams()
        return any(_key(phrase) in grams for phrase in phrases)

    def _grams(self) -> frozenset[str]:
        """Every run of up to six words of the text, as `_key` writes a phrase."""
        if self._runs is None:
            stems = self.stems
            self._runs = frozenset(
                " " + " ".join(stems[start : start + size]) + " "
                for size in range(1, 7)
                for start in range(len(stems) - size + 1)
            )
        return self._runs

    def first(self, phrases: Iterable[str], *, compounds: bool = False) -> tuple[int, str] | None:
        """The phrase found earliest in the text (the longest one at that place), with the
        index of its first word."""
        best: tuple[int, int, str] | None = None
        for phrase in phrases:
            index = self.find(phrase, compounds=compounds)
            if index < 0:
                continue
            rank = (index, -len(tokens(phrase)), phrase)
            if best is None or rank < best:
                best = rank
        return None if best is None else (best[0], best[2])


def mentions(text: str, phrase: str) -> bool:
    """Whether `phrase` occurs in `text` as whole words, in any number, ignoring case."""
    return phrase in Words(text)


def article(phrase: str) -> str:
    """ "a" or "an" for the phrase that follows it."""
    words = phrase.strip().split()
    if not words:
        return "a"
    first = words[0].strip("\"'\u201c\u2018(")
    number = _LEADING_NUMBER.match(first)
    if number:
        spoken = _inflect().number_to_words(number.group(1))
        return _inflect().a(str(spoken)).split()[0]
    bare = re.sub(r"[^A-Za-z]", "", first.split("-")[0])
    if 2 <= len(bare) <= 3 and bare.isupper():  # an abbreviation said letter by letter
        return "an" if bare[0] in _LETTERS_AN else "a"
    if len(bare) == 1 and bare.isupper():
        return "an" if bare in _LETTERS_AN else "a"
    return str(_inflect().a(first or phrase)).split()[0]


def with_article(phrase: str) -> str:
    """`phrase` after "a" or "an": "an illustration", "a UI mockup", "an 8-bit scene"."""
    return f"{article(phrase)} {phrase}"


def plural(noun: str) -> str:
    """The plural of a noun ("sticker" gives "stickers")."""
    return str(_inflect().plural_noun(noun)) if noun else noun
