"""Pictures inside the terminal: which protocol it speaks, and the widget that draws with it.

The preview draws with textual-image, which learns the terminal's protocol (Kitty graphics,
Sixel, or half-block characters that every colour terminal shows) by writing queries and
reading the answers from stdin when it is first imported. That must happen before Textual owns
stdin, so `GraphicsProbe` asks at start, in a thread, while the app's modules are imported.

Under tmux and GNU screen nothing is asked: the queries would leak through the multiplexer (tmux
turns the Kitty query into the pane's title and leaves it there), and neither passes Kitty
graphics on, so half-blocks are used without asking. They are told by `$TMUX` and `$STY`, and by
the terminal type (`TERM=tmux-256color`, `screen...`), which stays when the variables do not
(after `ssh` from a tmux pane). textual-image is then imported as if stdout
were not a terminal, which makes it send nothing.

This module is the one place that knows the protocols: the probe, the table of their names, and
the choice of widget.
"""

from __future__ import annotations

import contextlib
import io
import logging
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.widget import Widget

log = logging.getLogger("artisan")

HALF_BLOCKS = "HalfcellImage"
PROTOCOLS = {
    "TGPImage": "kitty graphics",
    "SixelImage": "sixel",
    HALF_BLOCKS: "half-block characters",
    "UnicodeImage": "unicode blocks",
}
"""textual-image's widget classes, by the name of the protocol each draws with."""
_MODULE_CLASSES = {
    "tgp": "TGPImage",
    "sixel": "SixelImage",
    "halfcell": HALF_BLOCKS,
    "unicode": "UnicodeImage",
}
"""The module each of textual-image's renderables lives in, and the widget class for it."""


def under_multiplexer(environ: Mapping[str, str]) -> bool:
    """Whether the terminal is tmux or GNU screen, which do not pass graphics queries on: by
    `$TMUX` and `$STY`, or by `TERM` when they did not come along (ssh from a tmux pane)."""
    from artisan.terminal import under_multiplexer as multiplexed

    return multiplexed(environ)


class GraphicsProbe:
    """Finds the terminal's image protocol in a thread, before the app takes the terminal.

    Args:
        ask: Query the terminal. False (under a multiplexer) picks half-blocks and sends
            nothing.
    """

    def __init__(self, *, ask: bool = True) -> None:
        self.ask = ask
        self._thread = threading.Thread(target=self._run, name="graphics-probe", daemon=True)
        self._protocol: str | None = None

    def start(self) -> None:
        if not self.ask:
            # Half-blocks: nothing to ask, and textual-image is loaded when a picture is first
            # shown. Loading it now, in a thread, slowed the first paint by ~40 ms (the main
            # thread waited for the lock and the interpreter while it ran).
            self._protocol = HALF_BLOCKS
            return
        # textual-image shares rich with Textual; loading rich here first means the two threads
        # never import the same modules at the same time.
        import rich.color
        import rich.console
        import rich.control
        import rich.measure
        import rich.segment
        import rich.style  # noqa: F401

        self._thread.start()

    def result(self) -> str:
        """The protocol's widget class name (waits for the probe to finish)."""
        if self._thread.ident is not None:
            self._thread.join()
        return self._protocol or HALF_BLOCKS

    def _run(self) -> None:
        # Only textual-image and Pillow are imported here, never an artisan or Textual module,
        # which the main thread is importing meanwhile. Importing the widget module asks about
        # Sixel and Kitty graphics and the size of a cell in pixels, and keeps the answers.
        try:
            from textual_image import widget
            from textual_image.renderable import Image

            found = _MODULE_CLASSES.get(Image.__module__.rsplit(".", 1)[-1], HALF_BLOCKS)
            self._protocol = found if hasattr(widget, found) else HALF_BLOCKS
        except Exception as error:
            log.warning("image protocol detection failed: %s", error)


@contextlib.contextmanager
def _quiet_stdout(quiet: bool) -> Iterator[None]:
    """While importing textual-image, make it see no terminal (so it asks nothing)."""
    if not quiet:
        yield
        return
    real = sys.__stdout__
    sys.__stdout__ = io.StringIO()  # type: ignore[misc,assignment]
    try:
        yield
    finally:
        sys.__stdout__ = real  # type: ignore[misc]


def image_widget_class(protocol: str) -> Callable[[Any], Widget]:
    """The textual-image widget that draws with `protocol` (a name from PROTOCOLS).

    When no probe ran (stdout is not a terminal), textual-image is imported as if stdout were
    not one: importing it asks the terminal questions, which must never happen once Textual
    reads the terminal's answers itself.
    """
    if "textual_image.widget" not in sys.modules:
        with _quiet_stdout(True):
            from textual_image import widget
    from textual_image import widget

    found: Callable[[Any], Widget] = getattr(widget, protocol, widget.HalfcellImage)
    return found


def protocol_name(image_class: object) -> str:
    """How a person would call the protocol a widget class draws with."""
    name = getattr(image_class, "__name__", "")
    return PROTOCOLS.get(name, name or "unknown")
