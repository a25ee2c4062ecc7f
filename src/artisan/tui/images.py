"""Rendering and showing images from the app, over `artisan.images`.

How an image is shown follows the `open` setting (see `artisan.images.opener`): the system
viewer in a local graphical session, a full-screen preview inside the terminal otherwise (and
always over SSH). Several images (a batch, an entry's) are shown in the gallery. Which protocol
pictures are drawn with is `artisan.tui.graphics`'s business.

`Pictures` is given what it needs by the app (the app, its settings, its library), and knows
nothing else of it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from artisan.clock import Clock, system_clock
from artisan.entry import ImageRecord, PromptEntry
from artisan.errors import ArtisanError

if TYPE_CHECKING:
    from textual.app import App
    from textual.widget import Widget

    from artisan.config import Settings
    from artisan.images.batch import BatchItem
    from artisan.images.gallery import GalleryImage
    from artisan.images.opener import Launcher
    from artisan.library import Library
    from artisan.tui.graphics import Graphics
    from artisan.tui.screens.render import RenderJob


class Pictures:
    """The app's images: the render dialog, the last image and batch, galleries, describing.

    Args:
        app: The app, for its dialogs and notifications.
        settings: The settings now (they can change while the app runs).
        library: The library the images are linked in.
        on_saved: Told each library entry a render, a keep or a discard saved or changed.
        launcher: Starts the system viewer; None uses the real one (tests pass a recorder).
        clock: What day it is, for the models still served.
    """

    def __init__(
        self,
        app: App[Any],
        settings: Callable[[], Settings],
        library: Library,
        on_saved: Callable[[PromptEntry], None],
        launcher: Launcher | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self.app = app
        self.clock = clock
        self.settings = settings
        self.library = library
        self.on_saved = on_saved
        self.launcher = launcher
        self.graphics: Graphics | None = None
        """The terminal's image protocol and cell size, when it was asked."""
        self.last: tuple[Path, ImageRecord] | None = None
        """The image shown last, for ctrl+o."""
        self.last_batch: list[BatchItem] = []
        """The renders of the last batch, for the gallery."""

    # Rendering --------------------------------------------------------------------------------

    def render(
        self, jobs: list[RenderJob], rendered: Callable[[list[BatchItem]], None] | None = None
    ) -> None:
        """Ask how to render the prompts, render them, tell `rendered`, and show the images:
        one image as the `open` setting says, several in the gallery (from the dialog).

        Args:
            jobs: One per prompt, each with its entry (a saved id, or an unsaved entry with
                its idea, target and model, saved with the images).
            rendered: Told what was rendered (to link versions to their entries).
        """
        from artisan.images import load_image_models
        from artisan.tui.screens.render import RenderScreen

        table = load_image_models(clock=self.clock)
        for problem in table.problems:
            self.app.notify(problem, severity="warning", timeout=10)

        def done(items: list[BatchItem] | None) -> None:
            if not items:
                return
            self._rendered(items)
            if rendered is not None:
                rendered(items)

        screen = RenderScreen(
            jobs,
            self.settings(),
            table,
            self.library,
            self.show_batch,
            clock=self.clock,
            draw_picture=lambda picture: self.image_class()(picture),
        )
        self.app.push_screen(screen, done)

    def _rendered(self, items: list[BatchItem]) -> None:
        outcomes = [item.outcome for item in items if item.outcome is not None]
        for outcome in outcomes:
            if outcome.entry is not None:
                self.on_saved(outcome.entry)
        images = [image for outcome in outcomes for image in outcome.images]
        if not images:
            return
        if len(items) > 1:
            self.last_batch = items
            return  # the dialog showed them, and offered the gallery
        self.last_batch = []
        [outcome] = outcomes
        count = len(images)
        saved = " The prompt was saved to the library." if outcome.saved_entry else ""
        cost = f" It cost {outcome.cost.describe()}." if outcome.cost is not None else ""
        self.app.notify(
            f"Saved {count} image{'s' if count != 1 else ''} in {images[0].path.parent}."
            f"{saved}{cost}",
            title="Image",
            timeout=10,
        )
        for note in outcome.warnings:
            self.app.notify(note, severity="warning", timeout=12)
        revised = images[0].record.revised_prompt
        if revised:
            self.app.notify(f"The model drew: {revised}", title="Revised prompt", timeout=15)
        if count > 1:
            self.last_batch = items
            self.show_batch(items)
            return
        self.last = (images[-1].path, images[-1].record)
        self.show(images[-1].path, images[-1].record)

    # Showing ----------------------------------------------------------------------------------

    def show(self, path: Path, record: ImageRecord) -> None:
        """Open the system viewer, draw the preview, or just say where the file is."""
        from artisan.images import ViewerError, choose_viewer, open_image
        from artisan.tui.screens.preview import PreviewScreen

        choice = choose_viewer(self.settings().open, sys.platform, os.environ)
        if choice.how == "system":
            try:
                open_image(path, choice, launch=self.launcher)
            except ViewerError as error:
                # The message already names the file.
                self.app.notify(str(error), title="Image", severity="error", timeout=15)
            return
        if choice.how == "terminal" and self.graphics is not None:
            self.app.push_screen(PreviewScreen(path, record, self.image_class()))
            return
        self.app.notify(f"The image is at {path}.", title="Image", timeout=15)

    def image_class(self) -> Callable[[Any], Widget]:
        """The widget that draws pictures with the terminal's protocol (half-blocks when the
        terminal was not asked)."""
        from artisan.tui.graphics import Graphics, image_widget_class

        return image_widget_class(self.graphics or Graphics())

    def open_last(self, entry_id: str | None) -> None:
        """Show the last image again (ctrl+o); else the newest of the entry `entry_id`."""
        if self.last is not None:
            path, record = self.last
            if path.is_file():
                self.show(path, record)
                return
        if entry_id:
            try:
                entry = self.library.get(entry_id)
            except ArtisanError:
                entry = None
            if entry is not None and entry.images:
                record = entry.images[-1]
                self.show(Path(record.path).expanduser(), record)
                return
        self.app.notify("No image yet: ctrl+g renders the prompt.")

    def show_batch(self, items: list[BatchItem]) -> None:
        """The gallery of a batch's images."""
        from artisan.images.gallery import batch_images

        images = batch_images(items)
        prompts = len(items)
        title = f"Batch of {prompts} prompt{'s' if prompts != 1 else ''}"
        if any(item.cell for item in items):
            title = f"Comparison of {prompts} renders"
        self.show_gallery(images, title)

    def show_entry_images(self, entry: PromptEntry) -> None:
        """The gallery of a library entry's images (as the file says now)."""
        from artisan.images.gallery import entry_images

        if not entry.images:
            self.app.notify("No images made from this prompt yet: load it and press ctrl+g.")
            return
        try:
            entry = self.library.get(entry.id)
        except ArtisanError as error:
            self.app.notify(str(error), severity="warning")
            return
        self.show_gallery(entry_images(entry), f"Images of “{entry.title}”")

    def show_gallery(self, images: list[GalleryImage], title: str) -> None:
        from artisan.tui.screens.gallery import GalleryScreen

        self.app.push_screen(
            GalleryScreen(
                images,
                title,
                self.library,
                self.settings(),
                self.image_class(),
                on_saved=self.on_saved,
                launcher=self.launcher,
                on_edit=self.edit,
            )
        )

    def edit(self, image: GalleryImage, instruction: str) -> None:
        """Edit a picture with an instruction: the render dialog for it, then the result,
        linked to the same entry with the instruction kept."""
        from artisan.tui.screens.render import RenderJob

        job = RenderJob(
            instruction,
            image.record.entry or None,
            label=f"edit of {image.path.name}",
            inputs=(str(image.path),),
        )
        self.render([job])

    def gallery(self, entry_id: str | None) -> None:
        """The last batch's gallery; else that of the entry `entry_id`."""
        if self.last_batch:
            self.show_batch(self.last_batch)
            return
        if entry_id:
            try:
                entry = self.library.get(entry_id)
            except ArtisanError as error:
                self.app.notify(str(error), severity="warning")
                return
            self.show_entry_images(entry)
            return
        self.app.notify("No images yet: mark variations (space) and press g to render them.")

    # Describing -------------------------------------------------------------------------------

    def pick_picture(self, what: str, chosen: Callable[[Path], None]) -> None:
        """Ask for a picture to describe (a file, or an image in the library)."""
        from artisan.tui.screens.describe import DescribeScreen

        def picked(path: Path | None) -> None:
            if path is not None:
                chosen(path)

        self.app.push_screen(DescribeScreen(self.library, what), picked)
