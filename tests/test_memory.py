"""Loading the library never keeps other objects alive: what is dropped is collected."""

from __future__ import annotations

import gc
import threading
import weakref

from artisan import locations
from artisan.entry import PromptEntry
from artisan.library import Library
from artisan.search import SearchIndex


class Dialog:
    """Stands for a screen closed while the library loads: it refers to itself, so only the
    cyclic collector can free it."""

    def __init__(self) -> None:
        self.itself = self
        self.payload = [object() for _ in range(10)]


def test_objects_with_cycles_alive_during_loads_are_collected() -> None:
    """200 loads (and search indexes), each from a worker thread as in the app, each with a
    dialog alive at that moment and dropped after: every dialog is freed."""
    folder = locations.library_dir()
    library = Library(folder)
    for number in range(30):
        library.add(PromptEntry.create(f"prompt number {number}", tags=["sea"]))
    library.load()
    gc.collect()
    freed: list[weakref.ref[Dialog]] = []
    for _ in range(200):
        dialog = Dialog()
        freed.append(weakref.ref(dialog))

        def load() -> None:
            fresh = Library(folder)
            fresh.load_cached()
            fresh.load()
            index = SearchIndex(fresh.entries())
            index.build()
            index.warm()
            index.search("sea")

        worker = threading.Thread(target=load)
        worker.start()
        worker.join(timeout=30)
        assert not worker.is_alive()
        del dialog
    gc.collect()
    assert gc.isenabled()
    assert sum(ref() is not None for ref in freed) == 0
