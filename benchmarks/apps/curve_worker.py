"""One point of the size curves, measured in a fresh interpreter (as the app's library worker
runs in a fresh process), so that objects left by other figures do not slow the garbage
collector down. Prints one JSON object: lists of seconds for `warm`, `cold`, `index`, `search`.

Usage: python -m benchmarks.apps.curve_worker LIBRARY_FOLDER WARM_RUNS COLD_RUNS
"""

from __future__ import annotations

import gc
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.queries import keystrokes

CACHE_FILE = ".index.json"


def timed(action: Callable[[], object]) -> float:
    gc.collect()
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def load(folder: Path) -> None:
    """What the app's library worker reads: the entries, newest first."""
    from artisan.library import Library

    library = Library(folder)
    library.load()
    library.entries()


def main(folder: Path, warm_runs: int, cold_runs: int) -> dict[str, list[float]]:
    from artisan.library import Library
    from artisan.search import SearchIndex

    load(folder)  # warm-up: disk cache, imports
    warm = [timed(lambda: load(folder)) for _ in range(warm_runs)]
    cold: list[float] = []
    for _ in range(cold_runs):
        (folder / CACHE_FILE).unlink(missing_ok=True)
        cold.append(timed(lambda: load(folder)))

    library = Library(folder)
    library.load()
    entries = library.entries()
    SearchIndex(entries).warm()  # warm-up: imports rapidfuzz
    index_times = [timed(lambda: SearchIndex(entries).warm()) for _ in range(warm_runs)]
    index = SearchIndex(entries)
    index.warm()
    search: list[float] = []
    gc.collect()
    for typed in keystrokes():
        started = time.perf_counter()
        index.search(typed)
        search.append(time.perf_counter() - started)
    return {"warm": warm, "cold": cold, "index": index_times, "search": search}


if __name__ == "__main__":
    result = main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
    print(json.dumps(result))
