"""What the offline composer decides about an image before it writes a word.

A `Scene` holds the idea's subject, the preset and one phrase per axis (lighting, composition,
colour, mood, camera, film, time, season, weather). `compose` makes one from an idea: the preset
the idea names ("watercolour fox") or a seeded pick among those that suit it, the lighting the
idea implies ("at night", "sunset"), the framing it asks for ("portrait of"). `apply_instruction`
changes a scene as a refine instruction says. `layout` turns a scene into text per target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from random import Random

from artisan.engine.presets import Change, ComposerData, Preset, Vocabulary

SCENE_AXES = ("lighting", "composition", "colour", "mood", "camera", "film")
REFINED_AXES = ("time", "season", "weather")
_PART_SPLIT = re.compile(r"\s*[,;.]\s*")
_AND_SPLIT = re.compile(r"\s+(?:and|then)\s+", re.IGNORECASE)
_LEADING_OF = re.compile(r"^(?:(?:an?|the)\s+)?of\s+", re.IGNORECASE)
_DANGLING = re.compile(r"\s+(?:in|as|with|on|of|and|style)$", re.IGNORECASE)
_FILLER_VERBS = re.compile(
    r"^(?:please\s+)?(?:make it|make the image|make|give it|add|include|with)\s+", re.IGNORECASE
)


@dataclass(frozen=True)
class Scene:
    """An image decided in words: subject, preset and a phrase per axis."""

    idea: str
    subject: str
    preset: Preset
    lighting: str
    composition: str
    colour: str
    mood: str
    movement: str
    aspect: str
    camera: str | None = None
    film: str | None = None
    framed: bool = False
    """The composition came from the idea ("portrait of ...") and is said with the subject."""
    named: str | None = None
    """The idea's own word for the style, when the preset's medium does not say it."""
    pinned: bool = False
    """The idea (or a refine) chose the preset: variations keep it."""
    light: str | None = None
    """The `[[light]]` the idea names: its lighting wins over the preset's."""
    described: bool = False
    """The idea is several sentences: it is kept as written rather than woven into a sentence."""
    people: bool = False
    time: str | None = None
    season: str | None = None
    weather: str | None = None
    extras: tuple[str, ...] = ()


def mentions(text: str, phrase: str) -> bool:
    """Whether `phrase` occurs in `text` as whole words, ignoring case."""
    return _find(text, phrase) is not None


def _find(text: str, phrase: str) -> re.Match[str] | None:
    return re.search(rf"(?<![\w]){re.escape(phrase)}(?![\w])", text, re.IGNORECASE)


def named_preset(idea: str, data: ComposerData) -> tuple[Preset, str] | None:
    """The preset whose trigger appears first in the idea (the longest one at that place)."""
    best: tuple[int, int, Preset, str] | None = None
    for preset in data.presets.values():
        for trigger in preset.triggers:
            found = _find(idea, trigger)
            if found is None:
                continue
            rank = (found.start(), -len(trigger))
            if best is None or rank < (best[0], best[1]):
                best = (found.start(), -len(trigger), preset, found.group(0))
    return None if best is None else (best[2], best[3])


def candidate_presets(idea: str, data: ComposerData) -> list[tuple[Preset, int]]:
    """Presets that suit an idea naming no style, with their weights (suiting ones count more)."""
    vocabulary = data.vocabulary
    wants_photo = any(mentions(idea, word) for word in vocabulary.photo_words)
    out: list[tuple[Preset, int]] = []
    for preset in data.presets.values():
        if wants_photo and not preset.photographic:
            continue
        fits = any(mentions(idea, word) for word in preset.fits)
        if fits or preset.general:
            out.append((preset, 4 if fits else 1))
    if not out:
        out = [(preset, 1) for preset in data.presets.values()]
    return out


def compose(idea: str, data: ComposerData, rng: Random, *, preset: Preset | None = None) -> Scene:
    """Decide an image for `idea`: the preset it names, or `preset`, or a seeded pick."""
    vocabulary = data.vocabulary
    idea = " ".join(idea.split()).rstrip(" .,;:!")
    described = bool(re.search(r"[.!?]\s", idea)) or len(idea.split()) > 40
    subject = idea
    named: str | None = None
    framing: str | None = None
    pinned = False
    found = named_preset(idea, data)
    if preset is None and found is not None:
        preset, trigger = found
        pinned = True
        if not described:
            trimmed = _remove(subject, trigger)
            if trimmed:
                subject = trimmed
                if not _words(trigger) <= _words(preset.medium):
                    named = trigger
    if not described:
        subject = _drop_lead(subject, vocabulary.filler_leads) or subject
        for leads, composition in vocabulary.framings:
            trimmed = _drop_lead(subject, leads)
            if trimmed:
                subject, framing = trimmed, composition
                break
    if preset is None:
        choices = candidate_presets(idea, data)
        preset = rng.choices([p for p, _ in choices], weights=[w for _, w in choices])[0]
    light = next(
        (
            light.name
            for light in vocabulary.lights
            if any(mentions(idea, w) for w in light.words)
            and (not light.also or any(mentions(idea, w) for w in light.also))
        ),
        None,
    )
    scene = Scene(
        idea=idea,
        subject=subject,
        preset=preset,
        lighting="",
        composition=framing or "",
        colour="",
        mood="",
        movement=rng.choice(vocabulary.movement),
        aspect=aspect_for(idea, preset, vocabulary),
        framed=framing is not None,
        named=named,
        pinned=pinned,
        light=light,
        described=described,
        people=any(mentions(idea, word) for word in vocabulary.people),
    )
    return pick_axes(scene, preset, data, rng)


def pick_axes(
    scene: Scene,
    preset: Preset,
    data: ComposerData,
    rng: Random,
    used: dict[str, set[str]] | None = None,
) -> Scene:
    """`scene` with `preset` and a fresh phrase for each axis, avoiding those in `used`."""
    changes: dict[str, str | None] = {}
    for axis in SCENE_AXES:
        if axis == "composition" and scene.framed:
            continue
        pool = axis_pool(axis, preset, scene, data.vocabulary)
        if not pool:
            changes[axis] = None
            continue
        fresh = [p for p in pool if used is None or p not in used.get(axis, set())]
        changes[axis] = rng.choice(fresh or list(pool))
    return replace(scene, preset=preset, **changes)  # type: ignore[arg-type]


def axis_pool(axis: str, preset: Preset, scene: Scene, vocabulary: Vocabulary) -> tuple[str, ...]:
    """The phrases `axis` may take for this preset and scene."""
    if axis == "lighting" and scene.light is not None:
        return vocabulary.light(scene.light).phrases
    own: tuple[str, ...] = getattr(preset, axis)
    if own or axis in ("camera", "film"):
        return own
    return vocabulary.fallback.get(axis, ())


@dataclass(frozen=True)
class Instruction:
    """A refine instruction read against the rules: what it changes, and what is left."""

    changes: tuple[Change, ...]
    preset: Preset | None
    """The style it names ("as an oil painting"), if any."""
    extras: tuple[str, ...]
    """Clauses no rule understood, kept as the person wrote them."""


def read_instruction(instruction: str, data: ComposerData) -> Instruction:
    """Cut an instruction into clauses and match each against the refine rules and presets."""
    changes: list[Change] = []
    preset: Preset | None = None
    extras: list[str] = []
    for clause in _clauses(instruction, data):
        matched = [c for c in data.changes if any(mentions(clause, w) for w in c.words)]
        if matched:
            changes.extend(c for c in matched if c not in changes)
            continue
        found = named_preset(clause, data)
        if found is not None:
            preset = found[0]
            continue
        extras.append(clause)
    return Instruction(changes=tuple(changes), preset=preset, extras=tuple(extras))


def _clauses(instruction: str, data: ComposerData) -> list[str]:
    """The instruction cut at commas, semicolons and "and", keeping phrases such as "black and
    white" whole."""
    joined = [w for c in data.changes for w in c.words if " and " in w]
    joined += [t for p in data.presets.values() for t in p.triggers if " and " in t]
    clauses: list[str] = []
    for part in _PART_SPLIT.split(instruction):
        pieces: list[str] = []
        for piece in _AND_SPLIT.split(part):
            both = f"{pieces[-1]} and {piece}" if pieces else ""
            if both and any(mentions(both, phrase) for phrase in joined):
                pieces[-1] = both
            else:
                pieces.append(piece)
        clauses += [p.strip() for p in pieces if p.strip()]
    return clauses


def change_values(change: Change, data: ComposerData, rng: Random) -> dict[str, str]:
    """One phrase per axis that `change` sets (its light re-lights the scene)."""
    values = {axis: rng.choice(phrases) for axis, phrases in change.sets.items()}
    if change.light is not None and "lighting" not in values:
        values["lighting"] = rng.choice(data.vocabulary.light(change.light).phrases)
    return values


def apply_instruction(scene: Scene, instruction: str, data: ComposerData, rng: Random) -> Scene:
    """`scene` changed as a refine instruction says: rules where they apply, else its words."""
    read = read_instruction(instruction, data)
    preset = read.preset
    settles_camera = any("film" in c.sets or "camera" in c.sets for c in read.changes)
    if settles_camera and not (preset or scene.preset).photographic:
        # "Shot on 35mm" makes a painting a photograph: say so rather than mix the two.
        preset = data.presets.get("film-35mm") or next(
            (p for p in data.presets.values() if p.photographic), preset
        )
    if preset is not None:
        scene = replace(
            pick_axes(scene, preset, data, rng),
            pinned=True,
            named=None,
            aspect=aspect_for(scene.idea, preset, data.vocabulary),
        )
    for change in read.changes:
        values = change_values(change, data, rng)
        if change.light is not None:
            scene = replace(scene, light=change.light)
        if "composition" in values:
            scene = replace(scene, framed=False)
        scene = replace(scene, **values)  # type: ignore[arg-type]
    if read.extras:
        scene = replace(scene, extras=scene.extras + read.extras)
    return scene


def list_phrase(clause: str) -> str:
    """A refine clause as a descriptor: "add a red umbrella" is "a red umbrella"."""
    return _FILLER_VERBS.sub("", clause.strip()).strip() or clause.strip()


def aspect_for(idea: str, preset: Preset, vocabulary: Vocabulary) -> str:
    """Midjourney's aspect ratio: from the idea's words, else the preset's, else square."""
    for ratio, words in vocabulary.aspects:
        if any(mentions(idea, word) for word in words):
            return ratio
    return preset.aspect or "1:1"


def _remove(text: str, phrase: str) -> str:
    found = _find(text, phrase)
    if found is None:
        return text
    rest = (text[: found.start()] + " " + text[found.end() :]).strip()
    rest = " ".join(rest.split()).strip(" ,;:-")
    rest = _LEADING_OF.sub("", rest)
    rest = re.sub(r"^(?:an?|the)\s+(?=(?:an?|the)\s)", "", rest, flags=re.IGNORECASE)
    rest = _DANGLING.sub("", rest).strip(" ,;:-")
    if re.fullmatch(r"(?:an?|the)?", rest, re.IGNORECASE):
        return ""
    return rest


def _drop_lead(text: str, leads: tuple[str, ...]) -> str:
    for lead in sorted(leads, key=len, reverse=True):
        if text.lower().startswith(lead.lower() + " "):
            return text[len(lead) :].strip()
    return ""


def _words(text: str) -> set[str]:
    return set(re.findall(r"[\w']+", text.lower()))
