"""What a person types into the library's search box, one keystroke at a time."""

from __future__ import annotations

from collections.abc import Iterator

QUERIES = (
    "golden hour",
    "neon reflections",
    "fox",
    "lighthouse keeper",
    "watercolour harbour",
    "samurai in the rain",
    "lonly",
    "portait",
    "cinematic photograph fog",
    "#cyberpunk",
    "zzqx",
)
"""Words of the library, several words, typos (the fuzzy path), a tag and a query that
matches nothing."""


def keystrokes() -> Iterator[str]:
    """The search box after every keystroke of every query."""
    for query in QUERIES:
        for end in range(1, len(query) + 1):
            yield query[:end]
