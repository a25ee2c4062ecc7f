"""What the offline composer decides about an image before it writes a word.

A `Scene` holds the idea's subject, the preset and one phrase per axis (lighting, composition,
colour, mood, camera, film, time, season, weather). `compose` makes one from an idea: the preset
the idea names ("watercolour fox") or a seeded pick among those that suit it, the lighting the
idea implies ("at night", "sunset"), the framing it asks for ("portrait of"). `apply_instruction`
changes a scene as a refine instruction says. `layout` turns a scene into text per target.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from random import Random

from artisan import wording
from artisan.checker import negates
from artisan.engine.knowledge import DESIGN_BANNED, Family, Feeling, Knowledge
from artisan.engine.presets import Change, ComposerData, Preset, Vocabulary
from artisan.engine.reading import Reading, read_idea
from artisan.engine.reading import named_preset as reading_named_preset
from artisan.engine.spelling import correct_key_words
from artisan.lettering import QUOTED
from artisan.wording import Words, article, english, with_article

SENTENCE_END = re.compile(r"(?<!\b[A-Z])[.!?]\s+(?=[A-Z\"“'])")
"""The end of a sentence: not the full stop of an initial ("R.M. under it")."""
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
    reading: Reading
    camera: str | None = None
    film: str | None = None
    framed: bool = False
    """The composition came from the idea ("portrait of ...") and is said with the subject."""
    named: str | None = None
    """The idea's own word for the style, when the preset's medium does not say it."""
    pinned: bool = False
    """The idea (or a refine) chose the preset: variations keep it."""
    kept: bool = False
    """The idea's words for the medium stay in the subject ("a crayon drawing of a dragon"):
    the preset is said by its style alone."""
    light: str | None = None
    """The `[[light]]` the idea names: its lighting wins over the preset's."""
    described: bool = False
    """The idea is several sentences: it is kept as written rather than woven into a sentence."""
    people: bool = False
    time: str | None = None
    season: str | None = None
    weather: str | None = None
    extras: tuple[str, ...] = ()
    typography: str = ""
    motion: str = ""
    """What moves in a video shot (Runway), from the kind."""


def mentions(text: str, phrase: str) -> bool:
    """Whether `phrase` occurs in `text` as whole words (in any number), ignoring case."""
    return wording.mentions(text, phrase)


def _find(text: str, phrase: str) -> re.Match[str] | None:
    pattern = r"[\s-]+".join(re.escape(p) for p in phrase.split())
    return re.search(rf"(?<![\w]){pattern}(?![\w])", text, re.IGNORECASE)


def named_preset(text: str, data: ComposerData) -> tuple[Preset, str] | None:
    """The preset whose trigger appears first in `text` (the longest one at that place)."""
    return reading_named_preset(Words(text), data)


def candidate_presets(reading: Reading, data: ComposerData) -> list[tuple[Preset, int]]:
    """Presets that suit an idea naming no style, with their weights: the kind's own first,
    then `general` ones where the kind allows them; never one against the idea's feeling, of
    another family than the idea names, or (for a design deliverable) a photograph, a
    painting or a render."""
    kind = reading.kind
    own = [data.presets[p] for p in kind.presets if p in data.presets]
    pool = list(own)
    if kind.general:
        pool += [p for p in data.presets.values() if p.general and p not in own]
    words = Words(reading.idea)
    banned = banned_media(reading, data)
    pool = [
        p
        for p in pool
        if _family_allowed(p, reading) and not (banned and Words(_preset_text(p)).any(banned))
    ]
    if reading.style is not None and reading.design:  # "a norse style tattoo": no other style
        pool = [p for p in pool if p.family == "design"]
    if not pool:
        return []
    checks: tuple[Callable[[Preset], bool], ...] = (
        lambda p: not p.needs or words.any(p.needs),
        lambda p: reading.feeling is None or not _contradicts(_preset_text(p), reading.feeling),
    )
    wanted = [p for p in pool if p.needs and words.any(p.needs)]
    if wanted:  # "a map of ...": the map presets, not a diagram of a map
        pool = wanted
    chosen = pool
    for relax in range(len(checks) + 1):
        kept = [p for p in pool if all(check(p) for check in checks[: len(checks) - relax])]
        if kept:
            chosen = kept
            break
    out: list[tuple[Preset, int]] = []
    for preset in chosen:
        weight = 1
        if preset in own:
            weight = 3 + (2 if own.index(preset) < 4 else 0)
        if words.any(preset.fits, compounds=True):
            weight += 8
        out.append((preset, weight))
    return out


def _family_allowed(preset: Preset, reading: Reading) -> bool:
    if reading.family is not None:
        return preset.family == reading.family
    if reading.not_photo and preset.family == "photo":
        return False
    return not (reading.design and preset.family in DESIGN_BANNED)


def _preset_text(preset: Preset) -> str:
    return " ".join((preset.medium, preset.look, *preset.style))


def _contradicts(text: str, feeling: Feeling) -> bool:
    return Words(text).any(feeling.avoid)


def banned_media(reading: Reading, data: ComposerData) -> tuple[str, ...]:
    """Media words a prompt for this idea must not say: those of other media than the one the
    idea names, or of photographs, paintings and renders for a design deliverable."""
    key = (
        reading.idea,
        reading.family,
        reading.medium.name if reading.medium else None,
        reading.preset.id if reading.preset else None,
        reading.design,
        reading.not_photo,
    )
    found = _BANNED.get(key)
    if found is None:
        if len(_BANNED) > 4096:
            _BANNED.clear()
        found = _BANNED[key] = _banned_media(reading, data)
    return found


_BANNED: dict[tuple[object, ...], tuple[str, ...]] = {}


def _banned_media(reading: Reading, data: ComposerData) -> tuple[str, ...]:
    knowledge = data.knowledge
    idea = Words(reading.idea)
    own: str | None = None
    family = reading.family
    if reading.medium is not None:
        own = reading.medium.name
    elif reading.preset is not None:
        own = _medium_of(reading.preset, knowledge)
    banned: list[str] = []
    if family is not None:
        for medium in knowledge.media:
            if medium.family == family and (medium.generic or medium.name == own):
                continue
            if medium.family == family == "photo":
                continue
            banned += medium.words
    elif reading.design:
        banned += knowledge.media_words(DESIGN_BANNED)
    elif reading.not_photo:
        banned += knowledge.media_words(("photo",))
    return tuple(w for w in dict.fromkeys(banned) if w not in idea)


def _medium_of(preset: Preset, knowledge: Knowledge) -> str | None:
    text = Words(preset.medium + " " + " ".join(preset.triggers))
    for medium in knowledge.media:
        if not medium.generic and medium.family == preset.family and text.any(medium.words):
            return medium.name
    return None


def compose(idea: str, data: ComposerData, rng: Random, *, preset: Preset | None = None) -> Scene:
    """Decide an image for `idea`: the preset it names, or `preset`, or a seeded pick."""
    vocabulary = data.vocabulary
    idea = correct_key_words(" ".join(idea.split()).rstrip(" .,;:"), data)
    reading = read_idea(idea, data)
    idea = reading.idea  # without a request before it ("need a logo ...")
    described = bool(SENTENCE_END.search(idea)) or len(idea.split()) > 40
    subject = idea
    named: str | None = None
    framing: str | None = None
    pinned = False
    said = reading.trigger or reading.medium_word
    if preset is None and reading.preset is not None:
        preset, pinned = reading.preset, True
    elif preset is None and reading.medium is not None and reading.medium_word:
        preset, pinned = _named_medium_preset(reading, data), True
    elif (
        preset is None
        and reading.style is not None
        and not (reading.design and candidate_presets(reading, data))
    ):  # a design deliverable keeps its flat design presets with the style named
        preset, pinned = _named_style_preset(reading, data), True
        said = reading.style
    kept = False
    if pinned and said and not described and preset is not None:
        kind = reading.kind
        trimmed = _remove(subject, said)
        if (
            reading.medium is not None
            or Words(said).any(kind.words + kind.head)
            or re.match(
                r"(?:(?:an?|the)\s+)?(?:for|with|that|called|named|which|about)\b", trimmed, re.I
            )
        ):
            kept = True  # the medium's words also say what the image is: "a crayon drawing of"
        elif trimmed:
            subject = trimmed
            if not _words(said) <= _words(preset.medium):
                named = said
    if not described:
        subject = _drop_lead(subject, vocabulary.filler_leads) or subject
        for leads, composition in vocabulary.framings:
            trimmed = _drop_lead(subject, leads)
            if trimmed:
                subject, framing = trimmed, composition
                break
    if preset is None:
        choices = candidate_presets(reading, data)
        if not choices:  # the idea names a family ("a painting of ...") and no preset fits
            preset, pinned, kept = _family_preset(reading, data), True, True
        else:
            preset = rng.choices([p for p, _ in choices], weights=[w for _, w in choices])[0]
    if not described and not kept:
        subject = _less_medium(subject, preset)
    light = None
    if not reading.design and (preset.lighting or preset.family != "design"):
        words = Words(QUOTED.sub(" ", idea))  # "Science Night 2024" is a title, not the light
        light = next(
            (
                light.name
                for light in vocabulary.lights
                if words.any(light.words) and (not light.also or words.any(light.also))
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
        aspect=aspect_for(reading, preset),
        reading=reading,
        framed=framing is not None,
        named=named,
        pinned=pinned,
        kept=kept,
        light=light,
        described=described,
        people=Words(idea).any(vocabulary.people),
    )
    return pick_axes(scene, preset, data, rng)


def _family_preset(reading: Reading, data: ComposerData) -> Preset:
    """A preset for an idea that names a family of media only: its words, the family's look."""
    assert reading.family is not None
    family = data.knowledge.families[reading.family]
    return _looking_like(family, f"family-{family.id}", family.noun, family.noun, manner="")


def _named_medium_preset(reading: Reading, data: ComposerData) -> Preset:
    """A preset for a medium the idea names that no preset has: its words, its family's look."""
    assert reading.medium is not None and reading.medium_word is not None
    family = data.knowledge.families[reading.medium.family]
    word = reading.medium_word.lower()
    medium = word if family.noun in word else f"{word} {family.noun}"
    return _looking_like(
        family, f"named-{reading.medium.name}", reading.medium_word, medium, manner=""
    )


def _named_style_preset(reading: Reading, data: ComposerData) -> Preset:
    """A preset for a style the idea names that no preset knows: the style, said in the idea's
    words, leads; the neutral look adds no medium of its own."""
    assert reading.style is not None
    family = data.knowledge.families["style"]
    style = reading.style
    noun = f"{reading.kind.id} design" if reading.design else family.noun
    return _looking_like(
        family,
        f"style-{style.lower()}",
        f"{style} style",
        f"{style}-style {noun}",
        manner=f"in {style} style",
    )


def _looking_like(family: Family, preset_id: str, name: str, medium: str, *, manner: str) -> Preset:
    """A preset made of a family's look (`vocabulary.toml`, `[[family]]`) and a medium's name."""
    kinds = {"photo": "photo", "render": "render"}
    return Preset(
        id=preset_id,
        name=name,
        kind=kinds.get(family.id, "art"),
        family=family.id,
        medium=with_article(medium),
        manner=manner or f"as {with_article(medium)}",
        look=family.look,
        style=family.style,
        lighting=family.lighting,
        composition=family.composition,
        colour=family.colour,
        negative=family.negative,
        general=False,
    )


def pick_axes(
    scene: Scene,
    preset: Preset,
    data: ComposerData,
    rng: Random,
    used: dict[str, set[str]] | None = None,
) -> Scene:
    """`scene` with `preset` and a fresh phrase for each axis, avoiding those in `used`."""
    preset = agreeing(preset, scene.reading.feeling, data)
    changes: dict[str, str | None] = {}
    for axis in SCENE_AXES:
        if axis == "composition" and scene.framed:
            continue
        pool = axis_pool(axis, preset, scene, data)
        if not pool:
            changes[axis] = None if axis in ("camera", "film") else ""
            continue
        fresh = [p for p in pool if used is None or p not in used.get(axis, set())]
        changes[axis] = rng.choice(fresh or list(pool))
    kind = scene.reading.kind
    typography = preset.typography or kind.typography
    extra = {
        "typography": rng.choice(typography) if typography else "",
        "motion": rng.choice(kind.motion) if kind.motion else "",
    }
    return replace(scene, preset=preset, **changes, **extra)  # type: ignore[arg-type]


_COLOURS = english("colours")


def names_colours(idea: str) -> bool:
    """Whether the idea sets its own palette: two colours or more ("red and black", "neon
    green on black"), outside the words it shows."""
    said = {t.rstrip("s") for t in Words(QUOTED.sub(" ", idea)).stems if t.rstrip("s") in _COLOURS}
    return len(said) >= 2


def agreeing(preset: Preset, feeling: Feeling | None, data: ComposerData) -> Preset:
    """`preset` without the words of its look that go against the idea's feeling ("bright
    primary crayon colours" for a sad child's drawing): its family's look in their place."""
    if feeling is None or not _contradicts(" ".join((preset.look, *preset.style)), feeling):
        return preset
    family = data.knowledge.families.get(preset.family)
    look = " ".join(
        s for s in re.split(r"(?<=[.!?])\s+", preset.look) if not _contradicts(s, feeling)
    )
    if not look and family is not None and not _contradicts(family.look, feeling):
        look = family.look
    style = tuple(s for s in preset.style if not _contradicts(s, feeling))
    if not style and family is not None:
        style = tuple(s for s in family.style if not _contradicts(s, feeling))
    return replace(preset, look=look, style=style)


def axis_pool(axis: str, preset: Preset, scene: Scene, data: ComposerData) -> tuple[str, ...]:
    """The phrases `axis` may take for this preset and scene: none against the idea's feeling,
    none that names another medium than the idea's."""
    vocabulary = data.vocabulary
    reading = scene.reading
    feeling = reading.feeling
    if axis == "mood":
        if not reading.kind.moods:
            return ()  # a logo or a diagram says no mood, whatever it feels
        if feeling is not None and reading.said:
            return feeling.moods
        own = preset.mood or reading.kind.moods  # a user preset's own, or the kind's
        return tuple(m for m in own if feeling is None or not Words(m).any(feeling.avoid))
    if axis in ("camera", "film") and (not preset.photographic or reading.design):
        return ()
    if axis == "lighting" and (
        (preset.family == "design" and not preset.lighting)
        or (reading.design and preset.family != "design")
        or not reading.kind.lit
    ):
        return ()  # a flat design, a logo in a painter's style, an abstract are not lit
    if axis == "colour" and names_colours(reading.idea):
        return ()  # "reds and pinks": the idea's own palette, not a second one
    if axis == "lighting" and scene.light is not None:
        pool: tuple[str, ...] = vocabulary.light(scene.light).phrases
    else:
        pool = getattr(preset, axis)
        if not pool and axis in ("composition", "colour"):
            pool = vocabulary.fallback.get(axis, ())
    banned = banned_media(reading, data)
    if pool and feeling is not None and axis in ("lighting", "colour") and not reading.design:
        pool = pool + getattr(feeling, axis)  # light and colour that carry the feeling
    idea = Words(reading.idea)
    nobody = not idea.any(vocabulary.people)
    return tuple(
        p
        for p in dict.fromkeys(pool)
        if _fits(p, feeling, banned)
        and not _denies(p, reading.idea, reading.text)
        and not (nobody and Words(p).any(vocabulary.person_words))
        and not _other_device(p, idea, vocabulary)
    )


def _other_device(phrase: str, idea: Words, vocabulary: Vocabulary) -> bool:
    """Whether the phrase frames the screen of another device than the idea's ("a desktop
    layout" for a kids' reading app, "a phone-sized screen" for a dashboard)."""
    phone, desktop = idea.any(vocabulary.phone_words), idea.any(vocabulary.desktop_words)
    said = phrase.lower()
    if "desktop" in said or "sidebar" in said:
        return phone and not desktop
    if "phone" in said or "mobile" in said:
        return desktop and not phone
    return False


def _denies(phrase: str, idea: str, text: tuple[str, ...]) -> bool:
    """Whether the phrase excludes what the idea asks ("light without cast shadows" for an
    idea with a shadow on the wall)."""
    return any(negates(term, idea, text) for term in _WITHOUT.findall(phrase))


_WITHOUT = re.compile(r"\b(?:without|no)\s+([\w\s-]+)", re.IGNORECASE)


def _fits(phrase: str, feeling: Feeling | None, banned: tuple[str, ...]) -> bool:
    words = Words(phrase)
    if feeling is not None and words.any(feeling.avoid):
        return False
    return not (banned and words.any(banned))


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
            aspect=aspect_for(scene.reading, preset),
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


def aspect_for(reading: Reading, preset: Preset) -> str:
    """Midjourney's aspect ratio: the idea's words or its use, else the kind's for a design
    or text piece, else the preset's, else the kind's."""
    if reading.aspect is not None:
        return reading.aspect
    kind = reading.kind
    if kind.design or kind.id == "text":
        return kind.aspect
    return preset.aspect or kind.aspect


def _remove(text: str, phrase: str) -> str:
    pattern = r"[\s-]+".join(re.escape(p) for p in phrase.split())
    found = re.search(
        r"(?:\bin the style of\s+|\b(?:shot|painted|drawn|rendered|done|made)\s+"
        r"(?:on|in|with|as)\s+)?"
        rf"(?<![\w]){pattern}"
        rf"(?:[\s-]+(?:style|styled|inspired|vibes?|look|aesthetic)\b)?(?![\w])",
        text,
        re.IGNORECASE,
    )
    if found is None:
        return text
    before, after = text[: found.start()], text[found.end() :]
    if re.fullmatch(r"\s*(?:an?|the)\s+[\w'-]+\s*", before, re.I) and re.match(r"\s+of\b", after):
        before = ""  # "an old polaroid of friends": the word before the medium was the medium's
    rest = (before + " " + after).strip()
    rest = " ".join(rest.split()).strip(" ,;:-")
    rest = re.sub(r"\s*,\s*(?:,\s*)+", ", ", rest)  # "poster, art nouveau, 'Zelda'" less the style
    rest = re.sub(r"\s+(?:in|as|with|on|of|for)(?:\s+(?:an?|the))?(?=\s*,)", "", rest, flags=re.I)
    rest = _LEADING_OF.sub("", rest)
    rest = re.sub(r"^(?:an?|the)\s+(?=(?:an?|the)\s)", "", rest, flags=re.IGNORECASE)
    rest = _DANGLING.sub("", rest).strip(" ,;:-")
    if re.fullmatch(r"(?:an?|the)?", rest, re.IGNORECASE):
        return ""
    found_article = re.match(r"(an?)\s+(\S+)", rest, re.IGNORECASE)
    if found_article:  # "an embroidered patch" less "embroidered" is "a patch"
        right = article(found_article.group(2))
        if right != found_article.group(1).lower():
            rest = (right.capitalize() if rest[0].isupper() else right) + rest[
                len(found_article.group(1)) :
            ]
    return rest


def _less_medium(subject: str, preset: Preset | None) -> str:
    """The subject without what the medium says again once the style is taken out ("a print
    of a tuna" as a woodblock print, ", 3D render" after an isometric render)."""
    if preset is None:
        return subject
    medium = _words(preset.medium) | {"style", "art", "artwork"}
    clauses = subject.split(", ")
    kept = [clauses[0]] + [c for c in clauses[1:] if not _words(c) <= medium]
    subject = ", ".join(kept)
    found = re.match(
        r"(?:(?:an?|the)\s+)?((?:[\w-]+\s+){0,2}[\w-]+)\s+of\s+(?=\S)", subject, re.IGNORECASE
    )
    if found and _words(found.group(1)) <= medium:
        subject = subject[found.end() :]
    return subject


def _drop_lead(text: str, leads: tuple[str, ...]) -> str:
    for lead in sorted(leads, key=len, reverse=True):
        if text.lower().startswith(lead.lower() + " "):
            return text[len(lead) :].strip()
    return ""


def _words(text: str) -> set[str]:
    return set(re.findall(r"[\w']+", text.lower()))
