"""Choose a picture to describe: a file (typed or pasted path), or an image in the library."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList, Static

from artisan.tui.screens.dialog import Dialog
from artisan.tui.text import plain, rich_plain
from artisan.tui.widgets.fields import Field

if TYPE_CHECKING:
    from artisan.images.gallery import GalleryImage
    from artisan.library import Library

LISTED = 40
"""The library's newest images offered."""


class DescribeScreen(Dialog[Path | None]):
    """Asks which picture to describe; answers with its path."""

    DEFAULT_CSS = """
    DescribeScreen {
        #describe { width: 90; }
        #describe Label { color: $text-muted; margin-top: 1; }
        #describe-what { color: $text-muted; margin-bottom: 1; }
        #describe OptionList { height: auto; max-height: 12; border: none;
                               background: $surface; }
    }
    """

    def __init__(self, library: Library, what: str) -> None:
        super().__init__()
        self.library = library
        self.what = what
        self.images: list[GalleryImage] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="describe", classes="dialog") as box:
            box.border_title = "Describe a picture"
            box.border_subtitle = "Enter describes · Esc cancels"
            yield Static(plain(self.what), id="describe-what")
            yield Field(placeholder="a file: ~/Pictures/harbour.jpg", id="describe-path")
            yield Label("or an image from the library (tab, then Enter):")
            yield OptionList(id="describe-library")

    def on_mount(self) -> None:
        self.query_one("#describe-path", Input).focus()
        self._list_library()

    @work(thread=True, group="library-read")
    def _list_library(self) -> None:
        from artisan.images.gallery import entry_images

        images = [image for entry in self.library.entries() for image in entry_images(entry)]
        images.sort(
            key=lambda image: image.record.created.timestamp() if image.record.created else 0.0,
            reverse=True,
        )
        found = [image for image in images if image.exists][:LISTED]
        self.app.call_from_thread(self._listed, found)

    def _listed(self, images: list[GalleryImage]) -> None:
        self.images = images
        options = self.query_one("#describe-library", OptionList)
        options.set_options([self._line(image) for image in images])
        if images:
            options.highlighted = 0
        else:
            options.set_options([Text("(no images in the library yet)", style="italic")])
            options.disabled = True

    def _line(self, image: GalleryImage) -> Text:
        record = image.record
        when = f"{record.created:%Y-%m-%d}  " if record.created else ""
        line = rich_plain(f"{when}{image.title}", "bold")
        line.append_text(rich_plain(f"  {image.facts()}  {image.path.name}"))
        return line

    @on(Input.Submitted, "#describe-path")
    def _typed(self, event: Input.Submitted) -> None:
        text = event.value.strip().strip("'\"")
        if not text:
            self.notify("Type the path of a picture, or pick one from the library.")
            return
        path = Path(text).expanduser()
        problem = _not_a_picture_file(path)
        if problem:
            self.notify(problem, severity="warning")
            return
        self.dismiss(path)

    @on(OptionList.OptionSelected, "#describe-library")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        if event.option_index < len(self.images):
            self.dismiss(self.images[event.option_index].path)


def _not_a_picture_file(path: Path) -> str:
    """Why `path` cannot be described, when it is not a regular file (told without opening it:
    a named pipe would wait for a writer); empty when it is one."""
    import os
    import stat

    from artisan.files import file_type

    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return f"There is no file at {path}."
    except OSError as error:
        return f"{path} cannot be read ({error.strerror or error})."
    if not stat.S_ISREG(mode):
        return f"{path} is {file_type(mode)}, not a picture file."
    return ""
