"""The image models artisan knows: what each accepts (`ImageModel`), the table of them
(`ImageModelTable`), and reading it.

The capability table is data: `artisan/data/image-models.toml` ships with artisan and
`<config dir>/image-models.toml` adds models or changes some of their keys. Each is read through
`artisan.files`, merged key by key, with `inherits` followed and every key checked. What cannot
be used is reported, never fatal: a model the person broke falls back to its shipped definition,
and a broken user file leaves the shipped table in use, so a typo never stops anyone rendering.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from artisan import clock as clocks
from artisan import files, locations
from artisan.clock import Clock, system_clock
from artisan.images.prices import Price, PriceTableError, read_price

BUILTIN_FILE = locations.PACKAGE_DIR / "data" / "image-models.toml"
DEFAULT_OPENAI_MODEL = "gpt-image-2"
SHUTDOWN_NOTICE_DAYS = 90
"""How long before a model's shutdown its users are warned."""
SIZE = re.compile(r"^(\d{1,6})x(\d{1,6})$")
PROVIDERS = ("openai", "automatic1111", "comfyui")
SD_OPTIONS = ("negative_prompt", "steps", "cfg_scale", "sampler", "seed")
"""What Stable Diffusion servers take besides the size and the number of images."""
_OPTIONS = {
    "quality": "qualities",
    "style": "styles",
    "background": "backgrounds",
    "output_format": "output_formats",
}


class ModelTableError(Exception):
    """A model table file cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class FreeSizes:
    """The rule for models that draw any WIDTHxHEIGHT within limits."""

    multiple: int = 16
    max_ratio: float = 3.0
    max_edge: int = 3840
    max_pixels: int = 3840 * 2160
    min_pixels: int = 0
    experimental_pixels: int | None = None
    """Sizes with more pixels than this work, but the server calls them experimental."""

    def problem(self, width: int, height: int) -> str | None:
        """Why WIDTHxHEIGHT is not allowed, or None when it is."""
        reasons = []
        if width % self.multiple or height % self.multiple:
            reasons.append(f"both sides must be multiples of {self.multiple}")
        if max(width, height) > self.max_edge:
            reasons.append(f"no side may be longer than {self.max_edge}")
        if width * height > self.max_pixels:
            reasons.append(f"it may hold at most {self.max_pixels:,} pixels")
        if width * height < self.min_pixels:
            reasons.append(f"it must hold at least {self.min_pixels:,} pixels")
        if min(width, height) == 0 or max(width, height) / min(width, height) > self.max_ratio:
            reasons.append(f"the long side may be at most {self.max_ratio:g} times the short one")
        return "; ".join(reasons) or None

    def nearest(self, width: int, height: int) -> str | None:
        """A close size that is allowed, to suggest when only the rounding was wrong."""
        step = self.multiple
        near = (max(step, round(width / step) * step), max(step, round(height / step) * step))
        if near != (width, height) and self.problem(*near) is None:
            return f"{near[0]}x{near[1]}"
        return None

    def describe(self) -> str:
        text = (
            f"any WIDTHxHEIGHT with both sides multiples of {self.multiple}, no side over "
            f"{self.max_edge}, at most {self.max_pixels:,} pixels"
        )
        if self.min_pixels:
            text += f" and at least {self.min_pixels:,}"
        return text + f", the long side at most {self.max_ratio:g} times the short one"


@dataclass(frozen=True)
class ImageModel:
    """One image model and what it accepts."""

    name: str
    label: str
    prompt_max: int
    n_max: int
    sizes: tuple[str, ...]
    qualities: tuple[str, ...] = ()
    styles: tuple[str, ...] = ()
    backgrounds: tuple[str, ...] = ()
    output_formats: tuple[str, ...] = ()
    default_format: str = "png"
    transparent_formats: tuple[str, ...] = ()
    response_formats: tuple[str, ...] = ()
    free_sizes: FreeSizes | None = None
    family: str = ""
    shutdown: date | None = None
    replacement: str = ""
    note: str = ""
    price: Price | None = None
    """What it costs (see `artisan.images.prices`); None when the table has no price."""
    provider: str = "openai"
    """Who renders it (see `artisan.images.renderers`)."""
    options: tuple[str, ...] = ()
    """Stable Diffusion options it takes (`SD_OPTIONS`)."""
    samplers: tuple[str, ...] = ()
    edits: bool = False
    inputs_max: int = 0
    """Pictures an edit may send."""
    previews: int = 0
    """Partial images it can stream while drawing."""

    @property
    def costs_money(self) -> bool:
        """Whether rendering with it may be billed: OpenAI and compatible servers may bill;
        a Stable Diffusion server of one's own does not."""
        return self.provider == "openai"

    @property
    def response_format(self) -> str | None:
        """What to ask for as `response_format`, or None when the model takes no such field.

        base64 when offered: the image arrives with the answer, so there is no second download
        from another host and no link that expires after an hour.
        """
        if not self.response_formats:
            return None
        return "b64_json" if "b64_json" in self.response_formats else self.response_formats[0]

    def retired(self, today: date) -> bool:
        return self.shutdown is not None and self.shutdown <= today

    def choices(self, option: str) -> tuple[str, ...]:
        """The accepted values of `quality`, `style`, `background` or `output_format`."""
        values: tuple[str, ...] = getattr(self, _OPTIONS[option])
        return values

    def size_problem(self, size: str) -> str | None:
        """Why this model cannot draw `size`, or None when it can."""
        if size in self.sizes:
            return None
        match = SIZE.match(size)
        if self.free_sizes is not None and match:
            reason = self.free_sizes.problem(int(match[1]), int(match[2]))
            if reason is None:
                return None
            hint = self.free_sizes.nearest(int(match[1]), int(match[2]))
            suggestion = f" (try {hint})" if hint else ""
            return f"{self.name} cannot draw {size}: {reason}{suggestion}."
        return f"{self.name} cannot draw `{size}`. Sizes: {self.describe_sizes()}."

    def describe_sizes(self) -> str:
        listed = ", ".join(self.sizes)
        if self.free_sizes is None:
            return listed
        return f"{listed}, or {self.free_sizes.describe()}"

    def size_warning(self, size: str) -> str | None:
        """A note for sizes the server accepts only experimentally."""
        match = SIZE.match(size)
        rule = self.free_sizes
        if match is None or rule is None or rule.experimental_pixels is None:
            return None
        if int(match[1]) * int(match[2]) > rule.experimental_pixels:
            return f"{size} is larger than {self.name} draws reliably: such sizes are experimental."
        return None


@dataclass
class ImageModelTable:
    """Every known image model, and what was wrong with the files they came from."""

    models: dict[str, ImageModel]
    problems: list[str] = field(default_factory=list)
    clock: Clock = system_clock
    """What "today" is when a model's shutdown date is weighed."""

    def today(self) -> date:
        return clocks.today(self.clock)

    def get(self, name: str) -> ImageModel | None:
        return self.models.get(name)

    def names(self) -> list[str]:
        return list(self.models)

    def current(self, today: date | None = None, provider: str = "openai") -> list[ImageModel]:
        """The models of `provider` that are still served, for the app to offer."""
        today = today or self.today()
        return [
            model
            for model in self.models.values()
            if not model.retired(today) and model.provider == provider
        ]

    def for_provider(self, provider: str) -> ImageModel | None:
        """The model that stands for any checkpoint of a local provider's server."""
        model = self.models.get(provider)
        return model if model is not None and model.provider == provider else None

    def default_model(self, provider: str, configured: str) -> str:
        """The model to render with when none was asked for: the `image.model` setting when it
        belongs to `provider` (or names a checkpoint of a local one), else the provider's own."""
        known = self.models.get(configured)
        if provider == "openai":
            if known is None or known.provider == "openai":
                return configured
            return DEFAULT_OPENAI_MODEL
        if known is not None and known.provider != provider:
            return provider
        return configured

    def suggest(self, name: str) -> list[str]:
        """Known names close to `name`: a family's variants, or near spellings."""
        lowered = name.strip().lower()
        related = [m.name for m in self.models.values() if m.family == lowered]
        related = [n for n in related if not re.search(r"-\d{4}-\d{2}-\d{2}$", n)]
        if related:
            return related
        return difflib.get_close_matches(lowered, list(self.models), n=3, cutoff=0.75)


def load_image_models(
    user_file: Path | None = None, *, clock: Clock = system_clock
) -> ImageModelTable:
    """Load the shipped table and the user's additions .

    Problems with the user's file (not TOML, a wrong type, an unknown key) come back in
    `problems`, naming the file and the key; the shipped entries are kept for anything the user's
    file could not change.
    """
    models, problems = read_table(user_file)
    return ImageModelTable(models=models, problems=problems, clock=clock)


_LIST_KEYS = (
    "sizes",
    "qualities",
    "styles",
    "backgrounds",
    "output_formats",
    "transparent_formats",
    "response_formats",
)
_TEXT_KEYS = ("label", "family", "default_format", "replacement", "note", "inherits", "provider")
_INT_KEYS = ("prompt_max", "n_max")
_COUNT_KEYS = ("inputs_max", "previews")
"""Whole numbers that may be 0."""
_NAME_LIST_KEYS = ("options", "samplers")
"""Lists kept as written (a sampler's name is matched exactly by its server)."""
_FREE_SIZE_KEYS = (
    "multiple",
    "max_ratio",
    "max_edge",
    "max_pixels",
    "min_pixels",
    "experimental_pixels",
)
_KNOWN_KEYS = {
    *_LIST_KEYS,
    *_TEXT_KEYS,
    *_INT_KEYS,
    *_COUNT_KEYS,
    *_NAME_LIST_KEYS,
    "free_sizes",
    "shutdown",
    "price",
    "edits",
}


def read_table(user_file: Path | None = None) -> tuple[dict[str, ImageModel], list[str]]:
    """The models of the shipped table with the user's additions, and what was wrong.

    Problems with the user's file (not TOML, a wrong type, an unknown key) come back named by
    file and key; the shipped entries are kept for anything the user's file could not change.
    """
    user_file = locations.user_image_models_file() if user_file is None else user_file
    builtin = _read_models(BUILTIN_FILE)  # shipped and tested: an error here is a bug
    problems: list[str] = []
    try:
        user = _read_models(user_file) if os.path.lexists(user_file) else {}
    except ModelTableError as error:
        problems.append(f"{error} The shipped image model table is used.")
        user = {}

    combined = {name: dict(raw) for name, raw in builtin.items()}
    for name, raw in user.items():
        combined[name] = _merge(combined.get(name, {}), raw)

    models: dict[str, ImageModel] = {}
    for name in combined:
        try:
            models[name] = _build(name, _resolve(name, combined, user_file), user_file)
        except ModelTableError as error:
            if name not in builtin:
                problems.append(f"{error} `{name}` is not checked.")
                continue
            problems.append(f"{error} The shipped definition of `{name}` is used.")
            models[name] = _build(name, _resolve(name, builtin, BUILTIN_FILE), BUILTIN_FILE)
    return models, problems


def _read_models(path: Path) -> dict[str, dict[str, Any]]:
    try:
        data = files.read_toml(path, files.IMAGE_MODELS)
    except FileNotFoundError:
        return {}  # a dangling link, or removed meanwhile: nothing to add
    except files.FileProblem as problem:
        raise ModelTableError(f"{problem}.") from None
    models = data.get("models", {})
    if not isinstance(models, dict) or not all(isinstance(v, dict) for v in models.values()):
        raise ModelTableError(f'{path}: models must be tables such as [models."gpt-image-2"].')
    return models


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """`override` over `base`, key by key; a table such as `free_sizes` is merged key by key."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def _resolve(name: str, raw: Mapping[str, dict[str, Any]], path: Path) -> dict[str, Any]:
    """A model's keys with those of the models it inherits from filled in."""
    chain = [name]
    while True:
        parent = raw[chain[-1]].get("inherits")
        if parent is None:
            break
        if not isinstance(parent, str) or parent not in raw:
            raise ModelTableError(f"{path}: `{chain[-1]}` inherits from unknown model {parent!r}.")
        if parent in chain:
            raise ModelTableError(f"{path}: `{name}` inherits from itself ({' → '.join(chain)}).")
        chain.append(parent)
    resolved: dict[str, Any] = {}
    for link in reversed(chain):
        resolved = _merge(resolved, raw[link])
    resolved.pop("inherits", None)
    return resolved


def _build(name: str, raw: dict[str, Any], path: Path) -> ImageModel:
    where = f"{path}: model `{name}`"
    unknown = sorted(set(raw) - _KNOWN_KEYS)
    if unknown:
        raise ModelTableError(f"{where} has unknown keys: {', '.join(unknown)}.")
    for key in ("prompt_max", "n_max", "sizes"):
        if key not in raw:
            raise ModelTableError(
                f"{where} needs `{key}` (or `inherits` from a model that has it)."
            )
    values: dict[str, Any] = {}
    for key in _INT_KEYS:
        value = raw[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ModelTableError(f"{where}: `{key}` must be a whole number of at least 1.")
        values[key] = value
    for key in _LIST_KEYS + _NAME_LIST_KEYS:
        if key in raw:
            value = raw[key]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ModelTableError(f"{where}: `{key}` must be a list of text.")
            keep = key in _NAME_LIST_KEYS
            values[key] = tuple(v.strip() if keep else v.strip().lower() for v in value)
    for key in _COUNT_KEYS:
        if key in raw:
            value = raw[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ModelTableError(f"{where}: `{key}` must be a whole number of at least 0.")
            values[key] = value
    if "edits" in raw:
        if not isinstance(raw["edits"], bool):
            raise ModelTableError(f"{where}: `edits` must be true or false.")
        values["edits"] = raw["edits"]
    unknown_options = sorted(set(values.get("options", ())) - set(SD_OPTIONS))
    if unknown_options:
        raise ModelTableError(
            f"{where}: `options` may hold {', '.join(SD_OPTIONS)}, "
            f"not {', '.join(unknown_options)}."
        )
    for key in _TEXT_KEYS:
        if key in raw and key != "inherits":
            if not isinstance(raw[key], str):
                raise ModelTableError(f"{where}: `{key}` must be text.")
            values[key] = raw[key].strip()
    if values.get("provider", "openai") not in PROVIDERS:
        raise ModelTableError(f"{where}: `provider` must be one of {', '.join(PROVIDERS)}.")
    for size in values["sizes"]:
        if size != "auto" and not SIZE.fullmatch(size):
            raise ModelTableError(f"{where}: size {size!r} must be WIDTHxHEIGHT or auto.")
    if "shutdown" in raw:
        if not isinstance(raw["shutdown"], date):
            raise ModelTableError(f"{where}: `shutdown` must be a date such as 2026-12-01.")
        values["shutdown"] = raw["shutdown"]
    if "free_sizes" in raw:
        values["free_sizes"] = _free_sizes(raw["free_sizes"], where)
    if "price" in raw:
        try:
            values["price"] = read_price(raw["price"], where)
        except PriceTableError as error:
            raise ModelTableError(str(error)) from None
    values.setdefault("label", name)
    return ImageModel(name=name, **values)


def _free_sizes(raw: Any, where: str) -> FreeSizes:
    if not isinstance(raw, dict):
        raise ModelTableError(f"{where}: `free_sizes` must be a table.")
    unknown = sorted(set(raw) - set(_FREE_SIZE_KEYS))
    if unknown:
        raise ModelTableError(f"{where}: `free_sizes` has unknown keys: {', '.join(unknown)}.")
    for key, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ModelTableError(f"{where}: `free_sizes.{key}` must be a number of at least 0.")
        if key != "max_ratio" and not isinstance(value, int):
            raise ModelTableError(f"{where}: `free_sizes.{key}` must be a whole number.")
    if raw.get("multiple", 16) < 1 or raw.get("max_ratio", 3.0) < 1:
        raise ModelTableError(f"{where}: `free_sizes` needs multiple and max_ratio of at least 1.")
    return FreeSizes(**{**raw, "max_ratio": float(raw.get("max_ratio", 3.0))})
