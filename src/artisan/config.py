"""Settings: `config.toml` in the user config folder, with environment overrides.

The table `SETTINGS` is the single description of every setting: its key in the file, its type,
its default, the values it allows and a line of help. Loading, validation, `artisan config` and
`artisan config set` all read it.

Loading never raises for a bad value: the problem is reported as a warning naming the key and the
allowed values, and the default is used, so a typo never locks a person out of the app. Only a
file that is not TOML at all raises `ConfigError` (naming the file and line), because then none
of the person's settings can be trusted.
"""

from __future__ import annotations

import math
import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from artisan import locations
from artisan.atomic import write_atomic
from artisan.errors import ConfigError

OPEN_MODES = ("auto", "system", "terminal", "never")


class SettingError(ConfigError):
    """A setting name or value is not valid (as opposed to a file that cannot be read)."""


@dataclass(frozen=True)
class Setting:
    """One setting as it appears in config.toml."""

    key: str
    """Dotted key in the file: `model`, `image.size`."""
    attribute: str
    """Name of the field on `Settings`."""
    kind: type
    help: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    optional: bool = False
    """Whether the empty value (unset) is allowed."""

    def describe_allowed(self) -> str:
        if self.choices:
            return "one of " + ", ".join(self.choices)
        if self.kind is bool:
            return "true or false"
        kind = {int: "a whole number", float: "a number", str: "text"}[self.kind]
        if self.minimum is not None and self.maximum is not None:
            return f"{kind} from {self.minimum:g} to {self.maximum:g}"
        if self.minimum is not None:
            return f"{kind} of at least {self.minimum:g}"
        return kind

    def coerce(self, value: object) -> Any:
        """Check a value read from TOML (or typed on the command line) and return it typed.

        Raises:
            ConfigError: naming the key and what it allows.
        """
        if self.optional and (value is None or value == ""):
            return None
        if isinstance(value, str) and self.kind is not str:
            value = _parse_scalar(value)
        ok = isinstance(value, self.kind) and not (self.kind is int and isinstance(value, bool))
        if self.kind is float and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if self.kind is float and ok and not math.isfinite(value):  # type: ignore[arg-type]
            ok = False
        if ok and self.choices and value not in self.choices:
            ok = False
        if ok and self.minimum is not None and value < self.minimum:  # type: ignore[operator]
            ok = False
        if ok and self.maximum is not None and value > self.maximum:  # type: ignore[operator]
            ok = False
        if not ok:
            raise SettingError(
                f"Setting `{self.key}` has the value {_show(value)}; it must be "
                f"{self.describe_allowed()}."
            )
        return value


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "engine",
        "engine",
        str,
        "Who writes prompts: auto (the chat model when a key or server is set, else the "
        "offline composer), chat or composer",
        choices=("auto", "chat", "composer"),
    ),
    Setting("model", "model", str, "Chat model that writes the prompts"),
    Setting(
        "base_url",
        "base_url",
        str,
        "OpenAI-compatible server, e.g. http://localhost:11434/v1 for Ollama",
        optional=True,
    ),
    Setting("api_key", "api_key", str, "API key (OPENAI_API_KEY wins when set)", optional=True),
    Setting("timeout", "timeout", float, "Seconds to wait for the server", minimum=1, maximum=3600),
    Setting(
        "max_retries",
        "max_retries",
        int,
        "Retries on rate limits and server errors",
        minimum=0,
        maximum=10,
    ),
    Setting(
        "answer_timeout",
        "answer_timeout",
        float,
        "Seconds a whole answer may take (local models on a CPU need minutes)",
        minimum=1,
        maximum=7200,
    ),
    Setting(
        "max_tokens",
        "max_tokens",
        int,
        "Longest answer, in tokens; unset uses the target's (600)",
        minimum=16,
        maximum=32000,
        optional=True,
    ),
    Setting(
        "system_mode",
        "system_mode",
        str,
        "How the rules reach the model; unset uses the target's. `merge` for chat templates "
        "that drop system messages",
        choices=("separate", "merge"),
        optional=True,
    ),
    Setting("target", "target", str, "Default prompt target (see `artisan targets`)"),
    Setting("variations", "variations", int, "How many variations to write", minimum=1, maximum=12),
    Setting(
        "variations_parallel",
        "variations_parallel",
        str,
        'Variations sent at once: "auto" (learnt per server) or a number, e.g. "1"',
        choices=("auto", *(str(n) for n in range(1, 13))),
    ),
    Setting(
        "temperature",
        "temperature",
        float,
        "Sampling temperature; unset uses the model's",
        minimum=0,
        maximum=2,
        optional=True,
    ),
    Setting("theme", "theme", str, "Colour theme of the app (see `artisan themes`)"),
    Setting("open", "open", str, "How to show a rendered image", choices=OPEN_MODES),
    Setting("images_dir", "images_dir", str, "Folder for rendered images", optional=True),
    Setting("image.model", "image_model", str, "Image model used to render prompts"),
    Setting("image.size", "image_size", str, "Image size, e.g. 1024x1024 or auto"),
    Setting("image.quality", "image_quality", str, "Image quality (depends on the model)"),
    Setting(
        "image.style",
        "image_style",
        str,
        "Image style (dall-e-3 only: vivid, natural)",
        optional=True,
    ),
    Setting(
        "image.background",
        "image_background",
        str,
        "Background for GPT Image models: auto, opaque or transparent",
        optional=True,
    ),
)
SETTINGS_BY_KEY: dict[str, Setting] = {setting.key: setting for setting in SETTINGS}
KEYS_TABLE = "keys"


@dataclass(frozen=True)
class Settings:
    """The effective settings after defaults, the file and the environment."""

    engine: str = "auto"
    """`auto`, `chat` or `composer` (see `engine.choice`)."""
    model: str = "gpt-5.4-mini"
    base_url: str | None = None
    api_key: str | None = None
    timeout: float = 60.0
    max_retries: int = 2
    answer_timeout: float = 300.0
    max_tokens: int | None = None
    system_mode: str | None = None
    target: str = "dalle"
    variations: int = 4
    variations_parallel: str = "auto"
    temperature: float | None = None
    theme: str = "artisan-dark"
    open: str = "auto"
    images_dir: str | None = None
    image_model: str = "gpt-image-2"
    image_size: str = "1024x1024"
    image_quality: str = "auto"
    image_style: str | None = None
    image_background: str | None = None
    keys: Mapping[str, str] = field(default_factory=dict)
    """Key remapping: binding id to key(s), e.g. {"generate": "ctrl+g"}."""
    sources: Mapping[str, str] = field(default_factory=dict)
    """Where a setting came from when not the default: "config.toml" or an env var's name."""

    def images_path(self) -> Path:
        if self.images_dir:
            return Path(self.images_dir).expanduser()
        return locations.default_images_dir()

    @property
    def uses_openai(self) -> bool:
        """Whether requests go to OpenAI itself (which needs a key) rather than another server."""
        return self.base_url is None or "api.openai.com" in self.base_url


DEFAULTS = Settings()


@dataclass
class LoadedConfig:
    """Settings plus what loading them had to say."""

    settings: Settings
    path: Path
    exists: bool
    warnings: list[str] = field(default_factory=list)


def load(path: Path | None = None, environ: Mapping[str, str] | None = None) -> LoadedConfig:
    """Read the config file and apply environment overrides.

    Raises:
        ConfigError: The file exists but is not valid TOML, or cannot be read.
    """
    path = path or locations.config_file()
    environ = os.environ if environ is None else environ
    raw, exists = read_file(path)
    warnings: list[str] = []
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}

    for key, value in _flatten(raw):
        if key.startswith(KEYS_TABLE + "."):
            continue
        setting = SETTINGS_BY_KEY.get(key)
        if setting is None:
            warnings.append(f"{path.name}: unknown setting `{key}` is ignored.{_suggest(key)}")
            continue
        try:
            values[setting.attribute] = setting.coerce(value)
            sources[setting.attribute] = path.name
        except ConfigError as error:
            default = getattr(DEFAULTS, setting.attribute)
            warnings.append(f"{path.name}: {error} Using the default ({_show(default)}).")

    keys = raw.get(KEYS_TABLE, {})
    if not isinstance(keys, dict):
        warnings.append(f'{path.name}: `[{KEYS_TABLE}]` must be a table of action = "key".')
        keys = {}
    good_keys: dict[str, str] = {}
    for action, key in keys.items():
        if isinstance(key, str) and key.strip():
            good_keys[action] = key.strip()
        else:
            warnings.append(
                f"{path.name}: key binding `{KEYS_TABLE}.{action}` must be text "
                'such as "ctrl+j" (several keys: "ctrl+j,f5").'
            )

    for env_name, attribute in (("OPENAI_API_KEY", "api_key"), ("OPENAI_BASE_URL", "base_url")):
        env_value = environ.get(env_name, "").strip()
        if env_value:
            values[attribute] = env_value
            sources[attribute] = env_name

    if exists and values.get("api_key") and sources.get("api_key") == path.name:
        warning = permission_warning(path)
        if warning:
            warnings.append(warning)

    settings = Settings(**values, keys=good_keys, sources=sources)
    return LoadedConfig(settings=settings, path=path, exists=exists, warnings=warnings)


def read_file(path: Path) -> tuple[dict[str, Any], bool]:
    """Parse a config file; a missing file reads as empty."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}, False
    except OSError as error:
        raise ConfigError(f"Cannot read {path}: {error.strerror or error}.") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text.") from None
    try:
        return tomllib.loads(text), True
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}. Fix or remove the file.") from None


def set_value(key: str, value: str, path: Path | None = None) -> Any:
    """Write one setting to the config file atomically and return the stored value.

    `key` is a dotted key from `SETTINGS` or `keys.<action>`. An empty value removes the
    setting. Other settings, comments aside, are kept as they were.

    Raises:
        ConfigError: unknown key, bad value, or the file cannot be read or written.
    """
    path = path or locations.config_file()
    raw, _ = read_file(path)
    parts = key.split(".")
    if key.startswith(KEYS_TABLE + ".") and len(parts) == 2 and parts[1]:
        typed: Any = value.strip() or None
    else:
        setting = SETTINGS_BY_KEY.get(key)
        if setting is None:
            known = ", ".join(s.key for s in SETTINGS)
            raise SettingError(
                f"Unknown setting `{key}`.{_suggest(key)} Known settings: {known}, "
                f"and {KEYS_TABLE}.<action>."
            )
        typed = None if value == "" else setting.coerce(value)

    table = raw
    for part in parts[:-1]:
        child = table.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"`{part}` in {path} is not a table; cannot set `{key}`.")
        table = child
    if typed is None:
        table.pop(parts[-1], None)
    else:
        table[parts[-1]] = typed

    import tomli_w

    holds_key = bool(raw.get("api_key"))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, tomli_w.dumps(raw).encode("utf-8"), mode=0o600 if holds_key else None)
    except OSError as error:
        raise ConfigError(f"Cannot write {path}: {error.strerror or error}.") from None
    return typed


def permission_warning(path: Path) -> str | None:
    """A warning when a file holding the API key can be read by other users."""
    if os.name != "posix":
        return None
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return (
            f"{path} holds your API key and can be read by other users "
            f"(mode {stat.S_IMODE(mode):o}). Run: chmod 600 {path}"
        )
    return None


def redact(secret: str | None) -> str:
    """Show that a secret is set without showing it."""
    if not secret:
        return "(not set)"
    if len(secret) < 12:
        return "****"
    return f"{secret[:3]}…{secret[-4:]}"


def effective(settings: Settings) -> list[tuple[str, str, str]]:
    """Rows of (key, shown value, source) for `artisan config`; the key is redacted."""
    rows = []
    for setting in SETTINGS:
        value = getattr(settings, setting.attribute)
        if setting.key == "api_key":
            shown = redact(value)
        elif setting.key == "images_dir":
            shown = str(settings.images_path())
        else:
            shown = "(not set)" if value is None else _show(value)
        rows.append((setting.key, shown, settings.sources.get(setting.attribute, "default")))
    return rows


def with_overrides(settings: Settings, **changes: Any) -> Settings:
    """A copy of `settings` with some fields replaced (used for command-line flags)."""
    known = {f.name for f in fields(Settings)}
    return replace(settings, **{k: v for k, v in changes.items() if k in known and v is not None})


def _flatten(raw: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    for key, value in raw.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and dotted != KEYS_TABLE and dotted not in SETTINGS_BY_KEY:
            items.extend(_flatten(value, dotted + "."))
        else:
            items.append((dotted, value))
    return items


def _parse_scalar(text: str) -> object:
    """Read a command-line value the way TOML would read it as a bare value."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            continue
    return text


def _show(value: object) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _suggest(key: str) -> str:
    import difflib

    close = difflib.get_close_matches(key, [s.key for s in SETTINGS], n=1)
    return f" Did you mean `{close[0]}`?" if close else ""
