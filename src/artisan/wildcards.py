"""Wildcards: one idea written as many, in the syntax image makers know from sd-dynamic-prompts.

`{red|blue|green} car at __time_of_day__` expands into ideas such as "blue car at dusk": `{a|b}`
picks one choice, `{2$$a|b|c}` picks two, `__name__` picks a line of the wildcard file
`name.txt`, and all of them nest. The `dynamicprompts` library reads the syntax; it is imported
only when an idea has wildcards, so commands that never meet one do not pay for it.

Wildcard files are plain text, one choice per line (`#` starts a comment). artisan ships a few in
`artisan/data/wildcards/`; files in `<config dir>/wildcards/` add more, and one with the same name
as a shipped file replaces it. Subfolders give names with slashes: `__people/job__`.

Nothing here can hang or run away, whatever the files and the idea hold:

- artisan finds the files itself (never following a folder it has seen already, so links back
  to the folder are harmless, and at most `MAX_FILES` of them) and reads each through
  `artisan.files` (a regular file, at most `files.WILDCARD` bytes, UTF-8, no NUL byte, lines of
  at most `MAX_LINE` characters);
- a name is a path inside the folder (`__../../x__` and `__/etc/passwd__` are refused);
- an idea offers at most `MAX_CHOICES` choices and nests them at most `MAX_NESTING` deep;
- before expanding, the files the idea uses are followed: a loop (a file that uses itself,
  directly or through others) is named, and so is a chain of files that each use the next
  several times, when one expansion would need more than `MAX_LOOKUPS_EACH` look-ups (files
  that each use the next twice double at every step);
- one expansion looks wildcards up at most `MAX_LOOKUPS` times in all and takes at most
  `EXPAND_SECONDS`, for what cannot be seen beforehand (names made of choices);
- `expand_in_background` runs it in a thread of its own, so an event loop never waits on it,
  and stops it when the caller stops waiting (Esc, Ctrl-C, quitting).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import threading
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from random import Random
from typing import TYPE_CHECKING

from artisan import files, locations
from artisan.errors import ArtisanError

if TYPE_CHECKING:
    from dynamicprompts.wildcards import WildcardManager

ENUMERATE_LIMIT = 1000
"""Ideas with up to this many combinations are enumerated and sampled without repeats; beyond
it, expansions are drawn at random (still seeded)."""
MAX_FILES = 10_000
"""Files and folders looked at when finding the wildcard files."""
MAX_LINE = 2_000
"""Characters in one line of a wildcard file (each line is parsed as a small idea)."""
MAX_CHOICES = 500
"""Choices (`|`) in one idea; a longer list belongs in a wildcard file, one choice a line."""
MAX_NESTING = 20
"""Choices inside choices (`{a|{b|{c|d}}}` is three deep)."""
MAX_LOOKUPS = 5_000
"""Wildcard look-ups while expanding one idea (each costs a parse of the line found, about a
millisecond). Ordinary ideas need tens to hundreds."""
MAX_LOOKUPS_EACH = 1_000
"""Wildcard look-ups that one written-out idea may need, as counted before expanding."""
MAX_CHAIN = 40
"""Wildcard files inside one another."""
EXPAND_SECONDS = 5.0
"""The longest an expansion may take."""
_CHOICES = re.compile(r"\{[^{}]*\|")
_WILDCARD = re.compile(r"__[\w*][\w/*.-]*__")
_NAME_PART = re.compile(r"[\w*][\w*.-]*")


class WildcardError(ArtisanError):
    """An idea's wildcards cannot be expanded: a syntax error, an unknown or unreadable wildcard
    file, or an expansion beyond the limits."""


def has_wildcards(idea: str) -> bool:
    """Whether `idea` has choices (`{a|b}`) or wildcard names (`__name__`) to expand."""
    return bool(_CHOICES.search(idea) or _WILDCARD.search(idea))


def wildcard_files(user_dir: Path | None = None) -> dict[str, Path]:
    """Every wildcard name and the file it reads (the user's replacing shipped ones).

    Raises:
        WildcardError: the folders hold more than `MAX_FILES` files and folders.
    """
    found: dict[str, Path] = {}
    for root in _roots(user_dir):
        found.update(_find(root))
    return dict(sorted(found.items()))


def expand(
    idea: str,
    count: int,
    *,
    seed: int | None,
    user_dir: Path | None = None,
    stop: threading.Event | None = None,
    seconds: float | None = None,
) -> list[str]:
    """Up to `count` different ideas written out from `idea`'s wildcards.

    With few combinations, every one is listed and `count` of them are picked; with many, they
    are drawn at random. The same seed gives the same ideas. Fewer than `count` come back when
    the idea has fewer combinations; an idea without wildcards comes back as it is.

    This runs in the caller's thread: from an event loop, use `expand_in_background`.

    Args:
        stop: Set by another thread to end the expansion early (it then raises
            `ExpansionStopped`).
        seconds: The longest it may take (default `EXPAND_SECONDS`).

    Raises:
        WildcardError: a `{` is never closed, the syntax cannot be read, a wildcard name has no
            file or names one outside the folder, a file breaks a rule, or the expansion goes
            beyond a limit.
    """
    if count < 1:
        return []
    if not has_wildcards(idea):
        return [idea]
    _check_idea(idea)
    from dynamicprompts.enums import SamplingMethod
    from dynamicprompts.parser.parse import parse
    from dynamicprompts.sampling_context import SamplingContext

    run = _Run(
        wildcard_files(user_dir), user_dir, stop, EXPAND_SECONDS if seconds is None else seconds
    )
    random = Random(seed)
    with run.errors(), warnings.catch_warnings():
        # dynamicprompts builds its parser with pyparsing names that newer pyparsing releases
        # call deprecated; nothing for artisan to act on.
        warnings.simplefilter("ignore", DeprecationWarning)
        _Plan(run).check(idea)
        manager = run.manager()
        command = parse(idea)  # once: every draw below reuses it
        every = SamplingContext(
            wildcard_manager=manager, default_sampling_method=SamplingMethod.COMBINATORIAL
        )
        combinations: list[str] = []
        for result in every.sample_prompts(command, ENUMERATE_LIMIT + 1):
            run.check()
            combinations.append(str(result))
        combinations = _clean(combinations)
        if len(combinations) <= ENUMERATE_LIMIT:
            if len(combinations) <= count:
                return combinations
            picked = sorted(random.sample(range(len(combinations)), count))
            return [combinations[i] for i in picked]
        drawn_from = SamplingContext(
            wildcard_manager=manager,
            default_sampling_method=SamplingMethod.RANDOM,
            rand=Random(random.randrange(2**32)),
        )
        drawn: list[str] = []
        for result in drawn_from.sample_prompts(command, count * 20):
            run.check()
            drawn = _clean([*drawn, str(result)])
            if len(drawn) == count:
                break
        return drawn


class ExpansionStopped(WildcardError):
    """The caller stopped waiting for the expansion."""


async def expand_in_background(
    idea: str,
    count: int,
    *,
    seed: int | None,
    user_dir: Path | None = None,
    seconds: float | None = None,
) -> list[str]:
    """`expand`, in a thread of its own, so the event loop goes on meanwhile.

    The thread is a daemon, never waited for at exit; when the caller is cancelled (or its
    deadline passes), the expansion is told to stop and ends at its next step.

    Raises:
        WildcardError: as `expand`, or the expansion took longer than `seconds` (by default
            `EXPAND_SECONDS`).
    """
    limit = EXPAND_SECONDS if seconds is None else seconds
    loop = asyncio.get_running_loop()
    future: asyncio.Future[list[str]] = loop.create_future()
    stop = threading.Event()

    def settle(result: list[str] | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result or [])

    def work() -> None:
        try:
            ideas = expand(idea, count, seed=seed, user_dir=user_dir, stop=stop, seconds=limit)
        except BaseException as error:  # handed to the caller, who raises it
            outcome: tuple[list[str] | None, BaseException | None] = (None, error)
        else:
            outcome = (ideas, None)
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody waits
            loop.call_soon_threadsafe(settle, *outcome)

    threading.Thread(target=work, name="wildcards", daemon=True).start()
    try:
        # A little longer than the expansion's own deadline, which it usually meets itself
        # (with a clearer message); this one holds when it is stuck inside one long step.
        return await asyncio.wait_for(asyncio.shield(future), limit + 1.0)
    except TimeoutError:
        raise WildcardError(_too_slow(limit)) from None
    finally:
        stop.set()
        # Nobody waits any more: the thread's late answer (often its "stopped") is dropped
        # rather than left on a future whose error no one reads.
        future.cancel()


# Finding and reading the files ---------------------------------------------------------------


def _roots(user_dir: Path | None) -> list[Path]:
    user_dir = locations.user_wildcards_dir() if user_dir is None else user_dir
    return [root for root in (locations.builtin_wildcards_dir(), user_dir) if root.is_dir()]


def _find(root: Path) -> dict[str, Path]:
    """The `.txt` files under `root`, by name; hidden files and folders are left out, and a
    folder reached twice (through a link back up the tree) is read once."""
    found: dict[str, Path] = {}
    seen: set[tuple[int, int]] = set()
    pending = [(root, "")]
    looked = 0
    while pending:
        folder, prefix = pending.pop()
        try:
            info = folder.stat()
            if (info.st_dev, info.st_ino) in seen:
                continue
            seen.add((info.st_dev, info.st_ino))
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError:
            continue  # a folder that cannot be read gives no names
        for entry in entries:
            looked += 1
            if looked > MAX_FILES:
                raise WildcardError(
                    f"{root} holds more than {MAX_FILES:,} files and folders; artisan looks at "
                    "no more of them for wildcards. Move what is not a wildcard file elsewhere."
                )
            if entry.name.startswith("."):
                continue
            try:
                is_folder = entry.is_dir()
            except OSError:
                continue
            if is_folder:
                pending.append((Path(entry.path), f"{prefix}{entry.name}/"))
            elif entry.name.endswith(".txt"):
                # Whatever it is (a pipe, a link to a device): reading it says so, by name.
                found[prefix + entry.name[: -len(".txt")]] = Path(entry.path)
    return found


def read_choices(path: Path) -> list[str]:
    """The choices of a wildcard file: its lines, without blank lines and `#` comments.

    Raises:
        WildcardError: the file breaks a rule of `artisan.files` (not a regular file, larger
            than `files.WILDCARD` allows, not UTF-8), holds a NUL byte, or has a line longer
            than `MAX_LINE` characters.
    """
    try:
        text = files.read_text(path, files.WILDCARD)
    except FileNotFoundError:
        raise WildcardError(f"The wildcard file {path} is gone.") from None
    except files.FileProblem as problem:
        raise WildcardError(f"{problem}.") from None
    choices: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if "\x00" in line:
            raise WildcardError(f"{path} holds a NUL byte on line {number}: it is not a text file.")
        if len(line) > MAX_LINE:
            raise WildcardError(
                f"Line {number} of {path} is {len(line):,} characters long; a wildcard choice "
                f"may be up to {MAX_LINE:,}."
            )
        choice = line.strip()
        if choice and not choice.startswith("#"):
            choices.append(choice)
    return choices


# One expansion -------------------------------------------------------------------------------


class _Run:
    """What one expansion has looked up, read and spent, and the limits it keeps to."""

    def __init__(
        self,
        names: dict[str, Path],
        user_dir: Path | None,
        stop: threading.Event | None,
        seconds: float,
    ) -> None:
        self.names = names
        self.user_dir = user_dir
        self.stop = stop
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.lookups: Counter[str] = Counter()
        self.choices: dict[str, list[str]] = {}

    def check(self) -> None:
        """Stop here when the caller stopped waiting or the expansion is over time."""
        if self.stop is not None and self.stop.is_set():
            raise ExpansionStopped("The wildcard expansion was stopped.")
        if time.monotonic() > self.deadline:
            raise WildcardError(_too_slow(self.seconds))

    def values(self, name: str) -> list[str]:
        """The choices a wildcard name stands for (a `*` in it matches several files),
        counted as a look-up."""
        self.check()
        _check_name(name, self.folder())
        self.lookups[name] += 1
        if sum(self.lookups.values()) > MAX_LOOKUPS:
            busiest = ", ".join(f"__{n}__" for n, _ in self.lookups.most_common(2))
            raise WildcardError(
                f"The wildcards in the idea expand too far: more than {MAX_LOOKUPS:,} wildcard "
                f"look-ups, most of them {busiest}. Wildcard files that use other wildcards "
                "several times multiply at every step; use fewer of them inside one another."
            )
        return sorted(dict.fromkeys(self.lines(name)))

    def lines(self, name: str) -> list[str]:
        """The choices of every file a name matches, read once per expansion."""
        _check_name(name, self.folder())
        if "*" in name:
            pattern = re.compile(".*".join(map(re.escape, name.split("*"))))
            matched = [file for file in self.names if pattern.fullmatch(file)]
        else:
            matched = [name] if name in self.names else []
        if not matched:
            raise _Unknown(name)
        found: list[str] = []
        for file in matched:
            if file not in self.choices:
                self.choices[file] = read_choices(self.names[file])
            found.extend(self.choices[file])
        return found

    def folder(self) -> Path:
        return locations.user_wildcards_dir() if self.user_dir is None else self.user_dir

    def manager(self) -> WildcardManager:
        from dynamicprompts.wildcards import WildcardManager
        from dynamicprompts.wildcards.values import WildcardValues

        run = self

        class CheckedWildcards(WildcardManager):
            """Looks names up in artisan's own list of files, read through `artisan.files`
            and counted against the expansion's limits, instead of walking the folders."""

            def get_values(self, wildcard: str) -> WildcardValues:
                return WildcardValues.from_items(run.values(wildcard))

        return CheckedWildcards(root_map={})

    @contextlib.contextmanager
    def errors(self) -> Iterator[None]:
        """Turns what dynamicprompts raises into a `WildcardError` written for a person."""
        from pyparsing import ParseBaseException

        try:
            yield
        except _Unknown as error:
            known = ", ".join(f"__{name}__" for name in self.names) or "none"
            raise WildcardError(
                f"There is no wildcard file for __{error.name}__. Known wildcards: {known}. "
                f"To add it, write {self.folder() / (error.name + '.txt')} with one choice "
                "per line."
            ) from None
        except RecursionError:
            if self.lookups:
                names = ", ".join(f"__{name}__" for name, _ in self.lookups.most_common(3))
                raise WildcardError(
                    f"The wildcards in the idea refer to each other in a loop ({names}); "
                    "check that no wildcard file uses its own name, directly or through "
                    "another file."
                ) from None
            raise WildcardError(_too_deep()) from None
        except (ParseBaseException, ValueError) as error:
            raise WildcardError(
                f"The wildcards in the idea cannot be read near character {_place(error)}: "
                "write choices as {a|b|c} (or {2$$a|b|c} for two) and wildcard files as "
                "__name__."
            ) from None


class _Plan:
    """Follows the wildcard files an idea uses, before expanding it, to refuse a loop or a
    chain that multiplies beyond `MAX_LOOKUPS_EACH` with a message naming the files.

    A name made of choices (`__{a|b}__`) cannot be followed here; the limits of `_Run` hold
    for those.
    """

    def __init__(self, run: _Run) -> None:
        self.run = run
        self.costs: dict[str, int] = {}
        self.heaviest: dict[str, tuple[str, int]] = {}
        """For each file: the name it uses whose look-ups weigh most, and how many times."""

    def check(self, idea: str) -> None:
        if self._text(idea, []) > MAX_LOOKUPS_EACH:
            raise WildcardError(
                "One written-out idea would look wildcards up more than "
                f"{MAX_LOOKUPS_EACH:,} times: {self._chain(idea)}. Wildcard files that each "
                "use the next several times multiply at every step; use fewer of them inside "
                "one another."
            )

    def _text(self, text: str, stack: list[str]) -> int:
        """Look-ups one written-out `text` needs (its choices counted as if all were taken)."""
        total = 0
        for name in _references(text):
            total += 1 + self._file(name, stack)
            if total > MAX_LOOKUPS_EACH:
                break
        return total

    def _file(self, name: str, stack: list[str]) -> int:
        if name in self.costs:
            return self.costs[name]
        if name in stack:
            loop = " → ".join(f"__{n}__" for n in [*stack[stack.index(name) :], name])
            raise WildcardError(
                f"The wildcard files refer to each other in a loop ({loop}); a file may not "
                "use its own name, directly or through other files."
            )
        if len(stack) >= MAX_CHAIN:
            raise WildcardError(
                f"The wildcard files are used inside one another more than {MAX_CHAIN} deep "
                f"(__{stack[0]}__ → __{stack[1]}__ → …)."
            )
        cost = 0
        for line in self.run.lines(name):
            line_cost = self._text(line, [*stack, name])
            if line_cost > cost:
                cost = line_cost
                uses = _references(line)
                heaviest = max(uses, key=lambda used: self.costs.get(used, 0))
                self.heaviest[name] = (heaviest, uses.count(heaviest))
            if cost > MAX_LOOKUPS_EACH:
                break
        self.costs[name] = cost
        return cost

    def _chain(self, idea: str) -> str:
        """The files that multiply: "__l1__ uses __l2__ 2 times, __l2__ uses __l3__ ..."."""
        uses = _references(idea)
        name = max(uses, key=lambda used: self.costs.get(used, 0))
        steps: list[str] = []
        while name in self.heaviest and len(steps) < 4:
            used, times = self.heaviest[name]
            steps.append(f"__{name}__ uses __{used}__ {times} time{'s' if times > 1 else ''}")
            name = used
        return ", ".join(steps) + (", and so on" if name in self.heaviest else "")


def _references(text: str) -> list[str]:
    """The wildcard names written in `text` (`__name__`), each as often as it appears."""
    return [match.group()[2:-2] for match in _WILDCARD.finditer(text)]


class _Unknown(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _check_name(name: str, folder: Path) -> None:
    """Refuse a wildcard name that is not a path inside the wildcard folder."""
    parts = name.split("/")
    if not all(_NAME_PART.fullmatch(part) for part in parts) or ".." in parts:
        raise WildcardError(
            f"`__{name}__` is not a wildcard name: a name is the path of a file inside "
            f"{folder}, without its .txt (letters, digits, _ - . and / between folders), "
            "such as __time_of_day__ or __people/job__."
        )


def _check_idea(idea: str) -> None:
    """Refuse, before any parsing, an idea with an unclosed `{`, too many choices, or choices
    nested too deeply."""
    opened: list[int] = []
    deepest = 0
    for index, char in enumerate(idea):
        if char == "{":
            opened.append(index)
            deepest = max(deepest, len(opened))
        elif char == "}" and opened:
            opened.pop()
    if opened:
        at = opened[0]
        raise WildcardError(
            f'The `{{` at character {at + 1} of the idea ("{idea[at : at + 20]}") is never '
            "closed: write choices as {a|b|c}."
        )
    if deepest > MAX_NESTING:
        raise WildcardError(_too_deep())
    choices = idea.count("|")
    if choices > MAX_CHOICES:
        raise WildcardError(
            f"The idea offers {choices:,} choices; an idea may offer up to {MAX_CHOICES:,}. "
            "Put a long list in a wildcard file, one choice per line, and use it as __name__."
        )


def _too_deep() -> str:
    return (
        f"The choices in the idea are nested more than {MAX_NESTING} deep "
        "({a|{b|{c|...}}}); write them flatter."
    )


def _too_slow(seconds: float) -> str:
    return (
        f"The wildcards in the idea took longer than {seconds:g} seconds to expand; use fewer "
        "choices or fewer wildcard files inside one another."
    )


def _place(error: BaseException) -> int:
    return int(getattr(error, "loc", 0)) + 1


def _clean(ideas: list[str]) -> list[str]:
    """Expansions with spaces tidied, without empty ones or repeats, in order."""
    return list(dict.fromkeys(text for idea in ideas if (text := " ".join(idea.split()))))
