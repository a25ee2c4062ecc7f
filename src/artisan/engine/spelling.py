"""Key words typed with a slip: "a tatoo of a tiger" is a tattoo, "portait" a portrait.

The words that decide what an idea is (the kinds' words, the media and styles the composer
knows) are matched with one slip: a letter missing, added, changed, or two swapped. Only for
words of five letters or more, and only where the word typed is no English word of its own
("badger" is never a badge, "chest" never a crest, "mango" never manga): English words are
looked up in `pyspellchecker`'s word list, loaded the first time a word could be a slip. Words
the idea asks the image to show are never touched.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

from rapidfuzz import process
from rapidfuzz.distance import OSA

from artisan.lettering import words_to_show
from artisan.wording import is_plural, plural, stem

if TYPE_CHECKING:
    from artisan.engine.presets import ComposerData

SHORTEST = 5
"""Words shorter than this are never taken for a slip ("cat" is not "car")."""
_WORD = re.compile(r"(?<![\w'-])[A-Za-z]+(?![\w'-])")


def correct_key_words(idea: str, data: ComposerData) -> str:
    """`idea` with its misspelt key words spelled right ("a tatoo" is "a tattoo")."""
    words = key_words(data)
    kept = _shown_spans(idea)
    out: list[str] = []
    last = 0
    for found in _WORD.finditer(idea):
        word = found.group(0)
        if len(word) < SHORTEST or any(a <= found.start() < b for a, b in kept):
            continue
        right = _meant(word.lower(), words)
        if right is None:
            continue
        if word[0].isupper():
            right = right[0].upper() + right[1:]
        out += [idea[last : found.start()], right]
        last = found.end()
    return "".join(out) + idea[last:] if out else idea


def key_words(data: ComposerData) -> dict[str, frozenset[str]]:
    """The single words that name a kind, a medium or a style (five letters or more), each
    with what it names (a kind, a medium, a preset)."""
    if data.key_words is None:
        data.key_words = _key_words(data)
    return data.key_words


def _key_words(data: ComposerData) -> dict[str, frozenset[str]]:
    knowledge = data.knowledge
    named = [(f"kind {k.id}", w) for k in knowledge.kinds for w in (*k.words, *k.head, *k.weak)]
    named += [(f"medium {m.name}", w) for m in knowledge.media for w in m.words]
    named += [(f"preset {p.id}", t) for p in data.presets.values() for t in p.triggers]
    owners: dict[str, set[str]] = {}
    for owner, phrase in named:
        for word in re.findall(r"[a-z]+", phrase.lower()):
            # A four-letter key word is met only by a slip that adds a letter ("logoo"),
            # since the word typed must be five letters or more.
            if len(word) >= SHORTEST - 1:
                owners.setdefault(word, set()).add(owner)
    return {word: frozenset(found) for word, found in owners.items()}


def _meant(word: str, words: dict[str, frozenset[str]]) -> str | None:
    """The key word `word` is a slip for, if it is one and no English word itself. Two key
    words one slip away must name the same thing ("watercolur": watercolour or watercolor)."""
    single = stem(word) if is_plural(word) else word  # "tatoos" is a slip for "tattoos"
    if single in words or _derived(word, words):
        return None
    found = sorted(
        w for w, _, _ in process.extract(single, list(words), scorer=OSA.distance, score_cutoff=1)
    )
    if not found or not frozenset.intersection(*(words[w] for w in found)):
        return None
    if _english(word) or _english(single):
        return None
    return plural(found[0]) if single != word else found[0]


def _derived(word: str, words: dict[str, frozenset[str]]) -> bool:
    """Whether `word` is a key word with an ending ("scribbly", "sketched", "collaged")."""
    for ending in _ENDINGS:
        base = word[: -len(ending)]
        if word.endswith(ending) and (base in words or base + "e" in words):
            return True
    return False


_ENDINGS = ("y", "ly", "ish", "ed", "ing", "er", "esque", "s", "es")


def _english(word: str) -> bool:
    """Whether `word` is English, in American or British spelling ("colours", "centre")."""
    dictionary = _dictionary()
    american = re.sub(r"our(s?)$", r"or\1", re.sub(r"is(e|ed|es|ing)$", r"iz\1", word))
    return word in dictionary or american in dictionary or word.replace("tre", "ter") in dictionary


@cache
def _dictionary() -> frozenset[str]:
    from spellchecker import SpellChecker  # about 0.4 s: only when a word could be a slip

    return frozenset(SpellChecker(distance=1).word_frequency.keys())


def _shown_spans(idea: str) -> list[tuple[int, int]]:
    spans = []
    for words in words_to_show(idea):
        start = idea.find(words)
        if start >= 0:
            spans.append((start, start + len(words)))
    return spans
