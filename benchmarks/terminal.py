"""Running a program in a real terminal and timing what it writes.

Two terminals:

- `PtyProcess`: the child gets a pty of a fixed size (TIOCSWINSZ, with a pixel size as terminal
  emulators and ssh set it), TERM=xterm-256color and the pty as its controlling terminal, as
  when a person starts it in a terminal emulator. Like a real terminal, the harness answers the
  standard queries a program may send and wait for (device attributes, cell and window size in
  pixels, mode reports), the way xterm without graphics extensions does; queries a plain xterm
  ignores (the kitty graphics protocol) get no answer.
- `TmuxPane`: the child runs in a pane of a tmux server of its own (TERM=tmux-256color, TMUX
  set), which answers the queries itself; what the child writes reaches the harness through
  `pipe-pane`.

Times are taken with `time.perf_counter()` from just before the start to the read that
completed a pattern.
"""

from __future__ import annotations

import bisect
import contextlib
import fcntl
import os
import re
import select
import shlex
import shutil
import signal
import struct
import subprocess
import tempfile
import termios
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

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


class TerminalOutput:
    """Everything a program wrote, with the time each piece arrived, and waits on it."""

    name = "program"

    def __init__(self) -> None:
        self.output = bytearray()
        self._arrivals: list[tuple[int, float]] = []
        """(length of the output after a read, seconds since the start) for every read."""
        self.started = 0.0
        self._searched = 0

    def _read(self, timeout: float) -> bool:
        """Read what is available (waiting up to `timeout`); False once nothing more can come."""
        raise NotImplementedError

    def _arrived(self, data: bytes) -> None:
        self.output += data
        self._arrivals.append((len(self.output), time.perf_counter() - self.started))

    def _time_of(self, position: int) -> float:
        index = bisect.bisect_left(self._arrivals, position, key=lambda item: item[0])
        return self._arrivals[index][1]

    def _find(self, pattern: bytes | re.Pattern[bytes], start: int) -> int | None:
        """The end of the first match of `pattern` from `start`, if any."""
        if isinstance(pattern, bytes):
            found = self.output.find(pattern, start)
            return None if found < 0 else found + len(pattern)
        match = pattern.search(self.output, start)
        return None if match is None else match.end()

    def _until(self, pattern: bytes | re.Pattern[bytes], start: int, deadline: float) -> int:
        while (end := self._find(pattern, start)) is None:
            now = time.perf_counter()
            if now > deadline:
                raise TerminalTimeout(
                    f"{self.name}: no {pattern!r} in time; last output "
                    f"{bytes(self.output[-300:])!r}"
                )
            if not self._read(min(0.05, deadline - now)):
                if (end := self._find(pattern, start)) is not None:
                    return end
                raise TerminalTimeout(
                    f"{self.name} ended before writing {pattern!r}: {bytes(self.output[-300:])!r}"
                )
        return end

    def wait_for(self, *patterns: bytes | re.Pattern[bytes], timeout: float = 30.0) -> float:
        """Seconds from the start until the output held `patterns` (bytes or regular
        expressions), in this order, after what the previous wait matched: the time of the read
        that brought the last byte."""
        deadline = time.perf_counter() + timeout
        position = self._searched
        for pattern in patterns:
            position = self._until(pattern, position, deadline)
        self._searched = position
        return self._time_of(position)

    def wait_for_all(self, *patterns: bytes | re.Pattern[bytes], timeout: float = 30.0) -> float:
        """Seconds from the start until the output held every one of `patterns`, in any order,
        after what the previous wait matched."""
        deadline = time.perf_counter() + timeout
        ends = [self._until(pattern, self._searched, deadline) for pattern in patterns]
        self._searched = max(ends)
        return self._time_of(self._searched)

    def send(self, keys: bytes) -> None:
        """Type `keys` into the terminal, as a person would (b"\\r" is Enter, b"\\x0c" ctrl+l)."""
        raise NotImplementedError

    def start(self) -> Self:
        """Start the program; the clock starts with it."""
        raise NotImplementedError

    def close(self) -> None:
        """Quit the program (ctrl+q), then stop it by force if it does not."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _make_controlling_terminal() -> None:
    """In the child, before exec: make the pty (stdin) its controlling terminal."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class PtyProcess(TerminalOutput):
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
        super().__init__()
        self.argv = list(argv)
        self.name = self.argv[-1]
        self.env = {**env, "TERM": "xterm-256color"}
        self.columns = columns
        self.rows = rows
        self.cwd = cwd
        self._master = -1
        self._proc: subprocess.Popen[bytes] | None = None
        self._answered = 0
        self.queries_answered = 0

    # Lifecycle -------------------------------------------------------------------------------

    def start(self) -> Self:
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

    # Reading and typing ----------------------------------------------------------------------

    def send(self, keys: bytes) -> None:
        os.write(self._master, keys)

    def _read(self, timeout: float) -> bool:
        readable, _, _ = select.select([self._master], [], [], timeout)
        if not readable:
            return True
        try:
            data = os.read(self._master, 1 << 16)
        except OSError:  # EIO: the child closed its side
            return False
        if not data:
            return False
        self._arrived(data)
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

    def peak_rss(self) -> int:
        """The child's peak resident memory in bytes (Linux VmHWM; else current RSS)."""
        status = Path(f"/proc/{self.pid}/status")
        with contextlib.suppress(OSError):
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        import psutil

        return int(psutil.Process(self.pid).memory_info().rss)


TMUX = shutil.which("tmux")
"""The tmux program, if installed (the tmux figures are skipped without it)."""
TMUX_CONFIG = """\
set -g default-terminal "tmux-256color"
set -g exit-empty on
"""


class TmuxPane(TerminalOutput):
    """A child process in the only pane of a detached tmux session of a server of its own.

    The pane first waits for a line on its input; once `pipe-pane` passes the pane's output
    to the harness, Enter is sent and the clock starts, and the pane's shell becomes the
    child (`exec`). tmux answers the terminal queries; the child sees TMUX and TERM as in any
    tmux session.
    """

    def __init__(
        self, argv: Sequence[str], env: dict[str, str], *, columns: int = 120, rows: int = 40
    ) -> None:
        super().__init__()
        if TMUX is None:
            raise RuntimeError("tmux is not installed")
        self.argv = list(argv)
        self.name = f"{self.argv[-1]} (tmux)"
        self.env = env
        self.columns = columns
        self.rows = rows
        self._folder = Path(tempfile.mkdtemp(prefix="artisan-tmux-"))
        self._socket = str(self._folder / "socket")
        self._fifo = self._folder / "output"
        self._reader = -1

    def _tmux(self, *args: str, check: bool = True) -> None:
        assert TMUX is not None
        subprocess.run(
            [TMUX, "-S", self._socket, "-f", str(self._folder / "tmux.conf"), *args],
            env={key: value for key, value in self.env.items() if key not in ("TMUX", "TERM")},
            check=check,
            capture_output=True,
            timeout=30,
        )

    def start(self) -> Self:
        (self._folder / "tmux.conf").write_text(TMUX_CONFIG, encoding="utf-8")
        os.mkfifo(self._fifo)
        command = "read go && exec env " + shlex.join(
            [*(f"{key}={value}" for key, value in self.env.items()), *self.argv]
        )
        self._tmux(
            "new-session", "-d", "-s", "bench", "-x", str(self.columns), "-y", str(self.rows),
            command,
        )  # fmt: skip
        # Opened for writing too, so that reads wait for data instead of seeing the end of the
        # file while `cat` has not opened it yet.
        self._reader = os.open(self._fifo, os.O_RDWR | os.O_NONBLOCK)
        self._tmux("pipe-pane", "-O", "-t", "bench", f"cat > {shlex.quote(str(self._fifo))}")
        self.started = time.perf_counter()
        self._tmux("send-keys", "-t", "bench", "Enter")
        return self

    def close(self) -> None:
        """Quit with ctrl+q, then end the session (and with it the server)."""
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._tmux("send-keys", "-t", "bench", "C-q", check=False)
            self._tmux("kill-server", check=False)
        if self._reader >= 0:
            os.close(self._reader)
            self._reader = -1
        shutil.rmtree(self._folder, ignore_errors=True)

    def send(self, keys: bytes) -> None:
        self._tmux("send-keys", "-t", "bench", "-l", keys.decode())

    def _read(self, timeout: float) -> bool:
        readable, _, _ = select.select([self._reader], [], [], timeout)
        if not readable:
            return True
        try:
            data = os.read(self._reader, 1 << 16)
        except BlockingIOError:
            return True
        if data:
            self._arrived(data)
        return True
