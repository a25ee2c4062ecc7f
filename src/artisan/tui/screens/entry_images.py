"""The images made from one library entry; Enter opens (or previews) the highlighted one."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList

from artisan.entry import PromptEntry
from artisan.images import EntryImage, list_images
from artisan.tui.screens.dialog import Dialog
from artisan.tui.text import plain, rich_plain


class EntryImagesScreen(Dialog[EntryImage | None]):
    """Lists an entry's images, newest last; answers with the one to open."""

    DEFAULT_CSS = """
    EntryImagesScreen {
        #images { width: 100; padding: 0; }
        #images OptionList { height: auto; max-height: 30; border: none;
                             background: $surface; }
    }
    """

    def __init__(self, entry: PromptEntry) -> None:
        super().__init__()
        self.entry = entry
        self.images = list_images(entry)

    def compose(self) -> ComposeResult:
        with Vertical(id="images", classes="dialog") as box:
            box.border_title = plain(f"Images of “{self.entry.title[:50]}”")
            box.border_subtitle = "Enter opens · Esc closes"
            yield OptionList(*[self._line(image) for image in self.images])

    def _line(self, image: EntryImage) -> Text:
        record = image.record
        when = f"{record.created:%Y-%m-%d %H:%M}" if record.created else ""
        line = rich_plain(f"{when}  {record.model}  {record.size}\n", "bold")
        line.append_text(rich_plain(str(image.path), "" if image.exists else "strike dim"))
        if not image.exists:
            line.append("  (file missing)", style="italic")
        return line

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        image = self.images[event.option_index]
        if not image.exists:
            self.notify(f"{image.path} is no longer there.", severity="warning")
            return
        self.dismiss(image)
