"""Showing text that did not come from artisan's own code: always as text.

Model output, server errors, library values, file names and the person's own idea can hold
Textual markup (`[bold]`, `[@click=app.quit]`) or control characters and escape sequences. A
string handed to a Textual widget as `str` is parsed as markup; a control character written to
the terminal acts instead of being seen. So every such string reaches the screen through this
module: `plain` makes a `Content` that is never parsed, with control characters drawn as their
Unicode pictures (ESC as ␛), and `ArtisanApp.notify` (which every widget's `notify` ends in)
passes its message through `shown` and never parses it.

A test walks every place in the app that puts text on screen (widget constructors, border
titles, notifications) and checks that it goes through here or is a literal of artisan's own.
"""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.content import Content

from artisan.sanitize import visible
from artisan.shorten import ELLIPSIS, shorten


def shown(text: str) -> str:
    """`text` with control characters as visible pictures, for places that take plain `str`
    and do not parse it (notification messages, Rich `Text`)."""
    return visible(text)


def plain(text: str) -> Content:
    """`text` as content that is never parsed as markup, control characters made visible."""
    return Content(visible(text))


def rich_plain(text: str, style: str = "") -> Text:
    """`text` as a Rich `Text` (for option lists and tables), never parsed as markup."""
    return Text(visible(text), style=style)


def fit(text: str, width: int) -> str:
    """Exactly `width` terminal cells: on one line, cut with an ellipsis, padded with spaces."""
    return set_cell_size(shorten(text, width, measure=cell_len), width)


def fit_middle(text: str, width: int) -> str:
    """Exactly `width` cells, cut in the middle where too long (see `shorten`), padded. A
    text that is already a cut ("a lonely surfer at dusk…") is cut at its end again."""
    middle = not text.rstrip().endswith(ELLIPSIS)
    return set_cell_size(shorten(text, width, middle=middle, measure=cell_len), width)
