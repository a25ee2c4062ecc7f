"""The Textual app. Importing this package imports Textual; the core never does."""

from __future__ import annotations

import logging
import os
import sys
import threading

from artisan import config, locations
from artisan.errors import ConfigError


def run() -> int:
    """Start the app; returns the exit status."""
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
    # Textual is imported while the terminal answers the probe: the waits overlap.
    from artisan.tui.app import ArtisanApp

    app = ArtisanApp(settings, warnings=warnings)
    app.graphics = probe.result() if probe is not None else None
    app.run()
    return app.return_code or 0


def _start_graphics_probe(settings: config.Settings) -> GraphicsProbe | None:
    """Ask the terminal for its image protocol, when images may be previewed in it."""
    from artisan.images.opener import choose_viewer

    if choose_viewer(settings.open, sys.platform, os.environ).how != "terminal":
        return None
    if not sys.stdout.isatty() or not sys.stdin.isatty():
        return None
    probe = GraphicsProbe()
    probe.start()
    return probe


_PROTOCOL_CLASSES = {
    "tgp": "TGPImage",
    "sixel": "SixelImage",
    "halfcell": "HalfcellImage",
    "unicode": "UnicodeImage",
}


class GraphicsProbe:
    """Asks the terminal which image protocol it speaks, in a thread.

    textual-image asks when it is first imported (it writes queries and reads the answers from
    stdin, waiting up to 0.1 s for each), which must happen before Textual owns stdin. Done in a
    thread while the app's modules are imported, the waiting costs no time at start.
    """

    def __init__(self) -> None:
        self._thread = threading.Thread(target=self._ask, name="graphics-probe", daemon=True)
        self._protocol: str | None = None

    def start(self) -> None:
        # The probe's modules share rich with Textual; loading rich here first means the two
        # threads never import the same modules at the same time.
        import rich.color
        import rich.console
        import rich.control
        import rich.measure
        import rich.segment
        import rich.style  # noqa: F401

        self._thread.start()

    def result(self) -> str:
        """The textual-image class name for the protocol (after the probe has finished)."""
        self._thread.join()
        return self._protocol or "HalfcellImage"

    def _ask(self) -> None:
        # Only textual-image and Pillow are imported here (never an artisan or Textual module,
        # which the main thread is importing meanwhile). Importing `textual_image.renderable`
        # asks about Sixel and Kitty graphics; `get_cell_size` asks for the size of a cell in
        # pixels and keeps the answer for the widgets made later (textual-image's own widget
        # module calls it at import for the same reason).
        try:
            from textual_image._terminal import get_cell_size
            from textual_image.renderable import Image

            get_cell_size()
            # The chosen class is exported as `Image` from the module of its protocol.
            self._protocol = _PROTOCOL_CLASSES.get(Image.__module__.rsplit(".", 1)[-1])
        except Exception as error:
            logging.getLogger("artisan").warning("image protocol detection failed: %s", error)


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
