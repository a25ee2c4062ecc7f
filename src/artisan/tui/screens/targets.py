"""The list of targets with their descriptions, opened from the Target line."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from artisan.targets import Target
from artisan.tui.screens.dialog import Dialog
from artisan.tui.text import plain, rich_plain


class TargetList(Dialog[str | None]):
    """The list of targets with their descriptions; Enter picks one, Escape keeps the old."""

    DEFAULT_CSS = """
    TargetList #targets { width: 84; padding: 0; }
    """

    def __init__(self, targets: list[Target], current: str) -> None:
        super().__init__()
        self.targets = targets
        self.current = current

    def compose(self) -> ComposeResult:
        options = []
        for target in self.targets:
            prompt = rich_plain(target.name, "bold")
            prompt.append_text(rich_plain(f"  {target.label}\n"))
            prompt.append_text(rich_plain(target.description, "dim"))
            options.append(Option(prompt, id=target.name))
        option_list = OptionList(*options, id="targets", classes="dialog")
        option_list.border_title = plain("Target")
        yield option_list

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        names = [t.name for t in self.targets]
        if self.current in names:
            option_list.highlighted = names.index(self.current)
        option_list.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
