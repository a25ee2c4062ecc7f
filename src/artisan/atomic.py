"""Crash-safe file writes.

A file is written to a temporary name in the same folder, flushed to disk and renamed over the
target, so a reader (or a crash) only ever sees the old content or the new one, never half.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path


def write_atomic(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Replace `path` with `data` atomically.

    Args:
        path: The file to write. Its folder must exist.
        data: The complete new content.
        mode: Permission bits for the new file (e.g. 0o600). The file is created with them, so
            there is no moment when it is more readable than asked.

    Raises:
        OSError: When the folder is not writable, the disk is full, and so on. The target is
            left untouched and no temporary file remains.
    """
    tmp = path.with_name(f".{path.name}.{os.urandom(4).hex()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, 0o666 if mode is None else mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            # The umask may have removed bits we asked for; it never adds any, so this only
            # makes the file match `mode` exactly.
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable: on POSIX the directory entry lives in the folder's own data."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        # Some filesystems (and read-only bind mounts) refuse fsync on a directory; the rename
        # itself has already happened, so the write succeeded.
        return
    finally:
        os.close(fd)


def unused_path(first: Path, numbered: Callable[[int], Path]) -> Path:
    """`first`, else `numbered(2)`, `numbered(3)`, ...: the first of them that nothing holds,
    not even a dangling link, to move or write a file to without replacing another."""
    path, number = first, 1
    while os.path.lexists(path):
        number += 1
        path = numbered(number)
    return path
