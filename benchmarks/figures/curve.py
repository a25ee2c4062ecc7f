"""How loading and searching grow with the library: 100, 1,000, 10,000 and 100,000 prompts.

Each size is measured in a fresh interpreter (`apps/curve_worker.py`) with artisan's core alone,
which is what the app's library worker and search box run:

- load: `Library.load()` plus `entries()` (newest first), warm (valid `.index.json`) and cold
  (cache deleted: every file parsed, the cache written again);
- index: building the `SearchIndex` and its fuzzy vocabulary (`warm()`), as the app does after
  loading;
- search: every keystroke of the typed queries (`benchmarks.queries`), p95.

A growth row per curve gives the worst log-log slope between consecutive sizes (1.0 = linear:
ten times the prompts, ten times the time), judged only from sizes whose time is at least
`FLOOR` (below it, fixed costs and timer noise decide the slope, not the algorithm).
"""

from __future__ import annotations

import json
import subprocess

from benchmarks import budgets, data
from benchmarks.context import Context
from benchmarks.paths import PYTHON, ROOT
from benchmarks.results import Row
from benchmarks.stats import Summary, growth_exponent

FLOOR = 0.010
"""Seconds; a step of the curve is judged only when its smaller time is at least this."""
TITLES = {
    "warm": ("load (Library.load + entries)", "median"),
    "cold": ("load (Library.load + entries)", "median"),
    "index": ("search index build (SearchIndex + warm)", "median"),
    "search": ("search per keystroke (core), p95", "p95"),
}


def measure_point(ctx: Context, size: int) -> dict[str, list[float]]:
    profile = ctx.profile
    folder = ctx.library(size)
    warm_runs = profile.runs if size < 100_000 else max(1, profile.runs // 2)
    command = [
        PYTHON,
        "-m",
        "benchmarks.apps.curve_worker",
        str(folder),
        str(warm_runs),
        str(profile.cold_runs),
    ]
    try:
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False
        )
    finally:
        data.ensure_warm(folder)
    if done.returncode != 0:
        raise RuntimeError(f"curve worker for {size:,} prompts failed: {done.stderr[-500:]}")
    result: dict[str, list[float]] = json.loads(done.stdout)
    return result


def measure_curve(ctx: Context) -> list[Row]:
    sizes = ctx.profile.curve_sizes
    points = []
    for size in sizes:
        ctx.log(f"curve: {size:,} prompts")
        points.append(measure_point(ctx, size))

    rows: list[Row] = []
    for key, (title, stat) in TITLES.items():
        cache = key if key in ("warm", "cold") else "-"
        times = [Summary.of(point[key]).stat(stat) for point in points]
        slope = growth_exponent(sizes, times, FLOOR)
        steps = ", ".join(
            f"{a:,}->{b:,}: x{t2 / t1:.1f}"
            for a, b, t1, t2 in zip(sizes, sizes[1:], times, times[1:], strict=False)
            if t1 > 0
        )
        rows.append(
            Row(
                id=f"curve.{key}.growth",
                figure=f"growth: {title}",
                cache=cache,
                unit="exponent",
                judged=slope,
                values=[slope] if slope is not None else [],
                budget=budgets.GROWTH,
                note=f"time per size step {steps} (steps from under {FLOOR * 1000:g} ms not judged)"
                if steps
                else "",
                not_applicable=None
                if slope is not None
                else f"under {FLOOR * 1000:g} ms at every size but the last; not judged",
            )
        )
        short = title.split(" (")[0]
        for size, point in zip(sizes, points, strict=True):
            rows.append(
                Row(
                    id=f"curve.{key}.{size}",
                    figure=f"  {short}, {size:,} prompts",
                    cache=cache,
                    values=point[key],
                )
            )
    return rows
