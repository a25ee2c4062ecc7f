"""The spending record on disk: its lock, and lines appended whole.

The record is written through checked paths only: opened without waiting (a named pipe with no
reader would hold an `open` forever), refused when it is a folder, a pipe or a device, locked
with a deadline (another artisan stuck holding it is named, never waited for forever), and
appended so that a line is never left half-written nor run into the next one.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from artisan.errors import ArtisanError


class RecordUnavailable(ArtisanError):
    """The spending record cannot be read, locked or written."""


@contextlib.contextmanager
def locked(path: Path, wait: float) -> Iterator[None]:
    """Hold the record's lock (`spending.jsonl.lock` beside it), waiting at most `wait` s.

    Raises:
        RecordUnavailable: the lock file cannot be made or is not a file, or another process
            held the lock all along.
    """
    from filelock import lock_descriptor, unlock_descriptor

    lock = path.with_name(path.name + ".lock")
    fd = _open_checked(lock, os.O_RDWR, "the lock of the spending record")
    try:
        deadline = time.monotonic() + wait
        try:
            while not lock_descriptor(fd, blocking=False):
                if time.monotonic() > deadline:
                    raise RecordUnavailable(
                        f"The spending record {path} has been locked by another artisan for "
                        f"{wait:g} seconds; is one stuck? Close it, or remove {lock}."
                    )
                time.sleep(0.02)
        except OSError as error:
            raise RecordUnavailable(
                f"The spending record {path} cannot be locked ({error.strerror or error})."
            ) from None
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                unlock_descriptor(fd)
    finally:
        os.close(fd)


def append(path: Path, line: str) -> None:
    """Append one line whole: never half a line, never two lines run together.

    Called under the lock, so nobody else writes between the checks and the write.
    """
    fd = _open_checked(path, os.O_RDWR | os.O_APPEND, "the spending record")
    size = None
    try:
        size = os.fstat(fd).st_size
        data = (line + "\n").encode("ascii")
        if size:
            os.lseek(fd, size - 1, os.SEEK_SET)
            if os.read(fd, 1) != b"\n":
                data = b"\n" + data  # a line cut short before (a full disk) stays apart
        written = 0
        while written < len(data):
            written += os.write(fd, data[written:])
    except OSError as error:
        if size is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, size)  # no half line left behind
        raise RecordUnavailable(
            f"The spending record {path} cannot be written ({error.strerror or error})."
        ) from None
    finally:
        os.close(fd)


def _open_checked(path: Path, flags: int, what: str) -> int:
    """Open (creating it) a file that must be a regular file, without ever waiting on it.

    Raises:
        RecordUnavailable: it cannot be opened, or is a named pipe, a folder or a device.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_NONBLOCK: a named pipe with no reader would otherwise hold the open forever.
        extra = getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(path, flags | os.O_CREAT | extra | getattr(os, "O_BINARY", 0), 0o600)
    except OSError as error:
        if error.errno == errno.ENXIO:
            raise RecordUnavailable(f"{path} is a named pipe, not {what}.") from None
        if error.errno == errno.EISDIR:
            raise RecordUnavailable(f"{path} is a folder, not {what}.") from None
        raise RecordUnavailable(
            f"{path} cannot be written ({error.strerror or error}); it holds {what}."
        ) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = "a named pipe" if stat.S_ISFIFO(mode) else "not a regular file"
        raise RecordUnavailable(f"{path} is {kind}, not {what}.")
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return fd
