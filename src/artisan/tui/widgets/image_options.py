"""The image model and the options it accepts, as the render dialog offers them.

Only the options the chosen model accepts are shown, filled in from the `image.*` settings; an
option offered always has a value (there is no blank entry to pick), and a model that takes no
value for an option hides its row. The model table drives all of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Select, Static

from artisan.tui.text import plain

if TYPE_CHECKING:
    from artisan.config import Settings
    from artisan.images import ImageModel, ImageModelTable

MAX_IMAGES_OFFERED = 4
"""More images per request are possible from the command line; the dialog keeps it short."""
OPTION_FIELDS = ("size", "quality", "style", "background")
_UNUSED = "-"
"""The one value of a hidden option's list: a Select must hold at least one."""


class ImageOptions(Vertical):
    """The model and its options; tells `Changed` whenever one of them changes."""

    DEFAULT_CSS = """
    ImageOptions {
        height: auto;
        .option { height: 1; }
        .option Label { width: 12; color: $text-muted; }
        .option Select, .option Input { width: 1fr; }
        #model-note { color: $text-muted; height: auto; max-height: 2; }
    }
    """

    class Changed(Message):
        """The model or one of its options changed."""

    def __init__(self, settings: Settings, table: ImageModelTable) -> None:
        super().__init__(id="image-options")
        self.settings = settings
        self.table = table

    def compose(self) -> ComposeResult:
        models = self.table.current()
        names = [model.name for model in models]
        chosen = self.settings.image_model
        options = [(f"{model.name} · {model.label}", model.name) for model in models]
        if chosen not in names:
            known = self.table.get(chosen)
            label = known.label if known else "not in the table"
            options.insert(0, (f"{chosen} · {label}", chosen))
        with Horizontal(classes="option"):
            yield Label("Model")
            yield Select(options, value=chosen, allow_blank=False, compact=True, id="model")
        for field in OPTION_FIELDS:
            with Horizontal(classes="option", id=f"row-{field}"):
                yield Label(plain(field.capitalize()))
                yield Select([(_UNUSED, _UNUSED)], allow_blank=False, compact=True, id=field)
        with Horizontal(classes="option", id="row-custom"):
            yield Label("Custom size")
            yield Input(placeholder="WIDTHxHEIGHT, e.g. 1536x864", compact=True, id="custom-size")
        with Horizontal(classes="option", id="row-n"):
            yield Label("Images")
            yield Select([("1", 1)], value=1, allow_blank=False, compact=True, id="n")
        yield Static("", id="model-note")

    def on_mount(self) -> None:
        self.fill(self.settings.image_model)

    @on(Select.Changed)
    def _option_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.select.id == "model" and isinstance(event.value, str):
            self.fill(event.value)
        self.post_message(self.Changed())

    @on(Input.Changed, "#custom-size")
    def _custom_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed())

    def fill(self, name: str) -> None:
        """Offer what model `name` accepts, with the settings' values where they fit."""
        model = self.table.get(name)
        for field in OPTION_FIELDS:
            values = _values(model, field)
            configured = getattr(self.settings, f"image_{field}")
            if (
                field == "size"
                and configured
                and configured not in values
                and model is not None
                and model.size_problem(configured) is None
            ):
                values = (configured, *values)
            select: Select[str] = self.query_one(f"#{field}", Select)
            select.set_options([(value, value) for value in values or (_UNUSED,)])
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
        self.query_one("#model-note", Static).update(plain(_note(name, model)))

    def chosen(self) -> dict[str, Any]:
        """What is chosen: `model`, `n`, and each option shown (a custom size wins)."""
        values: dict[str, Any] = {
            "model": self.query_one("#model", Select).value,
            "n": self.query_one("#n", Select).value,
        }
        for field in OPTION_FIELDS:
            if self.query_one(f"#row-{field}").display:
                value = self.query_one(f"#{field}", Select).value
                if isinstance(value, str) and value != _UNUSED:
                    values[field] = value
        custom = self.query_one("#custom-size", Input).value.strip()
        if self.query_one("#row-custom").display and custom:
            values["size"] = custom.lower().replace(" ", "")
        return values


def _values(model: ImageModel | None, field: str) -> tuple[str, ...]:
    if model is None:
        return ()
    if field == "size":
        return model.sizes
    return model.choices(field)


def _note(name: str, model: ImageModel | None) -> str:
    if model is None:
        return (
            f"{name} is not in artisan's model table: it is sent as asked, with only the "
            "options you set."
        )
    parts = [model.note] if model.note else []
    if model.shutdown:
        replacement = f"; use {model.replacement}" if model.replacement else ""
        parts.append(f"Shut down on {model.shutdown:%Y-%m-%d}{replacement}.")
    return " ".join(parts)
