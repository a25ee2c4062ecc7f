"""Everything the command line writes goes through here.

Model output, library values, file names, server messages and the person's own text can hold
escape sequences and control characters: colours, a new window title, an OSC 52 clipboard write,
cursor movement. When the stream is a terminal they are removed before they reach it, so nothing
outside artisan can act on the person's terminal; in a pipe or a file the text goes through as
it is (a script gets exactly what the model sent or the library holds). JSON and TOML output
escape the C1 controls (U+0080-U+009F) always: the data reads back the same, and not even a file
later `cat` to a terminal carries them raw.

A test checks that no other module of the command line writes to stdout or stderr itself.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from typing import Any, TextIO

from artisan.entry import json_default
from artisan.sanitize import StreamSanitizer, for_terminal
from artisan.shorten import shorten

_C1 = re.compile("[\x80-\x9f]")


class ModelTextWriter:
    """Writes streamed model text to a stream, cleaned when the stream is a terminal."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self._sanitizer = StreamSanitizer() if _isatty(self.stream) else None
        self.wrote_any = False
        self.ends_with_newline = True

    def write(self, text: str) -> None:
        if self._sanitizer is not None:
            text = self._sanitizer.feed(text)
        self._emit(text)

    def finish(self) -> None:
        if self._sanitizer is not None:
            self._emit(self._sanitizer.flush())
        if self.wrote_any and not self.ends_with_newline:
            self._emit("\n")

    def _emit(self, text: str) -> None:
        if not text:
            return
        self.stream.write(text)
        self.stream.flush()
        self.wrote_any = True
        self.ends_with_newline = text.endswith("\n")


def shown(text: str, stream: TextIO | None = None) -> str:
    """`text` made safe for `stream` (stdout by default) when it is a terminal."""
    return for_terminal(text) if _isatty(stream or sys.stdout) else text


def say(text: str = "", *, err: bool = False, end: str = "\n") -> None:
    """Write a line to stdout (or stderr), made safe when it is a terminal."""
    stream = sys.stderr if err else sys.stdout
    stream.write(shown(text, stream) + end)
    stream.flush()


def write(text: str) -> None:
    """Write a document (an export) to stdout as it is, made safe when stdout is a terminal."""
    sys.stdout.write(shown(text))
    sys.stdout.flush()


def draw(picture: str) -> None:
    """artisan's own drawing (a preview in coloured half blocks) on stderr, as it is: its
    escape sequences are artisan's, and it holds no outside text. Only on a terminal."""
    if _isatty(sys.stderr):
        sys.stderr.write(picture)
        sys.stderr.flush()


def warn(message: str) -> None:
    """One line on stderr, `artisan: ...`, never carrying control characters (a message that
    starts with a newline starts on a line of its own)."""
    lead = "\n" if message.startswith("\n") else ""
    print(f"{lead}artisan: {for_terminal(message.lstrip(chr(10)))}", file=sys.stderr)


def json_text(data: Any) -> str:
    """`data` as indented JSON, with the C1 controls escaped (`\\u009b`)."""
    text = json.dumps(data, ensure_ascii=False, indent=2, default=json_default)
    return escape_c1(text)


def print_json(data: Any) -> None:
    sys.stdout.write(json_text(data) + "\n")
    sys.stdout.flush()


def escape_c1(text: str) -> str:
    """Write each C1 control as `\\u00XX`, which JSON and TOML strings read back as the same
    character (C1 controls can only occur inside strings in either format)."""
    return _C1.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def terminal_width() -> int:
    return shutil.get_terminal_size((100, 24)).columns


def clip(text: str, width: int) -> str:
    """`text` on one line in `width` characters: cut with an ellipsis, or padded."""
    return shorten(text, width).ljust(width)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
