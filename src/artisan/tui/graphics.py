"""Pictures inside the terminal: which protocol it speaks, and the widget that draws with it.

The preview draws with textual-image, which can draw with Kitty graphics, Sixel, or half-block
characters that every colour terminal shows. Which one a terminal speaks, and how many pixels
a cell has, only the terminal can say, and it must be asked before Textual owns stdin (after
that, Textual reads the answers as keys). `GraphicsProbe` asks at start in one write: the Kitty
graphics query, the cell size (`CSI 16 t`) and the primary device attributes (`CSI c`), which
every terminal answers, and answers last, since terminals answer in order. The answers are read
in a thread while the app's modules are imported, so the round trip costs the launch nothing;
textual-image itself (and Pillow) is imported only when a picture is first shown, told the cell
size and asking nothing.

Under tmux and GNU screen nothing is asked: the queries would leak through the multiplexer (tmux
turns the Kitty query into the pane's title and leaves it there), and neither passes Kitty
graphics on, so half-blocks are used without asking. They are told by `$TMUX` and `$STY`, and by
the terminal type (`TERM=tmux-256color`, `screen...`), which stays when the variables do not
(after `ssh` from a tmux pane).

This module is the one place that knows the protocols: the probe, the table of their names, and
the choice of widget.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import select
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.widget import Widget

log = logging.getLogger("artisan")

HALF_BLOCKS = "HalfcellImage"
SIXEL = "SixelImage"
KITTY = "TGPImage"
PROTOCOLS = {
    KITTY: "kitty graphics",
    SIXEL: "sixel",
    HALF_BLOCKS: "half-block characters",
    "UnicodeImage": "unicode blocks",
}
"""textual-image's widget classes, by the name of the protocol each draws with."""

QUERIES = b"\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\" + b"\x1b[16t" + b"\x1b[c"
"""Kitty graphics support (a query that draws nothing), the cell size in pixels, and the
device attributes, whose answer ends the reading."""
ANSWER_WAIT = 0.5
"""Seconds to wait for a terminal that does not answer the device attributes (rare; a
terminal answers within a round trip, while the app's modules are still being imported)."""
_KITTY_ANSWER = re.compile(rb"\x1b_G[^\x1b]*;OK\x1b\\")
_CELL_ANSWER = re.compile(rb"\x1b\[6;(\d+);(\d+)t")
_ATTRIBUTES_ANSWER = re.compile(rb"\x1b\[\?([\d;]*)c")


@dataclass(frozen=True)
class Graphics:
    """What the terminal said: the protocol to draw with, and a cell's size in pixels."""

    protocol: str = HALF_BLOCKS
    """A textual-image widget class name (a key of PROTOCOLS)."""
    cell: tuple[int, int] | None = None
    """(width, height) of a cell in pixels, when the terminal told it."""


def read_answers(answers: bytes, pixels: tuple[int, int] | None = None) -> Graphics:
    """What the terminal's answers to QUERIES say.

    Sixel comes first when a terminal speaks both (WezTerm and Konsole answer the Kitty query
    but do not draw Kitty's placeholders); `pixels` is the cell size the kernel knows (from the
    window size), preferred to the terminal's answer.
    """
    attributes = _ATTRIBUTES_ANSWER.search(answers)
    if attributes is not None and "4" in attributes.group(1).decode().split(";"):
        protocol = SIXEL
    elif _KITTY_ANSWER.search(answers):
        protocol = KITTY
    else:
        protocol = HALF_BLOCKS
    cell = pixels
    size = _CELL_ANSWER.search(answers)
    if cell is None and size is not None:
        height, width = int(size.group(1)), int(size.group(2))
        cell = (width, height) if width and height else None
    return Graphics(protocol, cell)


def under_multiplexer(environ: Mapping[str, str]) -> bool:
    """Whether the terminal is tmux or GNU screen, which do not pass graphics queries on: by
    `$TMUX` and `$STY`, or by `TERM` when they did not come along (ssh from a tmux pane)."""
    from artisan.terminal import under_multiplexer as multiplexed

    return multiplexed(environ)


class GraphicsProbe:
    """Asks the terminal which image protocol it speaks, reading the answers in a thread.

    Args:
        ask: Query the terminal. False (under a multiplexer) picks half-blocks and sends
            nothing.
        stdin: The terminal's file descriptor the answers are read from.
        stdout: The one the queries are written to.
    """

    def __init__(self, *, ask: bool = True, stdin: int = 0, stdout: int = 1) -> None:
        self.ask = ask
        self.terminal = stdin
        self.stdout = stdout
        self._thread = threading.Thread(target=self._read, name="graphics-probe", daemon=True)
        self._found = Graphics()
        self._mode: list[Any] | None = None

    def start(self) -> None:
        """Send the queries; the answers are read in a thread until `result`."""
        if not self.ask:
            self._found = Graphics(cell=_cell_pixels(self.stdout))
            return
        import termios
        import tty

        try:
            self._mode = termios.tcgetattr(self.terminal)
            # No echo and no line editing: the answers must not show, and come byte by byte.
            tty.setcbreak(self.terminal, termios.TCSANOW)
            os.write(self.stdout, QUERIES)
        except OSError as error:
            log.warning("image protocol detection failed: %s", error)
            self._restore()
            return
        self._thread.start()

    def result(self) -> Graphics:
        """What the terminal said (waits for its answers, ANSWER_WAIT seconds at most)."""
        if self._thread.ident is not None:
            self._thread.join()
        return self._found

    def _read(self) -> None:
        answers = b""
        deadline = time.monotonic() + ANSWER_WAIT
        try:
            while not _ATTRIBUTES_ANSWER.search(answers):
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([self.terminal], [], [], left)[0]:
                    log.warning("the terminal did not say which image protocol it speaks")
                    break
                chunk = os.read(self.terminal, 1024)
                if not chunk:
                    break
                answers += chunk
            self._found = read_answers(answers, _cell_pixels(self.stdout))
        except OSError as error:
            log.warning("image protocol detection failed: %s", error)
        finally:
            self._restore()

    def _restore(self) -> None:
        if self._mode is None:
            return
        import termios

        with contextlib.suppress(OSError):
            termios.tcsetattr(self.terminal, termios.TCSANOW, self._mode)
        self._mode = None


def _cell_pixels(terminal: int) -> tuple[int, int] | None:
    """A cell's size in pixels from the window size the kernel holds, when it has pixels."""
    import fcntl
    import struct
    import termios

    try:
        packed = fcntl.ioctl(terminal, termios.TIOCGWINSZ, b"\0" * 8)
    except OSError:
        return None
    rows, columns, width, height = struct.unpack("HHHH", packed)
    if not (rows and columns and width and height):
        return None
    return (width // columns, height // rows)


@contextlib.contextmanager
def _asking_nothing(cell: tuple[int, int] | None) -> Iterator[None]:
    """While importing textual-image: it sees no terminal (so it asks nothing, which must
    never happen once Textual reads the terminal's answers), and takes the cell size the
    probe found from the variables it reads for that (those textual-serve sets)."""
    real = sys.__stdout__
    saved = {name: os.environ.get(name) for name in ("TEXTUAL_CELL_WIDTH", "TEXTUAL_CELL_HEIGHT")}
    sys.__stdout__ = io.StringIO()  # type: ignore[misc,assignment]
    if cell is not None:
        os.environ["TEXTUAL_CELL_WIDTH"], os.environ["TEXTUAL_CELL_HEIGHT"] = map(str, cell)
    try:
        yield
    finally:
        sys.__stdout__ = real  # type: ignore[misc]
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def image_widget_class(graphics: Graphics) -> Callable[[Any], Widget]:
    """The textual-image widget that draws with the protocol the terminal speaks.

    textual-image is imported here, when a picture is first shown, as if stdout were not a
    terminal: importing it would otherwise ask the terminal questions.
    """
    if "textual_image.widget" not in sys.modules:
        with _asking_nothing(graphics.cell):
            from textual_image import widget
    from textual_image import widget

    found: Callable[[Any], Widget] = getattr(widget, graphics.protocol, widget.HalfcellImage)
    return found


def protocol_name(image_class: object) -> str:
    """How a person would call the protocol a widget class draws with."""
    name = getattr(image_class, "__name__", "")
    return PROTOCOLS.get(name, name or "unknown")
