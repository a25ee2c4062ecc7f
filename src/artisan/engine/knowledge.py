"""What the composer knows about ideas before it styles them: kinds, feelings, media and uses.

The knowledge is TOML (`artisan/data/composer/kinds.toml`, `feelings.toml`, and the `medium`,
`use` and `family` tables of `vocabulary.toml`); this module only reads it into plain records.
`reading` applies it to an idea, `checker` to a prompt.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from typing import Any

from artisan import locations

DESIGN_BANNED = ("photo", "paint", "render")
"""Families a design deliverable is never said in, unless the idea names one."""


@dataclass(frozen=True)
class Kind:
    """What the deliverable is: a logo, a text piece, a portrait, a scene..."""

    id: str
    words: tuple[str, ...]
    head: tuple[str, ...]
    weak: tuple[str, ...]
    subjects: tuple[str, ...]
    events: tuple[str, ...]
    """Things that happen (scene): an idea about one is a scene whatever its setting."""
    design: bool
    presets: tuple[str, ...]
    general: bool
    moods: tuple[str, ...]
    """Moods that suit the kind and carry no feeling, for ideas that carry none."""
    quality: tuple[str, ...]
    lightens: tuple[str, ...]
    """Feelings this kind plays for laughs: they read as whimsy ("an angry tomato sticker")."""
    aspect: str
    motion: tuple[str, ...]
    exclusions: tuple[str, ...]
    negative: tuple[str, ...]
    typography: tuple[str, ...]
    styled: bool = False
    lit: bool = True
    """Whether a prompt for it says how it is lit (an abstract or a pattern has no scene)."""
    """A style the idea names is its subject's ("a scandinavian style kitchen"), not the
    image's medium."""


@dataclass(frozen=True)
class Feeling:
    """A feeling an idea carries, the moods that agree with it and the words that do not."""

    id: str
    words: tuple[str, ...]
    cues: tuple[str, ...]
    tone: tuple[str, ...]
    moods: tuple[str, ...]
    avoid: tuple[str, ...]
    lighting: tuple[str, ...]
    colour: tuple[str, ...]


@dataclass(frozen=True)
class Medium:
    """One medium as prompts say it ("watercolour", "wet-on-wet"), and its family."""

    name: str
    family: str
    words: tuple[str, ...]
    generic: bool = False


@dataclass(frozen=True)
class Use:
    """An intended use an idea names ("a phone wallpaper"), and the ratio it implies."""

    words: tuple[str, ...]
    phrase: str
    aspect: str | None
    deliverable: bool


@dataclass(frozen=True)
class Family:
    """How a family of media looks, for a medium the idea names that no preset has."""

    id: str
    noun: str
    look: str
    style: tuple[str, ...]
    lighting: tuple[str, ...]
    composition: tuple[str, ...]
    colour: tuple[str, ...]
    negative: tuple[str, ...]


@dataclass(frozen=True)
class Knowledge:
    kinds: tuple[Kind, ...]
    feelings: tuple[Feeling, ...]
    media: tuple[Medium, ...]
    uses: tuple[Use, ...]
    families: dict[str, Family]

    def kind(self, kind_id: str) -> Kind:
        return next(kind for kind in self.kinds if kind.id == kind_id)

    def feeling(self, feeling_id: str) -> Feeling | None:
        return next((f for f in self.feelings if f.id == feeling_id), None)

    def media_words(self, families: tuple[str, ...]) -> tuple[str, ...]:
        """Every word of the media of these families."""
        return tuple(w for m in self.media if m.family in families for w in m.words)


@cache
def load_knowledge() -> Knowledge:
    """The shipped kinds, feelings, media, uses and families (read once)."""
    folder = locations.builtin_composer_dir()
    kinds = _read(folder / "kinds.toml")["kind"]
    feelings = _read(folder / "feelings.toml")["feeling"]
    vocabulary = _read(folder / "vocabulary.toml")
    return Knowledge(
        kinds=tuple(_kind(k) for k in kinds),
        feelings=tuple(
            Feeling(
                id=f["id"],
                words=_strings(f["words"]),
                cues=_strings(f.get("cues", [])),
                tone=_strings(f.get("tone", [])),
                moods=_strings(f["moods"]),
                avoid=_strings(f["avoid"]),
                lighting=_strings(f.get("lighting", [])),
                colour=_strings(f.get("colour", [])),
            )
            for f in feelings
        ),
        media=tuple(
            Medium(
                name=m["name"],
                family=m["family"],
                words=_strings(m["words"]),
                generic=m.get("generic", False),
            )
            for m in vocabulary["medium"]
        ),
        uses=tuple(
            Use(
                words=_strings(u["words"]),
                phrase=u["phrase"],
                aspect=u.get("aspect"),
                deliverable=u.get("deliverable", False),
            )
            for u in vocabulary["use"]
        ),
        families={
            f["id"]: Family(
                id=f["id"],
                noun=f["noun"],
                look=f["look"],
                style=_strings(f["style"]),
                lighting=_strings(f.get("lighting", [])),
                composition=_strings(f["composition"]),
                colour=_strings(f["colour"]),
                negative=_strings(f.get("negative", [])),
            )
            for f in vocabulary["family"]
        },
    )


def _kind(table: dict[str, Any]) -> Kind:
    return Kind(
        id=table["id"],
        words=_strings(table.get("words", [])),
        head=_strings(table.get("head", [])),
        weak=_strings(table.get("weak", [])),
        subjects=_strings(table.get("subjects", [])),
        events=_strings(table.get("events", [])),
        design=table.get("design", False),
        presets=_strings(table["presets"]),
        general=table.get("general", False),
        moods=_strings(table.get("moods", [])),
        quality=_strings(table.get("quality", [])),
        lightens=_strings(table.get("lightens", [])),
        aspect=table.get("aspect", "1:1"),
        motion=_strings(table["motion"]),
        exclusions=_strings(table.get("exclusions", [])),
        negative=_strings(table.get("negative", [])),
        typography=_strings(table.get("typography", [])),
        styled=table.get("styled", False),
        lit=table.get("lit", True),
    )


def _read(path: Any) -> dict[str, Any]:
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value)
