"""The artisan app: Idea, Prompt, Variations and Library on one screen.

The app is a face over the core. The session (idea, versions, variations, jobs) is a
`Workshop`; the app holds one, runs its coroutines in workers, and turns what it reports into
messages for the panes (see `artisan.tui.messages`). Saved prompts come from `artisan.library`,
settings from `artisan.config`, the draft is kept by `artisan.draft.DraftKeeper`.

Nothing blocks the screen: generation runs in async workers (the openai SDK is imported on the
first request, not at start), disk work in thread workers, and the library is read after the
first paint. Failures become notifications in plain words; unexpected ones are also written,
with their traceback, to the log file in the data folder.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.containers import Horizontal, Vertical
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import TextArea

from artisan import locations
from artisan.clock import Clock, system_clock
from artisan.config import Settings
from artisan.draft import DraftKeeper, PromptVersion
from artisan.errors import ArtisanError
from artisan.library import Library, Saved
from artisan.shorten import shorten
from artisan.state import EngineName, State
from artisan.targets import TargetCatalog, load_catalog
from artisan.tui import keymap
from artisan.tui.background import report_unexpected, write_library
from artisan.tui.clipboard import copy_and_tell
from artisan.tui.commands import PALETTE_SCOPES, Commands, palette_title
from artisan.tui.images import Pictures
from artisan.tui.messages import JobUpdated, VariationsUpdated, VersionChanged
from artisan.tui.refining import Refining
from artisan.tui.screens.ask import AskScreen, Dialogs
from artisan.tui.screens.help import HelpScreen
from artisan.tui.setup import Setup
from artisan.tui.text import shown
from artisan.tui.themes import choose_theme
from artisan.tui.widgets.idea import IdeaPane
from artisan.tui.widgets.keybar import KeyBar
from artisan.tui.widgets.library import LibraryPane
from artisan.tui.widgets.prompt import PromptPane
from artisan.tui.widgets.session import SessionView
from artisan.tui.widgets.status import StatusLine
from artisan.tui.widgets.target_picker import TargetPicker
from artisan.tui.widgets.variations import VariationsPane
from artisan.workshop import (
    PROMPT,
    VARIATIONS,
    Event,
    JobChanged,
    Notice,
    SavePlan,
    TextArrived,
    VariationsChanged,
    VersionsChanged,
    Workshop,
    save,
)

if TYPE_CHECKING:
    from textual.actions import ActionParseResult
    from textual.dom import DOMNode

    from artisan.discovery import KnownServer
    from artisan.images.batch import BatchItem
    from artisan.images.opener import Launcher

log = logging.getLogger("artisan")
NOTICE_LENGTH = 160
"""The longest notice shown whole: four lines of a toast at 80 columns."""
MORE_IN_F1 = " (more in F1)"
LONGEST_SENTENCE = 240
"""A first sentence longer than this is cut too."""
KEPT_MESSAGES = 10
NARROW = 70
"""Below this many columns the panes stack instead of sitting side by side."""
_EVERYWHERE = frozenset({"quit", "help", "command_palette", "settings"})
"""App actions that work over any screen; the others belong to the main screen."""
_MAIN_SCREEN_ACTIONS = frozenset(
    action.action.split("(")[0] for action in keymap.KEYMAP if action.scope == keymap.APP
)
_TOLD_ENDINGS = frozenset({State.TRUNCATED, State.FILTERED, State.INTERRUPTED})
"""Ways an answer ends that a notice tells (the others show in the panes)."""


class ArtisanApp(App[None]):
    """The keyboard-driven prompt workshop."""

    CSS_PATH = "app.tcss"
    TITLE = "artisan"
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {Commands}
    BINDINGS: ClassVar[list[BindingType]] = keymap.bindings(keymap.APP)

    generating_prompt: reactive[bool] = reactive(False, bindings=True)
    generating_variations: reactive[bool] = reactive(False, bindings=True)

    def __init__(
        self,
        settings: Settings,
        *,
        warnings: Iterable[str] = (),
        catalog: TargetCatalog | None = None,
        library: Library | None = None,
        data_dir: Path | None = None,
        graphics: str | None = None,
        image_launcher: Launcher | None = None,
        welcome: bool = False,
        local_servers: Sequence[KnownServer] = (),
        server_search_delay: float = 0.0,
        clock: Clock = system_clock,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.clock = clock
        """What time it is, for everything decided by the date."""
        self.startup_warnings = list(warnings)
        self.long_messages: list[str] = []
        """Notices too long for a toast, newest first (F1 shows them whole)."""
        self.catalog = catalog if catalog is not None else load_catalog()
        self.library = library if library is not None else Library(locations.library_dir())
        self.library.lock.on_wait = self._library_waits
        self.keeper = DraftKeeper(data_dir or locations.data_dir(), self._snapshot)
        claimed = self.keeper.claim()
        if claimed:
            self.startup_warnings.append(claimed)
        draft, damage = self.keeper.read()
        if damage:
            self.startup_warnings.append(damage)
        self.workshop = Workshop(settings, self.catalog, draft=draft, listener=self._heard)
        self.workshop.on_change = self.keeper.save_soon
        self.keeper.on_error = self._draft_not_saved
        self._theme_ready = False
        # The panes live on the main screen; keeping them here lets workers reach them while
        # a dialog is the active screen.
        target = self.workshop.target()
        self.idea_pane = IdeaPane(list(self.catalog.targets.values()), target.name, draft.idea)
        self.library_pane = LibraryPane(self.library, Dialogs(self, clock), clock=clock)
        self.session = SessionView(self.workshop)
        self.prompt_pane = self.session.prompt_pane
        self.variations_pane = self.session.variations_pane
        self.status_line = StatusLine(id="status-line")
        self.pictures = Pictures(
            self,
            lambda: self.settings,
            self.library,
            self.library_pane.entry_saved,
            image_launcher,
            clock,
        )
        if graphics is not None:
            from artisan.tui.graphics import Graphics

            self.pictures.graphics = Graphics(graphics)
        self.refining = Refining(self)
        self.setup = Setup(
            self,
            lambda: self.settings,
            self._apply_settings,
            self.catalog,
            welcome=welcome,
            servers=local_servers,
            search_delay=server_search_delay,
            data_dir=data_dir,
            clock=clock,
        )
        self._choose_theme()

    # Building the screen ---------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield self.idea_pane
                yield self.library_pane
            yield self.session
        with Vertical(id="footer"):
            yield self.status_line
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
        if self.settings.target not in self.catalog:
            warnings.append(
                f"The default target `{self.settings.target}` does not exist; "
                f"using dalle. Targets: {', '.join(self.catalog.names())}."
            )
        for warning in warnings:
            self.notify(warning, severity="warning", timeout=12)
        self.session.show_version()
        self.status_line.set_engine(self._engine_description())
        thinking = keymap.effective_keys(keymap.KEYMAP_BY_ID["thinking"], self.settings.keys)
        self.status_line.thinking_key = thinking.split(",")[0]
        self._layout_for(self.size.width)
        self.idea_pane.editor.focus()
        self.call_after_refresh(self.setup.after_first_paint)

    async def _apply_settings(self, settings: Settings) -> None:
        """Carry on with settings read anew: the next request builds its engine from them."""
        self.settings = settings
        await self.workshop.reconfigure(settings)
        if settings.theme in self.available_themes and settings.theme != self.theme:
            self._saved_theme = settings.theme  # already in the file: nothing to write
            self.theme = settings.theme
        self.status_line.set_engine(self._engine_description())

    def action_settings(self) -> None:
        from artisan.tui.screens.settings import SettingsScreen

        if not isinstance(self.screen, SettingsScreen):
            self.setup.open_settings()

    def on_resize(self, event: events.Resize) -> None:
        # The event carries the new size; the app's own `size` may still be the old one.
        self._layout_for(event.size.width)

    def _layout_for(self, width: int) -> None:
        self.screen.set_class(width < NARROW, "-narrow")

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Show a notification; its text is never parsed as markup (see `artisan.tui.text`).

        Every widget's and screen's `notify` ends here, so no message, whatever it quotes (a
        server's error, a file name, a library value), can style itself or act on the app.
        A message longer than two lines shows its first sentence; F1 shows it whole.
        """
        start = first_sentences(message, NOTICE_LENGTH - len(MORE_IN_F1))
        if start != message:
            # A notice is a few lines; the whole of a long one waits in F1. Its first sentence
            # stays whole (it may name a file), unless it is itself a paragraph.
            self.long_messages.insert(0, message)
            del self.long_messages[KEPT_MESSAGES:]
            message = shorten(start, LONGEST_SENTENCE) + MORE_IN_F1
        super().notify(
            shown(message), title=shown(title), severity=severity, timeout=timeout, markup=False
        )

    # The workshop's news ---------------------------------------------------------------------

    def _heard(self, event: Event) -> None:
        """The workshop's listener: streamed text into the panes' buffers, the rest as
        messages."""
        if isinstance(event, TextArrived):
            if event.index is None:
                self.prompt_pane.feed(event.text)
            elif event.job.kind == VARIATIONS:
                self.variations_pane.feed(event.index)
        elif isinstance(event, JobChanged):
            self.session.post_message(JobUpdated(event.job))
        elif isinstance(event, VersionsChanged):
            self.session.post_message(VersionChanged())
        elif isinstance(event, VariationsChanged):
            self.session.post_message(VariationsUpdated(event.version, event.index))
        elif isinstance(event, Notice):
            self.notify(event.message, severity=_severity(event.severity), timeout=10)

    @on(JobUpdated)
    def _job_updated(self, event: JobUpdated) -> None:
        # The session view has updated its panes; the keys and the status line follow.
        job = event.job
        self.status_line.update_job(job)
        if job.kind == PROMPT:
            self.generating_prompt = job.running
        else:
            self.generating_variations = job.running
        self.status_line.set_engine(self._engine_description())

    def _engine_description(self) -> str:
        if self.workshop.engine_name() == EngineName.COMPOSER:
            return "composer (offline)"
        from artisan.connection import server_name

        return f"{self.settings.model} · {server_name(self.settings)}"

    # Keys ------------------------------------------------------------------------------------

    @property
    def completions(self) -> Refining:
        """What the editors offer as completions while the person types."""
        return self.refining

    async def run_action(
        self,
        action: str | ActionParseResult,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        # A key bound to an action (ctrl+j, F4, a priority key the editor never sees) ends
        # any offer of completions: the Escape that follows must stop, not close a list.
        self.refining.close_menus()
        return await super().run_action(action, default_namespace, namespaces)

    def action_phrases(self) -> None:
        self.refining.pick_phrase()

    def action_styles(self) -> None:
        self.refining.pick_styles()

    @on(LibraryPane.Read)
    def _library_read(self, event: LibraryPane.Read) -> None:
        self.refining.learn(event.entries)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in _EVERYWHERE or action not in _MAIN_SCREEN_ACTIONS:
            return True  # Textual's own actions (focus_next, ...) work on every screen
        if self.screen is not self.screen_stack[0]:
            # A dialog or another screen is open: its own keys (Esc, ctrl+s on the settings)
            # come first, and the main screen's actions wait until it is closed.
            return False
        if action == "stop":
            return self.generating_prompt or self.generating_variations
        return True

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every action of the keymap is also a command in the palette, with its key.

        Textual's own "Keys" and "Quit" are left out (Help and Quit are in the keymap) and its
        "Screenshot" saves into artisan's data folder instead of a Downloads folder that may
        not exist.
        """
        for command in super().get_system_commands(screen):
            if command.title not in ("Keys", "Quit", "Screenshot"):
                yield command
        yield SystemCommand(
            "Screenshot",
            "Save an SVG picture of the screen in artisan's data folder",
            self._save_screenshot,
        )
        for action in keymap.KEYMAP:
            if not action.palette or action.scope not in PALETTE_SCOPES:
                continue
            keys = keymap.effective_keys(action, self.settings.keys)
            shown = ", ".join(
                self.get_key_display(Binding(key.strip(), action.action))
                for key in keys.split(",")
                if key.strip()
            )
            yield SystemCommand(
                palette_title(action),
                f"{shown} · {action.help}" if shown else action.help,
                self._palette_callback(action),
            )

    def _palette_callback(self, action: keymap.KeyAction) -> Callable[[], Any]:
        if action.scope == keymap.LIBRARY:
            return lambda: self.library_pane.act_from_palette(action.action)
        if action.scope == keymap.IDEA:
            return lambda: self.idea_pane.editor.run_action(action.action)
        return lambda: self.run_action(action.action)

    def _save_screenshot(self) -> None:
        folder = locations.data_dir() / "screenshots"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = self.save_screenshot(path=str(folder))
        except OSError as error:
            self.notify(f"No screenshot: {error.strerror or error}.", severity="error")
            return
        self.notify(f"Saved a screenshot: {path}")

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
            self.push_screen(HelpScreen(self.settings.keys, self.long_messages))

    def action_search(self) -> None:
        self.library_pane.search_box.focus()

    async def action_quit(self) -> None:
        """Quit at once, even mid-stream or while a change waits for the library; what has
        arrived is kept in the draft (still arriving: the next start shows it as
        interrupted)."""
        self.library.lock.stop_waiting()
        self.keeper.save_now(last=True)
        self.exit()

    def _library_waits(self, message: str) -> None:
        """A change waits for another program holding the library: say so at once."""
        try:
            self.call_from_thread(self.notify, message, severity="warning", timeout=10)
        except RuntimeError:  # already on the app's thread
            self.notify(message, severity="warning", timeout=10)

    async def on_unmount(self) -> None:
        self.library.lock.stop_waiting()
        self.keeper.save_now(last=True)
        self.keeper.release()
        await self.workshop.aclose()

    # Writing prompts -------------------------------------------------------------------------

    def action_generate(self) -> None:
        # ctrl+j is handled by the app as soon as it arrives, but keys typed (or pasted) just
        # before it may still wait in the editor's queue: read the idea after them.
        self.idea_pane.editor.call_later(self._generate_from_idea)

    def _generate_from_idea(self) -> None:
        self.workshop.idea = self.idea_pane.idea
        self.workshop.target_name = self.idea_pane.target
        self._run(PROMPT, self.workshop.generate)

    def action_refine(self) -> None:
        version = self.workshop.version
        if version is None or not version.text.strip():
            self.notify("There is no prompt to refine yet: ctrl+j writes one.", severity="warning")
            return
        if self.workshop.busy(PROMPT):
            self.notify("A prompt is already being written; Esc stops it.")
            return

        def refine(instruction: str | None) -> None:
            if instruction and instruction.strip():
                self._run(PROMPT, lambda: self.workshop.refine(instruction))

        self.push_screen(
            AskScreen(
                "Refine",
                "How should the prompt change? Enter refines, Esc cancels",
                placeholder="moodier, shot on 35mm",
                completing=True,
            ),
            refine,
        )

    def action_variations(self) -> None:
        self._run(VARIATIONS, self.workshop.vary)

    def _run(self, kind: str, start: Callable[[], Awaitable[object]]) -> None:
        """Run a workshop job in a worker; what goes wrong becomes a notification."""
        self.run_worker(self._job(kind, start), group=kind, exit_on_error=False)

    async def _job(self, kind: str, start: Callable[[], Awaitable[object]]) -> None:
        from artisan.engine.answer import EmptyInput

        title = "Prompt" if kind == PROMPT else "Variations"
        try:
            result = await start()
        except EmptyInput:
            if kind == PROMPT and not self.workshop.streaming:
                self.notify("Describe the image in the Idea pane first.", severity="warning")
                self.idea_pane.editor.focus()
            return
        except ArtisanError as error:
            self.notify(str(error), title=title, severity="error", timeout=12)
            return
        except Exception as error:
            self.report_unexpected(error)
            return
        if isinstance(result, PromptVersion) and result.state in _TOLD_ENDINGS:
            message = result.state.sentence(result.note)
            self.notify(message, title=title, severity="warning", timeout=10)

    def action_stop(self) -> None:
        if self.workshop.stop():
            self.notify("Stopped; the text so far is kept.")

    def action_history(self, step: int) -> None:
        if not self.workshop.step(step) and self.workshop.streaming is not None:
            # The answer arriving becomes the newest version: nothing else is shown meanwhile.
            self.notify("A prompt is being written; older versions wait until it has arrived.")

    def action_compare(self) -> None:
        from artisan.tui.screens.compare import CompareScreen

        other = self.workshop.compared_with()
        version = self.workshop.version
        if version is None or other is None:
            self.notify("There is no earlier version to compare with yet.")
            return
        current = self.workshop.current
        older = self.workshop.versions[other]
        title = f"v{current + 1} {version.label()}, compared with v{other + 1}"
        self.push_screen(CompareScreen(title, older.text, version.text))

    def action_thinking(self) -> None:
        """Show what the model thought: for the highlighted variation when the Variations
        list has the focus, else for the last request when it left no version, else for the
        version shown."""
        from artisan.tui.screens.thinking import ThinkingScreen

        workshop = self.workshop
        index = self.variations_pane.highlighted
        job = workshop.jobs.get(PROMPT)
        version = workshop.version
        if self.variations_pane.option_list.has_focus and index is not None:
            item = workshop.variations[index]
            title, reasoning, note = f"Variation {index + 1}", item.reasoning, item.note
            seconds = item.thinking_seconds
        elif job is not None and not job.running and not job.kept and job.reasoning:
            title, reasoning, note, seconds = "The last request", job.reasoning, job.note, 0.0
        elif version is not None:
            title, reasoning, note = f"v{workshop.current + 1}", version.reasoning, version.note
            seconds = version.thinking_seconds
        else:
            title, reasoning, note, seconds = "", "", "", 0.0
        if not reasoning.strip():
            what = title or "The prompt"
            self.notify(f"{what}: the model wrote no thinking (only thinking models do).")
            return
        about = note or (f"Thought for {seconds:.0f} s before writing." if seconds else "")
        self.push_screen(ThinkingScreen(f"{title}: what the model thought", about, reasoning))

    def action_new_draft(self) -> None:
        """Start over; the old draft goes into the history first (a small write, done here so
        that a failure leaves everything as it was)."""
        from artisan.workshop import WorkshopBusy

        kept: list[Path | None] = []
        try:
            self.workshop.start_over(keep=lambda old: kept.append(self.keeper.archive(old)))
        except WorkshopBusy as error:
            self.notify(str(error), severity="warning")
            return
        except OSError as error:
            self.notify(
                f"The draft could not be kept in the history ({error.strerror or error}), "
                "so it stays as it is.",
                severity="error",
            )
            return
        self.idea_pane.idea = ""
        self.idea_pane.editor.focus()
        where = f" (the old one is kept in {kept[0]})" if kept and kept[0] else ""
        self.notify(f"A new draft{where}.")

    @on(TextArea.Changed, "#idea")
    def _idea_edited(self) -> None:
        self.workshop.idea = self.idea_pane.idea

    @on(TargetPicker.ListWanted)
    def _open_targets(self, event: TargetPicker.ListWanted) -> None:
        from artisan.tui.screens.targets import TargetList

        picker = event.picker

        def chosen(name: str | None) -> None:
            if name is not None:
                picker.value = name

        self.push_screen(TargetList(picker.targets, picker.value), chosen)

    @on(TargetPicker.Changed, "#target")
    def _target_changed(self, event: TargetPicker.Changed) -> None:
        self.workshop.target_name = event.value

    @on(PromptPane.Edited)
    def _prompt_edited(self, event: PromptPane.Edited) -> None:
        self.workshop.edit(event.text)

    @on(VariationsPane.Chosen)
    def _variation_chosen(self, event: VariationsPane.Chosen) -> None:
        index = event.index
        try:
            if event.action == "promote":
                self.workshop.promote(index)
                self.notify(f"Variation {index + 1} is now the prompt.")
            elif event.action == "save":
                self._save(self.workshop.save_plan(index))
            elif event.action == "copy":
                self._copy(self.workshop.save_plan(index).text, f"variation {index + 1}")
            elif event.action == "image":
                self._render_variations(self.variations_pane.marked_indexes() or [index])
        except ArtisanError as error:
            self.notify(str(error), severity="warning")

    # Library ---------------------------------------------------------------------------------

    def action_save(self) -> None:
        try:
            self._save(self.workshop.save_plan())
        except ArtisanError as error:
            self.notify(str(error), severity="warning")

    def _save(self, plan: SavePlan) -> None:
        write_library(
            self,
            lambda: save(plan, self.library),
            lambda saved: self._saved(plan, saved),
            title="Not saved",
        )

    def _saved(self, plan: SavePlan, saved: Saved) -> None:
        self.workshop.linked(plan, saved.entry)
        self.library_pane.entry_saved(saved.entry)
        self.notify(saved.says(plan.what))
        self.session.show_version()

    @on(LibraryPane.Load)
    def _load_entry(self, event: LibraryPane.Load) -> None:
        from artisan.workshop import WorkshopBusy

        entry = event.entry
        try:
            self.workshop.load_entry(entry)
        except WorkshopBusy:
            self.notify("A prompt is being written; Esc stops it first.")
            return
        replaced = self.idea_pane.idea
        # One edit of the editor, so the idea it replaces is one ctrl+z away.
        self.idea_pane.editor.replace_all(entry.idea)
        self.idea_pane.target = self.workshop.target_name
        self.session.show_version()
        self.prompt_pane.use_editor()
        if replaced.strip() and replaced != entry.idea:
            self.notify(
                f"Loaded “{shorten(entry.title, 30)}”: ctrl+z in the Idea pane brings back "
                "your idea.",
                timeout=8,
            )

    @on(LibraryPane.Copy)
    def _copy_entry(self, event: LibraryPane.Copy) -> None:
        self._copy(event.text, "the saved prompt")

    def action_copy(self) -> None:
        try:
            self._copy(self.workshop.save_plan().text)
        except ArtisanError:
            self.notify("There is nothing to copy yet.", severity="warning")

    def _copy(self, text: str, what: str = "the prompt") -> None:
        copy_and_tell(self, text, what)

    # Images ----------------------------------------------------------------------------------

    def action_image(self) -> None:
        try:
            self._render([self.workshop.save_plan()])
        except ArtisanError:
            self.notify("There is no prompt to render yet.", severity="warning")

    def _render_variations(self, indexes: list[int]) -> None:
        """Render these variations together (the marked ones), one request each."""
        plans, left_out = [], []
        for index in indexes:
            try:
                plans.append(self.workshop.save_plan(index))
            except ArtisanError:
                left_out.append(str(index + 1))
        if left_out:
            self.notify(
                f"Variation {', '.join(left_out)} is not finished or empty; left out.",
                severity="warning",
            )
        if plans:
            self._render(plans)

    def _render(self, plans: list[SavePlan]) -> None:
        """Render the plans; a rendered prompt is kept in the library (a prompt worth an image
        here is a kept one), and its version linked to its entry."""
        from artisan.tui.screens.render import RenderJob

        jobs = [RenderJob(p.text, p.entry_id or p.new_entry(), p.what) for p in plans]

        def rendered(items: list[BatchItem]) -> None:
            # The items come plan by plan: one each, or one for each cell of a comparison.
            cells = max(1, len(items) // len(plans))
            for index, item in enumerate(items):
                if item.outcome is not None and item.outcome.entry is not None:
                    self.workshop.linked(plans[index // cells], item.outcome.entry)

        self.pictures.render(jobs, rendered)

    def action_open_image(self) -> None:
        self.pictures.open_last(self._rendered_entry())

    def _rendered_entry(self) -> str | None:
        """The entry whose newest image ctrl+o shows when this session rendered none: the
        version's own, or the entry holding its text or one of its variations' (by the save
        rule, where a render keeps them), whichever has the newest image."""
        version = self.workshop.version
        if version is None:
            return None
        found = [
            self.library.find_prompt(text, version.target)
            for text in (version.text, *(item.text for item in version.variations))
            if text.strip()
        ]
        rendered = [entry for entry in found if entry is not None and entry.images]
        if not rendered:
            return version.entry_id
        # Adding an image updates its entry: the latest updated holds the newest image.
        return max(rendered, key=lambda entry: entry.updated).id

    def action_gallery(self) -> None:
        version = self.workshop.version
        self.pictures.gallery(version.entry_id if version is not None else None)

    @on(LibraryPane.ShowImages)
    def _show_images(self, event: LibraryPane.ShowImages) -> None:
        self.pictures.show_entry_images(event.entry)

    def action_describe(self) -> None:
        from artisan.engine.describe import CannotDescribe

        if self.workshop.busy(PROMPT) or self.workshop.busy(VARIATIONS):
            self.notify("Something is being written; Esc stops it first.", severity="warning")
            return
        count = self.settings.variations
        what = (
            f"Writes {count} prompt{'s' if count != 1 else ''} (the `variations` setting) for "
            f"the {self.workshop.target().label} target; they arrive as variations. A picture "
            "that carries its own prompt (AUTOMATIC1111, ComfyUI, artisan) is read, not sent."
        )
        try:
            self.workshop.describer  # noqa: B018  (the composer cannot see: say so first)
        except CannotDescribe as error:
            what = f"{error} Only a picture that carries its own prompt can be read back."
        self.pictures.pick_picture(
            what, lambda path: self._run(VARIATIONS, lambda: self._describe(path))
        )

    async def _describe(self, path: Path) -> object:
        import asyncio

        from artisan.images.vision import prepare_image

        found = await asyncio.to_thread(_picture_prompt, path)
        if found is not None:
            # The picture says what made it: nothing to send, nothing to pay.
            note = f"read from its own metadata ({found.describe()}); nothing was sent"
            version = self.workshop.read_back(
                path.name, found.full_prompt(), model=found.model, note=note
            )
            self.notify(f"{path.name}: {note}.", title="Describe")
            self.variations_pane.option_list.focus()
            return version
        image = await asyncio.to_thread(prepare_image, path)
        self.notify(f"Sending {image.name} as {image.describe()} to describe it.")
        version = await self.workshop.describe(image)
        self.variations_pane.option_list.focus()
        return version

    # The draft and errors --------------------------------------------------------------------

    def _snapshot(self) -> Any:
        return self.workshop.snapshot()

    def _draft_not_saved(self, message: str) -> None:
        self.notify(message, severity="error")

    def report_unexpected(self, error: BaseException) -> None:
        """Tell the person about a bug (any screen may call this), with its traceback in the
        log file."""
        report_unexpected(self, error)


def first_sentences(message: str, limit: int = NOTICE_LENGTH) -> str:
    """The sentences a message starts with that fit in `limit` characters (at least one)."""
    sentences = message.replace(". ", ".\n").splitlines()
    kept = sentences[0]
    for sentence in sentences[1:]:
        if len(kept) + 1 + len(sentence) > limit:
            break
        kept = f"{kept} {sentence}"
    return kept


def _severity(name: str) -> SeverityLevel:
    if name == "warning":
        return "warning"
    if name == "error":
        return "error"
    return "information"


def _picture_prompt(path: Path) -> Any:
    """The prompt a picture carries in its own metadata, or None (also when it cannot be read:
    describing it says why)."""
    from artisan import files
    from artisan.images.readback import read_picture

    try:
        return read_picture(path)
    except (OSError, files.FileProblem):
        return None
