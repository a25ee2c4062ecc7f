"""The gallery: the images of a library entry or of a batch of renders, as a grid of tiles.

Each tile shows a thumbnail (drawn with the terminal's protocol: Kitty graphics, Sixel, or
half-block characters, which every colour terminal and tmux show), the first words of the
prompt, the model, the size and the cost. Arrow keys move; Enter shows the image large with its
whole prompt and the prompt the model drew; k keeps it (a favourite), d discards it to the
library's trash (u brings it back), e edits it with an instruction (the result joins the same
entry), o opens it in the system viewer, c copies its path. The grid
has as many columns as fit (three at 80 columns), and tiles shrink with the screen.

Thumbnails are made in a thread, one image at a time, so the grid appears at once and fills in.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from artisan.errors import ArtisanError
from artisan.images.gallery import GalleryImage, thumbnail
from artisan.tui import keymap
from artisan.tui.clipboard import copy_and_tell
from artisan.tui.text import plain
from artisan.tui.widgets.gallery_tile import GalleryTile
from artisan.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from PIL.Image import Image

    from artisan.config import Settings
    from artisan.entry import PromptEntry
    from artisan.images.opener import Launcher
    from artisan.library import DiscardedImage, Library

TILE_COLUMNS = 26
"""Columns a tile takes at least: three tiles across 80 columns."""
MAX_COLUMNS = 6
CHROME_ROWS = 5
"""A tile's rows besides its picture: the border, the caption and the facts (up to two)."""


class GalleryScreen(Screen[None]):
    """A grid of images; the keys act on the focused tile.

    Args:
        images: What to show, in order.
        title: What they are: "Images of “Neon rain”", "Batch of 4 prompts".
        library: Where keeping and discarding are written.
        settings: The `open` setting, for `o`.
        image_class: Makes the widget that draws a picture with the terminal's protocol.
        on_saved: Told each entry keeping or discarding changed (the library pane follows).
        launcher: Starts the system viewer; tests pass a recorder.
        on_edit: Edits an image with an instruction (opens the render dialog for it).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        *keymap.bindings(keymap.GALLERY),
        Binding("left", "move(-1, 0)", show=False),
        Binding("right", "move(1, 0)", show=False),
        Binding("up", "move(0, -1)", show=False),
        Binding("down", "move(0, 1)", show=False),
        Binding("q", "close", show=False),
    ]

    DEFAULT_CSS = """
    GalleryScreen {
        layout: vertical;
        #gallery-title { height: 1; padding: 0 1; background: $panel; color: $text; }
        /* Not a VerticalScroll: its own arrow keys would scroll instead of moving between
           tiles. */
        #gallery-scroll { height: 1fr; overflow-y: auto; scrollbar-size-vertical: 1; }
        #gallery-grid { grid-gutter: 0 0; height: auto; padding: 0 0; }
        #gallery-empty { padding: 1 2; color: $text-muted; }
    }
    """

    def __init__(
        self,
        images: list[GalleryImage],
        title: str,
        library: Library,
        settings: Settings,
        image_class: Callable[[Any], Widget],
        *,
        on_saved: Callable[[PromptEntry], None] | None = None,
        launcher: Launcher | None = None,
        on_edit: Callable[[GalleryImage, str], None] | None = None,
    ) -> None:
        super().__init__()
        self.on_edit = on_edit
        self.images = list(images)
        self.title_text = title
        self.library = library
        self.settings = settings
        self.image_class = image_class
        self.on_saved = on_saved
        self.launcher = launcher
        self.tiles = [GalleryTile(image, number) for number, image in enumerate(images, 1)]
        self.discarded: list[tuple[int, GalleryTile, DiscardedImage]] = []
        self.columns = 1

    def compose(self) -> ComposeResult:
        yield Static(plain(self._title()), id="gallery-title")
        with Vertical(id="gallery-scroll"):
            yield Grid(*self.tiles, id="gallery-grid")
            yield Static("No images here.", id="gallery-empty")
        yield KeyBar()

    def on_mount(self) -> None:
        self._lay_out()
        self.query_one("#gallery-empty").display = not self.tiles
        if self.tiles:
            self.tiles[0].focus()
        self._load_thumbnails(list(self.tiles))

    def on_resize(self) -> None:
        self._lay_out()

    def _title(self) -> str:
        count = len(self.tiles)
        kept = sum(1 for tile in self.tiles if tile.image.record.favorite)
        parts = [self.title_text, f"{count} image{'s' if count != 1 else ''}"]
        if kept:
            parts.append(f"{kept} kept")
        return " · ".join(parts)

    def _lay_out(self) -> None:
        """As many columns as fit; pictures as tall as their tiles are wide (in half-blocks),
        and never so tall that a row of tiles does not fit."""
        width, height = self.size.width, self.size.height
        self.columns = max(1, min(MAX_COLUMNS, width // TILE_COLUMNS))
        grid = self.query_one("#gallery-grid", Grid)
        grid.styles.grid_size_columns = self.columns
        inner = max(8, width // self.columns - 4)
        rows = max(3, min(inner // 2, height - 2 - CHROME_ROWS))
        for tile in self.tiles:
            tile.set_picture_height(rows)

    @work(thread=True, group="thumbnails")
    def _load_thumbnails(self, tiles: list[GalleryTile]) -> None:
        for tile in tiles:
            if not tile.image.exists:
                continue
            picture = thumbnail(tile.image.path)
            self.app.call_from_thread(self._show_thumbnail, tile, picture)

    def _show_thumbnail(self, tile: GalleryTile, picture: Image | None) -> None:
        if tile.is_attached:
            tile.show_thumbnail(picture, self.image_class)

    # Moving ----------------------------------------------------------------------------------

    @property
    def current(self) -> GalleryTile | None:
        focused = self.focused
        return focused if isinstance(focused, GalleryTile) else None

    def action_move(self, across: int, down: int) -> None:
        if not self.tiles:
            return
        current = self.current
        index = self.tiles.index(current) if current in self.tiles else 0
        wanted = index + across + down * self.columns
        if 0 <= wanted < len(self.tiles):
            self.tiles[wanted].focus()
            self.tiles[wanted].scroll_visible()

    # Acting on the focused image ---------------------------------------------------------------

    def action_show(self) -> None:
        from artisan.tui.screens.preview import PreviewScreen

        tile = self.current
        if tile is None:
            return
        if not tile.image.exists:
            self.notify(f"{tile.image.path} is no longer there.", severity="warning")
            return
        self.app.push_screen(PreviewScreen(tile.image.path, tile.image.record, self.image_class))

    def action_keep(self) -> None:
        tile = self.current
        if tile is not None and tile.image.record.entry:
            self._keep(tile, not tile.image.record.favorite)
        elif tile is not None:
            self.notify("This image is not in the library, so it cannot be kept there.")

    @work(thread=True, group="library-write")
    def _keep(self, tile: GalleryTile, keep: bool) -> None:
        image = tile.image
        try:
            entry = self.library.keep_image(image.record.entry, image.record.path, keep)
        except ArtisanError as error:
            self.app.call_from_thread(self.notify, str(error), severity="error")
            return
        self.app.call_from_thread(self._kept, tile, keep, entry)

    def _kept(self, tile: GalleryTile, keep: bool, entry: PromptEntry) -> None:
        tile.image = replace(tile.image, record=replace(tile.image.record, favorite=keep))
        tile.show_kept()
        self.query_one("#gallery-title", Static).update(plain(self._title()))
        if keep:
            self.notify(f"Kept ★ {tile.image.path.name}; “{entry.title}” is a favourite.")
        else:
            self.notify(f"No longer kept: {tile.image.path.name}.")
        if self.on_saved is not None:
            self.on_saved(entry)

    def action_discard(self) -> None:
        tile = self.current
        if tile is None:
            return
        if not tile.image.record.entry:
            self.notify("This image is not in the library; delete its file yourself.")
            return
        self._discard(tile)

    @work(thread=True, group="library-write")
    def _discard(self, tile: GalleryTile) -> None:
        image = tile.image
        try:
            discarded = self.library.discard_image(image.record.entry, image.record.path)
        except ArtisanError as error:
            self.app.call_from_thread(self.notify, str(error), severity="error")
            return
        self.app.call_from_thread(self._discarded, tile, discarded)

    def _discarded(self, tile: GalleryTile, discarded: DiscardedImage) -> None:
        index = self.tiles.index(tile)
        self.tiles.remove(tile)
        self.discarded.append((index, tile, discarded))
        tile.remove()
        where = f" ({discarded.trashed})" if discarded.trashed else ""
        self.notify(f"Moved {tile.image.path.name} to the trash{where}; u brings it back.")
        self._after_change()
        if self.tiles:
            self.tiles[min(index, len(self.tiles) - 1)].focus()
        self._entry_changed(discarded.entry_id)

    def action_undo(self) -> None:
        if not self.discarded:
            self.notify("Nothing discarded to bring back.")
            return
        self._restore(*self.discarded.pop())

    @work(thread=True, group="library-write")
    def _restore(self, index: int, tile: GalleryTile, discarded: DiscardedImage) -> None:
        try:
            entry = self.library.restore_image(discarded)
        except ArtisanError as error:
            self.app.call_from_thread(self.notify, str(error), severity="error")
            return
        self.app.call_from_thread(self._restored, index, tile, entry)

    def _restored(self, index: int, tile: GalleryTile, entry: PromptEntry) -> None:
        index = min(index, len(self.tiles))
        fresh = GalleryTile(tile.image, tile.number)
        self.tiles.insert(index, fresh)
        grid = self.query_one("#gallery-grid", Grid)
        if index + 1 < len(self.tiles):
            grid.mount(fresh, before=self.tiles[index + 1])
        else:
            grid.mount(fresh)
        self._lay_out()
        fresh.focus()
        self._after_change()
        self._load_thumbnails([fresh])
        self.notify(f"Brought back {tile.image.path.name}.")
        if self.on_saved is not None:
            self.on_saved(entry)

    def _after_change(self) -> None:
        self.query_one("#gallery-title", Static).update(plain(self._title()))
        self.query_one("#gallery-empty").display = not self.tiles

    @work(thread=True, group="library-read")
    def _entry_changed(self, entry_id: str) -> None:
        try:
            entry = self.library.get(entry_id)
        except ArtisanError:
            return
        if self.on_saved is not None:
            self.app.call_from_thread(self.on_saved, entry)

    def action_open(self) -> None:
        from artisan.images.opener import SYSTEM, ViewerError, choose_viewer, open_image

        tile = self.current
        if tile is None:
            return
        mode = "system" if self.settings.open == "system" else "auto"
        choice = choose_viewer(mode, sys.platform, os.environ)
        if choice.how != SYSTEM:
            self.notify(
                f"No system viewer here ({choice.reason}): Enter shows the image large, "
                "c copies its path."
            )
            return
        try:
            open_image(tile.image.path, choice, launch=self.launcher)
        except ViewerError as error:
            self.notify(str(error), severity="error", timeout=12)

    def action_edit(self) -> None:
        from artisan.tui.screens.ask import AskScreen

        tile = self.current
        if tile is None or self.on_edit is None:
            return
        if not tile.image.exists:
            self.notify(f"{tile.image.path} is no longer there.", severity="warning")
            return
        image, edit = tile.image, self.on_edit

        def asked(instruction: str | None) -> None:
            if instruction and instruction.strip():
                edit(image, instruction.strip())

        self.app.push_screen(
            AskScreen(
                "Edit the image",
                "What to change (“make it night, add rain”); the result joins the same entry.",
                placeholder="the change you want",
            ),
            asked,
        )

    def action_copy_path(self) -> None:
        tile = self.current
        if tile is not None:
            copy_and_tell(self.app, str(tile.image.path), "the path")

    def action_close(self) -> None:
        self.dismiss(None)
