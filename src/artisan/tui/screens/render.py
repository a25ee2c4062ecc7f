"""The render dialog: one prompt (ctrl+g) or several (marked variations), the model and its
options, what it will cost, then the renders.

The options are those the chosen model accepts, filled in from the `image.*` settings, with the
Render button focused so that Enter renders at once. Under them, the estimated cost of what is
about to be sent (the total, for several prompts) and this month's spending against
`image.monthly_limit`: a render that would pass the limit is refused here, before anything is
sent. While rendering, the options give way to the progress (a line with the elapsed time for
one prompt, a table with a row per prompt for several), so the dialog fits 80x24 with the
progress and any error showing.

Escape stops: for one prompt, the request (nothing is written, and the request is counted at its
estimate, since the server may have billed it); for several, first the prompts not started (the
running ones finish and are kept), then, pressed again, the running ones too. What finished is
kept. Escape once everything has ended closes the dialog. After several, Enter opens the
gallery in the dialog's place: the batch is over, so leaving the gallery goes back to the
panes, not to a dialog with nothing left to do. The subtitle says what the keys do now.

The Compare line (`model=A,B quality=low,high`, as `artisan image --compare` takes them) turns
the prompt, or each of several, into a grid of renders (`images.compare`): the estimate is the
whole grid's, and each render is labelled by its cell in the table and the gallery.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Button, Input, Label, LoadingIndicator, Static

from artisan.clock import Clock, system_clock
from artisan.errors import ArtisanError, UsageError
from artisan.shorten import shorten
from artisan.tui.background import report_unexpected
from artisan.tui.screens.dialog import Dialog
from artisan.tui.text import plain
from artisan.tui.widgets.image_options import ImageOptions

if TYPE_CHECKING:
    from textual.widget import Widget

    from artisan.config import Settings
    from artisan.entry import PromptEntry
    from artisan.images import CheckedRequest, ImageModelTable
    from artisan.images.batch import Batch, BatchItem
    from artisan.images.compare import Cell
    from artisan.images.spending import Period
    from artisan.library import Library


KEYS_BEFORE = "Enter renders · Esc closes"
KEYS_RENDERING = "Esc stops"
KEYS_AFTER_IMAGES = "Enter opens the gallery · Esc closes"
KEYS_AFTER_NOTHING = "Enter or Esc closes"


@dataclass(frozen=True)
class RenderJob:
    """One prompt to render, and where its images go."""

    text: str
    entry: PromptEntry | str | None
    """The saved entry's id, or an unsaved entry (idea, target, model) to save with them."""
    label: str = ""
    """What the person calls it: "variation 2 of v3"."""
    inputs: tuple[str, ...] = ()
    """For an edit (the text is then its instruction): the picture to change."""


class RenderScreen(Dialog["list[BatchItem] | None"]):
    """Asks how to render, renders, and answers with every item (None when nothing was sent).

    Args:
        jobs: The prompts, one request each.
        settings: The `image.*` settings, the server, `image.parallel`, the monthly limit.
        table: The image models.
        library: Where the images are linked.
        show_gallery: Shows the images of finished renders (the Gallery button).
        clock: What time it is: which month the spending is weighed in.
        draw_picture: Makes the widget that draws a picture with the terminal's protocol (the
            streamed previews); None shows no previews.
    """

    BINDINGS = [Binding("escape", "stop_or_close", "Stop / close")]

    DEFAULT_CSS = """
    RenderScreen {
        #render { width: 84; }
        #render-prompt { color: $text-muted; max-height: 2; }
        #render-body { height: auto; margin: 1 0 0 0; }
        #compare { margin-top: 1; }
        #estimate { height: auto; margin-top: 1; }
        #estimate.-refused { color: $error; }
        #summary { color: $text-muted; display: none; }
        #progress { height: 1; display: none; margin-top: 1; }
        #progress.-running { display: block; }
        #progress LoadingIndicator { width: 4; height: 1; }
        #render-table { display: none; margin-top: 1; }
        #status { height: auto; max-height: 5; color: $text-muted; }
        #status.-error { color: $error; }
        #buttons { height: 1; margin-top: 1; align-horizontal: right; }
        #buttons Button { margin-left: 2; }
        #buttons Button.-busy { text-style: dim; }
        #gallery-button { display: none; }
        #preview { height: 8; display: none; margin-top: 1; align-horizontal: center; }
        #preview.-shown { display: block; }
        #preview > * { width: auto; height: 100%; }
        &.-rendering #render-body { display: none; }
        &.-rendering #summary { display: block; }
        &.-several #render-table { display: block; }
    }
    """

    def __init__(
        self,
        jobs: list[RenderJob],
        settings: Settings,
        table: ImageModelTable,
        library: Library,
        show_gallery: Callable[[list[BatchItem]], None] | None = None,
        clock: Clock = system_clock,
        draw_picture: Callable[[Any], Widget] | None = None,
    ) -> None:
        super().__init__()
        self.clock = clock
        self.draw_picture = draw_picture
        self.editing = any(job.inputs for job in jobs)
        # Edits are OpenAI's: a Stable Diffusion server renders new pictures only.
        self.provider = "openai" if self.editing else settings.image_provider
        self.jobs = jobs
        self.settings = settings
        self.table = table
        self.library = library
        self.show_gallery = show_gallery
        self.items: list[BatchItem] = []
        self.renders: Batch | None = None
        self._month: Period | None = None
        self._started = 0.0
        self._ticker: Timer | None = None
        self._refused = ""
        self._grid: list[Cell] = [()]
        """The cells of a comparison (`#compare`): one empty cell when nothing is compared."""
        self._grid_problem = ""
        """Why `#compare` cannot be read, when it cannot."""
        self.previews_shown = 0
        """Partial images shown while the render streamed."""

    @property
    def several(self) -> bool:
        """More than one render: several prompts, or the cells of a comparison."""
        return len(self.jobs) * len(self._grid) > 1

    def compose(self) -> ComposeResult:
        with Vertical(id="render", classes="dialog") as box:
            box.border_title = plain(self._title())
            box.border_subtitle = plain(KEYS_BEFORE)
            yield Static(plain(self._heading()), id="render-prompt")
            with Vertical(id="render-body"):
                yield ImageOptions(
                    self.settings, self.table, provider=self.provider, edits=self.editing
                )
                if not self.editing:
                    yield Input(
                        placeholder="Compare (optional): model=A,B quality=low,high",
                        id="compare",
                        compact=True,
                    )
                yield Static("", id="estimate")
            yield Static("", id="summary")
            with Horizontal(id="progress"):
                yield LoadingIndicator()
                yield Label("", id="elapsed")
            yield Vertical(id="preview")
            yield Static("", id="status")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Gallery", id="gallery-button", compact=True)
                yield Button("Render", id="render-button", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.set_class(self.several, "-several")
        self.query_one("#render-button", Button).focus()
        self._read_month()
        if self.provider != "openai":
            self._ask_server()

    def _title(self) -> str:
        from artisan.images.renderers import image_server

        if self.editing:
            return "Edit image"
        what = f"Render {len(self.jobs)} prompts" if self.several else "Render image"
        server = image_server(self.settings, self.provider)
        return what if server.name == "OpenAI" else f"{what} on {server.name}"

    @work(group="choices")
    async def _ask_server(self) -> None:
        """What the Stable Diffusion server offers: its checkpoints, its samplers."""
        from artisan.images.renderers import make_renderer

        renderer = make_renderer(self.settings, self.provider)
        try:
            choices = await renderer.choices()
        finally:
            await renderer.close()
        self.query_one(ImageOptions).offer(choices)

    def _heading(self) -> str:
        if not self.several:
            return _clip_lines(self.jobs[0].text, 2)
        labels = ", ".join(job.label or _first_words(job.text) for job in self.jobs)
        return f"{len(self.jobs)} prompts, one request each: {labels}"

    # The estimate ----------------------------------------------------------------------------

    @work(thread=True, group="month")
    def _read_month(self) -> None:
        from artisan.images import spending

        try:
            ledger = spending.read()
        except ArtisanError as error:
            self.app.call_from_thread(self._say, str(error), error=True)
            return
        for problem in ledger.problems:
            self.app.call_from_thread(self.notify, problem, severity="warning", timeout=12)
        self.app.call_from_thread(self._month_read, ledger.month(self.clock()))

    def _month_read(self, month: Period) -> None:
        self._month = month
        self._show_estimate()

    @on(ImageOptions.Changed)
    def _options_changed(self) -> None:
        self._show_estimate()

    @on(Input.Changed, "#compare")
    def _compare_changed(self, event: Input.Changed) -> None:
        """Read the comparison as typed: NAME=A,B, separated by spaces."""
        from artisan.images.compare import grid, read_axis

        self._grid, self._grid_problem = [()], ""
        try:
            axes = [read_axis(text) for text in event.value.split()]
            self._grid = grid(axes) if axes else [()]
        except UsageError as error:
            self._grid_problem = str(error).replace("--compare ", "Compare: ")
        self.set_class(self.several, "-several")
        self._show_estimate()

    @on(Input.Submitted, "#compare")
    def _compare_submitted(self) -> None:
        self._render_pressed()

    def _show_estimate(self) -> None:
        from artisan.images.prices import dollars
        from artisan.images.renderers import image_server

        try:
            batch = self._batch(self._checked())
        except ArtisanError as error:
            self._estimate_line(str(error), refused=True)
            return
        self._refused = ""
        first = batch.items[0].checked.model
        if first is not None and not first.costs_money:
            server = image_server(self.settings, self.provider)
            self._estimate_line(f"Free: drawn on {server.name}.", refused=False)
            return
        total = batch.estimate
        images = sum(item.checked.request.n for item in batch.items)
        if total is None:
            line = "Estimated cost: unknown (no price for this model)"
        elif len(self._grid) > 1:
            renders = len(batch.items)
            line = f"Estimated cost: {total.describe()} for the {renders} renders compared"
        elif images > 1:
            line = f"Estimated cost: {total.describe()} for {images} images"
        else:
            line = f"Estimated cost: {total.describe()}"
        limit = self.settings.image_monthly_limit
        if self._month is not None:
            spent = self._month.cost.describe()
            if limit is not None:
                line += f" · this month {spent} of {dollars(limit)}"
                if total is not None and self._month.dollars + total.dollars > limit:
                    self._refused = (
                        f"This would pass the monthly limit of {dollars(limit)} "
                        f"(image.monthly_limit): {spent} is spent this month."
                    )
            else:
                line += f" · this month {spent}"
        self._estimate_line(self._refused or line, refused=bool(self._refused))

    def _estimate_line(self, text: str, *, refused: bool) -> None:
        estimate = self.query_one("#estimate", Static)
        estimate.update(plain(text))
        estimate.set_class(refused, "-refused")

    # Rendering -------------------------------------------------------------------------------

    def _checked(self) -> list[tuple[RenderJob, Cell, CheckedRequest]]:
        """Each job's request as chosen (once for each cell of a comparison, its values in
        place of the options'), checked against its model (raises what is wrong)."""
        from artisan.images import build_request, validate

        if self._grid_problem:
            raise UsageError(self._grid_problem)
        options = self.query_one(ImageOptions)
        dialog = options.chosen()
        model = options.model(str(dialog.get("model")))
        previews = min(self.settings.image_previews, model.previews) if model is not None else 0
        checked = []
        for job in self.jobs:
            for cell in self._grid:
                chosen = {**dialog, **dict(cell)}
                request, _ = build_request(
                    self.settings,
                    job.text,
                    self.table,
                    provider=str(chosen.get("provider", self.provider)),
                    model=chosen.get("model"),
                    n=chosen.get("n", 1),
                    size=chosen.get("size"),
                    quality=chosen.get("quality"),
                    style=chosen.get("style"),
                    background=chosen.get("background"),
                    steps=chosen.get("steps"),
                    cfg_scale=chosen.get("cfg_scale"),
                    sampler=chosen.get("sampler"),
                    seed=chosen.get("seed"),
                    inputs=job.inputs,
                    previews=0 if self.several else previews,
                )
                checked.append((job, cell, validate(request, self.table)))
        return checked

    def _batch(self, checked: list[tuple[RenderJob, Cell, CheckedRequest]]) -> Batch:
        from artisan.images.batch import Batch, BatchItem

        items = [
            BatchItem(request, entry=job.entry, label=job.label, cell=cell)
            for job, cell, request in checked
        ]
        return Batch(
            self.settings, self.library, items, on_change=self._item_changed, clock=self.clock
        )

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_stop_or_close()

    @on(Button.Pressed, "#gallery-button")
    def _gallery_pressed(self) -> None:
        items = self.items
        self.dismiss(items)
        if self.show_gallery is not None:
            self.show_gallery(items)

    @on(Button.Pressed, "#render-button")
    def _render_pressed(self) -> None:
        if self._rendering() or (self.items and self.several):
            return
        try:
            checked = self._checked()
        except ArtisanError as error:
            self._say(str(error), error=True)
            return
        warnings = [warning for _, _, request in checked for warning in request.warnings]
        if self._refused:
            self._say(f"Not sent. {self._refused}", error=True)
            return
        for warning in dict.fromkeys(warnings):
            self.notify(warning, severity="warning", timeout=10)
        self.renders = self._batch(checked)
        self.items = self.renders.items
        self._start(self.renders)

    @work(group="render", exclusive=True)
    async def _start(self, batch: Batch) -> None:
        self._begin(batch)
        try:
            await batch.run()
        except asyncio.CancelledError:
            self._end(batch)
            raise
        except ArtisanError as error:
            # Refused before anything was sent (the limit, no key): the options come back.
            self._end(batch)
            self._say(str(error), error=True)
            return
        except Exception as error:
            self._end(batch)
            report_unexpected(self.app, error)
            self._say(f"Unexpected error: {type(error).__name__}: {error}", error=True)
            return
        self._end(batch)
        self._finished(batch)

    def _begin(self, batch: Batch) -> None:
        from artisan.tui.widgets.render_table import RenderTable

        self._started = time.monotonic()
        request = batch.items[0].checked.request
        options = " · ".join(
            value
            for value in (request.model, request.size, request.quality, request.style)
            if value
        )
        count = f"{request.n} image{'s' if request.n != 1 else ''}{' each' if self.several else ''}"
        total = batch.estimate
        cost = f" · about {total.describe().lstrip('~')}" if total is not None else ""
        self.query_one("#summary", Static).update(plain(f"{options} · {count}{cost}"))
        self.add_class("-rendering")
        self._keys(KEYS_RENDERING)
        self.query_one("#render-button", Button).add_class("-busy")
        self._say("")
        if self.several:
            if not self.query(RenderTable):
                self.mount(RenderTable(batch.items), after=self.query_one("#summary"))
        else:
            self.query_one("#progress").add_class("-running")
        self._ticker = self.set_interval(0.5, self._tick)
        self._tick()

    def _end(self, batch: Batch) -> None:
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        self.query_one("#progress").remove_class("-running")
        button = self.query_one("#render-button", Button)
        button.remove_class("-busy")
        if not any(item.finished for item in batch.items):
            # Nothing was sent: back to the options, to change them.
            self.remove_class("-rendering")
            self._keys(KEYS_BEFORE)

    def _finished(self, batch: Batch) -> None:
        from artisan.images.batch import ItemState

        items = batch.items
        if not self.several:
            [item] = items
            if item.state is ItemState.DONE:
                self.dismiss(items)
                return
            self.remove_class("-rendering")
            self._keys(KEYS_BEFORE)
            if item.state is ItemState.FAILED:
                self._say(item.error, error=True)
            else:
                counted = item.estimate.describe() if item.estimate is not None else "its estimate"
                self._say(
                    "Stopped; nothing was saved. The request is counted at "
                    f"{counted}, since the server may have billed it. Enter renders again, "
                    "Esc closes."
                )
            self.items = []
            self.query_one("#render-button", Button).focus()
            return
        spent = batch.spent()
        cost = f" · spent {spent.describe()}" if spent is not None else ""
        stopped = sum(
            1 for item in items if item.state is ItemState.CANCELLED and item.started is not None
        )
        if stopped:
            cost += (
                f" · {stopped} stopped after sending, counted at "
                f"{'its estimate' if stopped == 1 else 'their estimates'}"
            )
        failures = [
            f"{item.label or _first_words(item.prompt)}: {item.error}"
            for item in items
            if item.state is ItemState.FAILED
        ]
        self._say("\n".join([f"{batch.summary()}{cost}.", *failures]), error=bool(failures))
        self.query_one("#render-button").display = False
        self.query_one("#cancel", Button).label = "Close"
        if any(item.outcome and item.outcome.images for item in items):
            gallery = self.query_one("#gallery-button", Button)
            gallery.display = True
            gallery.focus()
            self._keys(KEYS_AFTER_IMAGES)
        else:
            self.query_one("#cancel", Button).focus()
            self._keys(KEYS_AFTER_NOTHING)

    def _item_changed(self, item: BatchItem) -> None:
        from artisan.tui.widgets.render_table import RenderTable

        for table in self.query(RenderTable):
            table.refresh_item(item)
        if item.preview is not None:
            self._show_preview(item.preview)
            item.preview = None
        if not self.several:
            self._tick()

    def _show_preview(self, data: bytes) -> None:
        """The latest partial image, in place of the one before."""
        import io

        from PIL import Image, UnidentifiedImageError

        if self.draw_picture is None:
            return
        try:
            with Image.open(io.BytesIO(data)) as picture:
                picture.thumbnail((256, 256))
                shown = picture.convert("RGB")
        except (OSError, UnidentifiedImageError, ValueError):
            return
        box = self.query_one("#preview", Vertical)
        box.remove_children()
        box.mount(self.draw_picture(shown))
        box.add_class("-shown")
        self.previews_shown += 1

    def _tick(self) -> None:
        from artisan.tui.widgets.render_table import RenderTable

        if self.several:
            for table in self.query(RenderTable):
                table.tick()
            return
        stage = self.items[0].stage if self.items else ""
        elapsed = time.monotonic() - self._started
        self.query_one("#elapsed", Label).update(plain(f"{stage}  {elapsed:.0f}s  (Esc stops)"))

    def _keys(self, text: str) -> None:
        self.query_one("#render", Vertical).border_subtitle = plain(text)

    def _say(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#status", Static)
        status.update(plain(text))
        status.set_class(error, "-error")

    def _rendering(self) -> bool:
        return any(w.group == "render" and w.is_running for w in self.workers)

    def action_stop_or_close(self) -> None:
        batch = self.renders
        if not self._rendering() or batch is None:
            self.dismiss(self.items or None)
            return
        if not self.several:
            batch.stop()  # the request is closed: nothing is written
            return
        waiting = batch.cancel_waiting()
        if waiting:
            self._say(
                f"Cancelled {waiting} not started; the running ones finish and are kept "
                "(Esc again stops them too)."
            )
        else:
            stopped = batch.stop()
            self._say(
                f"Stopping {stopped}; each is counted at its estimate, since the server may "
                "have billed it (one whose images already arrived is saved)."
            )


def _clip_lines(text: str, lines: int) -> str:
    kept = text.strip().splitlines()[:lines]
    return shorten("\n".join(kept), 200, one_line=False)


def _first_words(text: str, limit: int = 30) -> str:
    return shorten(text, limit)
