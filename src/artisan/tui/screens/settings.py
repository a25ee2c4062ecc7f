"""The settings screen (F2, or "Settings" in the palette): every setting a person needs to start.

Who writes prompts (the engine), the API key, the server and its model, the default target,
how many variations, the temperature, the image model and its defaults, and the theme. "Test"
sends one tiny request with what is on the form, before anything is saved, and says what came
back in plain words. "Save" writes only what changed, through `config.set_value`, which keeps
the comments and order of config.toml and makes the file private when it holds a key. A value
the settings refuse is shown beside its field and nothing of that field is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, Select, Static

from artisan import config, credentials
from artisan.clock import Clock, system_clock
from artisan.connection.server import OPENAI_URL
from artisan.errors import ArtisanError
from artisan.tui.text import plain

if TYPE_CHECKING:
    from artisan.config import Settings
    from artisan.targets import TargetCatalog


@dataclass(frozen=True)
class Field:
    """One setting on the form."""

    key: str
    """Its key in config.toml (`model`, `image.size`)."""
    label: str
    kind: str = "text"
    """text, secret or choice."""
    hint: str = ""


SECTIONS: tuple[tuple[str, tuple[Field, ...]], ...] = (
    (
        "Who writes prompts",
        (
            Field(
                "engine",
                "Engine",
                "choice",
                "auto: a chat model when a key or a server is set, else the offline composer",
            ),
            Field(
                "api_key",
                "API key",
                "secret",
                "for the server below (empty: OpenAI); local servers need none",
            ),
            Field("base_url", "Server", hint="empty for OpenAI; http://localhost:11434/v1 Ollama"),
            Field("model", "Chat model", hint="the model that writes the prompts"),
        ),
    ),
    (
        "Prompts",
        (
            Field("target", "Target", "choice", "the image model family prompts are written for"),
            Field("variations", "Variations", hint="how many ctrl+n writes, 1-12"),
            Field("temperature", "Temperature", hint="0-2; empty uses the model's own"),
        ),
    ),
    (
        "Images",
        (
            Field(
                "image.provider",
                "Renderer",
                "choice",
                "openai (OpenAI or compatible), automatic1111 (also Forge, SD.Next), comfyui",
            ),
            Field(
                "image.base_url",
                "Image server",
                hint="empty: OpenAI's, or the usual local port; chat's server never applies",
            ),
            Field("image.api_key", "Image key", "secret", "empty: the OpenAI key, for OpenAI"),
            Field("image.model", "Image model", "choice"),
            Field("image.size", "Size", hint="e.g. 1024x1024, or auto"),
            Field("image.quality", "Quality", hint="e.g. auto, low, medium, high"),
        ),
    ),
    (
        "Look",
        (Field("theme", "Theme", "choice"),),
    ),
)
FIELDS = {field.key: field for _, fields in SECTIONS for field in fields}


class SettingsScreen(Screen[bool]):
    """The form; answers True when something was saved."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("ctrl+s", "save", "Save", priority=True),
    ]

    DEFAULT_CSS = """
    SettingsScreen {
        align: center top;
        #settings {
            width: 96; max-width: 100%; height: 1fr;
            border: round $primary; border-title-color: $primary;
            border-subtitle-color: $text-muted; padding: 0 1;
        }
        .section { color: $primary; text-style: bold; margin-top: 1; }
        .field { height: auto; }
        .field Label { width: 14; padding-top: 0; color: $text-muted; }
        .field Input, .field Select { width: 1fr; }
        .hint { color: $text-muted; padding-left: 14; height: auto; }
        .problem { color: $error; padding-left: 14; height: auto; display: none; }
        .problem.-shown { display: block; }
        #models { color: $text-muted; padding-left: 14; height: auto; display: none; }
        #models.-shown { display: block; }
        #test-result { height: auto; display: none; }
        #test-result.-shown { display: block; }
        #test-result.-error { color: $error; }
        #check-buttons { margin-left: 14; height: 3; }
        #check-buttons Button { margin-right: 2; }
        #settings-buttons { height: 3; margin-top: 1; align-horizontal: right; }
        #settings-buttons Button { margin-left: 2; }
    }
    """

    def __init__(
        self,
        settings: Settings,
        catalog: TargetCatalog,
        themes: list[str],
        *,
        clock: Clock = system_clock,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.clock = clock
        """What day it is, for the image models still served and this month's spending."""
        self.catalog = catalog
        self.themes = themes

    # The form --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="settings") as box:
            box.border_title = "Settings"
            box.border_subtitle = "ctrl+s saves · Esc closes"
            for title, fields in SECTIONS:
                yield Static(plain(title), classes="section")
                for field in fields:
                    with Horizontal(classes="field"):
                        yield Label(plain(field.label))
                        yield self._widget(field)
                    hint = self._hint(field)
                    if hint:
                        yield Static(plain(hint), classes="hint", id=_hint_id(field.key))
                    yield Static("", classes="problem", id=_problem_id(field.key))
                if title == "Who writes prompts":
                    yield Static("", id="models")
                    with Horizontal(id="check-buttons"):
                        yield Button("List models", id="list-models")
                        yield Button("Test", id="test", variant="primary")
                    yield Static("", id="test-result")
            # This month's image spending, once read (when anything was recorded).
            spent = Static("", classes="hint", id="spent")
            spent.display = False
            yield spent
            with Horizontal(id="settings-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save", id="save", variant="success")

    def _widget(self, field: Field) -> Input | Select[str]:
        value = self._current(field.key)
        wid = _widget_id(field.key)
        if field.kind == "choice":
            options = self._choices(field.key)
            if value and value not in options:
                options = [value, *options]
            return Select(
                [(option, option) for option in options],
                value=value if value in options else Select.NULL,
                allow_blank=False,
                compact=True,
                id=wid,
            )
        if field.kind == "secret":
            variable = _ENVIRONMENT.get(field.key, "")
            from_env = self.settings.sources.get(_attribute(field.key)) == variable
            held = field.key == "api_key" and not value and bool(self.settings.scoped_keys)
            placeholder = "sk-..."
            if from_env:
                placeholder = f"set by {variable}"
            elif held:
                placeholder = "none for this server (see below)"
            return Input(
                "" if from_env else value,
                password=True,
                placeholder=placeholder,
                disabled=from_env,
                compact=True,
                id=wid,
            )
        return Input(value, compact=True, id=wid)

    def _hint(self, field: Field) -> str:
        source = self.settings.sources.get(_attribute(field.key), "")
        if field.key == "api_key" and source == "OPENAI_API_KEY":
            return "From the OPENAI_API_KEY environment variable, which wins over this file."
        if field.key == "api_key" and self.settings.key_note:
            return self.settings.key_note
        if field.key == "api_key" and self.settings.api_key:
            return "Sent only to the server below (empty: OpenAI); a new server gets no key."
        if field.key == "base_url" and source == "OPENAI_BASE_URL":
            return "From the OPENAI_BASE_URL environment variable, which wins over this file."
        return field.hint

    def _choices(self, key: str) -> list[str]:
        if key == "engine":
            return list(config.ENGINES)
        if key == "target":
            return self.catalog.names()
        if key == "theme":
            return sorted(self.themes)
        if key == "image.model":
            from artisan.images import load_image_models

            table = load_image_models(clock=self.clock)
            return [
                model.name
                for provider in config.IMAGE_PROVIDERS
                for model in table.current(provider=provider)
            ]
        if key == "image.provider":
            return list(config.IMAGE_PROVIDERS)
        return []

    def _current(self, key: str) -> str:
        value = getattr(self.settings, _attribute(key))
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    def _read(self, key: str) -> str:
        widget = self.query_one(f"#{_widget_id(key)}")
        if isinstance(widget, Select):
            return "" if widget.value is Select.NULL else str(widget.value)
        assert isinstance(widget, Input)
        return widget.value.strip()

    def changes(self) -> dict[str, str]:
        """The fields whose value differs from the settings now in force."""
        changed = {}
        for key in FIELDS:
            widget = self.query_one(f"#{_widget_id(key)}")
            if key in _ENVIRONMENT and isinstance(widget, Input) and widget.disabled:
                continue
            value = self._read(key)
            if value != self._current(key):
                changed[key] = value
        return changed

    def on_mount(self) -> None:
        self.query_one(f"#{_widget_id('engine')}").focus()
        if self.settings.base_url or self.settings.api_key:
            self._list_models()
        self._read_spending()

    @work(thread=True, group="spending")
    def _read_spending(self) -> None:
        """Show this month's image spending (the month `clock` is in), when a render was ever
        recorded or a limit is set."""
        from artisan import locations
        from artisan.images import spending

        if self.settings.image_monthly_limit is None and not locations.spending_file().exists():
            return
        line = spending.month_line(self.settings, clock=self.clock)
        self.app.call_from_thread(self._show_spending, line)

    def _show_spending(self, line: str) -> None:
        spent = self.query_one("#spent", Static)
        spent.update(plain(line))
        spent.display = True

    # Models and the test ---------------------------------------------------------------------

    @on(Button.Pressed, "#list-models")
    def _list_pressed(self) -> None:
        self._list_models()

    @work(group="models", exclusive=True)
    async def _list_models(self) -> None:
        from artisan.discovery import ModelListError, list_models

        shown = self.query_one("#models", Static)
        shown.add_class("-shown")
        try:
            server = self._server_settings(self.settings)
        except ArtisanError as error:
            shown.update(plain(str(error)))
            return
        base_url = server.base_url or OPENAI_URL
        shown.update(plain("Asking the server for its models…"))
        try:
            models = await list_models(base_url, server.api_key)
        except ModelListError as error:
            shown.update(plain(f"{error} The chat model can still be typed."))
            return
        model_input = self.query_one(f"#{_widget_id('model')}", Input)
        model_input.suggester = SuggestFromList(models, case_sensitive=False)
        listed = ", ".join(models[:12]) + (
            f" and {len(models) - 12} more" if len(models) > 12 else ""
        )
        shown.update(plain(f"Models on this server: {listed or 'none'} (typing completes them)."))

    @on(Button.Pressed, "#test")
    def _test_pressed(self) -> None:
        self._test()

    @work(group="test", exclusive=True)
    async def _test(self) -> None:
        from artisan.engine.choice import check_engine

        result = self.query_one("#test-result", Static)
        try:
            trial = self._trial_settings()
        except ArtisanError as error:
            self._say(result, str(error), error=True)
            return
        self._say(result, "Sending one tiny request…")
        try:
            answer = await check_engine(trial)
        except ArtisanError as error:
            self._say(result, f"The test failed: {error}", error=True)
            return
        self._say(result, answer)

    def _trial_settings(self) -> Settings:
        """The settings with the form's values, checked, not saved."""
        changes: dict[str, Any] = {}
        for key, value in self.changes().items():
            if key in ("api_key", "base_url"):
                continue  # the server and its key: `_server_settings`
            setting = config.SETTINGS_BY_KEY[key]
            changes[setting.attribute] = None if value == "" else setting.coerce(value)
        return self._server_settings(config.replace_settings(self.settings, **changes))

    def _server_settings(self, settings: Settings) -> Settings:
        """`settings` aimed at the server on the form, with the key set for that server: one
        typed on the form now, else one set for it before, else none (a key set for another
        server never goes to this one).

        Raises:
            SettingError: the address or the key typed cannot work.
        """
        changes = self.changes()
        base_url = settings.base_url
        if "base_url" in changes:
            base_url = config.SETTINGS_BY_KEY["base_url"].coerce(changes["base_url"])
        typed = changes.get("api_key") or None
        if typed is not None:
            typed = config.SETTINGS_BY_KEY["api_key"].coerce(typed)
        return config.with_server(settings, base_url, typed)

    @staticmethod
    def _say(widget: Static, text: str, *, error: bool = False) -> None:
        widget.update(plain(text))
        widget.set_class(error, "-error")
        widget.add_class("-shown")

    # Saving ----------------------------------------------------------------------------------

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        changes = self.changes()
        if not changes:
            self.dismiss(False)
            return
        self._save(changes)

    @work(thread=True, group="save", exclusive=True)
    def _save(self, changes: dict[str, str]) -> None:
        problems: dict[str, str] = {}
        # The server first: a key typed beside it is then recorded as that server's.
        for key in sorted(changes, key=lambda key: key != "base_url"):
            try:
                config.set_value(key, changes[key])
            except ArtisanError as error:
                problems[key] = str(error)
        if changes.get("api_key") and not problems:
            server = self._read("base_url") or credentials.OPENAI
            try:
                config.set_value("api_key_for", server)
            except ArtisanError as error:
                problems["api_key"] = str(error)
        self.app.call_from_thread(self._saved, changes, problems)

    def _saved(self, changes: dict[str, str], problems: dict[str, str]) -> None:
        for key in FIELDS:
            problem = self.query_one(f"#{_problem_id(key)}", Static)
            problem.update(plain(problems.get(key, "")))
            problem.set_class(key in problems, "-shown")
        if problems:
            saved = len(changes) - len(problems)
            self.notify(
                f"{len(problems)} setting{'s' if len(problems) > 1 else ''} not saved (shown "
                f"in red); {saved} saved.",
                severity="warning",
            )
            return
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_close(self) -> None:
        self.dismiss(False)


_ENVIRONMENT = {"api_key": "OPENAI_API_KEY", "image.api_key": "ARTISAN_IMAGE_API_KEY"}
"""The environment variable that wins over the file, for each secret on the form."""


def _attribute(key: str) -> str:
    return config.SETTINGS_BY_KEY[key].attribute


def _widget_id(key: str) -> str:
    return "set-" + key.replace(".", "-").replace("_", "-")


def _hint_id(key: str) -> str:
    return _widget_id(key) + "-hint"


def _problem_id(key: str) -> str:
    return _widget_id(key) + "-problem"
