"""The artisan app: Idea, Prompt, Variations and Library on one screen.

The app is a face over the core: prompts come from `artisan.engine`, saved prompts from
`artisan.library`, settings from `artisan.config`. It adds the screen, the keys and the draft.

Nothing blocks the screen: generation runs in async workers (the openai SDK is imported on the
first request, not at start), disk work in thread workers, and the library is read after the
first paint. Failures become notifications in plain words; unexpected ones are also written,
with their traceback, to the log file in the data folder.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import TextArea

from artisan import locations
from artisan.config import Settings
from artisan.draft import PromptVersion, load_draft
from artisan.entry import ImageRecord, PromptEntry
from artisan.errors import ArtisanError
from artisan.library import Library
from artisan.targets import TargetCatalog, load_catalog
from artisan.tui import keymap
from artisan.tui.drafting import DraftKeeping
from artisan.tui.screens.help import HelpScreen
from artisan.tui.themes import choose_theme
from artisan.tui.widgets.idea import IdeaPane
from artisan.tui.widgets.keybar import KeyBar
from artisan.tui.widgets.library import LibraryPane
from artisan.tui.widgets.library_list import fit
from artisan.tui.widgets.prompt import PromptPane
from artisan.tui.widgets.target_picker import TargetPicker
from artisan.tui.widgets.variations import VariationsPane
from artisan.tui.writing import PromptWriting

if TYPE_CHECKING:
    from artisan.engine import Engine
    from artisan.images.opener import Launcher

log = logging.getLogger("artisan")
NARROW = 70
"""Below this many columns the panes stack instead of sitting side by side."""
CLIPBOARD_UNSUPPORTED = {"Apple_Terminal"}


class ArtisanApp(PromptWriting, DraftKeeping):
    """The keyboard-driven prompt workshop."""

    CSS_PATH = "app.tcss"
    TITLE = "artisan"
    BINDINGS: ClassVar[list[BindingType]] = keymap.bindings(keymap.APP)

    def __init__(
        self,
        settings: Settings,
        *,
        warnings: Iterable[str] = (),
        catalog: TargetCatalog | None = None,
        library: Library | None = None,
        draft_path: Path | None = None,
        graphics: str | None = None,
        image_launcher: Launcher | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.graphics = graphics
        """The terminal's image protocol (a textual-image class name), when it was asked."""
        self.image_launcher = image_launcher
        """Starts the system viewer; None uses the real one (tests pass a recorder)."""
        self.last_image: tuple[Path, ImageRecord] | None = None
        self.startup_warnings = list(warnings)
        self.catalog = catalog if catalog is not None else load_catalog()
        self.library = library if library is not None else Library(locations.library_dir())
        self.draft_path = draft_path or locations.draft_file()
        self.draft, draft_problem = load_draft(self.draft_path)
        if draft_problem:
            self.startup_warnings.append(draft_problem)
        self.engine: Engine | None = None
        self._draft_timer: Timer | None = None
        self._streaming_version: PromptVersion | None = None
        self._theme_ready = False
        # The panes live on the main screen; keeping them here lets timers and workers reach
        # them while a dialog is the active screen.
        target = self.draft.target or settings.target
        self.idea_pane = IdeaPane(
            list(self.catalog.targets.values()),
            target if target in self.catalog.targets else "dalle",
            self.draft.idea,
        )
        self.library_pane = LibraryPane(self.library)
        self.prompt_pane = PromptPane()
        self.variations_pane = VariationsPane()
        self._choose_theme()

    # Building the screen ---------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield self.idea_pane
                yield self.library_pane
            with Vertical(id="right"):
                yield self.prompt_pane
                yield self.variations_pane
        yield KeyBar()

    def _choose_theme(self) -> None:
        """Register the theme files and pick the configured theme.

        Done before the app runs: a theme set after the first mount makes Textual parse and
        apply every stylesheet a second time.
        """
        self.startup_warnings += choose_theme(self, self.settings.theme)
        self._saved_theme = self.settings.theme

    def on_mount(self) -> None:
        warnings = list(self.startup_warnings)
        self._theme_ready = True
        warnings += keymap.check_remapping(self.settings.keys)
        self.set_keymap({k: v for k, v in self.settings.keys.items() if k in keymap.KEYMAP_BY_ID})
        warnings += self.catalog.problems
        if self.settings.target not in self.catalog.targets:
            warnings.append(
                f"The default target `{self.settings.target}` does not exist; "
                f"using dalle. Targets: {', '.join(self.catalog.names())}."
            )
        for warning in warnings:
            self.notify(warning, severity="warning", timeout=12)
        self._restore_draft()
        self._layout_for(self.size.width)
        self.idea_pane.query_one("#idea", TextArea).focus()

    def on_resize(self) -> None:
        self._layout_for(self.size.width)

    def _layout_for(self, width: int) -> None:
        self.screen.set_class(width < NARROW, "-narrow")

    # Keys ------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return self.generating_prompt or self.generating_variations
        return True

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every action of the keymap is also a command in the palette."""
        yield from super().get_system_commands(screen)
        for action in keymap.KEYMAP:
            if not action.palette or action.scope not in (keymap.APP, keymap.LIBRARY):
                continue
            yield SystemCommand(
                action.label if action.scope == keymap.APP else f"Library: {action.label}",
                action.help,
                self._palette_callback(action),
            )

    def _palette_callback(self, action: keymap.KeyAction) -> Callable[[], Any]:
        if action.scope == keymap.LIBRARY:
            return lambda: self.library_pane.list.run_action(action.action)
        return lambda: self.run_action(action.action)

    def watch_theme(self, theme: str) -> None:
        # Compared with what the file holds now, not at start: going back to the theme the
        # app started with is a choice to save too.
        if self._theme_ready and theme != self._saved_theme:
            self._saved_theme = theme
            self._persist_theme(theme)

    @work(thread=True, group="config")
    def _persist_theme(self, theme: str) -> None:
        from artisan import config

        try:
            config.set_value("theme", theme)
        except ArtisanError as error:
            self.call_from_thread(
                self.notify, f"The theme was not saved: {error}", severity="warning"
            )

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.settings.keys))

    def action_search(self) -> None:
        self.library_pane.search_box.focus()

    async def action_quit(self) -> None:
        """Quit at once, even mid-stream; what has arrived is kept in the draft."""
        self._write_draft_now()
        self.exit()

    async def on_unmount(self) -> None:
        if self.engine is not None:
            await self.engine.aclose()

    @on(TextArea.Changed, "#prompt")
    def _prompt_edited(self, event: TextArea.Changed) -> None:
        version = self.draft.version
        pane = self.prompt_pane
        if version is None or pane.streaming:
            return
        text = pane.text
        if text != version.text:
            version.text = text
            version.state = "edited"
            pane.border_subtitle = self._caption(version)
            self._save_draft_soon()

    @on(TextArea.Changed, "#idea")
    def _idea_edited(self) -> None:
        self._save_draft_soon()

    @on(TargetPicker.Changed, "#target")
    def _target_changed(self) -> None:
        self._save_draft_soon()

    @on(VariationsPane.Promote)
    def _promote(self, event: VariationsPane.Promote) -> None:
        item = self.variations_pane.items[event.index]
        if not item.text.strip() or item.state == "streaming":
            self.notify("That variation is not finished yet.", severity="warning")
            return
        if self.generating_prompt:
            self.notify("A prompt is being written; Esc stops it first.")
            return
        self._add_version(
            PromptVersion(
                text=item.text.strip(),
                target=self._target().name,
                model=self.settings.model,
                state="done",
                instruction=f"variation {event.index + 1}",
            )
        )
        self._save_draft_soon()
        self.notify(f"Variation {event.index + 1} is now the prompt.")

    # Library ---------------------------------------------------------------------------------

    def _selected_prompt(self) -> tuple[str, PromptVersion | None]:
        """The prompt that save, copy and image act on, and its version when it is one."""
        focused = self.focused
        pane = self.variations_pane
        if focused is not None and pane in focused.ancestors_with_self:
            index = pane.highlighted
            if index is not None and pane.items[index].text.strip():
                return pane.items[index].text.strip(), None
        return self.prompt_pane.text.strip(), self.draft.version

    def action_save(self) -> None:
        text, version = self._selected_prompt()
        if not text:
            self.notify("There is nothing to save yet.", severity="warning")
            return
        target = self._target()
        self._save_entry(
            text,
            version,
            self.idea_pane.idea.strip(),
            target.name,
            version.model if version else self.settings.model,
        )

    @work(thread=True, group="library-write")
    def _save_entry(
        self, text: str, version: PromptVersion | None, idea: str, target: str, model: str
    ) -> None:
        try:
            if version is not None and version.entry_id:
                entry = self._update_saved(version.entry_id, text)
                if entry is not None:
                    self.call_from_thread(self._saved, entry, version, "Updated")
                    return
            entry = self.library.add(
                PromptEntry.create(text, idea=idea, target=target, model=model)
            )
        except ArtisanError as error:
            self.call_from_thread(
                self.notify, f"{error}", title="Not saved", severity="error", timeout=12
            )
            return
        self.call_from_thread(self._saved, entry, version, "Saved")

    def _update_saved(self, entry_id: str, text: str) -> PromptEntry | None:
        """Update the entry this version came from; None when it is gone."""
        from artisan.errors import EntryNotFound

        def change(entry: PromptEntry) -> None:
            entry.prompt = text

        try:
            return self.library.update(entry_id, change)
        except EntryNotFound:
            return None

    def _saved(self, entry: PromptEntry, version: PromptVersion | None, verb: str) -> None:
        if version is not None:
            version.entry_id = entry.id
        self.library_pane.entry_saved(entry)
        self.notify(f"{verb} “{fit(entry.title, 40).strip()}” ({entry.id}).")
        self._save_draft_soon()

    @on(LibraryPane.Load)
    def _load_entry(self, event: LibraryPane.Load) -> None:
        entry = event.entry
        if self.generating_prompt:
            self.notify("A prompt is being written; Esc stops it first.")
            return
        self.idea_pane.idea = entry.idea
        self.idea_pane.target = entry.target
        self._add_version(
            PromptVersion(
                text=entry.prompt,
                model=entry.model,
                target=entry.target,
                state="done",
                entry_id=entry.id,
            )
        )
        self._save_draft_soon()
        self.prompt_pane.use_editor()

    @on(LibraryPane.Copy)
    def _copy_entry(self, event: LibraryPane.Copy) -> None:
        self._copy(event.text)

    def action_copy(self) -> None:
        text, _ = self._selected_prompt()
        if not text:
            self.notify("There is nothing to copy yet.", severity="warning")
            return
        self._copy(text)

    def _copy(self, text: str) -> None:
        self.copy_to_clipboard(text)
        if os.environ.get("TERM_PROGRAM") in CLIPBOARD_UNSUPPORTED or os.environ.get("VTE_VERSION"):
            self.notify(
                "Sent to the clipboard with OSC 52, which this terminal may ignore: "
                "if pasting fails, select the text with the mouse instead.",
                severity="warning",
                timeout=10,
            )
        else:
            self.notify(
                f"Copied {len(text):,} characters (OSC 52: works over SSH in most terminals)."
            )

    # Images ----------------------------------------------------------------------------------

    def action_image(self) -> None:
        from artisan.tui.images import open_render_dialog

        text, version = self._selected_prompt()
        if not text:
            self.notify("There is no prompt to render yet.", severity="warning")
            return
        open_render_dialog(self, text, version)

    def action_open_image(self) -> None:
        from artisan.tui.images import open_last_image

        open_last_image(self)

    @on(LibraryPane.ShowImages)
    def _show_images(self, event: LibraryPane.ShowImages) -> None:
        from artisan.tui.images import show_entry_images

        show_entry_images(self, event.entry)

    # Errors ----------------------------------------------------------------------------------

    def _report_unexpected(self, error: BaseException) -> None:
        log.error("unexpected error", exc_info=error)
        self.notify(
            f"Unexpected error: {type(error).__name__}: {error}. Details are in "
            f"{locations.log_file()}.",
            severity="error",
            timeout=15,
        )
