"""The library's lock: `library/.lock`, held while a change is made, waited for with a deadline.

Two artisan processes (two SSH sessions, the app and a script) change the library one at a time
by holding an exclusive lock on `.lock` (`filelock`: `flock` on POSIX, `LockFileEx` on Windows).
A holder writes its process id into the file, so one that has to wait can say who holds it,
and on letting go adds a mark of its own (a random word): a library that finds the mark it left,
or read, still there knows no artisan process has changed anything since (see
`artisan.library`, saving).
Nothing waits forever: after `LOCK_WAIT` seconds the change is given up with a message naming
the holder, and `stop_waiting` (the app quitting) ends a wait at once.
"""

from __future__ import annotations

import contextlib
import os
import stat
import string
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from artisan import files
from artisan.errors import LibraryError
from artisan.shorten import shorten

LOCK_WAIT = 10.0
"""Seconds a change waits for another program to finish with the library."""
_POLL = 0.05
_HOLDER = files.Limits("the library's lock file", 4 * files.KIB, 1)
_MARK_BYTES = 8
_PID_WIDTH = 10


class LockNotTaken(LibraryError):
    """Another program held the library for longer than artisan waits, or waiting stopped."""


class LibraryLock:
    """The lock of one library folder.

    Args:
        path: `.lock` inside the library folder.
        wait: Seconds to wait for another holder (see `LOCK_WAIT`).
    """

    def __init__(self, path: Path, wait: float = LOCK_WAIT) -> None:
        self.path = path
        self.wait = wait
        self.on_wait: Callable[[str], None] | None = None
        """Told once, in words, when a change has to wait for another holder."""
        self.mark_found: str | None = None
        """The mark the previous holder left, read when the lock was last taken."""
        self.mark_left: str | None = None
        """The mark written when the lock was last let go; None when it could not be."""
        self._stop = threading.Event()

    def stop_waiting(self) -> None:
        """End every wait for the lock now, and every later one at once (the app is quitting)."""
        self._stop.set()

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock while the block runs.

        Raises:
            LibraryError: `.lock` is not a regular file, or cannot be opened.
            LockNotTaken: another holder kept it past the deadline, or waiting was stopped.
        """
        self.mark_found = self.mark_left = None
        self._check_kind()
        from filelock import FileLock, Timeout

        lock = FileLock(self.path)
        deadline = time.monotonic() + self.wait
        told = False
        while True:
            try:
                lock.acquire(timeout=0)
                break
            except Timeout:
                pass
            except OSError as error:
                raise LibraryError(
                    f"Cannot lock the library in {self.path.parent}: {error.strerror or error}."
                ) from None
            if not told and self.on_wait is not None:
                told = True
                self.on_wait(
                    f"The library is in use by {self.holder()}; waiting up to "
                    f"{self.wait:g} seconds for it."
                )
            if self._stop.is_set():
                raise LockNotTaken("Stopped waiting for the library; nothing was changed.")
            if time.monotonic() >= deadline:
                raise LockNotTaken(
                    f"The library in {self.path.parent} is in use by {self.holder()}, which "
                    f"held it for more than {self.wait:g} seconds; nothing was changed. Try "
                    "again once it is done."
                )
            self._stop.wait(_POLL)
        try:
            self.mark_found = self.mark()
            self._sign()
            yield
        finally:
            self.mark_left = self._leave_mark()
            lock.release()

    def mark(self) -> str | None:
        """The mark the last holder left when it let go, or None: the lock is held now (its
        holder wrote only its process id), was never taken, or was last held by an artisan
        that leaves no marks."""
        try:
            text = files.read_text(self.path, _HOLDER, follow_symlinks=False)
        except (OSError, files.FileProblem):
            return None
        words = text.split()
        if len(words) != 2 or not words[0].isdigit() or len(words[1]) != _MARK_BYTES * 2:
            return None
        if words[1].strip(string.hexdigits):
            return None  # held now: the holder's line has no mark yet
        return " ".join(words)

    def holder(self) -> str:
        """Who holds the lock, in words: its process (with its command, when the system says)
        when the lock file names one that is running, else "another program"."""
        try:
            text = files.read_text(self.path, _HOLDER, follow_symlinks=False)
        except (OSError, files.FileProblem):
            return "another program"
        first = text.split()[0] if text.split() else ""
        if not first.isdigit():
            return "another program"
        pid = int(first)
        if pid == os.getpid() or not _running(pid):
            return "another program"
        command = _command(pid)
        return f"process {pid} ({command})" if command else f"process {pid}"

    def _check_kind(self) -> None:
        try:
            mode = os.lstat(self.path).st_mode
        except FileNotFoundError:
            return
        except OSError as error:
            raise LibraryError(f"Cannot read {self.path}: {error.strerror or error}.") from None
        if not stat.S_ISREG(mode):
            kind = files.file_type(mode)
            raise LibraryError(
                f"{self.path} is not a regular file (it is {kind}); artisan will not lock "
                "the library through it. Remove it and artisan makes a new one."
            )

    def _sign(self) -> None:
        """Write this process's id into the lock file, for a program that has to wait."""
        self._write("-" * _MARK_BYTES * 2)

    def _leave_mark(self) -> str | None:
        """Write a new mark after the process id in the lock file: the one `mark` reads until
        the lock is taken again. None when it could not be written."""
        mark = os.urandom(_MARK_BYTES).hex()
        return f"{os.getpid()} {mark}" if self._write(mark) else None

    def _write(self, mark: str) -> bool:
        """Write `<process id> <mark>` over the lock file's text.

        Every such line has the same length (the id right-aligned), so it is written over the
        last one without emptying the file first: ext4 flushes a file emptied and written
        again when it is closed, which took milliseconds on each change of the library.
        """
        data = f"{os.getpid():>{_PID_WIDTH}} {mark}\n".encode()
        flags = os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        try:  # the lock holds without it
            fd = os.open(self.path, flags)
            try:
                written = os.write(fd, data)
                if os.fstat(fd).st_size > len(data):  # a longer text from another program
                    os.ftruncate(fd, len(data))
                return written == len(data)
            finally:
                os.close(fd)
        except OSError:
            return False


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    except OSError:
        return False
    return True


def _command(pid: int) -> str:
    """The command line of a process, where the system shows it (/proc on Linux)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()[:300]
    except OSError:
        return ""
    words = [word.decode("utf-8", "replace") for word in raw.split(b"\0") if word][:4]
    # Paths by their last part, and no line breaks: one short line a person recognises
    # ("python3 hold.py", "artisan library tag").
    shown = " ".join(os.path.basename(word) if "/" in word else word for word in words)
    return shorten(shown, 80)
