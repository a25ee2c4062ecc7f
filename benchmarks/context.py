"""What a benchmark run needs: the chosen profile (quick or full), a scratch folder, the
generated libraries and a progress log."""

from __future__ import annotations

import itertools
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import data


@dataclass(frozen=True)
class Profile:
    """Sizes and repetitions. `quick` is for CI (a minute or two); `full` for the real numbers."""

    name: str
    runs: int
    """Paired runs (subject and baseline side by side) of each ratio figure."""
    pty_rounds: int
    """Launches of each kind (baseline app, empty library, big library) in a real pty."""
    cold_runs: int
    """Runs of each figure that deletes the library cache first (these are slow)."""
    library_size: int
    """The "big library" of the startup, CLI and TUI figures."""
    curve_sizes: tuple[int, ...]
    stream_words: int
    """Words of the answer streamed at full speed."""
    multi_words: int
    """Words of each of the 5 streams (prompt + 4 variations) streamed at full speed."""
    key_samples: int
    key_stream_words: int
    save_samples: int
    prompt_words: int = 150
    """Words of the answer of `artisan prompt IDEA`."""
    tmux: bool = False
    """Also launch the app in a tmux pane (when tmux is installed)."""


QUICK = Profile(
    name="quick",
    runs=5,
    pty_rounds=3,
    cold_runs=1,
    # The sizes of the figures a quick run fails on are those of a full run, so that a ratio
    # means the same in both; a quick run takes fewer samples and skips the large curves.
    library_size=10_000,
    curve_sizes=(100, 1_000),
    stream_words=5_000,
    multi_words=2_000,
    key_samples=20,
    key_stream_words=3_000,
    save_samples=5,
)
FULL = Profile(
    name="full",
    runs=7,
    pty_rounds=10,
    cold_runs=3,
    library_size=10_000,
    curve_sizes=(100, 1_000, 10_000, 100_000),
    stream_words=5_000,
    multi_words=2_000,
    key_samples=100,
    key_stream_words=4_000,
    save_samples=30,
    tmux=True,
)


@dataclass
class Context:
    """Shared by every figure of one run."""

    profile: Profile
    work: Path
    """A scratch folder, deleted at the end of the run."""
    started: float = field(default_factory=time.perf_counter)
    _homes: itertools.count[int] = field(default_factory=itertools.count)

    def log(self, message: str) -> None:
        """Progress on stderr, so stdout holds only the table."""
        elapsed = time.perf_counter() - self.started
        print(f"[{elapsed:6.1f}s] {message}", file=sys.stderr, flush=True)

    def library(self, size: int) -> Path:
        """The cached generated library of `size` prompts, with a warm cache."""
        return data.library(size, self.log)

    def home(self, library: Path | None = None) -> Path:
        """A fresh home for one measured process: `config/` and `data/` folders, and
        `data/library` pointing at `library` when given.

        The home is that of someone who has used artisan before: the welcome of the very
        first start (a modal over the panes) is marked as shown.
        """
        from artisan.tui.setup import WELCOMED

        home = self.work / f"home-{next(self._homes)}"
        (home / "config").mkdir(parents=True)
        (home / "data").mkdir()
        (home / "data" / WELCOMED).touch()
        if library is not None:
            os.symlink(library, home / "data" / "library")
        return home
