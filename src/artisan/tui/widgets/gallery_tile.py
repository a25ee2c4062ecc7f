"""One image of the gallery: a thumbnail, the first words of its prompt, model, size and cost."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.widget import Widget
from textual.widgets import Static

from artisan.tui.text import plain

if TYPE_CHECKING:
    from PIL.Image import Image

    from artisan.images.gallery import GalleryImage

ImageWidget = Callable[[], Widget]


class GalleryTile(Vertical, can_focus=True):
    """A tile of the gallery grid; the focused one is the image the keys act on."""

    DEFAULT_CSS = """
    GalleryTile {
        height: auto;
        border: round $panel;
        padding: 0 1;
        &:focus { border: round $primary; background: $boost; }
        &.-kept { border-title-color: $warning; }
        .picture { height: 8; align: center middle; }
        .picture > * { width: auto; height: auto; max-width: 100%; max-height: 100%; }
        .missing, .loading { color: $text-muted; text-style: italic; width: auto; height: auto; }
        .caption { height: 1; text-style: bold; text-wrap: nowrap; text-overflow: ellipsis; }
        .model, .facts { height: 1; color: $text-muted; text-wrap: nowrap;
                         text-overflow: ellipsis; }
    }
    """

    def __init__(self, image: GalleryImage, number: int) -> None:
        super().__init__()
        self.image = image
        self.number = number
        self.picture = Center(classes="picture")

    def compose(self) -> ComposeResult:
        with self.picture:
            if self.image.exists:
                yield Static("…", classes="loading")
            else:
                yield Static("file missing", classes="missing")
        yield Static(plain(self.image.caption()), classes="caption")
        yield Static(plain(self.image.record.model or "?"), classes="model")
        yield Static(plain(self.image.size_and_cost()), classes="facts")

    def on_mount(self) -> None:
        self.show_kept()

    def show_kept(self) -> None:
        """The tile's title: its number, and ★ when the image is kept."""
        kept = self.image.record.favorite
        self.set_class(kept, "-kept")
        self.border_title = plain(f"{self.number}{' ★ kept' if kept else ''}")

    def set_picture_height(self, rows: int) -> None:
        self.picture.styles.height = rows

    def show_thumbnail(self, thumbnail: Image | None, make: Callable[[Image], Widget]) -> None:
        """Draw the thumbnail (with the terminal's protocol), or say it cannot be read."""
        self.picture.remove_children()
        if thumbnail is None:
            self.picture.mount(Static("cannot be read", classes="missing"))
            return
        self.picture.mount(make(thumbnail))
