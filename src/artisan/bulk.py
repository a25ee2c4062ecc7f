"""Building many objects at once without the garbage collector's help.

Loading a library makes tens of thousands of objects that all stay alive. Each time enough new
objects pile up, Python's cyclic collector scans the young ones, and every so often all of them,
so the work of a load grows faster than the library does. None of these objects form cycles
that need collecting, so the collector is paused while they are made, and they are then moved
straight to the oldest generation, which is scanned only by the rare full collections: without
that, the first collection after the pause would scan them all at once, and the next ones
again as they age.

The move is `gc.freeze()` followed at once by `gc.unfreeze()`, which puts the frozen objects
into the oldest generation. Nothing stays frozen: `gc.freeze()` alone would exempt every object
alive at that moment, in every thread, from collection for the rest of the process, so a dialog
closed later would never be freed.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block, then age what it made at once."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if collecting:
            gc.enable()
