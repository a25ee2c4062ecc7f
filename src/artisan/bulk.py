"""Building many objects at once without the garbage collector's help.

Loading a library makes tens of thousands of objects that all stay alive. Each time enough new
objects pile up, Python's cyclic collector scans the young ones, and every so often all of them,
so the work of a load grows faster than the library does. None of these objects form cycles
that need collecting, so the collector is paused while they are made. It is only paused: once
the block ends, the objects made are collected (or promoted) like any others. (Freezing them
with `gc.freeze` instead would also exempt every other object alive at that moment, in every
thread, from collection for the rest of the process: a dialog closed later would never be
freed.)
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block, when it was running."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
