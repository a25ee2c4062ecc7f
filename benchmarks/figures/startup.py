"""Launch figures, in a real terminal: first paint, listed and searchable, peak memory.

Kinds of launch alternate, round after round, so machine noise hits them alike:

- the baseline: a minimal Textual app (`apps/baseline_app.py`);
- `artisan` with an empty library (a fresh install);
- `artisan` with the big generated library and a valid `.index.json` (warm);
- `artisan` with an empty library and `open = "never"`, which skips the probe of the
  terminal's image protocol (made at launch when previews may be shown in the terminal, as here:
  the child has no DISPLAY, like an SSH session).

Then a few launches with the cache deleted first (cold). Each kind runs in a pty of the harness
(`terminal.PtyProcess`, which answers terminal queries like xterm) and, in full runs when tmux
is installed, in a tmux pane (which answers them itself, and where artisan does not probe). A
launch is timed from the start to:

- first paint: the first frame with every pane drawn: the alternate screen is on, the Idea
  pane's title and the key bar's "Quit" are on screen, and so is the Library pane's search box
  (drawn in a later frame than the rest: the app fills that pane after its first frame). The
  baseline's first paint is its one frame: its text and its key bar;
- listed and searchable: once the search box is drawn, ctrl+l, then (once the box shows its
  cursor) a word typed at once; until the Library pane's border counts the matches of that word
  among the whole library ("1,234 of 10,000 · “lighthouse”");

and its peak resident memory (VmHWM) is read once the search has answered.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks import budgets, data
from benchmarks.apps.baseline_app import MARKER
from benchmarks.context import Context
from benchmarks.paths import APPS, PYTHON, artisan_command, child_env
from benchmarks.results import Row
from benchmarks.terminal import ALT_SCREEN, TMUX, PtyProcess, TerminalOutput, TmuxPane

ROWS = 40
COLUMNS = 120
KEY_BAR = re.compile(rb"\x1b\[40;1H[^\n]*?Quit")
"""The bottom row written, with the key bar's last key."""
SEARCH_BOX = b"Search  (ctrl+l)"
SEARCH_BOX_FOCUSED = re.compile(rb"S\x1b\[0m(?:\x1b\[[0-9;]*m)*earch  \(ctrl\+l\)")
"""The search box drawn with its cursor on the first letter of its placeholder: it has focus."""
QUERY = "lighthouse"
CTRL_L = b"\x0c"

Terminal = Callable[[list[str], dict[str, str]], TerminalOutput]


def in_pty(argv: list[str], env: dict[str, str]) -> TerminalOutput:
    return PtyProcess(argv, env, columns=COLUMNS, rows=ROWS)


def in_tmux(argv: list[str], env: dict[str, str]) -> TerminalOutput:
    return TmuxPane(argv, env, columns=COLUMNS, rows=ROWS)


@dataclass
class Launch:
    first_paint: float
    searched: float | None = None
    peak_rss: int | None = None


def launch_baseline(ctx: Context, terminal: Terminal) -> Launch:
    argv = [PYTHON, str(APPS / "baseline_app.py")]
    with terminal(argv, child_env(ctx.home())) as child:
        paint = child.wait_for(ALT_SCREEN, MARKER.encode(), KEY_BAR)
    return Launch(paint)


def found_among(size: int) -> re.Pattern[bytes]:
    """The Library pane's border counting the matches of QUERY among `size` (at least one,
    when there is a library)."""
    count = f" of {size:,} \u00b7 \u201c{QUERY}\u201d".encode()
    return re.compile((rb"[1-9][\d,]*" if size else rb"\b0") + re.escape(count))


def launch_artisan(
    ctx: Context, terminal: Terminal, library: Path | None, size: int, *, probe: bool = True
) -> Launch:
    """`artisan` with `library` (None: empty). Without `probe`, `open = "never"` in its
    config.toml: no image previews, so no probing of the terminal's image protocol. Once the
    panes are drawn, a word is searched for (in an empty library too, so that the memory of
    both is read at the same point)."""
    home = ctx.home(library)
    if not probe:
        (home / "config" / "config.toml").write_text('open = "never"\n', encoding="utf-8")
    with terminal(artisan_command(), child_env(home)) as child:
        child.wait_for(ALT_SCREEN, b" Idea ")
        paint = child.wait_for_all(KEY_BAR, SEARCH_BOX)
        child.send(CTRL_L)
        child.wait_for(SEARCH_BOX_FOCUSED, timeout=60)
        child.send(QUERY.encode())
        searched = child.wait_for(found_among(size), timeout=120)
        peak = child.peak_rss() if isinstance(child, PtyProcess) else None
    return Launch(paint, searched, peak)


def launches(ctx: Context, terminal: Terminal, label: str) -> dict[str, list[Launch]]:
    """Every kind of launch, `pty_rounds` times, in turns; then the cold ones."""
    profile = ctx.profile
    size = profile.library_size
    library = ctx.library(size)
    kinds = ("baseline", "empty", "library", "no-probe")
    results: dict[str, list[Launch]] = {kind: [] for kind in kinds}

    def launch(kind: str) -> Launch:
        if kind == "baseline":
            return launch_baseline(ctx, terminal)
        if kind == "empty":
            return launch_artisan(ctx, terminal, None, 0)
        if kind == "no-probe":
            return launch_artisan(ctx, terminal, None, 0, probe=False)
        data.ensure_warm(library)
        return launch_artisan(ctx, terminal, library, size)

    for kind in kinds:  # warm-up: disk caches, compiled bytecode
        launch(kind)
    for round_ in range(profile.pty_rounds):
        ctx.log(f"startup ({label}): launch round {round_ + 1}/{profile.pty_rounds}")
        shift = round_ % len(kinds)
        for kind in kinds[shift:] + kinds[:shift]:
            results[kind].append(launch(kind))

    results["cold"], results["cold-empty"] = [], []
    for run in range(profile.cold_runs):
        ctx.log(f"startup ({label}): cold-cache launch {run + 1}/{profile.cold_runs}")
        results["cold-empty"].append(launch("empty"))
        data.make_cold(library)
        results["cold"].append(launch_artisan(ctx, terminal, library, size))
    data.ensure_warm(library)
    return results


def rows_for(ctx: Context, results: dict[str, list[Launch]], where: str, key: str) -> list[Row]:
    size = ctx.profile.library_size
    big = f"{size:,} saved prompts"

    def paint(kind: str) -> list[float]:
        return [launch.first_paint for launch in results[kind]]

    def searched(kind: str) -> list[float]:
        return [launch.searched or 0.0 for launch in results[kind]]

    rows = [
        Row(
            id=f"startup.first_paint.empty{key}",
            figure=f"launch to first paint, empty library ({where})",
            values=paint("empty"),
            baseline=paint("baseline"),
            baseline_label="minimal Textual app",
            budget=budgets.FIRST_PAINT,
        ),
        Row(
            id=f"startup.first_paint.no_probe{key}",
            figure=f'launch to first paint, empty library, open = "never" ({where})',
            values=paint("no-probe"),
            baseline=paint("baseline"),
            baseline_label="minimal Textual app",
            note="no image previews, so no probe of the terminal's image protocol at launch",
        ),
        Row(
            id=f"startup.first_paint.library{key}",
            figure=f"launch to first paint, {big} ({where})",
            cache="warm",
            values=paint("library"),
            baseline=paint("empty"),
            baseline_label="empty library",
            budget=budgets.FIRST_PAINT_LIBRARY,
        ),
        Row(
            id=f"startup.first_paint.library_cold{key}",
            figure=f"launch to first paint, {big} ({where})",
            cache="cold",
            values=paint("cold"),
            baseline=paint("cold-empty"),
            baseline_label="empty library",
        ),
        Row(
            id=f"startup.searchable{key}",
            figure=f"launch until a typed word is found among {big} ({where})",
            cache="warm",
            values=searched("library"),
            budget=budgets.SEARCHABLE,
            note=f"the panes drawn, ctrl+l, “{QUERY}” typed; until the pane counts its matches",
        ),
        Row(
            id=f"startup.searchable_cold{key}",
            figure=f"launch until a typed word is found among {big} ({where})",
            cache="cold",
            values=searched("cold"),
        ),
    ]
    if where == "pty":
        rows.append(
            Row(
                id="startup.memory",
                figure=f"peak memory (VmHWM) of the app, {big}, once searched",
                cache="warm",
                unit="bytes",
                values=[float(launch.peak_rss or 0) for launch in results["library"]],
                baseline=[float(launch.peak_rss or 0) for launch in results["empty"]],
                baseline_label="empty library",
                budget=budgets.MEMORY,
            )
        )
    return rows


def measure_startup(ctx: Context) -> list[Row]:
    rows = rows_for(ctx, launches(ctx, in_pty, "pty"), "pty", "")
    if ctx.profile.tmux and TMUX is not None:
        rows += rows_for(ctx, launches(ctx, in_tmux, "tmux"), "tmux", ".tmux")
    return rows
