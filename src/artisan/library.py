"""The library of saved prompts: one TOML file per prompt in `<data dir>/library/`.

The files are the source of truth. Everything here is built so that a person can edit them by
hand, keep them in git, and run two artisan instances (two SSH sessions, a TUI and a script) on
the same folder without losing anything:

- a prompt's id is its file name: `3f9a2c81d0.toml` is the prompt `3f9a2c81d0`, whatever its
  `id` key says. A hand-made copy (`cp a.toml b.toml`) is therefore a prompt of its own, `b`;
  the mismatch is reported, and the `id` inside is corrected the next time the copy changes.
  Every change is written to the very file that was read, never to the one the `id` names;
- only regular files whose name is a valid id (lowercase letters, digits, - and _) are read or
  written, never through a symbolic link, and `.trash/`, `.corrupt/` and `.lock` must be a real
  folder and a real file inside the library folder;
- every write is atomic (see `artisan.atomic`);
- changes to an existing entry re-read the file under an exclusive lock (`filelock`: `flock`
  on POSIX, `LockFileEx` on Windows), apply the change and write it back, so two processes
  changing the same entry do not undo each other; a lock held by another program is waited
  for with a deadline, and its holder named (see `artisan.library_lock`);
- a file that cannot be read (too big, too deeply nested, not UTF-8, not TOML, not an entry;
  see `artisan.files`) is moved to `.corrupt/` and reported by name; it never stops the others
  from loading; a file from a newer artisan (`version` > 1) is reported and left alone;
- deleting moves the file to `.trash/`, from where `restore` brings it back.

Loading keeps a cache of the parsed entries in `.index.json`; `artisan.library_index` says
when a row of it is trusted.

Saving a prompt looks for the same text among the entries, including those another process
saved since the library was loaded, without reading the whole folder again each time (a tenth of
a second at 10,000 prompts). The entries in memory are known to match the files while:

- no other artisan process has held the lock since this one last let go of it, or since the
  load began: each holder leaves a mark of its own in `.lock` when it lets go (see
  `artisan.library_lock`), so this holds exactly, however fast the changes follow each other;
- the folder's own signature (modification and change time, size, inode) is the one recorded
  after the last load or change made here: another program adding, removing or replacing a file
  (a copy, a checkout, an editor saving by rename) changes it. A folder whose times are kept in
  whole seconds (FAT, ext3) could change twice within one, so there a signature younger than
  `RACY_SECONDS` is not recorded and the next save reads the folder.

Otherwise the save loads the library again first. What this cannot see is a file rewritten in
place by another program, which leaves the folder as it was: a match found is therefore read
again from its file before it is trusted, and the next load sees the rest.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar, cast

from artisan import files, library_lock
from artisan.atomic import unused_path, write_atomic
from artisan.bulk import collector_paused
from artisan.entry import (
    FORMAT_VERSION,
    ID_PATTERN,
    EntryFormatError,
    ImageRecord,
    PromptEntry,
    new_id,
    now,
)
from artisan.errors import EntryNotFound, LibraryError
from artisan.library_index import (
    Index,
    Signature,
    digest,
    entry_from_row,
    index_data,
    make_row,
    plain,
    read_index,
    settled_now,
    signature,
    write_index,
)
from artisan.library_lock import LibraryLock
from artisan.shorten import shorten

TRASH = ".trash"
TRASHED_IMAGES = "images"
"""Inside `.trash/`: images discarded from a gallery."""
CORRUPT = ".corrupt"
LOCK = ".lock"
SUFFIX = ".toml"
STALE_SECONDS = 600
_ENTRY_NAME = re.compile(ID_PATTERN.pattern + re.escape(SUFFIX))


class FutureVersionError(EntryFormatError):
    """The file was written by a newer artisan; it is left as it is."""


@dataclass(frozen=True)
class DiscardedImage:
    """An image taken out of an entry, and where its file went: enough to put it back."""

    entry_id: str
    record: ImageRecord
    index: int
    """Its place among the entry's images."""
    trashed: Path | None
    """Where the file is now; None when it was already gone."""


@dataclass
class LoadReport:
    """What loading found besides the entries."""

    problems: list[str] = field(default_factory=list)
    parsed: int = 0
    """How many files had to be parsed (the rest came from the cache)."""


class SaveOutcome(StrEnum):
    """What saving a prompt did (see `Library.save_prompt`)."""

    ADDED = "added"
    """A new entry."""
    UPDATED = "updated"
    """The entry the text came from took the new text."""
    FOUND = "found"
    """The same text for the same target was saved already: nothing was added."""


@dataclass(frozen=True)
class Saved:
    """A prompt kept in the library: its entry, and how it got there."""

    entry: PromptEntry
    outcome: SaveOutcome

    def says(self, what: str) -> str:
        """One line telling the person which entry holds `what` ("the prompt (v2, ...)")."""
        named = f"“{shorten(self.entry.title, 40)}” ({self.entry.id})"
        if self.outcome is SaveOutcome.FOUND:
            return f"{what[:1].upper()}{what[1:]} is already saved as {named}: nothing added."
        verb = "Updated" if self.outcome is SaveOutcome.UPDATED else "Saved"
        return f"{verb} {what} as {named}."


_Method = TypeVar("_Method", bound=Callable[..., Any])


def _one_at_a_time(method: _Method) -> _Method:
    """Run a `Library` method under the library's mutex (other threads wait their turn)."""

    @functools.wraps(method)
    def serialized(self: Library, *args: Any, **kwargs: Any) -> Any:
        with self._mutex:
            return method(self, *args, **kwargs)

    return cast(_Method, serialized)


def is_entry_id(text: str) -> bool:
    """Whether `text` is a valid prompt id (and so `text + ".toml"` a library file name)."""
    return ID_PATTERN.fullmatch(text) is not None


class Library:
    """The saved prompts in one folder."""

    def __init__(self, folder: Path, *, lock_wait: float | None = None) -> None:
        self.folder = folder
        self.lock = LibraryLock(
            folder / LOCK, library_lock.LOCK_WAIT if lock_wait is None else lock_wait
        )
        """Held while a change is made; waited for at most `lock_wait` seconds."""
        self._entries: dict[str, PromptEntry] = {}
        self._loaded = False
        self._index: Index | None = None
        self._from_cache: dict[str, PromptEntry] = {}
        """Entries built by `load_cached`, by file name, for `load` to reuse."""
        self._notices: list[str] = []
        self._view: Signature | None = None
        """The folder's signature when the entries in memory last matched its files; None when
        that is not known (see the module's docstring)."""
        self._mark_seen: str | None = None
        """The lock's mark when the entries last matched the files (see `artisan.library_lock`)."""
        self._written: dict[str, Signature | None] = {}
        """Each entry file this library wrote or moved away, as it left it (None: gone)."""
        self._by_text: dict[tuple[str, str], set[str]] | None = None
        """Ids by (target, prompt text) for `find_prompt`, made by the first save after a load;
        an id may have changed text since, so each is checked at use."""
        self._lock_depth = 0
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
            self._index = index = read_index(self.folder)
            built: dict[str, PromptEntry] = {}
            for name, row in index.usable_rows().items():
                entry_id = _entry_id(name)
                entry = entry_from_row(row, entry_id) if entry_id else None
                if entry is not None:  # otherwise `load` reads the file instead
                    built[name] = entry
        if not built:
            return False
        self._from_cache = built
        self._entries = {entry.id: entry for entry in built.values()}
        self._by_text = None
        self._view = None
        return True

    @_one_at_a_time
    def load(self) -> LoadReport:
        """Read every entry from disk (through the cache) and report unreadable files."""
        with collector_paused():
            return self._load()

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
            LibraryError: the file cannot be read.
        """
        entry = self._read(self.resolve(ref))
        self._remember(entry)
        return entry

    def resolve(self, ref: str) -> str:
        """Turn an id or a unique id prefix into an id.

        Raises:
            EntryNotFound: `ref` is not an id, or matches no entry or several.
        """
        ref = ref.strip().lower()
        if not ref:
            raise EntryNotFound("No prompt id given.")
        if not is_entry_id(ref):
            raise EntryNotFound(
                f"`{ref}` is not a prompt id (ids hold lowercase letters, digits, - and _). "
                "`artisan library list` shows the ids."
            )
        if os.path.lexists(self._path(ref)):
            return ref  # whatever it is: reading it says what is wrong with it
        matches = [name[: -len(SUFFIX)] for name in self._file_names() if name.startswith(ref)]
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

    @_one_at_a_time
    def left_as_written(self, names: Iterable[str]) -> bool:
        """Whether each of these entry files is as this library last wrote it (or still gone
        after it moved it away): a change a watcher reports that was this process's own."""
        for name in names:
            if name not in self._written:
                return False
            try:
                now: Signature | None = signature(os.lstat(self.folder / name))
            except FileNotFoundError:
                now = None
            except OSError:
                return False
            if now != self._written[name]:
                return False
        return True

    @_one_at_a_time
    def take_notices(self) -> list[str]:
        """What reading single entries found worth telling (an `id` that is not the file's
        name), since the last call."""
        notices, self._notices = self._notices, []
        return notices

    # Writing -------------------------------------------------------------------------------

    @_one_at_a_time
    def add(self, entry: PromptEntry) -> PromptEntry:
        """Save a new entry under a file name of its own (a new id if its id is taken)."""
        with self._lock():
            return self._add(entry)

    def find_prompt(self, text: str, target: str) -> PromptEntry | None:
        """The newest loaded entry holding prompt `text` for `target`: by the rule of
        `save_prompt`, the entry that text was saved as."""
        text = text.strip()
        by_text = self._by_text
        if by_text is None:
            candidates = list(self._entries.values())
        else:
            named = [self._entries.get(entry_id) for entry_id in by_text.get((target, text), ())]
            candidates = [entry for entry in named if entry is not None]
        found = [
            entry for entry in candidates if entry.target == target and entry.prompt.strip() == text
        ]
        return max(found, key=_newest_first, default=None)

    def _remember(self, entry: PromptEntry) -> None:
        """Keep an entry read or written now among the loaded ones."""
        self._entries[entry.id] = entry
        if self._by_text is not None:
            self._by_text.setdefault((entry.target, entry.prompt.strip()), set()).add(entry.id)

    def _index_texts(self) -> None:
        if self._by_text is None:
            by_text: dict[tuple[str, str], set[str]] = {}
            for entry in self._entries.values():
                by_text.setdefault((entry.target, entry.prompt.strip()), set()).add(entry.id)
            self._by_text = by_text

    @_one_at_a_time
    def save_prompt(self, entry: PromptEntry, *, replacing: str | None = None) -> Saved:
        """Keep a prompt, by the one rule every way of saving follows: the same text for the
        same target is the same entry.

        - `entry` itself, when its id is already in the library: nothing changes;
        - else the newest entry holding the same prompt text for the same target: nothing is
          added (tags `entry` has and it lacks are added to it);
        - else the entry `replacing` (the one the text was loaded from or saved as before, now
          edited) takes the new text, when it still exists;
        - else `entry` is added.

        The search and the write happen under the library's lock, so several saves or renders
        of one prompt at once (threads or processes) make one entry.

        Returns:
            The entry as saved, and which of these it was (to tell the person).
        """
        with self._lock():
            if is_entry_id(entry.id) and self._is_entry_file(entry.id + SUFFIX):
                with contextlib.suppress(EntryNotFound):
                    return Saved(self._read(entry.id), SaveOutcome.FOUND)
            loaded = self._view is None
            if loaded:
                with collector_paused():
                    self._load()
            self._index_texts()
            same = self.find_prompt(entry.prompt, entry.target)
            if same is not None and not loaded and not self._still_holds(same, entry):
                # Rewritten in place by another program: the folder did not tell.
                with collector_paused():
                    self._load()
                self._index_texts()
                same = self.find_prompt(entry.prompt, entry.target)
            if same is not None:
                return Saved(self._with_tags(same, entry.tags), SaveOutcome.FOUND)
            if replacing and is_entry_id(replacing) and self._is_entry_file(replacing + SUFFIX):
                with contextlib.suppress(EntryNotFound):
                    kept = self._read(replacing)
                    kept.prompt = entry.prompt
                    kept.styles = list(entry.styles)
                    kept.updated = now()
                    self._write(kept)
                    return Saved(kept, SaveOutcome.UPDATED)
            return Saved(self._add(entry), SaveOutcome.ADDED)

    def _still_holds(self, found: PromptEntry, entry: PromptEntry) -> bool:
        """Whether the file of `found` still holds the prompt of `entry` for its target."""
        try:
            kept = self._read(found.id)
        except LibraryError:  # gone, or no longer readable
            return False
        self._remember(kept)
        return kept.target == entry.target and kept.prompt.strip() == entry.prompt.strip()

    def find_or_add(self, entry: PromptEntry) -> tuple[PromptEntry, bool]:
        """`save_prompt` for a render: the entry its images go to, and whether it was added
        now."""
        saved = self.save_prompt(entry)
        return saved.entry, saved.outcome is SaveOutcome.ADDED

    @_one_at_a_time
    def update(self, ref: str, change: Callable[[PromptEntry], object]) -> PromptEntry:
        """Apply `change` to the entry as it is on disk now, and save it to the same file.

        The read, the change and the write happen under the library's lock, so a change made
        meanwhile by another artisan process is kept, not overwritten.
        """
        with self._lock():
            entry_id = self.resolve(ref)
            entry = self._read(entry_id)
            change(entry)
            # The file read is the file written, and its name is the entry's id.
            entry.id = entry_id
            entry.updated = now()
            self._write(entry)
        return entry

    @_one_at_a_time
    def delete(self, ref: str) -> PromptEntry:
        """Move an entry to the trash."""
        with self._lock():
            entry_id = self.resolve(ref)
            entry = self._read(entry_id)
            trash = self._subfolder(TRASH)
            path = self._path(entry_id)
            try:
                os.replace(path, trash / path.name)
            except OSError as error:
                raise LibraryError(
                    f"Cannot move {path} to the trash: {error.strerror or error}."
                ) from None
            self._written[path.name] = None
            self._entries.pop(entry_id, None)
        return entry

    @_one_at_a_time
    def restore(self, ref: str) -> PromptEntry:
        """Bring an entry back from the trash."""
        with self._lock():
            ref = ref.strip().lower()
            names = self._trashed_ids()
            matches = [name for name in names if name == ref] or [
                name for name in names if name.startswith(ref)
            ]
            if not ref or len(matches) != 1:
                detail = "is not in the trash" if not matches else "matches several trashed ids"
                raise EntryNotFound(f"`{ref}` {detail}.")
            entry_id = matches[0]
            if os.path.lexists(self._path(entry_id)):
                raise LibraryError(f"A prompt with the id `{entry_id}` is already in the library.")
            trash = self._subfolder(TRASH)
            try:
                os.replace(trash / (entry_id + SUFFIX), self._path(entry_id))
            except OSError as error:
                raise LibraryError(
                    f"Cannot restore `{entry_id}`: {error.strerror or error}."
                ) from None
            return self.get(entry_id)

    def trashed(self) -> list[str]:
        """The ids in the trash."""
        return sorted(self._trashed_ids())

    def trashed_titles(self) -> list[tuple[str, str]]:
        """(id, title) of each prompt in the trash; a file that cannot be read has "?" as its
        title (it is restored as it is)."""
        listed = []
        for entry_id in self.trashed():
            path = self.folder / TRASH / f"{entry_id}.toml"
            try:
                data = files.read_bytes(path, files.LIBRARY_ENTRY, follow_symlinks=False)
                title = loads_entry(data, path.name).title
            except (OSError, files.FileProblem, EntryFormatError):
                title = "?"
            listed.append((entry_id, title))
        return listed

    @_one_at_a_time
    def save_image(self, ref: str, image: ImageRecord) -> PromptEntry:
        """Record an image rendered from an entry."""
        return self.update(ref, lambda entry: entry.images.append(image))

    @_one_at_a_time
    def keep_image(self, ref: str, path: str, keep: bool = True) -> PromptEntry:
        """Mark an entry's image as kept (a favourite), or unmark it; keeping an image marks
        its prompt a favourite too, so the library shows where the good ones came from.

        Raises:
            EntryNotFound: no such entry, or no image of it at `path`.
        """

        def change(entry: PromptEntry) -> None:
            record = _image_at(entry, path)
            record.favorite = keep
            if keep:
                entry.favorite = True

        return self.update(ref, change)

    @_one_at_a_time
    def discard_image(self, ref: str, path: str) -> DiscardedImage:
        """Move an entry's image to the trash (`.trash/images/`) and drop it from the entry.

        A file that is already gone is only dropped from the entry.

        Raises:
            EntryNotFound: no such entry, or no image of it at `path`.
            LibraryError: the file could not be moved; nothing changed.
        """
        with self._lock():
            entry_id = self.resolve(ref)
            entry = self._read(entry_id)
            record = _image_at(entry, path)
            index = entry.images.index(record)
            trashed = self._move_to_trash(Path(record.path).expanduser())
            del entry.images[index]
            entry.updated = now()
            self._write(entry)
        return DiscardedImage(entry_id, record, index, trashed)

    @_one_at_a_time
    def restore_image(self, discarded: DiscardedImage) -> PromptEntry:
        """Undo `discard_image`: the file goes back where it was and the entry lists it again.

        Raises:
            EntryNotFound: the entry is gone.
            LibraryError: a file now stands where the image was, or it cannot be moved back.
        """
        with self._lock():
            entry = self._read(discarded.entry_id)
            original = Path(discarded.record.path).expanduser()
            if discarded.trashed is not None:
                if os.path.lexists(original):
                    raise LibraryError(
                        f"Cannot put the image back: {original} exists again. It is kept in "
                        f"{discarded.trashed}."
                    )
                try:
                    shutil.move(discarded.trashed, original)
                except OSError as error:
                    raise LibraryError(
                        f"Cannot move {discarded.trashed} back to {original}: "
                        f"{error.strerror or error}."
                    ) from None
            entry.images.insert(min(discarded.index, len(entry.images)), discarded.record)
            entry.updated = now()
            self._write(entry)
        return entry

    # Internals -----------------------------------------------------------------------------

    def _move_to_trash(self, image: Path) -> Path | None:
        """Move an image file into `.trash/images/` under a free name; None when it is gone."""
        if not os.path.lexists(image):
            return None
        folder = self._subfolder(TRASH) / TRASHED_IMAGES
        try:
            folder.mkdir(exist_ok=True)
        except OSError as error:
            raise LibraryError(f"Cannot create {folder}: {error.strerror or error}.") from None
        target = unused_path(
            folder / image.name, lambda number: folder / f"{image.stem}-{number}{image.suffix}"
        )
        try:
            # Across file systems (the pictures folder on another disk) this copies.
            shutil.move(image, target)
        except OSError as error:
            raise LibraryError(
                f"Cannot move {image} to the trash: {error.strerror or error}."
            ) from None
        return target

    def _load(self) -> LoadReport:
        report = LoadReport()
        # Read before the folder: a change made after either shows at the next comparison.
        # Under this library's own lock the mark is the one it leaves when it lets go.
        mark = None if self._lock_depth else self.lock.mark()
        view = self._settled_view()
        index = self._index if self._index is not None else read_index(self.folder)
        already = self._from_cache
        self._index, self._from_cache = None, {}
        rows: dict[str, list[Any]] = {}
        entries: dict[str, PromptEntry] = {}
        rewrite = False
        for item in self._scan():
            name = item.name
            if name.startswith("."):
                if name.endswith(".tmp"):
                    _remove_stale(item)
                continue
            if not name.endswith(SUFFIX):
                continue
            entry_id = _entry_id(name)
            if entry_id is None:
                report.problems.append(_misnamed(item.path, name))
                continue
            try:
                info = item.stat(follow_symlinks=False)
            except OSError:
                continue  # deleted between listing and stat: no longer part of the library
            if not stat.S_ISREG(info.st_mode):
                report.problems.append(
                    f"{item.path} is {files.file_type(info.st_mode)}; artisan reads only regular "
                    "files in the library folder, so it was skipped."
                )
                continue
            stamp = (info.st_mtime_ns, info.st_size, info.st_ino, info.st_ctime_ns)
            entry: PromptEntry | None = None
            row = index.settled_row(name, stamp)
            if row is not None:
                entry = already.get(name) or entry_from_row(row, entry_id)
                if entry is not None:
                    rows[name] = index.rows[name]
            if entry is None:
                loaded = self._load_file(Path(item.path), entry_id, stamp, index, report)
                if loaded is None:
                    continue
                entry, new_row, changed = loaded
                if new_row is not None:
                    rows[name] = new_row
                rewrite = rewrite or changed
            entries[entry_id] = entry
        if rewrite or len(rows) != len(index.rows):
            data = index_data(rows)
            # Writing the cache changes the folder: when nothing else did since the scan, the
            # folder as the cache leaves it is the one the entries match.
            unchanged = view is not None and self._settled_view() == view
            write_index(self.folder, data)
            view = self._settled_view() if unchanged else None
        self._entries = entries
        self._by_text = None
        self._loaded = True
        self._view = view
        if not self._lock_depth:
            self._mark_seen = mark
        return report

    def _settled_view(self) -> Signature | None:
        """The folder's signature now, or None when it cannot vouch for the folder's content
        later (see the module's docstring)."""
        try:
            info = os.stat(self.folder)
        except OSError:
            return None
        seen = signature(info)
        whole_seconds = seen[0] % 1_000_000_000 == 0 and seen[3] % 1_000_000_000 == 0
        return None if whole_seconds and not settled_now(seen) else seen

    def _still_current(self) -> bool:
        """Whether the entries in memory still match the files (the lock is held)."""
        if self._view is None or self._mark_seen is None:
            return False
        if self.lock.mark_found != self._mark_seen:
            return False  # another artisan process held the lock since
        try:
            return signature(os.stat(self.folder)) == self._view
        except OSError:
            return False

    def _load_file(
        self,
        path: Path,
        entry_id: str,
        stamp: tuple[int, int, int, int],
        index: Index,
        report: LoadReport,
    ) -> tuple[PromptEntry, list[Any] | None, bool] | None:
        """Read one file while loading: its entry, its cache row, and whether the cache
        changed; None when the file was skipped (and reported)."""
        try:
            data = files.read_bytes(path, files.LIBRARY_ENTRY, follow_symlinks=False)
        except FileNotFoundError:
            return None  # deleted meanwhile
        except files.FileProblem as problem:
            if problem.content:
                report.problems.append(self._set_aside(path, problem.reason))
            else:
                report.problems.append(f"{problem}; it was skipped.")
            return None
        content_digest = digest(data)
        row = index.row_with_digest(path.name, content_digest)
        entry = entry_from_row(row, entry_id) if row is not None else None
        if row is not None and entry is not None:
            # The same bytes as when the row was made: only stat moved (a touch, a copy), or
            # the file was too recent to be trusted by stat alone.
            moved = tuple(index.rows[path.name][:4]) != stamp
            return entry, make_row(stamp, content_digest, row), moved or settled_now(stamp)
        report.parsed += 1
        try:
            entry, notice = _parse(data, path)
        except FutureVersionError as error:
            report.problems.append(f"{path} {error}; it was left as it is.")
            return None
        except files.FileProblem as problem:
            report.problems.append(self._set_aside(path, problem.reason))
            return None
        except EntryFormatError as error:
            report.problems.append(self._set_aside(path, str(error)))
            return None
        if notice:
            # Not cached, so the mismatch is reported at every load until it is fixed.
            report.problems.append(notice)
            return entry, None, True
        if not _cacheable(entry):
            return entry, None, True
        return entry, make_row(stamp, content_digest, entry.to_row()), True

    def _read(self, entry_id: str) -> PromptEntry:
        """The entry in `<entry_id>.toml`, read now; its id is the file's name."""
        path = self._path(entry_id)
        try:
            data = files.read_bytes(path, files.LIBRARY_ENTRY, follow_symlinks=False)
        except FileNotFoundError:
            self._entries.pop(entry_id, None)
            raise EntryNotFound(
                f"The prompt `{entry_id}` is no longer in the library "
                "(deleted by another program?)."
            ) from None
        except files.FileProblem as problem:
            raise LibraryError(f"{problem}.") from None
        try:
            entry, notice = _parse(data, path)
        except FutureVersionError as error:
            raise LibraryError(f"{path} {error}; artisan leaves it as it is.") from None
        except files.FileProblem as problem:
            raise LibraryError(f"{problem}.") from None
        except EntryFormatError as error:
            raise LibraryError(f"{path} cannot be read: {error}.") from None
        if notice:
            self._notices.append(notice)
        return entry

    def _add(self, entry: PromptEntry) -> PromptEntry:
        if not is_entry_id(entry.id):
            entry.id = new_id()
        while os.path.lexists(self._path(entry.id)):
            entry.id = new_id()
        self._write(entry)
        return entry

    def _with_tags(self, entry: PromptEntry, tags: list[str]) -> PromptEntry:
        """`entry` with `tags` too, written only when it lacked some."""
        missing = [tag for tag in tags if tag not in entry.tags]
        if not missing:
            return entry
        kept = self._read(entry.id)
        kept.tags = [*kept.tags, *missing]
        kept.updated = now()
        self._write(kept)
        return kept

    def _write(self, entry: PromptEntry) -> None:
        path = self._path(entry.id)
        data = dumps_entry(entry)
        if len(data) > files.LIBRARY_ENTRY.max_bytes:
            # Written, the file would be set aside as unreadable at the next load.
            raise LibraryError(
                f"“{fit_title(entry.title)}” is too large to keep in the library "
                f"({files.show_size(len(data))}; a library file holds at most "
                f"{files.show_size(files.LIBRARY_ENTRY.max_bytes)}): nothing was saved. "
                "Shorten the prompt, or keep it in a file of its own."
            )
        try:
            write_atomic(path, data)
        except OSError as error:
            raise LibraryError(
                f"Could not save “{entry.title}” to {path}: "
                f"{error.strerror or error}. Nothing was lost; try again once "
                "the problem is fixed."
            ) from None
        self._remember(entry)
        try:
            self._written[path.name] = signature(os.lstat(path))
        except OSError:
            self._written.pop(path.name, None)

    def _path(self, entry_id: str) -> Path:
        return self.folder / (entry_id + SUFFIX)

    def _scan(self) -> list[os.DirEntry[str]]:
        try:
            with os.scandir(self.folder) as items:
                return list(items)
        except FileNotFoundError:
            return []
        except OSError as error:
            raise LibraryError(
                f"Cannot read the library folder {self.folder}: {error.strerror or error}."
            ) from None

    def _file_names(self) -> list[str]:
        """The names in the library folder that are entry names."""
        return [item.name for item in self._scan() if _entry_id(item.name) is not None]

    def _is_entry_file(self, name: str) -> bool:
        try:
            return stat.S_ISREG(os.lstat(self.folder / name).st_mode)
        except OSError:
            return False

    def _trashed_ids(self) -> list[str]:
        trash = self.folder / TRASH
        if not os.path.lexists(trash):
            return []
        trash = self._subfolder(TRASH)
        with os.scandir(trash) as items:
            return [
                entry_id
                for item in items
                if (entry_id := _entry_id(item.name)) and item.is_file(follow_symlinks=False)
            ]

    def _ensure_folder(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise LibraryError(
                f"Cannot create the library folder {self.folder}: {error.strerror or error}."
            ) from None

    def _subfolder(self, name: str) -> Path:
        """`.trash` or `.corrupt`, made if missing; refused unless a real folder in the library.

        Raises:
            LibraryError: it is a symbolic link or a file, or cannot be made.
        """
        path = self.folder / name
        try:
            path.mkdir()
            return path
        except FileExistsError:
            pass  # there already: whether it is a real folder is checked below
        except OSError as error:
            raise LibraryError(f"Cannot create {path}: {error.strerror or error}.") from None
        if stat.S_ISDIR(os.lstat(path).st_mode):
            return path
        raise LibraryError(
            f"{path} is not a folder inside the library (it is a symbolic link or a file); "
            "artisan will not move prompts there. Remove it and artisan makes a new one."
        )

    def _set_aside(self, path: Path, reason: str) -> str:
        """Move an unreadable file to `.corrupt/`; the message saying so (or why not)."""
        try:
            corrupt = self._subfolder(CORRUPT)
        except LibraryError as error:
            return f"{path} cannot be read ({reason}) and was not moved aside: {error}"
        target = unused_path(
            corrupt / path.name, lambda number: corrupt / f"{path.stem}.{number}{SUFFIX}"
        )
        try:
            os.replace(path, target)
        except OSError as move_error:
            return (
                f"{path} cannot be read ({reason}) and could not be moved aside "
                f"({move_error.strerror or move_error}); it was skipped."
            )
        return f"{path.name} cannot be read ({reason}); it was moved to {target}."

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        """Hold the library's exclusive lock on `.lock`: another process holding it is waited
        for, at most `lock.wait` seconds (see `artisan.library_lock`)."""
        if self._lock_depth:
            # Already held by this thread (every caller holds `_mutex`): flock locks belong
            # to an open file, so taking it again through a second one would wait forever.
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
            return
        self._ensure_folder()
        try:
            with self.lock.held():
                self._lock_depth = 1
                if not self._still_current():
                    self._view = None
                try:
                    yield
                finally:
                    self._lock_depth = 0
                    if self._view is not None:
                        # Every change made meanwhile was this library's own, and is in
                        # `_entries` (or a load made them current).
                        self._view = self._settled_view()
        finally:
            self._mark_seen = self.lock.mark_left


def fit_title(title: str, width: int = 60) -> str:
    """A title short enough for a message."""
    return shorten(title, width, one_line=False)


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
    """Parse one library file (at most `files.LIBRARY_ENTRY` in size and depth).

    Raises:
        files.FileProblem: not UTF-8, nested too deeply, or not TOML.
        FutureVersionError: written by a newer artisan.
        EntryFormatError: TOML, but not a prompt entry.
    """
    text = files.decode(data, where)
    if not text.strip():
        raise EntryFormatError("the file is empty")
    table = files.parse_toml(text, where, files.LIBRARY_ENTRY)
    version = table.get("version", FORMAT_VERSION)
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        raise FutureVersionError(f"was written by a newer artisan (format version {version})")
    return PromptEntry.from_dict(table, where)


def _parse(data: bytes, path: Path) -> tuple[PromptEntry, str | None]:
    """The entry in a library file, with the file's name as its id, and a notice when the
    `id` inside says otherwise."""
    entry = loads_entry(data, path.name)
    entry_id = path.name[: -len(SUFFIX)]
    if entry.id == entry_id:
        return entry, None
    notice = (
        f"{path.name} holds the id `{entry.id}`, but library files are matched by file name: "
        f"it is the prompt `{entry_id}`, and its id is corrected when it next changes."
    )
    entry.id = entry_id
    return entry, notice


def _image_at(entry: PromptEntry, path: str) -> ImageRecord:
    for record in entry.images:
        if record.path == path:
            return record
    raise EntryNotFound(f"“{entry.title}” has no image at {path} (changed by another program?).")


def _entry_id(name: str) -> str | None:
    """The id a library file name stands for, or None when it is not an entry's name."""
    return name[: -len(SUFFIX)] if _ENTRY_NAME.fullmatch(name) else None


def _misnamed(path: str, name: str) -> str:
    lowered = name.lower()
    hint = (
        f" Rename it to {lowered}."
        if _entry_id(lowered)
        else " Rename it: lowercase letters, digits, - and _, then .toml."
    )
    return f"{path} was skipped: a library file's name is its prompt id.{hint}"


def _newest_first(entry: PromptEntry) -> tuple[float, str]:
    return entry.created.timestamp(), entry.id


def _remove_stale(item: os.DirEntry[str]) -> None:
    """Delete a temporary file left by a process killed mid-write.

    Only files older than `STALE_SECONDS` go: a younger one may belong to a save in progress
    in another process.
    """
    with contextlib.suppress(OSError):
        if time.time() - item.stat(follow_symlinks=False).st_mtime > STALE_SECONDS:
            os.unlink(item.path)


def _cacheable(entry: PromptEntry) -> bool:
    """Whether the JSON cache can hold the entry without changing the type of a value.

    Known date fields are rebuilt from ISO text; dates or times among unknown keys would come
    back as text and then be written back as text, so such entries are always parsed instead.
    """
    return plain(entry.extra) and all(plain(image.extra) for image in entry.images)
