"""Make text from outside artisan safe to write to a terminal, and to keep.

A model (or a server pretending to be one) can send escape sequences: colours, a new window
title, an OSC 52 clipboard write, hyperlinks, cursor movement. Written to a terminal as they are,
they would act instead of being shown. Bidirectional controls (U+202A-U+202E, U+2066-U+2069)
do not act on the terminal but reorder what is shown around them, so a prompt can read other
than it is. `for_terminal` removes all of them, with every other control character but newline
and tab; `cleaned` is the same for text kept in a record (a library entry, an image's
metadata), so what is stored never carries them either; `visible` shows them as stand-ins.
"""

from __future__ import annotations

import re

# ESC-introduced sequences: CSI (ESC [ ... final), OSC/DCS/SOS/PM/APC strings (ended by BEL or
# ESC \), and two-character escapes. The 8-bit C1 forms (U+009B CSI, U+009D OSC, ...) too.
_ESCAPES = re.compile(
    r"""
    (?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?            # CSI ... final byte
  | (?:\x1b[\]PX^_]|[\x90\x9d\x98\x9e\x9f])      # OSC, DCS, SOS, PM, APC ...
      .*?(?:\x07|\x1b\\|\x9c|$)                 # ... up to their terminator
  | \x1b[ -/]*[0-~]?                             # other escapes (ESC 7, ESC ( B, lone ESC)
    """,
    re.VERBOSE | re.DOTALL,
)
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""Embeddings, overrides and isolates: LRE RLE PDF LRO RLO, LRI RLI FSI PDI."""
_CONTROLS = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{BIDI_CONTROLS}]")


def for_terminal(text: str) -> str:
    """Remove escape sequences, control characters and bidirectional controls, keeping
    newlines and tabs.

    A carriage return on its own would let later text overwrite earlier text, so CR LF becomes
    LF and other CRs are dropped.
    """
    if _CONTROLS.search(text) is None:
        return text  # most text: one scan, nothing to do
    text = text.replace("\r\n", "\n")
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def cleaned(text: str) -> str:
    """`text` as a record keeps it: what came from outside (a model's prompt, the prompt an
    image model drew) is stored without escape sequences, C0 and C1 controls or bidirectional
    controls (see `for_terminal`), so no file artisan writes carries them. Line breaks stay
    line breaks: CR LF and a lone CR become LF."""
    if _CONTROLS.search(text) is None:
        return text
    return for_terminal(text.replace("\r\n", "\n").replace("\r", "\n"))


class StreamSanitizer:
    """`for_terminal` for text that arrives in pieces.

    An escape sequence can be split across two deltas of a stream; the tail of a piece that may
    be the start of a sequence is held back until the next piece (or `flush`) completes it.
    """

    _MAX_HELD = 4096

    def __init__(self) -> None:
        self._held = ""

    def feed(self, piece: str) -> str:
        text = self._held + piece
        cut = _unfinished_tail(text)
        if len(text) - cut > self._MAX_HELD:
            cut = len(text)
        self._held = text[cut:]
        return for_terminal(text[:cut])

    def flush(self) -> str:
        text, self._held = self._held, ""
        return for_terminal(text)


def _unfinished_tail(text: str) -> int:
    """Where a possibly unfinished escape sequence (or CR of a CR LF) starts, else len(text)."""
    start = max(text.rfind("\x1b"), text.rfind("\x9b"), text.rfind("\x9d"), text.rfind("\x90"))
    if start >= 0:
        tail = text[start:]
        finished = _ESCAPES.match(tail)
        if finished is None or finished.end() == len(tail):
            # A sequence that reaches the end may still be growing (its final byte or its
            # terminator has not arrived yet).
            return start
    if text.endswith("\r"):
        return len(text) - 1
    return len(text)


_TO_PICTURES = {code: 0x2400 + code for code in range(0x20) if chr(code) not in "\n\t"}
_TO_PICTURES[0x7F] = 0x2421
# The C1 controls (U+0080-U+009F: the 8-bit CSI, OSC, ...) have no pictures in Unicode; they are
# shown as the private-use characters U+F780-U+F79F, which a terminal draws as a box and never
# obeys, and which nobody types, so the mapping can be undone.
_TO_PICTURES.update({code: 0xF700 + code for code in range(0x80, 0xA0)})
# Bidirectional controls, which would reorder the text around them, are shown the same way
# (U+F7AA-U+F7AE and U+F7A6-U+F7A9: free places in that block).
_TO_PICTURES.update({ord(char): 0xF7A0 + (ord(char) & 0x1F) for char in BIDI_CONTROLS})
_FROM_PICTURES = {picture: code for code, picture in _TO_PICTURES.items()}


def visible(text: str) -> str:
    """Show control characters as visible stand-ins (ESC as ␛, C1 and bidirectional controls
    as boxes).

    The app displays model output with this, so an escape sequence is seen, literally, rather
    than obeyed by the terminal. `from_visible` turns the stand-ins back, so text edited in the
    app keeps the original characters when it is saved.
    """
    return text.translate(_TO_PICTURES)


def from_visible(text: str) -> str:
    """Undo `visible`."""
    return text.translate(_FROM_PICTURES)
