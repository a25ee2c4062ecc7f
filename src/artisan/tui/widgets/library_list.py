"""The list of saved prompts in the Library pane.

The list draws only the rows on screen (one line per entry), so showing, scrolling and
re-filtering 100,000 entries costs the same as showing 20.
"""

from __future__ import annotations

from collections.abc import Set

from rich.cells import cell_len
from rich.segment import Segment
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from artisan.clock import Clock, system_clock
from artisan.entry import PromptEntry, age
from artisan.sanitize import visible
from artisan.shorten import shorten
from artisan.tui import keymap
from artisan.tui.text import fit, fit_middle

TARGET_WIDTH = 10
NARROW_TARGET_WIDTH = 6
"""The target column in a narrow list (at 80 columns): "dalle", "sd", "midjo…"."""
TARGET_FROM = 22
"""The narrowest list that shows targets."""
TAGS_FROM = 36
"""The narrowest list that shows tags."""
TITLE_KEPT = 20
"""Cells of the title that tags never take."""
MIN_TAGS_WIDTH = 6
AGE_WIDTH = 4
AGE_REFRESH = 20.0
"""Seconds between repaints that bring the ages up to date."""
ID_SHOWN = 4
"""Characters of the id shown beside a title that other entries share."""


class LibraryList(ScrollView, can_focus=True):
    """One line per saved prompt: favourite mark, title, target, tags and age."""

    BINDINGS = [
        *keymap.bindings(keymap.LIBRARY),
        Binding("up", "cursor(-1)", show=False),
        Binding("down", "cursor(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("home", "jump(0)", show=False),
        Binding("end", "jump(-1)", show=False),
    ]

    COMPONENT_CLASSES = {"library-list--cursor", "library-list--meta", "library-list--favorite"}

    DEFAULT_CSS = """
    LibraryList {
        height: 1fr;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
        & > .library-list--cursor { background: $block-cursor-blurred-background; }
        &:focus > .library-list--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: bold;
        }
        & > .library-list--meta { color: $foreground-muted; }
        & > .library-list--favorite { color: $warning; }
    }
    """

    cursor: reactive[int] = reactive(0, always_update=True)
    """Index of the highlighted row."""

    class EntryAction(Message):
        """A key was pressed on an entry: load, favorite, tags, rename, edit, ..."""

        def __init__(self, action: str, entry: PromptEntry | None) -> None:
            super().__init__()
            self.action = action
            self.entry = entry

    def __init__(self, *, clock: Clock = system_clock, id: str | None = None) -> None:
        super().__init__(id=id)
        self.entries: list[PromptEntry] = []
        self.clock = clock
        """What time it is: the ages are told from it."""
        self._now = clock()
        self._shared: Set[str] = frozenset()
        """Titles more than one entry has: those rows show the start of the id too."""
        self._layout_key: tuple[int, ...] | None = None
        self._layout = (0, 0)

    @property
    def highlighted_entry(self) -> PromptEntry | None:
        if 0 <= self.cursor < len(self.entries):
            return self.entries[self.cursor]
        return None

    def set_entries(
        self, entries: list[PromptEntry], keep: str | None = None, shared: Set[str] = frozenset()
    ) -> None:
        """Show these entries; keep the cursor on the entry with id `keep` if it is there.

        Entries whose title is in `shared` show the start of their id too.
        """
        self.entries = entries
        self._now = self.clock()
        self._shared = shared
        self.virtual_size = Size(0, len(entries))
        index = 0
        if keep is not None:
            index = next((i for i, e in enumerate(entries) if e.id == keep), 0)
        self.cursor = index
        self.refresh()

    def on_mount(self) -> None:
        # Ages ("17s", "3m") move on while the app stays open.
        self.set_interval(AGE_REFRESH, self._age)

    def _age(self) -> None:
        self._now = self.clock()
        self.refresh()

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self.entries) - 1))

    def watch_cursor(self, old: int, new: int) -> None:
        self.scroll_to_region(Region(0, new, 1, 1), animate=False, force=True)
        self.refresh()

    def on_resize(self) -> None:
        self.virtual_size = Size(0, len(self.entries))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def action_cursor(self, step: int) -> None:
        self.cursor += step

    def action_page(self, direction: int) -> None:
        self.cursor += direction * max(1, self.size.height - 1)

    def action_jump(self, index: int) -> None:
        self.cursor = index if index >= 0 else len(self.entries) - 1

    def action_entry(self, what: str) -> None:
        """Ask the pane to act on the highlighted entry: load, favorite, tags, delete, ..."""
        self.post_message(self.EntryAction(what, self.highlighted_entry))

    def on_click(self, event: events.Click) -> None:
        self.cursor = self.scroll_offset.y + event.y

    def _columns(self, width: int) -> tuple[int, int]:
        """How wide the target and tags columns are for the rows on screen now."""
        top = self.scroll_offset.y
        key = (top, self.size.height, width, len(self.entries), id(self.entries))
        if self._layout_key == key:
            return self._layout
        rows = self.entries[top : top + max(1, self.size.height)]
        target_width = 0
        if width >= TARGET_FROM:
            cap = TARGET_WIDTH if width >= 60 else NARROW_TARGET_WIDTH
            target_width = max(
                (cell_len(short_target(visible(e.target), cap)) for e in rows), default=0
            )
        tags_width = 0
        if width >= TAGS_FROM:
            widest = max(
                (cell_len(visible(" ".join("#" + t for t in e.tags))) for e in rows), default=0
            )
            room = (
                width - 2 - TITLE_KEPT - (target_width + 1 if target_width else 0) - AGE_WIDTH - 3
            )
            tags_width = min(widest, room)
            if tags_width < MIN_TAGS_WIDTH:
                tags_width = 0
        self._layout_key, self._layout = key, (target_width, tags_width)
        return self._layout

    def render_line(self, y: int) -> Strip:
        row = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if row >= len(self.entries) or width <= 0:
            return Strip.blank(width, self.rich_style)
        entry = self.entries[row]
        base = self.rich_style
        if row == self.cursor:
            base = base + self.get_component_rich_style("library-list--cursor")
        meta = base + self.get_component_rich_style("library-list--meta", partial=True)
        star = base + self.get_component_rich_style("library-list--favorite", partial=True)

        # Tags and target come from the file as much as the title does: all are shown as text.
        # The columns are as wide as the rows on screen need, so a short target or no tags
        # leave their room to the title; a narrow list keeps the title, the age, the target
        # (abbreviated), then as many tags as fit.
        target_width, tags_width = self._columns(width)
        tags = _tags(entry)
        right = [
            (fit(short_target(visible(entry.target), target_width), target_width), meta),
            (fit(tags, tags_width) if tags_width else "", meta),
            (age(entry.created, self._now).rjust(AGE_WIDTH), meta),
        ]
        right_width = sum(cell_len(text) + 1 for text, _ in right if text)
        title_width = max(4, width - 2 - right_width - 1)
        title = visible(entry.title)
        segments = [Segment("★ " if entry.favorite else "  ", star)]
        if entry.title in self._shared:
            # Entries with the same title are told apart by the start of their id.
            tag = f" {entry.id[:ID_SHOWN]}"
            title_width = max(4, title_width - len(tag))
            segments += [Segment(fit_middle(title, title_width), base), Segment(tag, meta)]
        else:
            segments.append(Segment(fit_middle(title, title_width), base))
        for text, style in right:
            if text:
                segments.append(Segment(" ", base))
                segments.append(Segment(text, style))
        segments.append(Segment(" ", base))
        return Strip(segments).adjust_cell_length(width, base)


def _tags(entry: PromptEntry) -> str:
    return visible(" ".join("#" + tag for tag in entry.tags))


SHORT_TARGETS = {"midjourney": "mj", "stable-diffusion": "sd", "generic": "gen"}
"""The names image makers shorten these targets to, for a narrow list."""


def short_target(name: str, width: int) -> str:
    """A target's name in at most `width` cells: whole when it fits, else its usual short
    name, or the initials of a hyphenated name ("my-sdxl-mix": "msm"), else cut."""
    if width <= 0:
        return ""
    if cell_len(name) <= width:
        return name
    if name in SHORT_TARGETS and len(SHORT_TARGETS[name]) <= width:
        return SHORT_TARGETS[name]
    initials = "".join(part[:1] for part in name.split("-") if part)
    if "-" in name and len(initials) <= width:
        return initials
    return shorten(name, width, measure=cell_len)
