"""The draft: a session's unsaved work, as data, and how it is kept on disk.

A draft holds the idea, the target, every version of the prompt (each saying where it came
from: generated, refined with an instruction, a promoted variation, edited by hand, loaded from
the library) and, with each version, the variations written from it. `artisan.workshop` changes
it; `DraftKeeper` writes it to `<data dir>/draft.json` a moment after each change, so a crash or
a dropped SSH connection loses at most the last half second.

The file is read as outside data: every value is checked for its type, and a file that does not
describe a draft is set aside (renamed, never deleted) with a message, never the reason the app
fails to start. Each running app holds a lock on its draft for as long as it runs; a second app
on the same data folder gets a draft of its own (`draft-2.json`, ...) instead of overwriting the
first one's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from artisan import files
from artisan.atomic import unused_path, write_atomic
from artisan.shorten import shorten
from artisan.state import State

log = logging.getLogger("artisan")

DRAFT_FORMAT = 2
MAX_SLOTS = 9
"""How many apps may keep a draft of their own in one data folder at once."""
SAVE_DELAY = 0.5
"""Seconds of quiet before the draft is written (and at most this often while text streams)."""


class Origin(StrEnum):
    """Where a version of the prompt came from."""

    GENERATED = "generated"
    REFINED = "refined"
    VARIATION = "variation"
    EDITED = "edited"
    LIBRARY = "library"
    DESCRIBED = "described"
    """Written from a picture: its variations are the prompts that would draw it again."""
    STYLED = "styled"
    """The version before it with style templates applied (`styles` names them)."""


@dataclass
class Variation:
    """One alternative prompt written from a version (or from one expansion of a wildcard
    idea)."""

    text: str = ""
    state: State = State.STREAMING
    error: str = ""
    note: str = ""
    """Why it ended as it did, in a few words, when that is not obvious from the state."""
    idea: str = ""
    """The idea it was written for, when that differs from the version's (wildcards)."""
    model: str = ""
    engine: str = ""
    usage: int | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    usage_estimated: bool = False
    reasoning: str = ""
    thinking_seconds: float = 0.0


@dataclass
class PromptVersion:
    """One version of the prompt."""

    text: str
    origin: Origin = Origin.GENERATED
    engine: str = ""
    """What wrote it: an `EngineName` (empty for text from elsewhere)."""
    model: str = ""
    target: str = ""
    idea: str = ""
    """The idea it was written for."""
    state: State = State.DONE
    usage: int | None = None
    """Total tokens used, when known."""
    usage_estimated: bool = False
    """The server did not say; `usage` was counted approximately."""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    instruction: str = ""
    """The refine instruction that made this version; for a described one, the picture's
    file name."""
    variation: int | None = None
    """The number (from 1) of the variation this version was promoted from."""
    parent: int | None = None
    """The index of the version this one was refined, promoted or edited from."""
    entry_id: str | None = None
    """The library entry this version was loaded from or saved as."""
    note: str = ""
    """Why it ended as it did, when that is not obvious from the state."""
    reasoning: str = ""
    """What a thinking model thought before answering; never part of the prompt."""
    thinking_seconds: float = 0.0
    variations: list[Variation] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)
    """The style templates applied to make this version, in order."""

    def label(self) -> str:
        """Where it came from, in a few words: `refined: "moodier"`, `variation 3`."""
        if self.origin is Origin.REFINED:
            return f"refined: “{shorten(self.instruction, 40)}”" if self.instruction else "refined"
        if self.origin is Origin.VARIATION:
            return f"variation {self.variation}" if self.variation else "variation"
        if self.origin is Origin.EDITED:
            return f"edited v{self.parent + 1}" if self.parent is not None else "edited"
        if self.origin is Origin.LIBRARY:
            return "from the library"
        if self.origin is Origin.STYLED:
            return f"styled: “{shorten(' + '.join(self.styles), 40)}”" if self.styles else "styled"
        if self.origin is Origin.DESCRIBED:
            return (
                f"described: “{shorten(self.instruction, 40)}”" if self.instruction else "described"
            )
        return "generated"


@dataclass
class Draft:
    idea: str = ""
    target: str = ""
    versions: list[PromptVersion] = field(default_factory=list)
    current: int = -1
    """Index of the version shown; -1 when there is none."""

    @property
    def version(self) -> PromptVersion | None:
        if 0 <= self.current < len(self.versions):
            return self.versions[self.current]
        return None

    def to_json(self) -> bytes:
        data = {"format": DRAFT_FORMAT, **asdict(self)}
        return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


def save_draft(path: Path, draft: Draft) -> None:
    """Write a draft file atomically (the keeper does this for a running app).

    Raises:
        OSError: the folder cannot be written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, draft.to_json())


def load_draft(path: Path) -> tuple[Draft, str | None]:
    """Read a draft file; a missing file is an empty draft.

    A file that is not a draft at all (not JSON, too big or deep, not an object) is moved aside
    to `draft.json.damaged` and the draft starts empty; values of the wrong type are left out,
    keeping the rest, and the file as it was is moved aside too. Nothing is ever deleted.

    Returns:
        The draft, and a notice for the person when something was left out or set aside.
    """
    try:
        data = files.read_json(path, files.DRAFT)
    except FileNotFoundError:
        return Draft(), None
    except files.FileProblem as problem:
        kept = _set_aside(path) if problem.content else ""
        return Draft(), f"The draft is damaged: {problem}; starting empty{kept}."
    draft, dropped = draft_from_json(data)
    if not dropped:
        return draft, None
    more = f" and {len(dropped) - 1} more" if len(dropped) > 1 else ""
    return draft, (
        f"The draft {path} had values of the wrong type ({dropped[0]}{more}); "
        f"they were left out{_set_aside(path)}."
    )


def draft_from_json(data: Any) -> tuple[Draft, list[str]]:
    """A draft from parsed JSON of any shape, and what had to be left out (by where it was).

    Reads both formats: the first kept one list of variations, for the version shown, and
    said what made a version only through its instruction.
    """
    dropped: list[str] = []
    if not isinstance(data, dict):
        return Draft(), [f"the file holds {_kind(data)}, not an object"]
    record = _Record(data, "", dropped)
    versions = [
        version
        for index, item in enumerate(record.items("versions"))
        if (version := _version(item, f"versions[{index}]", dropped)) is not None
    ]
    current = record.number("current", len(versions) - 1)
    if not -1 <= current < len(versions):
        current = len(versions) - 1
    if data.get("format", 1) == 1:
        old = [
            variation
            for index, item in enumerate(record.items("variations"))
            if (variation := _variation(item, f"variations[{index}]", dropped)) is not None
        ]
        if old and current >= 0:
            versions[current].variations = old
    draft = Draft(
        idea=record.text("idea"),
        target=record.text("target"),
        versions=versions,
        current=current,
    )
    return draft, dropped


def _version(item: Any, where: str, dropped: list[str]) -> PromptVersion | None:
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        dropped.append(f"{where} has no text")
        return None
    record = _Record(item, where, dropped)
    instruction = record.text("instruction")
    origin = record.text("origin", "")
    if origin not in Origin.__members__.values():
        if origin:
            dropped.append(f"{where}.origin is not one artisan knows")
        # The first format had no origin: the instruction said what made a version.
        if instruction.startswith("variation "):
            origin = Origin.VARIATION.value
        elif instruction:
            origin = Origin.REFINED.value
        elif item.get("state") == "edited":
            origin = Origin.EDITED.value
        else:
            origin = Origin.GENERATED.value
    if origin == Origin.VARIATION and instruction.startswith("variation "):
        number = instruction.removeprefix("variation ")
        instruction = ""
        variation = int(number) if number.isdigit() else None
    else:
        variation = record.optional_number("variation")
    usage = record.optional_number("usage")
    if usage is not None and usage < 0:
        dropped.append(f"{where}.usage is below zero")
        usage = None
    return PromptVersion(
        text=item["text"],
        origin=Origin(origin),
        engine=record.text("engine"),
        model=record.text("model"),
        target=record.text("target"),
        idea=record.text("idea"),
        state=record.state(),
        usage=usage,
        usage_estimated=record.flag("usage_estimated"),
        prompt_tokens=record.optional_number("prompt_tokens"),
        completion_tokens=record.optional_number("completion_tokens"),
        instruction=instruction,
        variation=variation,
        parent=record.optional_number("parent"),
        entry_id=record.optional_text("entry_id"),
        note=record.text("note"),
        reasoning=record.text("reasoning"),
        thinking_seconds=record.seconds("thinking_seconds"),
        variations=[
            kept
            for index, raw in enumerate(record.items("variations"))
            if (kept := _variation(raw, f"{where}.variations[{index}]", dropped)) is not None
        ],
        styles=record.texts("styles"),
    )


def _variation(item: Any, where: str, dropped: list[str]) -> Variation | None:
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        dropped.append(f"{where} has no text")
        return None
    record = _Record(item, where, dropped)
    return Variation(
        text=item["text"],
        state=record.state(),
        error=record.text("error"),
        note=record.text("note"),
        idea=record.text("idea"),
        model=record.text("model"),
        engine=record.text("engine"),
        usage=record.optional_number("usage"),
        prompt_tokens=record.optional_number("prompt_tokens"),
        completion_tokens=record.optional_number("completion_tokens"),
        usage_estimated=record.flag("usage_estimated"),
        reasoning=record.text("reasoning"),
        thinking_seconds=record.seconds("thinking_seconds"),
    )


class _Record:
    """A JSON object from the draft, read one typed field at a time: a value of the wrong
    type is left out (the default stands in) and noted."""

    def __init__(self, raw: dict[str, Any], where: str, dropped: list[str]) -> None:
        self.raw = raw
        self.where = where
        self.dropped = dropped

    def _get(self, key: str, kinds: tuple[type, ...], default: Any, expected: str) -> Any:
        if key not in self.raw:
            return default
        value = self.raw[key]
        if value is None and default is None:
            return None
        if isinstance(value, kinds) and (bool in kinds or not isinstance(value, bool)):
            return value
        name = f"{self.where}.{key}" if self.where else key
        self.dropped.append(f"{name} is {_kind(value)}, not {expected}")
        return default

    def text(self, key: str, default: str = "") -> str:
        value: str = self._get(key, (str,), default, "text")
        return value

    def state(self) -> State:
        """How the answer ended; one whose word artisan does not know counts as done (its
        text is kept) and is noted."""
        word = self.text("state", State.DONE)
        state = State.read(word)
        if state is None:
            self.dropped.append(f"{self.where}.state {word!r} is not one artisan knows")
            return State.DONE
        return state

    def optional_text(self, key: str) -> str | None:
        value: str | None = self._get(key, (str,), None, "text")
        return value

    def number(self, key: str, default: int) -> int:
        value: int = self._get(key, (int,), default, "a number")
        return value

    def optional_number(self, key: str) -> int | None:
        value: int | None = self._get(key, (int,), None, "a number")
        return value

    def seconds(self, key: str) -> float:
        value = self._get(key, (int, float), 0.0, "a number")
        return float(value)

    def flag(self, key: str) -> bool:
        value: bool = self._get(key, (bool,), False, "true or false")
        return value

    def texts(self, key: str) -> list[str]:
        values = self.items(key)
        if all(isinstance(value, str) for value in values):
            return values
        self.dropped.append(f"{self.where}.{key} is not a list of text")
        return []

    def items(self, key: str) -> list[Any]:
        value: list[Any] = self._get(key, (list,), [], "a list")
        return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _set_aside(path: Path) -> str:
    """Move the draft file aside, never over an earlier one; the words saying where (or
    nothing when it could not be moved)."""
    aside = unused_path(
        path.with_name(path.name + ".damaged"),
        lambda number: path.with_name(f"{path.name}.damaged-{number}"),
    )
    try:
        os.replace(path, aside)
    except OSError:
        return ""
    return f" (the file is kept as {aside})"


class DraftKeeper:
    """Keeps one app's draft on disk: claims a draft file, reads it, writes it after changes.

    Args:
        folder: The data folder.
        snapshot: Returns the draft as it is now (called on the event loop before each write).
    """

    def __init__(self, folder: Path, snapshot: Callable[[], Draft]) -> None:
        self.folder = folder
        self.snapshot = snapshot
        self.path = folder / "draft.json"
        self.slot = 1
        self._lock: IO[bytes] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._writing: asyncio.Task[None] | None = None
        self._closed = False
        self.on_error: Callable[[str], None] | None = None
        """Told, in words, when a write fails (the app shows it)."""

    # Claiming and reading --------------------------------------------------------------------

    def claim(self) -> str | None:
        """Take the first draft file no other running app holds; a notice when it is not the
        usual one."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            return (
                f"The data folder {self.folder} cannot be created "
                f"({error.strerror or error}); the draft is kept in memory only."
            )
        for slot in range(1, MAX_SLOTS + 1):
            name = "draft.json" if slot == 1 else f"draft-{slot}.json"
            handle = _try_lock(self.folder / f".{name}.lock")
            if handle is None:
                continue
            self._lock, self.slot, self.path = handle, slot, self.folder / name
            if slot == 1:
                return None
            return (
                f"Another artisan is open on this data folder, so this one keeps its draft in "
                f"{self.path} and leaves the other's alone."
            )
        return None  # every slot is held: write to the last one anyway rather than lose work

    def release(self) -> None:
        if self._lock is not None:
            with contextlib.suppress(OSError):
                self._lock.close()
            self._lock = None

    def read(self) -> tuple[Draft, str | None]:
        """The claimed draft (see `load_draft`)."""
        return load_draft(self.path)

    # Writing --------------------------------------------------------------------------------

    def save_soon(self) -> None:
        """Write the draft in a moment (once, however many changes come meanwhile)."""
        if self._timer is not None or self._closed:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.save_now()
            return
        self._timer = loop.call_later(SAVE_DELAY, self._write_in_background)

    def _write_in_background(self) -> None:
        self._timer = None
        if self._writing is not None and not self._writing.done():
            self.save_soon()  # the last write is still going: this one waits its turn
            return
        data = self.snapshot().to_json()
        self._writing = asyncio.get_running_loop().create_task(self._write(data))

    async def _write(self, data: bytes) -> None:
        try:
            await asyncio.to_thread(self._write_file, data)
        except OSError as error:
            message = f"The draft could not be saved to {self.path}: {error.strerror or error}."
            if self.on_error is not None:
                self.on_error(message)
            else:
                log.error("%s", message)

    def save_now(self, *, last: bool = False) -> None:
        """Write the draft at once; a failure is logged.

        Args:
            last: This is the write made as the app quits: later changes (the running answers
                being stopped as the app closes) are not written over it.
        """
        if self._closed:
            return
        self._closed = last
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        try:
            self._write_file(self.snapshot().to_json())
        except OSError as error:
            log.error("draft not saved: %s", error)

    def _write_file(self, data: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, data)

    def archive(self, draft: Draft) -> Path | None:
        """Keep `draft` in `drafts/` (the history), named by the time, never over an earlier
        one; None when it held nothing (no idea and no version) and so was not kept.

        The draft is written from memory, not moved from its file: the file may lag behind it
        by a pending write, or already hold the draft that replaces it.
        """
        if not draft.idea.strip() and not draft.versions:
            return None
        history = self.folder / "drafts"
        history.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        target = unused_path(
            history / f"draft-{stamp}.json",
            lambda number: history / f"draft-{stamp}-{number}.json",
        )
        write_atomic(target, draft.to_json())
        return target


def _try_lock(path: Path) -> IO[bytes] | None:
    """An open handle holding an exclusive lock on `path`, or None when another process holds
    it."""
    try:
        handle = path.open("a+b")
    except OSError:
        return None
    try:
        _lock_file(handle)
    except OSError:
        handle.close()
        return None
    return handle


def _lock_file(handle: IO[bytes]) -> None:
    """Lock without waiting; OSError when someone else holds the lock."""
    try:
        import fcntl
    except ImportError:
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        return
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
