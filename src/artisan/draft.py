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

from artisan.atomic import write_atomic

log = logging.getLogger("artisan")

DRAFT_FORMAT = 2
MAX_DRAFT_BYTES = 64 * 1024 * 1024
"""A draft holds whole answers and their history; beyond this it is not one of artisan's."""
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


@dataclass
class Variation:
    """One alternative prompt written from a version (or from one expansion of a wildcard
    idea)."""

    text: str = ""
    state: str = "streaming"
    """streaming, done, truncated, filtered, interrupted, cancelled or error."""
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
    """What wrote it: "chat" or "composer" (empty for text from elsewhere)."""
    model: str = ""
    target: str = ""
    idea: str = ""
    """The idea it was written for."""
    state: str = "done"
    """streaming, done, truncated, filtered, interrupted, cancelled or error."""
    usage: int | None = None
    """Total tokens used, when known."""
    usage_estimated: bool = False
    """The server did not say; `usage` was counted approximately."""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    instruction: str = ""
    """The refine instruction that made this version."""
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

    def label(self) -> str:
        """Where it came from, in a few words: `refined: "moodier"`, `variation 3`."""
        if self.origin is Origin.REFINED:
            return f"refined: “{_short(self.instruction)}”" if self.instruction else "refined"
        if self.origin is Origin.VARIATION:
            return f"variation {self.variation}" if self.variation else "variation"
        if self.origin is Origin.EDITED:
            return f"edited v{self.parent + 1}" if self.parent is not None else "edited"
        if self.origin is Origin.LIBRARY:
            return "from the library"
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


class DraftFormatError(ValueError):
    """A draft file's content does not describe a draft."""


def parse_draft(data: bytes) -> Draft:
    """A draft from the bytes of `draft.json`, every value checked.

    Raises:
        DraftFormatError: not a draft: not JSON, nested too deep, or a value of the wrong type.
    """
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise DraftFormatError(f"not JSON text ({_first_line(error)})") from None
    record = _Record(raw, "the draft")
    versions = [
        _version(_Record(item, f"versions[{i}]")) for i, item in enumerate(record.items("versions"))
    ]
    if record.raw.get("format", 1) == 1:
        # The first format kept one list of variations, for the version shown.
        shown = record.number("current", len(versions) - 1)
        variations = [
            _variation(_Record(v, f"variations[{i}]"))
            for i, v in enumerate(record.items("variations"))
        ]
        if variations and 0 <= shown < len(versions):
            versions[shown].variations = variations
    current = record.number("current", len(versions) - 1)
    if not -1 <= current < len(versions):
        current = len(versions) - 1
    return Draft(
        idea=record.text("idea"),
        target=record.text("target"),
        versions=versions,
        current=current,
    )


def _version(record: _Record) -> PromptVersion:
    origin = record.text("origin", Origin.GENERATED.value)
    instruction = record.text("instruction")
    if origin not in Origin.__members__.values():
        raise DraftFormatError(f"{record.where}: `origin` {origin!r:.40} is not one artisan knows")
    if "origin" not in record.raw:
        # The first format had no origin: the instruction said what made a version.
        if instruction.startswith("variation "):
            origin = Origin.VARIATION.value
        elif instruction:
            origin = Origin.REFINED.value
        elif record.raw.get("state") == "edited":
            origin = Origin.EDITED.value
    state = record.text("state", "done")
    return PromptVersion(
        text=record.text("text"),
        origin=Origin(origin),
        engine=record.text("engine"),
        model=record.text("model"),
        target=record.text("target"),
        idea=record.text("idea"),
        state="done" if state == "edited" else state,
        usage=record.optional_number("usage"),
        usage_estimated=record.flag("usage_estimated"),
        prompt_tokens=record.optional_number("prompt_tokens"),
        completion_tokens=record.optional_number("completion_tokens"),
        thinking_seconds=record.seconds("thinking_seconds"),
        instruction=""
        if origin == Origin.VARIATION and not record.raw.get("origin")
        else instruction,
        variation=record.optional_number("variation"),
        parent=record.optional_number("parent"),
        entry_id=record.optional_text("entry_id"),
        note=record.text("note"),
        reasoning=record.text("reasoning"),
        variations=[
            _variation(_Record(item, f"{record.where}.variations[{i}]"))
            for i, item in enumerate(record.items("variations"))
        ],
    )


def _variation(record: _Record) -> Variation:
    return Variation(
        text=record.text("text"),
        state=record.text("state", "done"),
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
    """A JSON object from the draft, read one typed field at a time."""

    def __init__(self, raw: Any, where: str) -> None:
        if not isinstance(raw, dict):
            raise DraftFormatError(f"{where} is not an object")
        self.raw: dict[str, Any] = raw
        self.where = where

    def _get(self, key: str, kinds: tuple[type, ...], default: Any) -> Any:
        value = self.raw.get(key, default)
        if value is default:
            return value
        if not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool)):
            raise DraftFormatError(f"{self.where}: `{key}` has a value of the wrong type")
        return value

    def text(self, key: str, default: str = "") -> str:
        value: str = self._get(key, (str,), default)
        return value

    def optional_text(self, key: str) -> str | None:
        value: str | None = self._get(key, (str,), None)
        return value

    def number(self, key: str, default: int) -> int:
        value: int = self._get(key, (int,), default)
        return value

    def optional_number(self, key: str) -> int | None:
        value: int | None = self._get(key, (int,), None)
        return value

    def seconds(self, key: str) -> float:
        value = self._get(key, (int, float), 0.0)
        return float(value)

    def flag(self, key: str) -> bool:
        value: bool = self._get(key, (bool,), False)
        return value

    def items(self, key: str) -> list[Any]:
        value: list[Any] = self._get(key, (list,), [])
        return value


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
        """The claimed draft; a missing file is an empty draft, a broken one is set aside."""
        try:
            with self.path.open("rb") as handle:
                if not os.path.isfile(self.path):
                    raise DraftFormatError("not a regular file")
                data = handle.read(MAX_DRAFT_BYTES + 1)
        except FileNotFoundError:
            return Draft(), None
        except OSError as error:
            return (
                Draft(),
                f"The draft {self.path} could not be read ({error.strerror or error}); "
                "starting empty.",
            )
        try:
            if len(data) > MAX_DRAFT_BYTES:
                raise DraftFormatError(f"larger than {MAX_DRAFT_BYTES // 2**20} MB")
            return parse_draft(data), None
        except DraftFormatError as error:
            return Draft(), self._set_aside(str(error))

    def _set_aside(self, reason: str) -> str:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.stem}.damaged-{stamp}.json")
        try:
            os.replace(self.path, aside)
        except OSError as error:
            return (
                f"The draft {self.path} is damaged ({reason}) and could not be moved aside "
                f"({error.strerror or error}); starting empty."
            )
        return (
            f"The draft {self.path} is damaged ({reason}); it was moved to {aside} and the app "
            "starts empty."
        )

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

    def archive(self) -> Path | None:
        """Move the draft file into `drafts/` (the history), named by the time; None when
        there was nothing to keep."""
        if not self.path.is_file():
            return None
        history = self.folder / "drafts"
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        target = history / f"draft-{stamp}.json"
        number = 1
        while target.exists():
            number += 1
            target = history / f"draft-{stamp}-{number}.json"
        history.mkdir(parents=True, exist_ok=True)
        os.replace(self.path, target)
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


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _first_line(error: BaseException) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__
