"""Settings: `config.toml` in the user config folder, with environment overrides.

The table `SETTINGS` is the single description of every setting: its key in the file, its type,
its default, the values it allows and a line of help. Loading, validation, `artisan config` and
`artisan config set` all read it.

Loading never raises for a bad value: the problem is reported as a warning naming the key and the
allowed values, and the default is used, so a typo never locks a person out of the app. Only a
file that cannot be read as TOML at all raises `ConfigError` (naming the file and line, or the
rule it breaks: see `artisan.files`), because then none of the person's settings can be trusted.

The file is the person's: `set_value` edits it with tomlkit, so their comments, the order of the
keys and their formatting survive every change made by `artisan config set` or the app.
"""

from __future__ import annotations

import math
import os
import stat
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from artisan import credentials, files, locations
from artisan.actions import KEYMAP_BY_ID, binding_keys, check_bindings, unknown_actions
from artisan.atomic import write_atomic
from artisan.credentials import ScopedKey
from artisan.errors import ConfigError
from artisan.state import EngineName

if TYPE_CHECKING:
    from tomlkit.container import Container
    from tomlkit.items import Table

ENGINES = ("auto", *EngineName)
"""The `engine` setting's values: `auto` lets the configuration choose (`engine.choice`)."""
OPEN_MODES = ("auto", "system", "terminal", "never")
IMAGE_PROVIDERS = ("openai", "automatic1111", "comfyui")
"""Who renders images (see `artisan.images.renderers`)."""


class SettingError(ConfigError):
    """A setting name or value is not valid (as opposed to a file that cannot be read)."""


def _rule(check: Callable[[str], str], key: str) -> Callable[[str], str]:
    """A `credentials` check as a setting's rule: its message, naming the setting."""

    def rule(value: str) -> str:
        try:
            return check(value)
        except ConfigError as error:
            raise SettingError(f"Setting `{key}`: {error}") from None

    return rule


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
    rule: Callable[[str], str] | None = None
    """A check of the value beyond its type (an address, a key): returns the value to keep, or
    raises `SettingError` saying what is wrong. The one check of that setting: `artisan config
    set`, the settings screen and loading the file all go through `coerce`, which calls it."""

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
        if self.kind is str and self.choices and type(value) is int and str(value) in self.choices:
            value = str(value)  # `variations_parallel = 1` written without quotes
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
        if self.rule is not None and isinstance(value, str):
            return self.rule(value)
        return value


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "engine",
        "engine",
        str,
        "Who writes prompts: auto (the chat model when a key or server is set, else the "
        "offline composer), chat or composer",
        choices=ENGINES,
    ),
    Setting("model", "model", str, "Chat model that writes the prompts"),
    Setting(
        "base_url",
        "base_url",
        str,
        "OpenAI-compatible server, e.g. http://localhost:11434/v1 for Ollama",
        optional=True,
        rule=_rule(credentials.check_address, "base_url"),
    ),
    Setting(
        "api_key",
        "api_key",
        str,
        "API key, sent only to the server it was set for (see api_key_for)",
        optional=True,
        rule=_rule(credentials.check_key, "api_key"),
    ),
    Setting(
        "api_key_for",
        "api_key_for",
        str,
        "The one server api_key is sent to: openai, or an address; written by "
        "`config set api_key` (unset: the base_url beside the key)",
        optional=True,
        rule=_rule(credentials.check_key_for, "api_key_for"),
    ),
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
    Setting(
        "midjourney_version",
        "midjourney_version",
        str,
        "Midjourney model version that prompts are written for; unset uses the target's",
        choices=("6", "6.1", "7", "8", "8.1"),
        optional=True,
    ),
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
    Setting(
        "local_servers",
        "local_servers",
        str,
        "When no key or server is set, offer a model server found on this machine: ask or never",
        choices=("ask", "never"),
    ),
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
    Setting(
        "image.provider",
        "image_provider",
        str,
        "Who renders images: openai (OpenAI or a compatible server), automatic1111 (also Forge "
        "and SD.Next) or comfyui",
        choices=IMAGE_PROVIDERS,
    ),
    Setting(
        "image.base_url",
        "image_base_url",
        str,
        "The image server; unset: OpenAI's for openai, http://127.0.0.1:7860 for automatic1111, "
        "http://127.0.0.1:8188 for comfyui. Chat's base_url never applies to images",
        optional=True,
        rule=_rule(credentials.check_address, "image.base_url"),
    ),
    Setting(
        "image.api_key",
        "image_api_key",
        str,
        "Key of the image server (user:password for AUTOMATIC1111's --api-auth); unset: the "
        "OpenAI key, for OpenAI only",
        optional=True,
        rule=_rule(credentials.check_key, "image.api_key"),
    ),
    Setting(
        "image.steps",
        "image_steps",
        int,
        "Sampling steps for Stable Diffusion servers; unset: the server's default",
        minimum=1,
        maximum=150,
        optional=True,
    ),
    Setting(
        "image.cfg_scale",
        "image_cfg_scale",
        float,
        "CFG scale (prompt strength) for Stable Diffusion servers; unset: the server's default",
        minimum=1,
        maximum=30,
        optional=True,
    ),
    Setting(
        "image.sampler",
        "image_sampler",
        str,
        "Sampler for Stable Diffusion servers (e.g. Euler a, DPM++ 2M); unset: the server's",
        optional=True,
    ),
    Setting(
        "image.workflow",
        "image_workflow",
        str,
        "Your ComfyUI workflow in API format (a .json file); unset: artisan's text-to-image",
        optional=True,
    ),
    Setting(
        "image.workflow_positive",
        "image_workflow_positive",
        str,
        "Id of the workflow's node that takes the prompt (its `text` input)",
        optional=True,
    ),
    Setting(
        "image.workflow_negative",
        "image_workflow_negative",
        str,
        "Id of the workflow's node that takes the negative prompt (its `text` input)",
        optional=True,
    ),
    Setting(
        "image.workflow_seed",
        "image_workflow_seed",
        str,
        "Id of the workflow's node that takes the seed (`seed` or `noise_seed`)",
        optional=True,
    ),
    Setting(
        "image.workflow_size",
        "image_workflow_size",
        str,
        "Id of the workflow's node that takes the size (`width`, `height`, `batch_size`)",
        optional=True,
    ),
    Setting(
        "image.previews",
        "image_previews",
        int,
        "Partial images the app shows while a GPT Image model draws (each adds about 100 "
        "image tokens to the bill); 0: none",
        minimum=0,
        maximum=3,
    ),
    Setting(
        "image.parallel",
        "image_parallel",
        int,
        "Image requests sent at once when several prompts are rendered together",
        minimum=1,
        maximum=10,
    ),
    Setting(
        "image.monthly_limit",
        "image_monthly_limit",
        float,
        "US dollars of images a month; a render that would pass it is refused. Unset: no limit",
        minimum=0,
        optional=True,
    ),
    Setting(
        "vision_model",
        "vision_model",
        str,
        "Chat model that can see images, for describe; unset uses `model`",
        optional=True,
    ),
)
SETTINGS_BY_KEY: dict[str, Setting] = {setting.key: setting for setting in SETTINGS}
SETTINGS_BY_ATTRIBUTE: dict[str, Setting] = {setting.attribute: setting for setting in SETTINGS}
ENVIRONMENT = (
    ("OPENAI_API_KEY", "api_key"),
    ("OPENAI_BASE_URL", "base_url"),
    ("ARTISAN_IMAGE_BASE_URL", "image_base_url"),
    ("ARTISAN_IMAGE_API_KEY", "image_api_key"),
)
"""Environment variables that win over the file, and the settings they set."""
KEYS_TABLE = "keys"


@dataclass(frozen=True)
class Settings:
    """The effective settings after defaults, the file and the environment."""

    engine: str = "auto"
    """`auto`, `chat` or `composer` (see `engine.choice`)."""
    model: str = "gpt-5.4-mini"
    base_url: str | None = None
    api_key: str | None = None
    """The key sent to the server in use (`base_url`, else OpenAI): one set for that server,
    never one set for another (see `artisan.credentials`)."""
    api_key_for: str | None = None
    """The server config.toml's `api_key` is for, as the file says (see `scoped_keys`)."""
    timeout: float = 60.0
    max_retries: int = 2
    answer_timeout: float = 300.0
    max_tokens: int | None = None
    system_mode: str | None = None
    target: str = "dalle"
    midjourney_version: str | None = None
    """Midjourney version prompts are written for; None: the midjourney target's `version`."""
    variations: int = 4
    variations_parallel: str = "auto"
    temperature: float | None = None
    theme: str = "artisan-dark"
    local_servers: str = "ask"
    open: str = "auto"
    images_dir: str | None = None
    image_model: str = "gpt-image-2"
    image_size: str = "1024x1024"
    image_quality: str = "auto"
    image_style: str | None = None
    image_background: str | None = None
    image_provider: str = "openai"
    image_base_url: str | None = None
    image_api_key: str | None = None
    image_steps: int | None = None
    image_cfg_scale: float | None = None
    image_sampler: str | None = None
    image_workflow: str | None = None
    image_workflow_positive: str | None = None
    image_workflow_negative: str | None = None
    image_workflow_seed: str | None = None
    image_workflow_size: str | None = None
    image_previews: int = 2
    image_parallel: int = 3
    image_monthly_limit: float | None = None
    vision_model: str | None = None
    keys: Mapping[str, str] = field(default_factory=dict)
    """Key remapping: binding id to key(s), e.g. {"generate": "ctrl+g"}."""
    sources: Mapping[str, str] = field(default_factory=dict)
    """Where a setting came from when not the default: "config.toml" or an env var's name."""
    scoped_keys: tuple[ScopedKey, ...] = ()
    """Every key set (the environment's, the file's), each with the one server it is for."""
    key_note: str = ""
    """Why no key goes to the server in use although a key is set (empty otherwise)."""

    def images_path(self) -> Path:
        if self.images_dir:
            return Path(self.images_dir).expanduser()
        return locations.default_images_dir()

    @property
    def uses_openai(self) -> bool:
        """Whether requests go to OpenAI itself (which needs a key) rather than another server."""
        return self.base_url is None or credentials.is_openai(self.base_url)


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

    raw = dict(raw)
    keys = raw.pop(KEYS_TABLE, {})
    for key, value in _flatten(raw):
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

    good_keys, key_warnings = _read_keys(keys, path.name)
    warnings += key_warnings

    file_url = values.get("base_url")
    file_key = values.pop("api_key", None)
    sources.pop("api_key", None)
    env: dict[str, str] = {}
    for env_name, attribute in ENVIRONMENT:
        env_value = environ.get(env_name, "").strip()
        if not env_value:
            continue
        try:
            env[attribute] = SETTINGS_BY_ATTRIBUTE[attribute].coerce(env_value)
        except ConfigError as error:
            warnings.append(f"{env_name}: {error} It is not used.")
            continue
        if attribute != "api_key":  # the chat key is given to its server below
            values[attribute] = env[attribute]
            sources[attribute] = env_name

    scoped = _scoped_keys(file_key, values.get("api_key_for") or file_url, env)
    chosen = credentials.key_for(values.get("base_url"), scoped)
    if chosen is not None:
        values["api_key"] = chosen.key
        sources["api_key"] = chosen.source if chosen.source != FILE_NAME else path.name
    note = credentials.held_back(values.get("base_url"), scoped)

    if exists and holds_secret(raw):
        warning = permission_warning(path, raw)
        if warning:
            warnings.append(warning)

    settings = Settings(
        **values, keys=good_keys, sources=sources, scoped_keys=scoped, key_note=note
    )
    return LoadedConfig(settings=settings, path=path, exists=exists, warnings=warnings)


FILE_NAME = "config.toml"


def _scoped_keys(
    file_key: str | None, file_server: str | None, env: Mapping[str, str]
) -> tuple[ScopedKey, ...]:
    """Every key set, each with the one server it is for (see `artisan.credentials`).

    `OPENAI_API_KEY` is for OpenAI, or for `OPENAI_BASE_URL` when that is set too. The file's
    key is for its `api_key_for`, or (a file written by hand) the `base_url` beside it.
    """
    scoped = []
    if env.get("api_key"):
        server = credentials.origin(env.get("base_url"))
        scoped.append(ScopedKey(env["api_key"], server, "OPENAI_API_KEY"))
    if file_key:
        scoped.append(ScopedKey(file_key, credentials.origin(file_server), FILE_NAME))
    return tuple(scoped)


def with_server(settings: Settings, base_url: str | None, typed_key: str | None = None) -> Settings:
    """`settings` pointed at another server, with the key set for that server (or none).

    `typed_key` is a key typed for that server just now (the settings screen's form).
    """
    keys = settings.scoped_keys
    if typed_key:
        keys = (ScopedKey(typed_key, credentials.origin(base_url), FILE_NAME), *keys)
    chosen = credentials.key_for(base_url, keys)
    if chosen is None and not keys and base_url == settings.base_url:
        return settings  # built in code, not loaded: its key is the one it was given
    return replace(
        settings,
        base_url=base_url,
        api_key=chosen.key if chosen is not None else None,
        scoped_keys=keys,
        key_note=credentials.held_back(base_url, keys),
    )


def read_file(path: Path) -> tuple[dict[str, Any], bool]:
    """Parse a config file; a missing file reads as empty.

    Raises:
        ConfigError: the file cannot be read, breaks a rule of `artisan.files`, or is not TOML.
    """
    try:
        return files.read_toml(path, files.CONFIG), True
    except FileNotFoundError:
        return {}, False
    except files.FileProblem as problem:
        raise ConfigError(f"{problem}. Fix or remove the file.") from None


def set_value(key: str, value: str, path: Path | None = None) -> Any:
    """Write one setting to the config file atomically and return the stored value.

    `key` is a dotted key from `SETTINGS` or `keys.<action>`. An empty value removes the
    setting. Everything else in the file (settings, comments, order, formatting) is kept.
    A config file that is a symbolic link (a dotfiles folder) is written where it points.

    A key is bound to its server as it is set: `api_key` writes `api_key_for` beside it (the
    `base_url` of the file, else `openai`), and a new `base_url` leaves a key set before it
    with the server it was set for (see `artisan.credentials`).

    Raises:
        SettingError: unknown key or action, or a bad value (a key binding that takes another
            action's key, or names none); nothing is written.
        ConfigError: the file cannot be read or written.
    """
    path = path or locations.config_file()
    typed = _typed_value(key, value)
    text = _read_text(path)
    before = tomllib.loads(text)
    binding = _key_binding(key, typed, before)
    # The key comes first in a new file, its server after it; an old key's server is recorded
    # before the address changes.
    changes = [(key, typed), *binding] if key == "api_key" else [*binding, (key, typed)]
    if key.startswith(KEYS_TABLE + "."):
        _check_binding(key, before, typed)
    import tomlkit

    document = tomlkit.parse(text)
    expected = tomllib.loads(text)
    touched = False
    for changed_key, changed_value in changes:
        touched = _edit(document, changed_key, changed_value, path) or touched
        expected = _changed(expected, changed_key.split("."), changed_value)
    if not touched:
        return typed  # removing what is not there: nothing to write

    new_text = tomlkit.dumps(document)
    written = tomllib.loads(new_text)  # what `load` will read back
    if _canonical(written) != _canonical(expected):
        # The editor could not keep the rest of this file as it was: better refuse than
        # change a setting the person did not ask to change.
        raise ConfigError(
            f"artisan cannot change `{key}` in {path} without touching other settings; "
            "edit the file by hand."
        )
    holds = holds_secret(written)
    target = Path(os.path.realpath(path))
    try:
        mode = None if holds else stat.S_IMODE(target.stat().st_mode)
    except OSError:
        mode = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, new_text.encode("utf-8"), mode=0o600 if holds else mode)
    except OSError as error:
        raise ConfigError(f"Cannot write {path}: {error.strerror or error}.") from None
    return typed


def key_server(raw: Mapping[str, Any]) -> str | None:
    """The server a parsed config file's `api_key` is for, in words ("OpenAI", an address),
    or None when it holds no key."""
    if not raw.get("api_key"):
        return None
    server = raw.get("api_key_for") or raw.get("base_url")
    return credentials.server_words(credentials.origin(server if isinstance(server, str) else None))


def _key_binding(key: str, typed: Any, before: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The `api_key_for` change that goes with setting `key` (written before it)."""
    base_url = before.get("base_url")
    here = base_url if isinstance(base_url, str) and _usable(base_url) else credentials.OPENAI
    if key == "api_key":
        return [("api_key_for", here if typed is not None else None)]
    if key == "base_url" and before.get("api_key") and "api_key_for" not in before:
        # A key written by hand beside the old address was meant for that server.
        return [("api_key_for", here)]
    return []


def _usable(url: str) -> bool:
    try:
        credentials.check_address(url)
    except ConfigError:
        return False
    return True


def _check_binding(key: str, before: Mapping[str, Any], typed: Any) -> None:
    """Refuse a key binding that names no key or takes a key another action has."""
    keys = before.get(KEYS_TABLE, {})
    remap = dict(keys) if isinstance(keys, dict) else {}
    action = key.split(".", 1)[1]
    if typed is None:
        return
    remap[action] = typed
    remap = {name: text for name, text in remap.items() if isinstance(text, str)}
    _, problems = check_bindings(remap)
    if action in problems:
        raise SettingError(f"`{key}` = {_show(typed)}: {problems[action]}")


def _edit(document: Any, key: str, typed: Any, path: Path) -> bool:
    """Set (or, for None, remove) one dotted key in a tomlkit document; whether it changed."""
    import tomlkit

    parts = key.split(".")
    table: Container | Table = document
    for part in parts[:-1]:
        if part not in table:
            if typed is None:
                return False
            table.add(part, tomlkit.table())
        child = table[part]
        if not isinstance(child, dict):
            raise ConfigError(f"`{part}` in {path} is not a table; cannot set `{key}`.")
        table = child  # type: ignore[assignment]
    if typed is None:
        if parts[-1] not in table:
            return False
        del table[parts[-1]]
    else:
        table[parts[-1]] = typed
    return True


def holds_secret(raw: Mapping[str, Any]) -> bool:
    """Whether a parsed config file holds an API key or a password in a server's address."""
    image = raw.get("image")
    image = image if isinstance(image, Mapping) else {}
    urls = [raw.get("base_url"), image.get("base_url")]
    return (
        bool(raw.get("api_key"))
        or bool(image.get("api_key"))
        or any(isinstance(url, str) and url_credentials(url) is not None for url in urls)
    )


def url_credentials(url: str) -> str | None:
    """The user-and-password part of a URL (`user:secret` in `http://user:secret@host/`)."""
    try:
        netloc = urlsplit(url.strip()).netloc
    except ValueError:
        return None
    userinfo, at, _ = netloc.rpartition("@")
    return userinfo if at else None


def redact_url(url: str) -> str:
    """The URL with any password replaced by ****, for showing."""
    userinfo = url_credentials(url)
    if userinfo is None:
        return url
    user, colon, _ = userinfo.partition(":")
    shown = f"{user}:****" if colon else "****"
    return url.replace(userinfo + "@", shown + "@", 1)


def permission_warning(path: Path, raw: Mapping[str, Any] | None = None) -> str | None:
    """A warning when a file holding the API key or a password can be read by other users."""
    if os.name != "posix":
        return None
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if not mode & (stat.S_IRWXG | stat.S_IRWXO):
        return None
    raw = raw or {"api_key": True}
    held = [
        what
        for what, holds in (
            ("your API key", bool(raw.get("api_key"))),
            ("an image server's key", holds_secret({"image": raw.get("image")})),
            ("a password (in base_url)", holds_secret({"base_url": raw.get("base_url")})),
        )
        if holds
    ]
    what = " and ".join(held) or "settings"
    return (
        f"{path} holds {what} and can be read by other users "
        f"(mode {stat.S_IMODE(mode):o}). Run: chmod 600 {path}"
    )


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
            shown = redact(value) if value or not settings.scoped_keys else "(none for this server)"
        elif setting.key == "image.api_key":
            shown = redact(value)
        elif setting.key in ("base_url", "image.base_url") and value:
            shown = _show(redact_url(value))
        elif setting.key == "images_dir":
            shown = str(settings.images_path())
        else:
            shown = "(not set)" if value is None else _show(value)
        rows.append((setting.key, shown, settings.sources.get(setting.attribute, "default")))
    return rows


def replace_settings(settings: Settings, **changes: Any) -> Settings:
    """A copy of `settings` with these fields replaced, None included (a setting cleared)."""
    return replace(settings, **changes)


def with_overrides(settings: Settings, **changes: Any) -> Settings:
    """A copy of `settings` with some fields replaced (used for command-line flags)."""
    known = {f.name for f in fields(Settings)}
    return replace(settings, **{k: v for k, v in changes.items() if k in known and v is not None})


def _flatten(raw: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    for key, value in raw.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and dotted not in SETTINGS_BY_KEY:
            items.extend(_flatten(value, dotted + "."))
        else:
            items.append((dotted, value))
    return items


def _read_keys(keys: Any, source: str) -> tuple[dict[str, str], list[str]]:
    """The key remapping of `[keys]`: known actions only, each with its warnings."""
    if not isinstance(keys, dict):
        return {}, [f'{source}: `{KEYS_TABLE}` must be a table of action = "key".']
    warnings = unknown_actions(keys, source)
    texts: dict[str, str] = {}
    for action, key in keys.items():
        if action not in KEYMAP_BY_ID:
            continue
        if isinstance(key, str):
            texts[action] = key
        else:
            warnings.append(
                f"{source}: key binding `{KEYS_TABLE}.{action}` must be text "
                'such as "ctrl+j" (several keys: "ctrl+j,f5").'
            )
    good, problems = check_bindings(texts)
    for action, problem in problems.items():
        warnings.append(
            f"{source}: `{KEYS_TABLE}.{action}` = {_show(texts[action])}: {problem} "
            "It keeps its own keys."
        )
    return good, warnings


def _typed_value(key: str, value: str) -> Any:
    """The value `set_value` writes for `key` (None removes it).

    Raises:
        SettingError: an unknown setting or action, or a bad value.
    """
    parts = key.split(".")
    if parts[0] == KEYS_TABLE and len(parts) == 2:
        action = parts[1]
        if action not in KEYMAP_BY_ID:
            known = ", ".join(sorted(KEYMAP_BY_ID))
            raise SettingError(
                f"`{key}` names no action.{_suggest_action(action)} Known actions: {known}."
            )
        if not value.strip():
            return None
        keys = binding_keys(value)
        if not keys:
            raise SettingError(
                f'`{key}` = {_show(value)} names no key; write one such as "f5" '
                '(several: "ctrl+j,f5"), or an empty value to give the action its own keys back.'
            )
        return ",".join(keys)
    setting = SETTINGS_BY_KEY.get(key)
    if setting is None:
        known = ", ".join(s.key for s in SETTINGS)
        raise SettingError(
            f"Unknown setting `{key}`.{_suggest(key)} Known settings: {known}, "
            f"and {KEYS_TABLE}.<action>."
        )
    return None if value == "" else setting.coerce(value)


def _changed(raw: dict[str, Any], parts: list[str], typed: Any) -> dict[str, Any]:
    """`raw` (parsed) with one setting changed, as `set_value` means to change the file."""
    table = raw
    for part in parts[:-1]:
        if typed is None and not isinstance(table.get(part), dict):
            return raw
        table = table.setdefault(part, {})
    if typed is None:
        table.pop(parts[-1], None)
    else:
        table[parts[-1]] = typed
    return raw


def _canonical(raw: dict[str, Any]) -> str:
    """A comparable form of a parsed document (NaN equals NaN, dates as text)."""
    import json

    return json.dumps(raw, sort_keys=True, default=str)


def _read_text(path: Path) -> str:
    """The config file's text for editing; checked as `load` checks it, so a broken file is
    refused rather than rewritten."""
    try:
        text = files.read_text(path, files.CONFIG)
    except FileNotFoundError:
        return ""
    except files.FileProblem as problem:
        raise ConfigError(f"{problem}. Fix or remove the file.") from None
    try:
        files.parse_toml(text, path, files.CONFIG)
    except files.FileProblem as problem:
        raise ConfigError(f"{problem}. Fix or remove the file.") from None
    return text


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


def _suggest_action(name: str) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(KEYMAP_BY_ID), n=1)
    return f" Did you mean `{KEYS_TABLE}.{close[0]}`?" if close else ""
