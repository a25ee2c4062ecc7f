"""Launch figures, in a real pty: first paint, library listed, peak memory.

Four kinds of launch alternate, round after round, so machine noise hits them alike:

- the baseline: a minimal Textual app (`apps/baseline_app.py`);
- `artisan` with an empty library (a fresh install);
- `artisan` with the big generated library and a valid `.index.json` (warm);
- `artisan` with an empty library and `open = "never"`, which skips the probe of the
  terminal's image protocol (made at launch when previews may be shown in the terminal, as here:
  the child has no DISPLAY, like an SSH session).

Then a few launches with the cache deleted first (cold). A launch is timed from the spawn to:

- first paint: the alternate screen is on and the first frame has reached its bottom row (the
  key bar's "Quit"), after a recognisable piece of the top (the "Idea" pane title, or the
  baseline's text);
- listed: the Library pane's border says "N saved" for the whole library;

and its peak resident memory (VmHWM) is read once the library is listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from benchmarks import data
from benchmarks.apps.baseline_app import MARKER
from benchmarks.context import Context
from benchmarks.paths import APPS, PYTHON, artisan_command, child_env
from benchmarks.results import MIB, Budget, Row
from benchmarks.terminal import ALT_SCREEN, PtyProcess

ROWS = 40
COLUMNS = 120
BOTTOM = f"\x1b[{ROWS};1H".encode()


@dataclass
class Launch:
    first_paint: float
    listed: float | None = None
    peak_rss: int | None = None


def launch_baseline(ctx: Context) -> Launch:
    home = ctx.home()
    argv = [PYTHON, str(APPS / "baseline_app.py")]
    with PtyProcess(argv, child_env(home), columns=COLUMNS, rows=ROWS) as child:
        paint = child.wait_for(ALT_SCREEN, MARKER.encode(), BOTTOM, b"Quit")
    return Launch(paint)


def launch_artisan(ctx: Context, library: Path | None, size: int, *, probe: bool = True) -> Launch:
    """`artisan` with `library` (None: empty). Without `probe`, `open = "never"` in its
    config.toml: no image previews, so no probing of the terminal's image protocol."""
    home = ctx.home(library)
    if not probe:
        (home / "config" / "config.toml").write_text('open = "never"\n', encoding="utf-8")
    listed_marker = f" {size:,} saved".encode()
    with PtyProcess(artisan_command(), child_env(home), columns=COLUMNS, rows=ROWS) as child:
        paint = child.wait_for(ALT_SCREEN, b" Idea ", BOTTOM, b"Quit")
        listed = child.wait_for(listed_marker, timeout=120)
        peak = child.peak_rss()
    return Launch(paint, listed, peak)


def measure_startup(ctx: Context) -> list[Row]:
    profile = ctx.profile
    size = profile.library_size
    library = ctx.library(size)
    kinds = ("baseline", "empty", "library", "no-probe")
    results: dict[str, list[Launch]] = {kind: [] for kind in kinds}

    def launch(kind: str) -> Launch:
        if kind == "baseline":
            return launch_baseline(ctx)
        if kind == "empty":
            return launch_artisan(ctx, None, 0)
        if kind == "no-probe":
            return launch_artisan(ctx, None, 0, probe=False)
        data.ensure_warm(library)
        return launch_artisan(ctx, library, size)

    for kind in kinds:  # warm-up: disk caches, compiled bytecode
        launch(kind)
    for round_ in range(profile.pty_rounds):
        ctx.log(f"startup: launch round {round_ + 1}/{profile.pty_rounds}")
        shift = round_ % len(kinds)
        for kind in kinds[shift:] + kinds[:shift]:
            results[kind].append(launch(kind))

    cold: list[Launch] = []
    cold_empty: list[Launch] = []
    for run in range(profile.cold_runs):
        ctx.log(f"startup: cold-cache launch {run + 1}/{profile.cold_runs}")
        cold_empty.append(launch("empty"))
        data.make_cold(library)
        cold.append(launch_artisan(ctx, library, size))
    data.ensure_warm(library)

    def paint(kind: str) -> list[float]:
        return [launch.first_paint for launch in results[kind]]

    big = f"{size:,} saved prompts"
    return [
        Row(
            id="startup.first_paint.empty",
            figure="launch to first paint, empty library (pty)",
            values=paint("empty"),
            baseline=paint("baseline"),
            baseline_label="minimal Textual app",
            budget=Budget("ratio", 1.3),
        ),
        Row(
            id="startup.first_paint.no_probe",
            figure='launch to first paint, empty library, open = "never" (pty)',
            values=paint("no-probe"),
            baseline=paint("baseline"),
            baseline_label="minimal Textual app",
            note="no image previews, so no probe of the terminal's image protocol at launch",
        ),
        Row(
            id="startup.first_paint.library",
            figure=f"launch to first paint, {big} (pty)",
            cache="warm",
            values=paint("library"),
            baseline=paint("empty"),
            baseline_label="empty library",
            budget=Budget("ratio", 1.1),
        ),
        Row(
            id="startup.first_paint.library_cold",
            figure=f"launch to first paint, {big} (pty)",
            cache="cold",
            values=[launch.first_paint for launch in cold],
            baseline=[launch.first_paint for launch in cold_empty],
            baseline_label="empty library",
        ),
        Row(
            id="startup.listed",
            figure=f"launch until {big} listed and searchable",
            cache="warm",
            values=[launch.listed or 0.0 for launch in results["library"]],
            budget=Budget("at_most", 0.5),
        ),
        Row(
            id="startup.listed_cold",
            figure=f"launch until {big} listed and searchable",
            cache="cold",
            values=[launch.listed or 0.0 for launch in cold],
        ),
        Row(
            id="startup.memory",
            figure=f"peak memory (VmHWM) of the app, {big}, once listed",
            cache="warm",
            unit="bytes",
            values=[float(launch.peak_rss or 0) for launch in results["library"]],
            baseline=[float(launch.peak_rss or 0) for launch in results["empty"]],
            baseline_label="empty library",
            budget=Budget("delta", 60 * MIB),
        ),
    ]
