"""The library of saved prompts: one TOML file per prompt in `<data dir>/library/`.

The files are the source of truth. Everything here is built so that a person can edit them by
hand, keep them in git, and run two artisan instances (two SSH sessions, a TUI and a script) on
the same folder without losing anything:

- every write is atomic (see `artisan.atomic`);
- changes to an existing entry re-read the file under an exclusive lock, apply the change and
  write it back, so two processes changing the same entry do not undo each other;
- a file that cannot be read is moved to `.corrupt/` and reported by name; it never stops the
  others from loading; a file from a newer artisan (`version` > 1) is reported and left alone;
- deleting moves the file to `.trash/`, from where `restore` brings it back.

Reading 10,000 TOML files takes seconds, so loading keeps a cache in `.index.json` of the parsed
entries, keyed by each file's name, size, inode and modification time. A file whose stat changed
is parsed again; the cache never decides what is in the library, the files do.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

from artisan.atomic import write_atomic
from artisan.bulk import collector_paused
from artisan.entry import (
    FORMAT_VERSION,
    EntryFormatError,
    ImageRecord,
    PromptEntry,
    json_default,
    new_id,
    now,
)
from artisan.errors import EntryNotFound, LibraryError

TRASH = ".trash"
CORRUPT = ".corrupt"
CACHE = ".index.json"
LOCK = ".lock"
CACHE_FORMAT = 2
STALE_SECONDS = 600


class FutureVersionError(EntryFormatError):
    """The file was written by a newer artisan; it is left as it is."""


@dataclass
class LoadReport:
    """What loading found besides the entries."""

    problems: list[str] = field(default_factory=list)
    parsed: int = 0
    """How many files had to be parsed (the rest came from the cache)."""


_Method = TypeVar("_Method", bound=Callable[..., Any])


def _one_at_a_time(method: _Method) -> _Method:
    """Run a `Library` method under the library's mutex (other threads wait their turn)."""

    @functools.wraps(method)
    def serialized(self: Library, *args: Any, **kwargs: Any) -> Any:
        with self._mutex:
            return method(self, *args, **kwargs)

    return cast(_Method, serialized)


class Library:
    """The saved prompts in one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._entries: dict[str, PromptEntry] = {}
        self._loaded = False
        self._cache: dict[str, list[Any]] | None = None
        self._from_cache: dict[str, PromptEntry] = {}
        """Entries built by `load_cached`, by file name, for `load` to reuse."""
        self._mutex = threading.RLock()
        """The app reads and writes from several threads; one at a time touches the entries."""

    # Reading -------------------------------------------------------------------------------

    @_one_at_a_time
    def load_cached(self) -> bool:
        """Fill the library from the cache alone, without looking at the files.

        Twice as fast as `load`, for showing the library at once; what it shows may be stale
        (a file edited or removed since the cache was written), so `load` must follow, and
        reuses what this built. Returns False, loading nothing, when there is no usable cache.
        """
        with collector_paused():
            self._cache = cache = self._read_cache()
            built: dict[str, PromptEntry] = {}
            entries: dict[str, PromptEntry] = {}
            for name, cached in cache.items():
                try:
                    entry = PromptEntry.from_row(cached[3])
                except (EntryFormatError, TypeError, ValueError, AttributeError, IndexError):
                    continue  # `load` parses the file instead
                built[name] = entry
                entries[entry.id] = entry
        if not built:
            return False
        self._from_cache = built
        self._entries = entries
        return True

    @_one_at_a_time
    def load(self) -> LoadReport:
        """Read every entry from disk (through the cache) and report unreadable files."""
        with collector_paused():
            return self._load()

    def _load(self) -> LoadReport:
        report = LoadReport()
        cache = self._cache if self._cache is not None else self._read_cache()
        already = self._from_cache
        self._cache, self._from_cache = None, {}
        fresh: dict[str, list[Any]] = {}
        entries: dict[str, PromptEntry] = {}
        try:
            scan = list(os.scandir(self.folder))
        except FileNotFoundError:
            scan = []
        except OSError as error:
            raise LibraryError(
                f"Cannot read the library folder {self.folder}: {error.strerror or error}."
            ) from None
        for item in scan:
            name = item.name
            if name.startswith(".") and name.endswith(".tmp"):
                _remove_stale(item)
                continue
            if not name.endswith(".toml") or name.startswith("."):
                continue
            try:
                stat = item.stat()
                if not item.is_file():
                    report.problems.append(f"{item.path} is a folder, not a prompt file; skipped.")
                    continue
            except OSError:
                continue  # deleted between listing and stat: no longer part of the library
            cached = cache.get(name)
            entry: PromptEntry | None = None
            if (
                type(cached) is list
                and len(cached) == 4
                and cached[0] == stat.st_mtime_ns
                and cached[1] == stat.st_size
                and cached[2] == stat.st_ino
            ):
                entry = already.get(name)
                if entry is None:
                    try:
                        entry = PromptEntry.from_row(cached[3])
                    except (EntryFormatError, TypeError, ValueError, AttributeError):
                        entry = None  # a damaged cache row is not believed: the file is parsed
            if entry is not None and cached is not None:
                fresh[name] = cached
            else:
                signature = [stat.st_mtime_ns, stat.st_size, stat.st_ino]
                report.parsed += 1
                entry = self._load_file(Path(item.path), report)
                if entry is None:
                    continue
                if _cacheable(entry):
                    fresh[name] = [*signature, entry.to_row()]
            entries[entry.id] = entry
        self._entries = entries
        self._loaded = True
        if report.parsed or len(fresh) != len(cache):
            self._write_cache(fresh)
        return report

    def entries(self) -> list[PromptEntry]:
        """All loaded entries, newest first."""
        return sorted(self._entries.values(), key=_newest_first, reverse=True)

    def __len__(self) -> int:
        return len(self._entries)

    @_one_at_a_time
    def get(self, ref: str) -> PromptEntry:
        """The entry with this id, or the only one whose id starts with `ref`.

        Reads from disk, so it sees changes made by other processes.

        Raises:
            EntryNotFound: no entry, or more than one, matches.
        """
        entry_id = self.resolve(ref)
        entry = self._read(entry_id)
        self._entries[entry_id] = entry
        return entry

    def resolve(self, ref: str) -> str:
        """Turn an id or a unique id prefix into an id."""
        ref = ref.strip().lower()
        if not ref:
            raise EntryNotFound("No prompt id given.")
        if (self.folder / f"{ref}.toml").is_file():
            return ref
        matches = [name[:-5] for name in self._file_names() if name.startswith(ref)]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise EntryNotFound(
                f"No saved prompt has the id `{ref}`. `artisan library list` shows the ids."
            )
        shown = ", ".join(sorted(matches)[:5])
        raise EntryNotFound(
            f"`{ref}` matches {len(matches)} prompts ({shown}…); type more of the id."
        )

    # Writing -------------------------------------------------------------------------------

    @_one_at_a_time
    def add(self, entry: PromptEntry) -> PromptEntry:
        """Save a new entry. Its id must not be in use yet."""
        self._ensure_folder()
        while (self.folder / f"{entry.id}.toml").exists():
            entry.id = new_id()
        self._write(entry)
        return entry

    @_one_at_a_time
    def update(self, ref: str, change: Callable[[PromptEntry], object]) -> PromptEntry:
        """Apply `change` to the entry as it is on disk now, and save it.

        The read, the change and the write happen under the library's lock, so a change made
        meanwhile by another artisan process is kept, not overwritten.
        """
        with self._lock():
            entry = self.get(ref)
            change(entry)
            entry.updated = now()
            self._write(entry)
        return entry

    @_one_at_a_time
    def delete(self, ref: str) -> PromptEntry:
        """Move an entry to the trash."""
        with self._lock():
            entry = self.get(ref)
            trash = self.folder / TRASH
            try:
                trash.mkdir(exist_ok=True)
                os.replace(self._path(entry.id), trash / f"{entry.id}.toml")
            except OSError as error:
                raise LibraryError(
                    f"Cannot move {self._path(entry.id)} to the trash: {error.strerror or error}."
                ) from None
            self._entries.pop(entry.id, None)
        return entry

    @_one_at_a_time
    def restore(self, ref: str) -> PromptEntry:
        """Bring an entry back from the trash."""
        trash = self.folder / TRASH
        with self._lock():
            ref = ref.strip().lower()
            names = [p.stem for p in trash.glob("*.toml")] if trash.is_dir() else []
            matches = [name for name in names if name == ref] or [
                name for name in names if name.startswith(ref)
            ]
            if len(matches) != 1:
                detail = "is not in the trash" if not matches else "matches several trashed ids"
                raise EntryNotFound(f"`{ref}` {detail}.")
            entry_id = matches[0]
            if self._path(entry_id).exists():
                raise LibraryError(f"A prompt with the id `{entry_id}` is already in the library.")
            try:
                os.replace(trash / f"{entry_id}.toml", self._path(entry_id))
            except OSError as error:
                raise LibraryError(
                    f"Cannot restore `{entry_id}`: {error.strerror or error}."
                ) from None
            return self.get(entry_id)

    def trashed(self) -> list[str]:
        trash = self.folder / TRASH
        return sorted(p.stem for p in trash.glob("*.toml")) if trash.is_dir() else []

    @_one_at_a_time
    def save_image(self, ref: str, image: ImageRecord) -> PromptEntry:
        """Record an image rendered from an entry."""
        return self.update(ref, lambda entry: entry.images.append(image))

    # Internals -----------------------------------------------------------------------------

    def _path(self, entry_id: str) -> Path:
        return self.folder / f"{entry_id}.toml"

    def _file_names(self) -> list[str]:
        try:
            return [
                n for n in os.listdir(self.folder) if n.endswith(".toml") and not n.startswith(".")
            ]
        except FileNotFoundError:
            return []

    def _ensure_folder(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise LibraryError(
                f"Cannot create the library folder {self.folder}: {error.strerror or error}."
            ) from None

    def _read(self, entry_id: str) -> PromptEntry:
        path = self._path(entry_id)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            self._entries.pop(entry_id, None)
            raise EntryNotFound(
                f"The prompt `{entry_id}` is no longer in the library "
                "(deleted by another program?)."
            ) from None
        except OSError as error:
            raise LibraryError(f"Cannot read {path}: {error.strerror or error}.") from None
        try:
            return loads_entry(data, path.name)
        except (EntryFormatError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise LibraryError(f"{path} cannot be read: {error}.") from None

    def _load_file(self, path: Path, report: LoadReport) -> PromptEntry | None:
        try:
            data = path.read_bytes()
        except OSError as error:
            report.problems.append(f"Cannot read {path}: {error.strerror or error}.")
            return None
        try:
            entry = loads_entry(data, path.name)
        except FutureVersionError as error:
            report.problems.append(f"{path} {error}; it was left as it is.")
            return None
        except (EntryFormatError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            report.problems.append(self._set_aside(path, error))
            return None
        if entry.id != path.stem:
            # The file name is the id that other commands use; a hand-copied file keeps the
            # id of its original, so the name wins and the entry stays reachable.
            entry.id = path.stem
        return entry

    def _set_aside(self, path: Path, error: Exception) -> str:
        corrupt = self.folder / CORRUPT
        target = corrupt / path.name
        counter = 1
        while target.exists():
            counter += 1
            target = corrupt / f"{path.stem}.{counter}.toml"
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        try:
            corrupt.mkdir(exist_ok=True)
            os.replace(path, target)
        except OSError as move_error:
            return (
                f"{path} cannot be read ({reason}) and could not be moved aside "
                f"({move_error.strerror or move_error}); it was skipped."
            )
        return f"{path.name} cannot be read ({reason}); it was moved to {target}."

    def _write(self, entry: PromptEntry) -> None:
        path = self._path(entry.id)
        try:
            write_atomic(path, dumps_entry(entry))
        except OSError as error:
            raise LibraryError(
                f"Could not save “{entry.title}” to {path}: "
                f"{error.strerror or error}. Nothing was lost; try again once "
                "the problem is fixed."
            ) from None
        self._entries[entry.id] = entry

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        """Hold the library's exclusive lock (POSIX advisory lock on `.lock`)."""
        self._ensure_folder()
        try:
            import fcntl
        except ImportError:
            # No fcntl (Windows): writes stay atomic; concurrent changes to one entry from two
            # processes can then race.
            yield
            return
        try:
            fd = os.open(self.folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise LibraryError(
                f"Cannot lock the library in {self.folder}: {error.strerror or error}."
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _read_cache(self) -> dict[str, list[Any]]:
        try:
            raw = json.loads((self.folder / CACHE).read_bytes())
        except (OSError, ValueError):
            return {}
        if not isinstance(raw, dict) or raw.get("format") != CACHE_FORMAT:
            return {}
        files = raw.get("files")
        return files if isinstance(files, dict) else {}

    def _write_cache(self, files: dict[str, list[Any]]) -> None:
        data = json.dumps(
            {"format": CACHE_FORMAT, "files": files}, ensure_ascii=False, default=json_default
        )
        try:
            write_atomic(self.folder / CACHE, data.encode("utf-8"))
        except OSError:
            # The cache only saves time; a read-only or full disk must not stop the library
            # from working, and the next load simply parses the files again.
            return


def dumps_entry(entry: PromptEntry) -> bytes:
    """The entry as TOML text, images as `[[images]]` tables."""
    import tomli_w

    data = entry.to_dict()
    images = data.pop("images", [])
    text = toml_text(data)
    for image in images:
        nested = {k: v for k, v in image.items() if isinstance(v, dict)}
        flat = {k: v for k, v in image.items() if k not in nested}
        text += "\n[[images]]\n" + toml_text(flat)
        for key, table in nested.items():
            # Written after the [[images]] header, `[images.key]` belongs to this image.
            text += "\n" + tomli_w.dumps({"images": {key: table}})
    return text.encode("utf-8")


def toml_text(data: dict[str, Any]) -> str:
    """TOML for `data`, long texts as readable multi-line strings where that is lossless.

    tomli_w turns CR LF into LF inside multi-line strings (TOML readers would do so anyway), so a
    table holding a CR LF anywhere is written with escaped one-line strings instead.
    """
    import tomli_w

    return tomli_w.dumps(data, multiline_strings=not _has_crlf(data))


def _has_crlf(value: Any) -> bool:
    if isinstance(value, str):
        return "\r\n" in value
    if isinstance(value, dict):
        return any(_has_crlf(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_crlf(v) for v in value)
    return False


def loads_entry(data: bytes, where: str) -> PromptEntry:
    """Parse one library file.

    Raises:
        tomllib.TOMLDecodeError, UnicodeDecodeError: not TOML text.
        FutureVersionError: written by a newer artisan.
        EntryFormatError: TOML, but not a prompt entry.
    """
    if not data.strip():
        raise EntryFormatError("the file is empty")
    table = tomllib.loads(data.decode("utf-8"))
    version = table.get("version", FORMAT_VERSION)
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        raise FutureVersionError(f"was written by a newer artisan (format version {version})")
    return PromptEntry.from_dict(table, where)


def _newest_first(entry: PromptEntry) -> tuple[float, str]:
    return entry.created.timestamp(), entry.id


def _remove_stale(item: os.DirEntry[str]) -> None:
    """Delete a temporary file left by a process killed mid-write.

    Only files older than `STALE_SECONDS` go: a younger one may belong to a save in progress
    in another process.
    """
    with contextlib.suppress(OSError):
        if time.time() - item.stat().st_mtime > STALE_SECONDS:
            os.unlink(item.path)


def _cacheable(entry: PromptEntry) -> bool:
    """Whether the JSON cache can hold the entry without changing the type of a value.

    Known date fields are rebuilt from ISO text; dates or times among unknown keys would come
    back as text and then be written back as text, so such entries are always parsed instead.
    """
    return _plain(entry.extra) and all(_plain(image.extra) for image in entry.images)


def _plain(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_plain(v) for v in value.values())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return isinstance(value, str | int | float | bool)
