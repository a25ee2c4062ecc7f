"""Writing to the terminal or a pipe.

Model output goes to stdout as it arrives. When stdout is a terminal, escape sequences and
control characters are removed first so a model cannot colour, retitle or write to the clipboard
of the person's terminal; when it is a pipe or a file, the text goes through as the model sent it.
"""

from __future__ import annotations

import json
import shutil
import sys
from typing import Any, TextIO

from artisan.entry import json_default
from artisan.sanitize import StreamSanitizer, for_terminal


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


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=json_default)
    sys.stdout.write("\n")


def warn(message: str) -> None:
    print(f"artisan: {for_terminal(message)}", file=sys.stderr)


def terminal_width() -> int:
    return shutil.get_terminal_size((100, 24)).columns


def clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    if len(text) <= width:
        return text.ljust(width)
    return text[: max(0, width - 1)] + "…"


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
