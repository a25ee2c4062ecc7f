"""Building many objects at once without the garbage collector's help.

Loading a library makes tens of thousands of objects that all stay alive. Each time enough new
objects pile up, Python's cyclic collector scans every tracked object again, so the work of a
load grows faster than the library does. None of these objects form cycles that need
collecting, so the collector is paused while they are made, and they are then moved out of its
sight for good (`gc.freeze`): otherwise the first collection after the pause would scan them
all at once, and every full collection after that again.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block; exempt what it made from collection."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if collecting:
            gc.enable()
