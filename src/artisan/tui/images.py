"""Rendering and showing images from the app, over `artisan.images`.

How an image is shown follows the `open` setting (see `artisan.images.opener`): the system
viewer in a local graphical session, a full-screen preview inside the terminal otherwise (and
always over SSH). Which protocol the preview draws with is `artisan.tui.graphics`'s business.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from artisan.entry import ImageRecord, PromptEntry
from artisan.errors import ArtisanError

if TYPE_CHECKING:
    from artisan.images import EntryImage, RenderOutcome
    from artisan.tui.app import ArtisanApp


def open_render_dialog(
    app: ArtisanApp,
    text: str,
    entry: PromptEntry | str | None,
    rendered: Callable[[RenderOutcome], None],
) -> None:
    """Ask how to render `text`, render it, tell `rendered`, and show the image.

    Args:
        app: The app.
        text: The prompt.
        entry: The saved entry's id; or an unsaved entry (with its idea, target and model),
            saved with the image.
        rendered: Told what was saved (to link the version to its entry).
    """
    from artisan.images import load_image_models
    from artisan.tui.screens.render import RenderScreen

    table = load_image_models()
    for problem in table.problems:
        app.notify(problem, severity="warning", timeout=10)

    def done(outcome: RenderOutcome | None) -> None:
        if outcome is not None:
            rendered(outcome)
            _rendered(app, outcome)

    app.push_screen(RenderScreen(text, app.settings, table, app.library, entry), done)


def _rendered(app: ArtisanApp, outcome: RenderOutcome) -> None:
    app.library_pane.entry_saved(outcome.entry)
    app.last_image = (outcome.images[-1].path, outcome.images[-1].record)
    count = len(outcome.images)
    where = outcome.images[0].path.parent
    saved = " The prompt was saved to the library." if outcome.saved_entry else ""
    app.notify(
        f"Saved {count} image{'s' if count != 1 else ''} in {where}.{saved}",
        title="Image",
        timeout=10,
    )
    revised = outcome.images[0].record.revised_prompt
    if revised:
        app.notify(f"The model drew: {revised}", title="Revised prompt", timeout=15)
    show(app, outcome.images[-1].path, outcome.images[-1].record)


def show(app: ArtisanApp, path: Path, record: ImageRecord) -> None:
    """Open the system viewer, draw the preview, or just say where the file is."""
    from artisan.images import ViewerError, choose_viewer, open_image
    from artisan.tui.graphics import image_widget_class
    from artisan.tui.screens.preview import PreviewScreen

    choice = choose_viewer(app.settings.open, sys.platform, os.environ)
    if choice.how == "system":
        try:
            open_image(path, choice, launch=app.image_launcher)
        except ViewerError as error:
            # The message already names the file.
            app.notify(str(error), title="Image", severity="error", timeout=15)
        return
    if choice.how == "terminal" and app.graphics is not None:
        app.push_screen(PreviewScreen(path, record, image_widget_class(app.graphics)))
        return
    app.notify(f"The image is at {path}.", title="Image", timeout=15)


def open_last_image(app: ArtisanApp) -> None:
    """Show the last image again (ctrl+o)."""
    if app.last_image is not None:
        path, record = app.last_image
        if path.is_file():
            show(app, path, record)
            return
    version = app.workshop.version
    if version is not None and version.entry_id:
        try:
            entry = app.library.get(version.entry_id)
        except ArtisanError:
            entry = None
        if entry is not None and entry.images:
            record = entry.images[-1]
            show(app, Path(record.path).expanduser(), record)
            return
    app.notify("No image yet: ctrl+g renders the prompt.")


def show_entry_images(app: ArtisanApp, entry: PromptEntry) -> None:
    """List the images of a library entry; the chosen one is opened."""
    from artisan.tui.screens.entry_images import EntryImagesScreen

    if not entry.images:
        app.notify("No images made from this prompt yet: load it and press ctrl+g.")
        return

    def chosen(image: EntryImage | None) -> None:
        if image is not None:
            app.last_image = (image.path, image.record)
            show(app, image.path, image.record)

    app.push_screen(EntryImagesScreen(entry), chosen)
