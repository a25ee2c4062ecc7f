"""The benchmark command: run the figures, print the table, write the JSON.

    python -m benchmarks [--quick] [--strict] [--runs N] [--only PATTERN ...] [-o FILE]
    python -m benchmarks --quick --noise 5      # how far apart repeated runs fall

Exit status: 0 when every figure was measured (and, in a quick run, no ratio is beyond its
gate: its budget or known gap, plus its noise); 1 when a quick run's ratio is beyond its gate,
or with --strict when any budget is over; 2 on a usage error; 3 when a figure could not be
measured.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import fnmatch
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any

from benchmarks.context import FULL, QUICK, Context, Profile
from benchmarks.figures.cli import measure_library_list, measure_prompt
from benchmarks.figures.completions import measure_completions
from benchmarks.figures.curve import measure_curve
from benchmarks.figures.interaction import measure_keys, measure_save, measure_search
from benchmarks.figures.startup import measure_startup
from benchmarks.figures.streaming import measure_stream_five, measure_stream_single
from benchmarks.paths import DEFAULT_RESULTS, ROOT, isolate_this_process
from benchmarks.results import Row, render_noise, render_table, write_json, write_noise_json

EXIT_OK = 0
EXIT_OVER_BUDGET = 1
EXIT_USAGE = 2
EXIT_NOT_MEASURED = 3

Measure = Callable[[Context], list[Row]]

GROUPS: tuple[tuple[str, str, Measure], ...] = (
    ("startup", "launch in a real pty: first paint, listed, memory", measure_startup),
    ("library-list", "`artisan library list`", measure_library_list),
    ("prompt", "`artisan prompt IDEA` end to end", measure_prompt),
    ("stream", "TUI: one long answer at full speed", measure_stream_single),
    ("stream-five", "TUI: prompt + 4 variations together", measure_stream_five),
    ("keys", "TUI: key latency while streaming", measure_keys),
    ("search", "TUI: search per keystroke", measure_search),
    ("save", "TUI: saving a prompt", measure_save),
    ("completions", "TUI: typing with completions on", measure_completions),
    ("curve", "load and search at growing library sizes", measure_curve),
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Measure artisan (the real program) against same-run baselines and budgets.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="fewer runs, small curves (for CI): exit 1 when a ratio is beyond its budget "
        "(or known gap) by more than its noise",
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a budget is over (full mode only)"
    )
    parser.add_argument(
        "--noise",
        type=int,
        metavar="N",
        help="run everything N times and report how far apart each ratio falls "
        "((max - min) / median), the noise budgets.py allows for",
    )
    parser.add_argument("--runs", type=int, metavar="N", help="paired runs per ratio figure")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="GROUP",
        help="run only these groups (repeatable, globs allowed): "
        + ", ".join(g[0] for g in GROUPS),
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=DEFAULT_RESULTS,
        metavar="FILE",
        help=f"where to write the JSON results (default: {DEFAULT_RESULTS.relative_to(ROOT)})",
    )
    return parser


def _stop(signum: int, frame: FrameType | None) -> None:
    """SIGTERM ends the run like ctrl+c, so every child process is stopped on the way out."""
    raise KeyboardInterrupt


def compile_sources() -> None:
    """Write artisan's bytecode caches, as an installed package has them.

    With PYTHONDONTWRITEBYTECODE set (as on some machines, this one included) Python never
    writes them for an editable install, so every launch would compile artisan from source
    while the baseline's packages come precompiled. `compileall` writes them regardless.
    """
    import compileall

    package = Path(__file__).resolve().parents[1] / "src" / "artisan"
    compileall.compile_dir(package, quiet=1)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.quick and args.strict:
        parser.error("--strict applies to full runs; --quick fails on its gates instead")
    if args.runs is not None and args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.noise is not None and args.noise < 2:
        parser.error("--noise needs at least 2 runs")
    groups = [
        g for g in GROUPS if not args.only or any(fnmatch.fnmatch(g[0], p) for p in args.only)
    ]
    if not groups:
        parser.error(f"--only matches no group; groups: {', '.join(g[0] for g in GROUPS)}")

    profile = QUICK if args.quick else FULL
    if args.runs is not None:
        profile = dataclasses.replace(profile, runs=args.runs, pty_rounds=args.runs)
    signal.signal(signal.SIGTERM, _stop)

    compile_sources()
    started = time.perf_counter()
    if args.noise is not None:
        runs = []
        for number in range(args.noise):
            print(f"[noise] run {number + 1}/{args.noise}", file=sys.stderr, flush=True)
            measured = measure_all(profile, groups)
            if measured is None:
                return 130
            runs.append(measured)
        duration = time.perf_counter() - started
        print(render_noise(runs))
        meta = metadata(profile.name, duration, args)
        write_noise_json(args.output, runs, meta)
        return EXIT_NOT_MEASURED if any(r.verdict() == "ERROR" for run in runs for r in run) else 0

    rows = measure_all(profile, groups)
    if rows is None:
        return 130
    duration = time.perf_counter() - started

    print(render_table(rows))
    print(
        f"\n{profile.name} run, {duration:.0f}s; ratios are medians of per-run ratios "
        f"(subject and baseline alternate); JSON: {args.output}"
    )
    write_json(args.output, rows, metadata(profile.name, duration, args))
    return exit_status(rows, quick=args.quick, strict=args.strict)


def measure_all(profile: Profile, groups: list[tuple[str, str, Measure]]) -> list[Row] | None:
    """Every row of `groups`, in a scratch folder of their own; None when interrupted."""
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="artisan-bench-") as scratch:
        work = Path(scratch)
        isolate_this_process(work / "this-process")
        ctx = Context(profile, work)
        ctx.log(f"{profile.name} run of {len(groups)} groups; progress on stderr")
        for name, title, measure in groups:
            ctx.log(f"== {name}: {title}")
            try:
                rows.extend(measure(ctx))
            except KeyboardInterrupt:
                ctx.log("interrupted")
                return None
            except Exception as error:  # reported as a row; the other groups go on
                detail = traceback.format_exception_only(error)[-1].strip()
                ctx.log(f"{name} failed:\n{traceback.format_exc()}")
                rows.append(Row(id=f"{name}.error", figure=title, error=detail))
    return rows


def exit_status(rows: list[Row], *, quick: bool, strict: bool) -> int:
    """3 when a figure could not be measured; 1 when a quick run's ratio is beyond its gate,
    or (strict) a budget is over; 0 otherwise."""
    if any(row.verdict() == "ERROR" for row in rows):
        return EXIT_NOT_MEASURED
    if quick and any(row.gate_failed() for row in rows):
        return EXIT_OVER_BUDGET
    if strict and any(row.verdict() == "OVER" for row in rows):
        return EXIT_OVER_BUDGET
    return EXIT_OK


def metadata(mode: str, duration: float, args: argparse.Namespace) -> dict[str, Any]:
    """Where and on what the numbers were taken."""
    import openai
    import textual

    from artisan import __version__

    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "mode": mode,
        "argv": sys.argv[1:] if args else [],
        "finished": datetime.now().astimezone().isoformat(timespec="seconds"),
        "duration_s": round(duration, 1),
        "artisan": __version__,
        "git": _git(),
        "python": sys.version.split()[0],
        "textual": textual.__version__,
        "openai": openai.__version__,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": load,
    }


def _git() -> dict[str, Any] | None:
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return {"commit": commit, "src_changed_files": len(status.splitlines())}
    return None
