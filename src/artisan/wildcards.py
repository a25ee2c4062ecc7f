"""Wildcards: one idea written as many, in the syntax image makers know from sd-dynamic-prompts.

`{red|blue|green} car at __time_of_day__` expands into ideas such as "blue car at dusk": `{a|b}`
picks one choice, `{2$$a|b|c}` picks two, `__name__` picks a line of the wildcard file
`name.txt`, and all of them nest. The `dynamicprompts` library reads the syntax; it is imported
only when an idea has wildcards, so commands that never meet one do not pay for it.

Wildcard files are plain text, one choice per line (`#` starts a comment). artisan ships a few in
`artisan/data/wildcards/`; files in `<config dir>/wildcards/` add more, and one with the same name
as a shipped file replaces it. Subfolders give names with slashes: `__people/job__`.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from random import Random
from typing import TYPE_CHECKING, Any

from artisan import locations
from artisan.errors import ArtisanError

if TYPE_CHECKING:
    from dynamicprompts.wildcards import WildcardManager

ENUMERATE_LIMIT = 1000
"""Ideas with up to this many combinations are enumerated and sampled without repeats; beyond
it, expansions are drawn at random (still seeded)."""
_CHOICES = re.compile(r"\{[^{}]*\|")
_WILDCARD = re.compile(r"__[\w*][\w/*.-]*__")


class WildcardError(ArtisanError):
    """An idea's wildcards cannot be expanded: a syntax error or an unknown wildcard file."""


def has_wildcards(idea: str) -> bool:
    """Whether `idea` has choices (`{a|b}`) or wildcard names (`__name__`) to expand."""
    return bool(_CHOICES.search(idea) or _WILDCARD.search(idea))


def wildcard_files(user_dir: Path | None = None) -> dict[str, Path]:
    """Every wildcard name and the file it reads (the user's replacing shipped ones)."""
    found: dict[str, Path] = {}
    for root in _roots(user_dir):
        for path in sorted(root.rglob("*.txt")):
            found[path.relative_to(root).with_suffix("").as_posix()] = path
    return dict(sorted(found.items()))


def expand(idea: str, count: int, *, seed: int | None, user_dir: Path | None = None) -> list[str]:
    """Up to `count` different ideas written out from `idea`'s wildcards.

    With few combinations, every one is listed and `count` of them are picked; with many, they
    are drawn at random. The same seed gives the same ideas. Fewer than `count` come back when
    the idea has fewer combinations; an idea without wildcards comes back as it is.

    Raises:
        WildcardError: a `{` is never closed, the syntax cannot be read, or a wildcard name has
            no file.
    """
    if count < 1:
        return []
    if not has_wildcards(idea):
        return [idea]
    _check_braces(idea)
    from dynamicprompts.generators import CombinatorialPromptGenerator, RandomPromptGenerator

    manager = _manager(user_dir)
    random = Random(seed)
    with _read_errors(user_dir), warnings.catch_warnings():
        # dynamicprompts builds its parser with pyparsing names that newer pyparsing releases
        # call deprecated; nothing for artisan to act on.
        warnings.simplefilter("ignore", DeprecationWarning)
        combinations = _clean(
            CombinatorialPromptGenerator(manager).generate(idea, max_prompts=ENUMERATE_LIMIT + 1)
        )
        if len(combinations) <= ENUMERATE_LIMIT:
            if len(combinations) <= count:
                return combinations
            picked = sorted(random.sample(range(len(combinations)), count))
            return [combinations[i] for i in picked]
        generator = RandomPromptGenerator(manager, seed=random.randrange(2**32))
        drawn: list[str] = []
        for _ in range(count * 20):
            drawn = _clean([*drawn, *generator.generate(idea, 1)])
            if len(drawn) == count:
                break
        return drawn


def _roots(user_dir: Path | None) -> list[Path]:
    user_dir = locations.user_wildcards_dir() if user_dir is None else user_dir
    return [root for root in (locations.builtin_wildcards_dir(), user_dir) if root.is_dir()]


def _manager(user_dir: Path | None) -> WildcardManager:
    from dynamicprompts.wildcards import WildcardManager

    class KnownWildcards(WildcardManager):
        """Fails on a wildcard without a file, where dynamicprompts would leave `__name__` in
        the text and log a warning nobody sees."""

        def get_values(self, wildcard: str) -> Any:
            values = super().get_values(wildcard)
            if len(values) == 0:
                raise _Unknown(wildcard)
            return values

    return KnownWildcards(root_map={"": list(_roots(user_dir))})


class _Unknown(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@contextmanager
def _read_errors(user_dir: Path | None) -> Iterator[None]:
    """Turns what dynamicprompts raises into a `WildcardError` written for a person."""
    from pyparsing import ParseBaseException

    try:
        yield
    except _Unknown as error:
        known = ", ".join(f"__{name}__" for name in wildcard_files(user_dir)) or "none"
        folder = locations.user_wildcards_dir() if user_dir is None else user_dir
        raise WildcardError(
            f"There is no wildcard file for __{error.name}__. Known wildcards: {known}. "
            f"To add it, write {folder / (error.name + '.txt')} with one choice per line."
        ) from None
    except RecursionError:
        raise WildcardError(
            "The wildcards in the idea refer to each other in a loop; "
            "check that no wildcard file uses its own name."
        ) from None
    except (ParseBaseException, ValueError) as error:
        raise WildcardError(
            f"The wildcards in the idea cannot be read near character {_place(error)}: "
            "write choices as {a|b|c} (or {2$$a|b|c} for two) and wildcard files as __name__."
        ) from None


def _place(error: BaseException) -> int:
    return int(getattr(error, "loc", 0)) + 1


def _check_braces(idea: str) -> None:
    opened: list[int] = []
    for index, char in enumerate(idea):
        if char == "{":
            opened.append(index)
        elif char == "}" and opened:
            opened.pop()
    if opened:
        at = opened[0]
        raise WildcardError(
            f'The `{{` at character {at + 1} of the idea ("{idea[at : at + 20]}") is never '
            "closed: write choices as {a|b|c}."
        )


def _clean(ideas: list[str]) -> list[str]:
    """Expansions with spaces tidied, without empty ones or repeats, in order."""
    return list(dict.fromkeys(text for idea in ideas if (text := " ".join(idea.split()))))
