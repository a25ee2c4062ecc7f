"""Completions while typing: what may finish the word (or the phrase) before the cursor.

`Completer.complete` reads the text before the cursor and answers with a few completions:

- after `__`, the wildcard files (`__time_of_day__`), filtered by what follows the `__`;
- after ` --` in a Midjourney prompt, the parameters the prompt's version reads (`--v 6`
  in the prompt picks the version; otherwise Midjourney's default);
- otherwise, once the word being typed has two letters, the phrases of the vocabulary
  (`artisan.refinement.vocabulary`) that start with the last one, two or three words typed,
  the longer matches first.

It is plain Python: the app calls it on each key, the benchmark calls it alone.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from artisan import locations
from artisan.refinement.vocabulary import LIMIT, Vocabulary, key_of

MIN_LETTERS = 2
"""A word is completed once this many of its letters are typed."""
WILDCARD = "wildcard"
PARAMETER = "parameter"
_WILDCARD_TYPED = re.compile(r"__([\w/-]*)$")
_PARAMETER_TYPED = re.compile(r"(?:^|\s)--([a-z]*)$")
_VERSION = re.compile(r"--(?:v|version)\s+(\d+)")
_WORDS_TYPED = re.compile(r"(?:[^\W_][\w'\u2019-]*)(?:[ \t]+[^\W_][\w'\u2019-]*){0,2}$")
_WORD = re.compile(r"[^\W_][\w'\u2019-]*")


@dataclass(frozen=True, slots=True)
class Completion:
    """One completion: the text that replaces the last `replaces` characters typed."""

    text: str
    replaces: int
    kind: str
    """`phrase`, `yours`, `wildcard` or `parameter`."""
    detail: str = ""
    """A few words shown beside it: a parameter's meaning, where a phrase comes from."""


@dataclass(frozen=True)
class Parameter:
    """A Midjourney parameter and the versions that read it."""

    name: str
    help: str
    value: str
    versions: tuple[str, ...]


@dataclass(frozen=True)
class Parameters:
    default_version: str
    parameters: tuple[Parameter, ...]

    def for_version(self, version: str) -> list[Parameter]:
        return [p for p in self.parameters if version in p.versions]


@cache
def midjourney_parameters() -> Parameters:
    """The shipped table of Midjourney's parameters (`data/midjourney-parameters.toml`)."""
    path = locations.PACKAGE_DIR / "data" / "midjourney-parameters.toml"
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    return Parameters(
        str(data["default_version"]),
        tuple(
            Parameter(
                str(p["name"]),
                str(p["help"]),
                str(p.get("value", "")),
                tuple(str(v) for v in p["versions"]),
            )
            for p in data["parameter"]
        ),
    )


class Completer:
    """Completions for the text before a cursor, from a vocabulary and the wildcard names.

    Args:
        vocabulary: The phrases (None until it is built: then only wildcards and parameters).
        wildcards: The wildcard names (`time_of_day`, `people/job`).
    """

    def __init__(self, vocabulary: Vocabulary | None, wildcards: Iterable[str] = ()) -> None:
        self.vocabulary = vocabulary
        self.wildcards = sorted(wildcards)

    def complete(self, before: str, shape: str = "", whole: str = "") -> list[Completion]:
        """What may finish the text `before` the cursor.

        Args:
            before: The text before the cursor (the rest of its line is enough).
            shape: The target's format (`midjourney` offers its parameters after `--`).
            whole: The whole text, to find the Midjourney version written after the cursor.
        """
        wildcard = _WILDCARD_TYPED.search(before)
        if wildcard is not None:
            return self._wildcards(wildcard.group(1))
        if shape == "midjourney":
            parameter = _PARAMETER_TYPED.search(before)
            if parameter is not None:
                return _parameters(parameter.group(1), whole or before)
        return self._phrases(before)

    def _wildcards(self, typed: str) -> list[Completion]:
        wanted = typed.casefold()
        return [
            Completion(f"__{name}__", len(typed) + 2, WILDCARD, "wildcard file")
            for name in self.wildcards
            if name.casefold().startswith(wanted) and name != typed
        ][:LIMIT]

    def _phrases(self, before: str) -> list[Completion]:
        vocabulary = self.vocabulary
        if vocabulary is None:
            return []
        typed = _WORDS_TYPED.search(before)
        if typed is None:
            return []
        words = [m for m in _WORD.finditer(typed.group())]
        if len(words[-1].group()) < MIN_LETTERS:
            return []
        found: list[Completion] = []
        seen: set[str] = set()
        for count in range(len(words), 0, -1):
            part = typed.group()[words[-count].start() :]
            for word in vocabulary.starting(part):
                key = key_of(word.text)
                if key in seen:
                    continue
                seen.add(key)
                text = word.text
                if part[:1].isupper() and text[:1].islower():
                    text = text[0].upper() + text[1:]
                found.append(Completion(text, len(part), word.kind))
            if len(found) >= LIMIT:
                break
        return found[:LIMIT]


def _parameters(typed: str, text: str) -> list[Completion]:
    table = midjourney_parameters()
    versions = _VERSION.findall(text)
    version = versions[-1] if versions else table.default_version
    detail_version = f"v{version}"
    return [
        Completion(
            f"--{p.name} ",
            len(typed) + 2,
            PARAMETER,
            f"{p.help} ({detail_version}){f', e.g. {p.value}' if p.value else ''}",
        )
        for p in table.for_version(version)
        if p.name.startswith(typed) and p.name != typed
    ][:LIMIT]
