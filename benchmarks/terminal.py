"""Running a program in a real pseudo-terminal and timing what it writes.

The child gets a pty of a fixed size (TIOCSWINSZ, with a pixel size as terminal emulators and
ssh set it), TERM=xterm-256color and the pty as its controlling terminal, as when a person starts
it in a terminal emulator. Like a real terminal, the harness answers the standard queries a
program may send and wait for (device attributes, cell and window size in pixels, mode reports),
the way xterm without graphics extensions does; queries a plain xterm ignores (the kitty
graphics protocol) get no answer. Times are taken with `time.perf_counter()` from just before
the spawn to the read that completed a pattern.
"""

from __future__ import annotations

import bisect
import contextlib
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

ALT_SCREEN = b"\x1b[?1049h"
CTRL_Q = b"\x11"
CELL_PIXELS = (10, 20)
"""Width and height of a character cell, in pixels."""

_QUERY = re.compile(rb"\x1b\[(?:0?c|16t|14t|\?(\d+)\$p)")
"""Device attributes (DA1), cell size, text area size, DEC private mode report (DECRQM)."""


def answer(query: re.Match[bytes], columns: int, rows: int) -> bytes:
    """What xterm (no sixel, no kitty graphics) answers to a query."""
    text = query.group(0)
    width, height = CELL_PIXELS
    if text.endswith(b"c"):
        return b"\x1b[?62;22c"  # a VT220-class terminal with ANSI colour
    if text == b"\x1b[16t":
        return b"\x1b[6;%d;%dt" % (height, width)
    if text == b"\x1b[14t":
        return b"\x1b[4;%d;%dt" % (rows * height, columns * width)
    return b"\x1b[?%s;0$y" % query.group(1)  # mode not recognised


class TerminalTimeout(RuntimeError):
    """The program did not write what was expected in time."""


def _make_controlling_terminal() -> None:
    """In the child, before exec: make the pty (stdin) its controlling terminal."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class PtyProcess:
    """A child process on its own pseudo-terminal; use as a context manager."""

    def __init__(
        self,
        argv: Sequence[str],
        env: dict[str, str],
        *,
        columns: int = 120,
        rows: int = 40,
        cwd: Path | None = None,
    ) -> None:
        self.argv = list(argv)
        self.env = {**env, "TERM": "xterm-256color"}
        self.columns = columns
        self.rows = rows
        self.cwd = cwd
        self.output = bytearray()
        self._arrivals: list[tuple[int, float]] = []
        """(length of the output after a read, seconds since spawn) for every read."""
        self.started = 0.0
        self._master = -1
        self._proc: subprocess.Popen[bytes] | None = None
        self._searched = 0
        self._answered = 0
        self.queries_answered = 0

    # Lifecycle -------------------------------------------------------------------------------

    def start(self) -> PtyProcess:
        master, slave = os.openpty()
        width, height = CELL_PIXELS
        size = (self.rows, self.columns, self.columns * width, self.rows * height)
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", *size))
        self._master = master
        self.started = time.perf_counter()
        try:
            self._proc = subprocess.Popen(
                self.argv,
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,
                preexec_fn=_make_controlling_terminal,
            )
        finally:
            os.close(slave)
        return self

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def __enter__(self) -> PtyProcess:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self, grace: float = 3.0) -> None:
        """Quit with ctrl+q, then SIGTERM, then SIGKILL the whole session; reap the child."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(OSError):
                os.write(self._master, CTRL_Q)
            self._drain_until_exit(grace)
            for sig, wait in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 5.0)):
                if proc.poll() is not None:
                    break
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, sig)
                self._drain_until_exit(wait)
        if proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
            # Anything the child left in its session (there should be nothing) goes too.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
        if self._master >= 0:
            os.close(self._master)
            self._master = -1

    def _drain_until_exit(self, seconds: float) -> None:
        assert self._proc is not None
        deadline = time.perf_counter() + seconds
        while self._proc.poll() is None and time.perf_counter() < deadline:
            self._read(0.02)

    def send(self, keys: bytes) -> None:
        """Type `keys` into the terminal, as a person would (b"\r" is Enter, b"\x0c" ctrl+l)."""
        os.write(self._master, keys)

    # Reading ---------------------------------------------------------------------------------

    def _read(self, timeout: float) -> bool:
        """Read what is available (waiting up to `timeout`); False when the pty is closed."""
        readable, _, _ = select.select([self._master], [], [], timeout)
        if not readable:
            return True
        try:
            data = os.read(self._master, 1 << 16)
        except OSError:  # EIO: the child closed its side
            return False
        if not data:
            return False
        self.output += data
        self._arrivals.append((len(self.output), time.perf_counter() - self.started))
        self._answer_queries()
        return True

    def _answer_queries(self) -> None:
        for query in _QUERY.finditer(self.output, max(0, self._answered - 16)):
            if query.start() < self._answered:
                continue
            with contextlib.suppress(OSError):
                os.write(self._master, answer(query, self.columns, self.rows))
            self.queries_answered += 1
            self._answered = query.end()

    def wait_for(self, *patterns: bytes, timeout: float = 30.0) -> float:
        """Seconds from spawn until the output held `patterns`, in this order, after what the
        previous `wait_for` matched: the time of the read that brought the last byte."""
        deadline = time.perf_counter() + timeout
        position = self._searched
        for pattern in patterns:
            while (found := self.output.find(pattern, position)) < 0:
                now = time.perf_counter()
                if now > deadline:
                    raise TerminalTimeout(
                        f"{self.argv[-1]}: no {pattern!r} after {timeout:.0f}s; "
                        f"last output {bytes(self.output[-300:])!r}"
                    )
                if not self._read(min(0.05, deadline - now)):
                    if self.output.find(pattern, position) >= 0:
                        continue
                    raise TerminalTimeout(
                        f"{self.argv[-1]} exited before writing {pattern!r}: "
                        f"{bytes(self.output[-300:])!r}"
                    )
            position = found + len(pattern)
        self._searched = position
        index = bisect.bisect_left(self._arrivals, position, key=lambda item: item[0])
        return self._arrivals[index][1]

    def wait_for_match(self, pattern: re.Pattern[bytes], timeout: float = 30.0) -> float:
        """Like `wait_for`, for a regular expression."""
        deadline = time.perf_counter() + timeout
        while (found := pattern.search(self.output, self._searched)) is None:
            now = time.perf_counter()
            if now > deadline:
                raise TerminalTimeout(
                    f"{self.argv[-1]}: nothing matched {pattern.pattern!r} after {timeout:.0f}s; "
                    f"last output {bytes(self.output[-300:])!r}"
                )
            if not self._read(min(0.05, deadline - now)):
                if pattern.search(self.output, self._searched) is not None:
                    continue
                raise TerminalTimeout(f"{self.argv[-1]} exited before matching {pattern.pattern!r}")
        self._searched = found.end()
        index = bisect.bisect_left(self._arrivals, found.end(), key=lambda item: item[0])
        return self._arrivals[index][1]

    def peak_rss(self) -> int:
        """The child's peak resident memory in bytes (Linux VmHWM; else current RSS)."""
        status = Path(f"/proc/{self.pid}/status")
        with contextlib.suppress(OSError):
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        import psutil

        return int(psutil.Process(self.pid).memory_info().rss)
