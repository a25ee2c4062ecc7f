"""The image model and the options it accepts, as the render dialog offers them.

Only what the chosen renderer offers is shown: OpenAI's models and their size, quality, style and
background; or, for a Stable Diffusion server, its checkpoints (as the server lists them, once
it answered) and the size, steps, CFG scale, sampler and seed. Options are filled in from the
`image.*` settings; an option offered always has a value (there is no blank entry to pick), and
a model that takes no value for an option hides its row. The model table drives all of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Select, Static

from artisan.images.models import ImageOptionError
from artisan.tui.text import plain

if TYPE_CHECKING:
    from artisan.config import Settings
    from artisan.images import ImageModel, ImageModelTable
    from artisan.images.renderers import Choices

MAX_IMAGES_OFFERED = 4
"""More images per request are possible from the command line; the dialog keeps it short."""
OPTION_FIELDS = ("size", "quality", "style", "background", "sampler")
TYPED_FIELDS = ("steps", "cfg_scale", "seed")
"""Options typed as numbers (Stable Diffusion servers)."""
_UNUSED = "-"
"""The one value of a hidden option's list: a Select must hold at least one."""
_LABELS = {"cfg_scale": "CFG scale", "sampler": "Sampler", "steps": "Steps", "seed": "Seed"}


class ImageOptions(Vertical):
    """The model and its options; tells `Changed` whenever one of them changes.

    Args:
        settings: The `image.*` settings the options start from.
        table: The image models.
        provider: Whose models to offer: "openai", "automatic1111", "comfyui".
        edits: Offer only models that edit pictures.
    """

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

    def __init__(
        self,
        settings: Settings,
        table: ImageModelTable,
        *,
        provider: str = "openai",
        edits: bool = False,
    ) -> None:
        super().__init__(id="image-options")
        self.settings = settings
        self.table = table
        self.provider = provider
        self.edits = edits
        self.choices: Choices | None = None
        """What the server offers, once it answered."""

    def compose(self) -> ComposeResult:
        options = self._models()
        chosen = self._first_choice(options)
        with Horizontal(classes="option"):
            yield Label("Model")
            yield Select(options, value=chosen, allow_blank=False, compact=True, id="model")
        for field in OPTION_FIELDS:
            with Horizontal(classes="option", id=f"row-{field}"):
                yield Label(plain(_LABELS.get(field, field.capitalize())))
                yield Select([(_UNUSED, _UNUSED)], allow_blank=False, compact=True, id=field)
        with Horizontal(classes="option", id="row-custom"):
            yield Label("Custom size")
            yield Input(placeholder="WIDTHxHEIGHT, e.g. 1536x864", compact=True, id="custom-size")
        for field in TYPED_FIELDS:
            with Horizontal(classes="option", id=f"row-{field}"):
                yield Label(plain(_LABELS[field]))
                configured = getattr(self.settings, f"image_{field}", None)
                value = "" if configured is None else f"{configured:g}"
                hint = "any (drawn at random)" if field == "seed" else "the server's default"
                yield Input(value, placeholder=hint, compact=True, id=field)
        with Horizontal(classes="option", id="row-n"):
            yield Label("Images")
            yield Select([("1", 1)], value=1, allow_blank=False, compact=True, id="n")
        yield Static("", id="model-note")

    def on_mount(self) -> None:
        self.fill(self.query_one("#model", Select).value)  # type: ignore[arg-type]

    def offer(self, choices: Choices) -> None:
        """Add what the server offers: its checkpoints, its samplers."""
        self.choices = choices
        if not choices.models:
            return
        select: Select[str] = self.query_one("#model", Select)
        current = select.value
        entries = self._models()
        select.set_options(entries)
        select.value = current if any(value == current for _, value in entries) else entries[0][1]
        self.fill(str(select.value))

    def _models(self) -> list[tuple[str, str]]:
        if self.provider != "openai":
            entry = self.table.for_provider(self.provider)
            label = entry.label if entry is not None else "the server's own"
            options = [(f"{self.provider} · {label}", self.provider)]
            for name in self.choices.models if self.choices is not None else ():
                options.append((name, name))
            return options
        models = [m for m in self.table.current() if m.edits or not self.edits]
        options = [(f"{model.name} · {model.label}", model.name) for model in models]
        chosen = self.settings.image_model
        if self.table.default_model("openai", chosen) == chosen and not any(
            value == chosen for _, value in options
        ):
            known = self.table.get(chosen)
            if not self.edits or (known is not None and known.edits):
                label = known.label if known else "not in the table"
                options.insert(0, (f"{chosen} · {label}", chosen))
        return options

    def _first_choice(self, options: list[tuple[str, str]]) -> str:
        wanted = self.table.default_model(self.provider, self.settings.image_model)
        values = [value for _, value in options]
        return wanted if wanted in values else values[0]

    @on(Select.Changed)
    def _option_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.select.id == "model" and isinstance(event.value, str):
            self.fill(event.value)
        self.post_message(self.Changed())

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed())

    def model(self, name: str) -> ImageModel | None:
        """The capabilities of `name`: its own, or its provider's for a checkpoint."""
        return self.table.get(name) or self.table.for_provider(self.provider)

    def fill(self, name: str) -> None:
        """Offer what model `name` accepts, with the settings' values where they fit."""
        model = self.model(name)
        for field in OPTION_FIELDS:
            values = self._values(model, field)
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
        for field in TYPED_FIELDS:
            takes = model is not None and field in model.options
            self.query_one(f"#row-{field}").display = takes
        count = min(MAX_IMAGES_OFFERED, model.n_max if model else 1)
        counter: Select[int] = self.query_one("#n", Select)
        counter.set_options([(str(i), i) for i in range(1, count + 1)])
        counter.value = 1
        self.query_one("#row-n").display = count > 1
        self.query_one("#row-custom").display = model is not None and model.free_sizes is not None
        self.query_one("#model-note", Static).update(plain(_note(name, model, self.choices)))

    def _values(self, model: ImageModel | None, field: str) -> tuple[str, ...]:
        if model is None:
            return ()
        if field == "size":
            return model.sizes
        if field == "sampler":
            if "sampler" not in model.options:
                return ()
            served = self.choices.samplers if self.choices is not None else ()
            return served or model.samplers
        return model.choices(field)

    def chosen(self) -> dict[str, Any]:
        """What is chosen: `model`, `n`, and each option shown (a custom size wins).

        Raises:
            ImageOptionError: a number typed is not one.
        """
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
        for field in TYPED_FIELDS:
            text = self.query_one(f"#{field}", Input).value.strip()
            if self.query_one(f"#row-{field}").display and text:
                values[field] = _number(field, text)
        return values


def _number(field: str, text: str) -> int | float:
    try:
        return float(text) if field == "cfg_scale" else int(text)
    except ValueError:
        what = "a number" if field == "cfg_scale" else "a whole number"
        raise ImageOptionError(f"{_LABELS[field]} must be {what}, not “{text}”.") from None


def _note(name: str, model: ImageModel | None, choices: Choices | None) -> str:
    if choices is not None and choices.problem:
        return choices.problem
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
