"""Rendering and showing images from the app, over `artisan.images`.

How an image is shown follows the `open` setting (see `artisan.images.opener`): the system
viewer in a local graphical session, a full-screen preview inside the terminal otherwise (and
always over SSH). Which protocol the preview draws with is `artisan.tui.graphics`'s business.

`Pictures` is given what it needs by the app (the app, its settings, its library), and knows
nothing else of it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from artisan.entry import ImageRecord, PromptEntry
from artisan.errors import ArtisanError

if TYPE_CHECKING:
    from textual.app import App

    from artisan.config import Settings
    from artisan.images import EntryImage, RenderOutcome
    from artisan.images.opener import Launcher
    from artisan.library import Library


class Pictures:
    """The app's images: the render dialog, the last image, a library entry's images.

    Args:
        app: The app, for its dialogs and notifications.
        settings: The settings now (they can change while the app runs).
        library: The library the images are linked in.
        on_saved: Told each library entry a render saved or changed.
        launcher: Starts the system viewer; None uses the real one (tests pass a recorder).
    """

    def __init__(
        self,
        app: App[Any],
        settings: Callable[[], Settings],
        library: Library,
        on_saved: Callable[[PromptEntry], None],
        launcher: Launcher | None = None,
    ) -> None:
        self.app = app
        self.settings = settings
        self.library = library
        self.on_saved = on_saved
        self.launcher = launcher
        self.graphics: str | None = None
        """The terminal's image protocol (a textual-image class name), when it was asked."""
        self.last: tuple[Path, ImageRecord] | None = None
        """The image shown last, for ctrl+o."""

    def render(
        self,
        text: str,
        entry: PromptEntry | str,
        rendered: Callable[[RenderOutcome], None],
    ) -> None:
        """Ask how to render `text`, render it, tell `rendered`, and show the image.

        Args:
            text: The prompt.
            entry: The saved entry's id; or an unsaved entry (with its idea, target and
                model), saved with the image.
            rendered: Told what was saved (to link the version to its entry).
        """
        from artisan.images import load_image_models
        from artisan.tui.screens.render import RenderScreen

        table = load_image_models()
        for problem in table.problems:
            self.app.notify(problem, severity="warning", timeout=10)

        def done(outcome: RenderOutcome | None) -> None:
            if outcome is not None:
                rendered(outcome)
                self._rendered(outcome)

        screen = RenderScreen(text, self.settings(), table, self.library, entry)
        self.app.push_screen(screen, done)

    def _rendered(self, outcome: RenderOutcome) -> None:
        if outcome.entry is not None:
            self.on_saved(outcome.entry)
        self.last = (outcome.images[-1].path, outcome.images[-1].record)
        count = len(outcome.images)
        where = outcome.images[0].path.parent
        saved = " The prompt was saved to the library." if outcome.saved_entry else ""
        self.app.notify(
            f"Saved {count} image{'s' if count != 1 else ''} in {where}.{saved}",
            title="Image",
            timeout=10,
        )
        revised = outcome.images[0].record.revised_prompt
        if revised:
            self.app.notify(f"The model drew: {revised}", title="Revised prompt", timeout=15)
        self.show(outcome.images[-1].path, outcome.images[-1].record)

    def show(self, path: Path, record: ImageRecord) -> None:
        """Open the system viewer, draw the preview, or just say where the file is."""
        from artisan.images import ViewerError, choose_viewer, open_image
        from artisan.tui.graphics import image_widget_class
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
            self.app.push_screen(PreviewScreen(path, record, image_widget_class(self.graphics)))
            return
        self.app.notify(f"The image is at {path}.", title="Image", timeout=15)

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

    def show_entry_images(self, entry: PromptEntry) -> None:
        """List the images of a library entry; the chosen one is opened."""
        from artisan.tui.screens.entry_images import EntryImagesScreen

        if not entry.images:
            self.app.notify("No images made from this prompt yet: load it and press ctrl+g.")
            return

        def chosen(image: EntryImage | None) -> None:
            if image is not None:
                self.last = (image.path, image.record)
                self.show(image.path, image.record)

        self.app.push_screen(EntryImagesScreen(entry), chosen)
