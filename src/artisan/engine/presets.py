"""The offline composer's data: style presets, the shared vocabulary and the refine rules.

All of it is TOML. The shipped files live in `artisan/data/composer/`; every `*.toml` file in
`<config dir>/composer/` may add `[[preset]]` tables, and a preset with the `id` of a shipped one
replaces it. A user file that cannot be used is reported in `ComposerData.problems` and skipped,
never the reason the composer fails.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from artisan import locations
from artisan.engine.knowledge import Knowledge, load_knowledge
from artisan.errors import ArtisanError

KINDS = ("photo", "art", "render")
FAMILIES = ("photo", "paint", "drawing", "print", "render", "pixel", "craft", "design")
"""What a preset's medium is made of: an idea that names a family ("a painting of ...") is
given presets of that family only, and a design deliverable never one of photo, paint or
render unless the idea asks."""
PICKED_AXES = ("style", "composition", "colour")
"""Lists every preset must give (at least one phrase each)."""
OPTIONAL_AXES = (
    "lighting",
    "mood",
    "camera",
    "film",
    "triggers",
    "fits",
    "needs",
    "loose",
    "negative",
    "typography",
)


class PresetError(ArtisanError):
    """A composer preset file cannot be used."""


@dataclass(frozen=True)
class Preset:
    """A style: what the image is, how it looks, and the phrases that suit it."""

    id: str
    name: str
    kind: str
    medium: str
    look: str
    style: tuple[str, ...]
    lighting: tuple[str, ...]
    composition: tuple[str, ...]
    colour: tuple[str, ...]
    mood: tuple[str, ...] = ()
    camera: tuple[str, ...] = ()
    film: tuple[str, ...] = ()
    triggers: tuple[str, ...] = ()
    fits: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    """Drawn only for an idea that says one of these ("map" for a fantasy map)."""
    loose: tuple[str, ...] = ()
    """Triggers that also name a material ("charcoal", "clay"): they name the medium only
    before a word such as "drawing" or "style", or after "in" or "with"."""
    negative: tuple[str, ...] = ()
    typography: tuple[str, ...] = ()
    """How quoted text is set in this style ("bold condensed sans-serif capitals")."""
    general: bool = True
    aspect: str | None = None
    family: str = "paint"
    manner: str = ""
    """The medium said as a manner, after an idea that already names what the image is:
    "a logo for a bakery, in flat vector style"."""
    source: Path | None = None

    @property
    def photographic(self) -> bool:
        return self.kind == "photo"


@dataclass(frozen=True)
class Light:
    """Lighting for a time of day or a weather the idea names."""

    name: str
    words: tuple[str, ...]
    also: tuple[str, ...]
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class Change:
    """A refine rule: words in an instruction, and the phrases they set per axis."""

    words: tuple[str, ...]
    sets: Mapping[str, tuple[str, ...]]
    light: str | None = None


@dataclass(frozen=True)
class Vocabulary:
    sentences: Mapping[str, str]
    tags: Mapping[str, str]
    lights: tuple[Light, ...]
    fallback: Mapping[str, tuple[str, ...]]
    aspects: tuple[tuple[str, tuple[str, ...]], ...]
    framings: tuple[tuple[tuple[str, ...], str], ...]
    filler_leads: tuple[str, ...]
    photo_words: tuple[str, ...]
    person_words: tuple[str, ...]
    phone_words: tuple[str, ...]
    desktop_words: tuple[str, ...]
    movement: tuple[str, ...]
    quality: tuple[str, ...]
    negative: tuple[str, ...]
    anatomy: tuple[str, ...]
    people: tuple[str, ...]
    hex: Mapping[str, str] = field(default_factory=dict)
    """Colour names and their hex codes, for targets that match exact colours (FLUX)."""
    family_quality: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Stable Diffusion's quality tags by the family of the medium (else `quality`)."""

    def light(self, name: str) -> Light:
        for light in self.lights:
            if light.name == name:
                return light
        raise KeyError(name)


@dataclass
class ComposerData:
    presets: dict[str, Preset]
    vocabulary: Vocabulary
    changes: tuple[Change, ...]
    problems: list[str] = field(default_factory=list)
    knowledge: Knowledge = field(default_factory=load_knowledge, repr=False)
    known: dict[str, tuple[str, ...]] | None = field(default=None, repr=False)
    """Every phrase by axis, gathered on first use (see `retouch.known_phrases`)."""
    key_words: dict[str, frozenset[str]] | None = field(default=None, repr=False)
    """The words that name a kind, a medium or a style, gathered on first use (see
    `spelling.key_words`)."""


def load_composer_data(user_dir: Path | None = None) -> ComposerData:
    """The shipped presets, vocabulary and refine rules, plus the user's presets."""
    shipped = locations.builtin_composer_dir()
    presets = {p.id: p for p in _presets_in(shipped / "presets.toml")}
    vocabulary = _vocabulary(_read(shipped / "vocabulary.toml"))
    changes = _changes(_read(shipped / "changes.toml"))
    problems: list[str] = []
    user_dir = locations.user_composer_dir() if user_dir is None else user_dir
    if user_dir.is_dir():
        for path in sorted(user_dir.glob("*.toml")):
            try:
                found = _presets_in(path)
            except PresetError as error:
                problems.append(str(error))
                continue
            for preset in found:
                presets[preset.id] = preset
    return ComposerData(presets=presets, vocabulary=vocabulary, changes=changes, problems=problems)


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise PresetError(f"Composer file {path} cannot be read: {error}.") from None
    except tomllib.TOMLDecodeError as error:
        raise PresetError(f"Composer file {path} is not valid TOML: {error}.") from None


def _presets_in(path: Path) -> list[Preset]:
    data = _read(path)
    tables = data.get("preset", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise PresetError(f"Composer file {path}: presets must be [[preset]] tables.")
    if not tables:
        raise PresetError(f"Composer file {path} has no [[preset]] tables.")
    return [_preset(path, number, table) for number, table in enumerate(tables, 1)]


def _preset(path: Path, number: int, table: dict[str, Any]) -> Preset:
    where = f"Composer file {path}, preset {table.get('id', number)!s}"
    preset_id = table.get("id")
    if not isinstance(preset_id, str) or not preset_id.strip() or " " in preset_id.strip():
        raise PresetError(f"{where}: `id` must be a single word.")
    texts: dict[str, str] = {}
    for key in ("medium", "look"):
        value = table.get(key)
        if not isinstance(value, str) or not value.strip():
            raise PresetError(f"{where}: `{key}` must be text.")
        texts[key] = " ".join(value.split())
    kind = table.get("kind", "art")
    if kind not in KINDS:
        raise PresetError(f"{where}: `kind` must be one of {', '.join(KINDS)}.")
    lists: dict[str, tuple[str, ...]] = {}
    for key in PICKED_AXES + OPTIONAL_AXES:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise PresetError(f"{where}: `{key}` must be a list of text.")
        if key in PICKED_AXES and not value:
            raise PresetError(f"{where}: `{key}` needs at least one phrase.")
        lists[key] = tuple(" ".join(v.split()) for v in value)
    general = table.get("general", True)
    if not isinstance(general, bool):
        raise PresetError(f"{where}: `general` must be true or false.")
    family = table.get("family", _FAMILY_OF_KIND[kind])
    if family not in FAMILIES:
        raise PresetError(f"{where}: `family` must be one of {', '.join(FAMILIES)}.")
    manner = table.get("manner", "")
    if not isinstance(manner, str):
        raise PresetError(f"{where}: `manner` must be text.")
    aspect = table.get("aspect")
    if aspect is not None and not _is_ratio(aspect):
        raise PresetError(f'{where}: `aspect` must be a ratio such as "3:2".')
    return Preset(
        id=preset_id.strip(),
        name=str(table.get("name", preset_id)).strip(),
        kind=kind,
        general=general,
        aspect=aspect,
        family=family,
        manner=" ".join(manner.split()) or f"as {texts['medium']}",
        source=path,
        medium=texts["medium"],
        look=texts["look"],
        style=lists["style"],
        lighting=lists["lighting"],
        composition=lists["composition"],
        colour=lists["colour"],
        mood=lists["mood"],
        camera=lists["camera"],
        film=lists["film"],
        triggers=lists["triggers"],
        fits=lists["fits"],
        needs=lists["needs"],
        loose=lists["loose"],
        negative=lists["negative"],
        typography=lists["typography"],
    )


_FAMILY_OF_KIND = {"photo": "photo", "art": "paint", "render": "render"}


def _is_ratio(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = value.split(":")
    return len(parts) == 2 and all(p.isdigit() and int(p) > 0 for p in parts)


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value)


def _vocabulary(data: dict[str, Any]) -> Vocabulary:
    lights = tuple(
        Light(
            name=entry["name"],
            words=_strings(entry["words"]),
            also=_strings(entry.get("also", [])),
            phrases=_strings(entry["phrases"]),
        )
        for entry in data["light"]
    )
    sd = data["stable-diffusion"]
    return Vocabulary(
        sentences=dict(data["sentences"]),
        tags=dict(data.get("tags", {})),
        lights=lights,
        fallback={axis: _strings(v) for axis, v in data["fallback"].items()},
        aspects=tuple((a["ratio"], _strings(a["words"])) for a in data["aspect"]),
        framings=tuple((_strings(f["lead"]), f["composition"]) for f in data["framing"]),
        filler_leads=_strings(data["idea"]["filler_leads"]),
        photo_words=_strings(data["idea"]["photo_words"]),
        person_words=_strings(data["idea"].get("person_words", [])),
        phone_words=_strings(data["idea"].get("phone_words", [])),
        desktop_words=_strings(data["idea"].get("desktop_words", [])),
        movement=_strings(data["runway"]["movement"]),
        quality=_strings(sd["quality"]),
        negative=_strings(sd["negative"]),
        anatomy=_strings(sd["anatomy"]),
        people=_strings(sd["people"]),
        hex={str(k): str(v) for k, v in data.get("hex", {}).items()},
        family_quality={str(k): _strings(v) for k, v in sd.get("family_quality", {}).items()},
    )


def _changes(data: dict[str, Any]) -> tuple[Change, ...]:
    changes = []
    for entry in data["change"]:
        sets = {k: _strings(v) for k, v in entry.items() if k not in ("words", "light")}
        changes.append(Change(words=_strings(entry["words"]), sets=sets, light=entry.get("light")))
    return tuple(changes)
