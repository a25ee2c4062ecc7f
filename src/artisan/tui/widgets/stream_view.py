"""A read-only view for text that grows at the end, fast however long it gets.

While a prompt streams in, the text only ever grows at its end. Word wrapping is decided from
the start of a line onwards, so appending can change only the last wrapped line: this view keeps
every earlier line as it is, re-wraps just the tail on each append, and draws only the rows on
screen. An append costs the same for the first word as for the five-thousandth, where an editor
that re-wraps and re-measures the whole paragraph gets slower with every word.
"""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip


class StreamView(ScrollView, can_focus=True):
    """Shows streamed text, wrapped to the width, following the end as it grows."""

    DEFAULT_CSS = """
    StreamView {
        height: 1fr;
        padding: 0 1;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
        /* The width text is wrapped to must not change when the scrollbar appears, or the
           last column would end up under it. */
        scrollbar-gutter: stable;
        & > .stream-view--placeholder { color: $text-muted; }
    }
    """

    COMPONENT_CLASSES = {"stream-view--placeholder"}

    def __init__(self, *, id: str | None = None, placeholder: str = "") -> None:
        super().__init__(id=id)
        self.placeholder = placeholder
        self._text = ""
        self._lines: list[str] = []
        """Every wrapped line but the last, which may still grow."""
        self._tail = ""
        """The text of the last wrapped line, not yet final."""
        self._width = 0
        self._style: Style | None = None
        self._from_top = False
        """Showing a stored text from its start: a new width keeps the start in sight rather
        than following the end, as text arriving does."""

    @property
    def text(self) -> str:
        return self._text

    def clear(self) -> None:
        self._from_top = False
        self._text = ""
        self._lines = []
        self._tail = ""
        self._update_size(follow=True)

    def show(self, text: str) -> None:
        """Show `text` from its first line (a stored prompt, read from the top)."""
        self._from_top = True
        self._text = text
        if self._width > 0:
            lines = wrap(text, self._width)
            self._lines, self._tail = lines[:-1], lines[-1]
        else:
            self._lines, self._tail = [], text  # wrapped once the view has its width
        self.virtual_size = Size(0, len(self._lines) + 1)
        self.scroll_home(animate=False, immediate=True)
        self.refresh()

    def set_placeholder(self, text: str) -> None:
        if text != self.placeholder:
            self.placeholder = text
            self.refresh()

    def append(self, text: str) -> None:
        """Add text at the end; only the last line is wrapped again."""
        if not text:
            return
        self._from_top = False  # text arriving: the end is what matters now
        follow = self.scroll_offset.y >= self.max_scroll_y - 1
        broke_here = bool(self._lines) and not self._tail and not self._text.endswith("\n")
        self._text += text
        if broke_here and text[0] == " ":
            # Spaces continuing a run that ended the last (wrapped) line belong to that line.
            spaces = len(text) - len(text.lstrip(" "))
            self._lines[-1] += text[:spaces]
            text = text[spaces:]
        if self._width <= 0:
            self._tail += text
        else:
            lines = wrap(self._tail + text, self._width)
            self._lines.extend(lines[:-1])
            self._tail = lines[-1]
        self._update_size(follow=follow)

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if width != self._width and width > 0:
            self._width = width
            lines = wrap(self._text, width)
            self._lines, self._tail = lines[:-1], lines[-1]
            self._update_size(follow=not self._from_top)

    def _update_size(self, *, follow: bool) -> None:
        self.virtual_size = Size(0, len(self._lines) + 1)
        if follow and self.scroll_offset.y < self.max_scroll_y:
            # Forced: until the next layout the view may still believe it has no scrollbar
            # (its text was one line a moment ago), and an unforced scroll would be dropped,
            # leaving the view at the top for good.
            self.scroll_end(animate=False, force=True)  # scrolling repaints
        else:
            self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style = None

    def render_lines(self, crop: Region) -> list[Strip]:
        # The style is the same for every row: work it out once per paint, not once a row.
        self._style = self.rich_style
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        row = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        style = self._style or self.rich_style
        if not self._text and row == 0 and self.placeholder:
            placeholder = self.get_component_rich_style("stream-view--placeholder")
            return Strip([Segment(self.placeholder, placeholder)]).adjust_cell_length(width, style)
        if row < len(self._lines):
            line = self._lines[row]
        elif row == len(self._lines):
            line = self._tail
        else:
            return Strip.blank(width, style)
        return Strip([Segment(line, style)]).adjust_cell_length(width, style)


def wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap to `width` cells; always at least one line (the last may be "").

    Newlines end lines. Spaces at a break stay at the end of the line they follow (where they
    are invisible), so every wrapped line starts with a word and wrapping the last line again
    with more text gives the same lines as wrapping everything. A word wider than the line is
    cut.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        used = 0
        for word in _words(paragraph):
            size = cell_len(word)
            if used + size <= width:
                line += word
                used += size
            elif word[0] == " ":
                lines.append(line + word)
                line, used = "", 0
            else:
                if line:
                    lines.append(line)
                while size > width:
                    head = _cut(word, width)
                    lines.append(head)
                    word = word[len(head) :]
                    size = cell_len(word)
                line, used = word, size
        lines.append(line)
    return lines


def _cut(word: str, width: int) -> str:
    """The longest start of `word` that fits in `width` cells (at least one character)."""
    head = set_cell_size(word, width)
    # set_cell_size pads with a space where a wide character would not fit.
    while head and (len(head) > len(word) or not word.startswith(head)):
        head = head[:-1]
    return head or word[0]


def _words(paragraph: str) -> list[str]:
    """Words and the runs of spaces between them, in order."""
    pieces: list[str] = []
    start = 0
    length = len(paragraph)
    while start < length:
        end = start
        spaces = paragraph[start] == " "
        while end < length and (paragraph[end] == " ") == spaces:
            end += 1
        pieces.append(paragraph[start:end])
        start = end
    return pieces
