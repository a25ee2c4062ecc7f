"""The phrase book: phrases by category (lighting, camera and lens, ...), for the phrase picker.

The shipped phrases are data, `artisan/data/phrases.toml`. Every `*.toml` file in
`<config dir>/phrases/` has the same shape and is read through `artisan.files`: a table with the
id of a shipped category adds its phrases to it, a table with any other id is a category of its
own. A file that cannot be used is named in `PhraseBook.problems` and skipped; the others load.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from artisan import files, locations
from artisan.errors import ArtisanError
from artisan.refinement.user_files import read_each


class PhraseFileError(ArtisanError):
    """A phrase file cannot be used."""


@dataclass(frozen=True)
class Category:
    """One heading of the picker and its phrases."""

    id: str
    name: str
    phrases: tuple[str, ...]
    negative: bool = False
    """Terms to avoid: they go into the target's negative part."""


@dataclass(frozen=True)
class Phrase:
    """A phrase and the category it belongs to."""

    text: str
    category: Category

    @property
    def negative(self) -> bool:
        return self.category.negative


@dataclass
class PhraseBook:
    """Every category, shipped first, and the files that could not be used."""

    categories: dict[str, Category]
    problems: list[str] = field(default_factory=list)

    def phrases(self) -> list[Phrase]:
        """Every phrase, category by category."""
        return [Phrase(text, c) for c in self.categories.values() for text in c.phrases]

    def search(self, query: str) -> list[Phrase]:
        """The phrases matching every word of `query`, in the book's order.

        A word matches when it starts a word of the phrase or of its category's name, so
        "light gold" finds "golden hour light" and "cam" lists the whole camera category.
        """
        wanted = query.casefold().split()
        if not wanted:
            return self.phrases()
        found = []
        for phrase in self.phrases():
            words = (phrase.text + " " + phrase.category.name).casefold().replace("-", " ")
            starts = words.split()
            if all(any(start.startswith(word) for start in starts) for word in wanted):
                found.append(phrase)
        return found


def load_phrase_book(user_dir: Path | None = None) -> PhraseBook:
    """The shipped phrases, and the person's own added to them."""
    shipped = locations.PACKAGE_DIR / "data" / "phrases.toml"
    with shipped.open("rb") as handle:
        categories = _categories(tomllib.load(handle), shipped)  # tested: any error is a bug
    problems: list[str] = []
    folder = locations.user_phrases_dir() if user_dir is None else user_dir
    for theirs in read_each(folder, files.PHRASES, "Phrase file", _categories, problems):
        for key, category in theirs.items():
            known = categories.get(key)
            if known is None:
                categories[key] = category
            else:
                added = tuple(p for p in category.phrases if p not in known.phrases)
                categories[key] = Category(
                    known.id, known.name, known.phrases + added, known.negative
                )
    return PhraseBook(categories, problems)


def _categories(data: dict[str, Any], path: Path) -> dict[str, Category]:
    found: dict[str, Category] = {}
    for key, table in data.items():
        where = f"Phrase file {path}, [{key}]"
        if not isinstance(table, dict):
            raise PhraseFileError(
                f'{where}: each category is a table, such as [lighting] with phrases = ["..."].'
            )
        phrases = table.get("phrases", [])
        if not isinstance(phrases, list) or not all(
            isinstance(p, str) and p.strip() for p in phrases
        ):
            raise PhraseFileError(f"{where}: `phrases` must be a list of text.")
        name = table.get("name", key)
        negative = table.get("negative", False)
        if not isinstance(name, str) or not isinstance(negative, bool):
            raise PhraseFileError(f"{where}: `name` must be text and `negative` true or false.")
        unknown = sorted(set(table) - {"name", "phrases", "negative"})
        if unknown:
            raise PhraseFileError(
                f"{where}: unknown key `{unknown[0]}` (a category has name, phrases, negative)."
            )
        cleaned = tuple(dict.fromkeys(" ".join(p.split()) for p in phrases))
        found[key] = Category(key, " ".join(name.split()) or key, cleaned, negative)
    return found
