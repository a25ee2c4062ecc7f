"""Noticing other programs' changes to the library folder, for a screen that shows it.

`LibraryWatch` runs a thread that waits for the operating system to report changes in the
folder (`watchfiles`: inotify, FSEvents, ReadDirectoryChangesW), and calls back with the names
of the entry files that changed, a fifth of a second after the last change of a burst (a `git
pull` touching a hundred files is one call, not a hundred). An in-place edit of an existing file
is reported like any other change. What only artisan itself writes and reads back (temporary
files, `.index.json`, `.lock`, the `.trash/` and `.corrupt/` folders) is ignored.

Where watchfiles cannot run (not installed, or the system refuses another watch), the thread
compares every entry file's stat (modification and change time, size, inode) once a second
instead: slower to notice, but an edit in place is still noticed.

The callback runs on the watcher's thread; a screen hands it over to its own thread.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("artisan")

DEBOUNCE_MS = 200
POLL_SECONDS = 1.0
SUFFIX = ".toml"

Stamps = dict[str, tuple[int, int, int, int]]


def is_entry_name(name: str) -> bool:
    """Whether a file name in the library folder may be an entry (not artisan's own files)."""
    return name.endswith(SUFFIX) and not name.startswith(".")


class LibraryWatch:
    """Calls `on_change(names)` when entry files in `folder` are added, changed or removed.

    `names` are the file names that changed; an empty set means the folder itself appeared or
    went away, so anything may have changed.
    """

    def __init__(
        self,
        folder: Path,
        on_change: Callable[[set[str]], None],
        *,
        use_watchfiles: bool = True,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.folder = folder
        self.on_change = on_change
        self.use_watchfiles = use_watchfiles
        self.poll_seconds = poll_seconds
        self.polling = not use_watchfiles
        """Whether the stat-comparing fallback is in use (set once the thread has started)."""
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start watching in a daemon thread; returns once the first watch is in place."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="library-watch", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=5)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop watching and wait for the thread to end."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # The thread ----------------------------------------------------------------------------

    def _run(self) -> None:
        # What the caller last saw: the files as they were when the watch was asked for. A
        # change made before a watch is in place is found by comparing with this.
        known = self._stamps()
        try:
            while not self._stop.is_set():
                if not self.folder.is_dir():
                    # No library yet (nothing saved): wait for the folder to appear.
                    self._ready.set()
                    if self._stop.wait(self.poll_seconds):
                        return
                    continue
                if self.use_watchfiles and not self.polling and self._watch(known):
                    known = {}
                    continue
                self.polling = True
                known = self._poll(known)
        except Exception:  # a watcher must never take the app down; it is a convenience
            log.exception("The library watcher stopped")
        finally:
            self._ready.set()

    def _watch(self, known: Stamps) -> bool:
        """Wait for changes with watchfiles until stopped or the folder goes away.

        Args:
            known: The files as the caller last saw them; what differs at the first answer
                (a change, or a second without one) is reported with it.

        Returns:
            False when watchfiles cannot run here (the caller polls instead).
        """
        try:
            from watchfiles import watch
        except ImportError:
            return False
        try:
            changes = watch(
                self.folder,
                watch_filter=self._wanted,
                debounce=DEBOUNCE_MS,
                step=50,
                stop_event=self._stop,
                rust_timeout=1000,
                yield_on_timeout=True,
                raise_interrupt=False,
                recursive=False,
            )
            self._ready.set()
            before: Stamps | None = known
            for batch in changes:
                names = {Path(path).name for _, path in batch}
                if before is not None:
                    names |= _changed(before, self._stamps())
                    before = None
                if names:
                    self._tell(names)
                if not self.folder.is_dir():
                    self._tell(set())
                    return True
        except (OSError, RuntimeError) as error:
            log.warning("Watching %s failed (%s); checking it every second", self.folder, error)
            return False
        return True

    def _wanted(self, change: object, path: str) -> bool:
        return is_entry_name(Path(path).name)

    def _poll(self, before: Stamps) -> Stamps:
        """Compare every entry file's stat once per `poll_seconds`, until stopped or the
        folder goes away; returns the files as last seen."""
        self._ready.set()
        while not self._stop.wait(self.poll_seconds):
            if not self.folder.is_dir():
                self._tell(set(before))
                return {}
            now = self._stamps()
            changed = _changed(before, now)
            if changed:
                self._tell(changed)
            before = now
        return before

    def _stamps(self) -> Stamps:
        stamps: Stamps = {}
        with contextlib.suppress(OSError), os.scandir(self.folder) as items:
            for item in items:
                if is_entry_name(item.name):
                    with contextlib.suppress(OSError):
                        info = item.stat(follow_symlinks=False)
                        stamps[item.name] = (
                            info.st_mtime_ns,
                            info.st_ctime_ns,
                            info.st_size,
                            info.st_ino,
                        )
        return stamps

    def _tell(self, names: set[str]) -> None:
        if not self._stop.is_set():
            self.on_change(names)


def _changed(before: Stamps, after: Stamps) -> set[str]:
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
