"""The Textual app. Importing this package imports Textual; the core never does."""

from __future__ import annotations

import gc
import logging
import os
import sys

from artisan import config, locations
from artisan.clock import Clock, system_clock
from artisan.errors import ConfigError
from artisan.tui.graphics import GraphicsProbe, under_multiplexer


def run(*, clock: Clock = system_clock) -> int:
    """Start the app on `clock` (what time it is, for what is decided by the date); returns
    the exit status."""
    # The imports and the app's objects that follow live as long as the process: the cyclic
    # collector is paused while they are made, and they are then moved out of its way (see
    # `before_the_first_frame`).
    gc.disable()
    _log_to_file()
    warnings: list[str] = []
    try:
        loaded = config.load()
        settings = loaded.settings
        warnings.extend(loaded.warnings)
    except ConfigError as error:
        settings = config.DEFAULTS
        warnings.append(f"{error} Using the default settings for now.")

    probe = _start_graphics_probe(settings)
    # Textual is imported while the terminal answers the probe: the round trip costs nothing.
    from artisan.discovery import WELL_KNOWN
    from artisan.tui.app import ArtisanApp
    from artisan.tui.setup import SERVER_SEARCH_DELAY, is_first_start

    app = ArtisanApp(
        settings,
        warnings=warnings,
        welcome=is_first_start(settings),
        local_servers=WELL_KNOWN,
        server_search_delay=SERVER_SEARCH_DELAY,
        clock=clock,
    )
    app.pictures.graphics = probe.result() if probe is not None else None
    before_the_first_frame()
    app.run()
    return app.return_code or 0


def before_the_first_frame() -> None:
    """Move every object made so far (modules, classes, the app) out of the cyclic collector's
    sight for good, and let it run again.

    They live as long as the process. Left to the collector, the collections set off by the
    app's start-up walk all of them, time and again, before the first frame: about 20 ms of
    a launch, more with the collector running through the imports as well.
    """
    gc.freeze()
    gc.enable()


def _start_graphics_probe(settings: config.Settings) -> GraphicsProbe | None:
    """Ask the terminal for its image protocol: previews and the gallery draw with it (the
    gallery's thumbnails are in the terminal even on a desktop). With `open = never` nothing is
    asked, and the gallery draws half-blocks."""
    if settings.open == "never":
        return None
    if not sys.stdout.isatty() or not sys.stdin.isatty():
        return None
    probe = GraphicsProbe(
        ask=not under_multiplexer(os.environ), stdin=sys.stdin.fileno(), stdout=sys.stdout.fileno()
    )
    probe.start()
    return probe


def _log_to_file() -> None:
    """Unexpected errors go, with their traceback, to the log file in the data folder."""
    path = locations.log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(path, encoding="utf-8", delay=True)
    except OSError:
        handler = logging.NullHandler()  # an unwritable data folder is reported elsewhere
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("artisan")
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
