"""The render dialog (ctrl+g): choose the image model and its options, then render.

Only the options the chosen model accepts are offered, filled in from the `image.*` settings,
with the Render button focused so that Enter renders at once. While the request runs the dialog
shows what is happening and for how long; Escape stops it (nothing is written), and Escape again
closes the dialog.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.timer import Timer
from textual.widgets import Button, Input, Label, LoadingIndicator, Select, Static

from artisan.errors import ArtisanError
from artisan.images import RenderOutcome
from artisan.tui.screens.dialog import Dialog
from artisan.tui.text import plain

if TYPE_CHECKING:
    from artisan.config import Settings
    from artisan.entry import PromptEntry
    from artisan.images import ImageModel, ImageModelTable, RenderProgress
    from artisan.library import Library

MAX_IMAGES_OFFERED = 4
"""More images per request are possible from the command line; the dialog keeps it short."""

OPTION_FIELDS = ("size", "quality", "style", "background")


class RenderScreen(Dialog[RenderOutcome | None]):
    """Asks how to render a prompt, renders it, and answers with what was saved."""

    BINDINGS = [Binding("escape", "stop_or_close", "Stop / close")]

    DEFAULT_CSS = """
    RenderScreen {
        #render { width: 76; }
        #render-prompt { color: $text-muted; max-height: 4; margin-bottom: 1; }
        #custom-size { width: 1fr; }
        .option { height: 1; margin-bottom: 1; }
        .option Label { width: 12; color: $text-muted; }
        .option Select { width: 1fr; }
        #model-note { color: $text-muted; height: auto; }
        #buttons { height: 3; margin-top: 1; align-horizontal: right; }
        #buttons Button { margin-left: 2; }
        #buttons Button.-busy { text-style: dim; }
        #progress { height: 1; display: none; }
        #progress.-running { display: block; }
        #progress LoadingIndicator { width: 4; height: 1; }
        #status { height: auto; max-height: 4; color: $text-muted; }
        #status.-error { color: $error; }
    }
    """

    def __init__(
        self,
        prompt: str,
        settings: Settings,
        table: ImageModelTable,
        library: Library,
        entry: PromptEntry | str | None,
    ) -> None:
        super().__init__()
        self.prompt = prompt
        self.settings = settings
        self.table = table
        self.library = library
        self.entry = entry
        """The saved entry's id, or an unsaved entry (idea, target, model) to save with the
        image."""
        self._started = 0.0
        self._stage = ""
        self._ticker: Timer | None = None

    def compose(self) -> ComposeResult:
        models = self.table.current()
        names = [m.name for m in models]
        chosen = self.settings.image_model
        options = [(f"{m.name} · {m.label}", m.name) for m in models]
        if chosen not in names:
            known = self.table.get(chosen)
            options.insert(
                0, (f"{chosen} · {known.label if known else 'not in the table'}", chosen)
            )
        with VerticalScroll(id="render", classes="dialog") as box:
            box.border_title = "Render image"
            yield Static(plain(_clip_lines(self.prompt, 4)), id="render-prompt")
            with Horizontal(classes="option"):
                yield Label("Model")
                yield Select(options, value=chosen, allow_blank=False, compact=True, id="model")
            for field in OPTION_FIELDS:
                with Horizontal(classes="option", id=f"row-{field}"):
                    yield Label(plain(field.capitalize()))
                    yield Select([], allow_blank=True, compact=True, id=field)
            with Horizontal(classes="option", id="row-custom"):
                yield Label("Custom size")
                yield Input(
                    placeholder="WIDTHxHEIGHT, e.g. 1536x864", compact=True, id="custom-size"
                )
            with Horizontal(classes="option", id="row-n"):
                yield Label("Images")
                yield Select([("1", 1)], value=1, allow_blank=False, compact=True, id="n")
            yield Static("", id="model-note")
            with Horizontal(id="progress"):
                yield LoadingIndicator()
                yield Label("", id="elapsed")
            yield Static("", id="status")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Render", id="render-button", variant="primary")

    def on_mount(self) -> None:
        self._fill_options(self.settings.image_model)
        self.query_one("#render-button", Button).focus()

    # Options ---------------------------------------------------------------------------------

    @on(Select.Changed, "#model")
    def _model_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self._fill_options(event.value)

    def _fill_options(self, name: str) -> None:
        model = self.table.get(name)
        note = self.query_one("#model-note", Static)
        for field in OPTION_FIELDS:
            values = _values(model, field)
            configured = getattr(self.settings, f"image_{field}")
            if (
                field == "size"
                and configured
                and configured not in values
                and model
                and (model.size_problem(configured) is None)
            ):
                values = (configured, *values)
            select: Select[str] = self.query_one(f"#{field}", Select)
            # An option the model offers always has a value: no blank entry to choose.
            select.set_options([(v, v) for v in values])
            if configured in values:
                select.value = configured
            elif values:
                select.value = "auto" if "auto" in values else values[0]
            self.query_one(f"#row-{field}").display = bool(values)
        count = min(MAX_IMAGES_OFFERED, model.n_max if model else 1)
        counter: Select[int] = self.query_one("#n", Select)
        counter.set_options([(str(i), i) for i in range(1, count + 1)])
        counter.value = 1
        self.query_one("#row-n").display = count > 1
        self.query_one("#row-custom").display = model is not None and model.free_sizes is not None
        if model is None:
            note.update(
                plain(
                    f"{name} is not in artisan's model table: it is sent as asked, with "
                    "only the options you set."
                )
            )
        else:
            parts = [model.note] if model.note else []
            if model.shutdown:
                parts.append(
                    f"Shut down on {model.shutdown:%Y-%m-%d}"
                    + (f"; use {model.replacement}" if model.replacement else "")
                    + "."
                )
            note.update(plain(" ".join(parts)))

    def _chosen(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for field in (*OPTION_FIELDS, "n", "model"):
            widget: Select[Any] = self.query_one(f"#{field}", Select)
            if widget.display is False and field not in ("n", "model"):
                continue
            value = widget.value
            if value is not Select.NULL and value is not None:
                values[field] = value
        custom = self.query_one("#custom-size", Input)
        if custom.display and self.query_one("#row-custom").display and custom.value.strip():
            values["size"] = custom.value.strip().lower().replace(" ", "")
        return values

    # Rendering -------------------------------------------------------------------------------

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_stop_or_close()

    @on(Button.Pressed, "#render-button")
    def _render_pressed(self) -> None:
        from artisan.images import build_request, validate

        if self._render_running():
            return
        chosen = self._chosen()
        try:
            request, warnings = build_request(
                self.settings,
                self.prompt,
                self.table,
                model=chosen.get("model"),
                n=chosen.get("n", 1),
                size=chosen.get("size"),
                quality=chosen.get("quality"),
                style=chosen.get("style"),
                background=chosen.get("background"),
            )
            checked = validate(request, self.table)
        except ArtisanError as error:
            self._say(str(error), error=True)
            return
        for warning in [*warnings, *checked.warnings]:
            self.notify(warning, severity="warning", timeout=10)
        self._start_render(checked)

    @work(group="render", exclusive=True)
    async def _start_render(self, checked: Any) -> None:
        from artisan.images import render_and_record

        self._begin()
        try:
            outcome = await render_and_record(
                self.settings,
                checked,
                self.library,
                entry=self.entry,
                on_progress=self._progress,
            )
        except asyncio.CancelledError:
            self._end()
            self._say("Stopped; nothing was saved. Enter renders again, Esc closes.")
            raise
        except ArtisanError as error:
            self._end()
            self._say(str(error), error=True)
            return
        except Exception as error:
            self._end()
            report = getattr(self.app, "_report_unexpected", None)
            if report is not None:
                report(error)
            self._say(f"Unexpected error: {type(error).__name__}: {error}", error=True)
            return
        self._end()
        self.dismiss(outcome)

    def _progress(self, progress: RenderProgress) -> None:
        self._stage = progress.message
        self._tick()

    def _begin(self) -> None:
        self._started = time.monotonic()
        self._stage = "Sending the request…"
        self.query_one("#progress").add_class("-running")
        # Not disabled: a disabled button loses the focus, and Enter would then land elsewhere.
        # A press while a render runs is ignored (see `_render_pressed`).
        self.query_one("#render-button", Button).add_class("-busy")
        self._say("")
        self._ticker = self.set_interval(0.5, self._tick)
        self._tick()

    def _end(self) -> None:
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        self.query_one("#progress").remove_class("-running")
        button = self.query_one("#render-button", Button)
        button.remove_class("-busy")
        button.focus()

    def _tick(self) -> None:
        elapsed = time.monotonic() - self._started
        self.query_one("#elapsed", Label).update(
            plain(f"{self._stage}  {elapsed:.0f}s  (Esc stops)")
        )

    def _say(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#status", Static)
        status.update(plain(text))
        status.set_class(error, "-error")

    def _render_running(self) -> bool:
        return any(w.group == "render" and w.is_running for w in self.workers)

    def action_stop_or_close(self) -> None:
        if self._render_running():
            self.workers.cancel_group(self, "render")
        else:
            self.dismiss(None)


def _values(model: ImageModel | None, field: str) -> tuple[str, ...]:
    if model is None:
        return ()
    if field == "size":
        return model.sizes
    return model.choices(field)


def _clip_lines(text: str, lines: int) -> str:
    kept = text.strip().splitlines()[:lines]
    shown = "\n".join(kept)
    return shown if len(shown) <= 300 else shown[:299] + "…"
