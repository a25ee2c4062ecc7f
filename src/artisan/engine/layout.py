"""A `Scene` written out in the shape each target expects (`Target.format`).

- `brief` (GPT Image): what the image is, its details, the words it shows with their
  typography, the intended use, then the exclusions stated plainly.
- `sentences` (generic): plain full sentences, no parameters.
- `prose` (FLUX): the subject first, 30 to 80 words, hex codes for colours the idea names.
- `shot` (Runway): the subject once, then what moves and how the camera moves.
- `midjourney`: a compact comma list, then parameters valid for the version (`--no` for
  exclusions).
- `stable-diffusion`: a positive line within CLIP's 75 tokens, then a `Negative prompt:` line.
- `tags`: a comma list with quality tags, no parameters.

Whatever the shape, every word of the idea is kept, and nothing the idea asks for is excluded.
"""

from __future__ import annotations

import re

from artisan.checker import QUALIFIED, negates
from artisan.engine.presets import ComposerData, Vocabulary
from artisan.engine.reading import NOT_ACTIONS
from artisan.engine.scene import REFINED_AXES, SENTENCE_END, Scene, list_phrase
from artisan.lettering import QUOTED as QUOTED_TEXT
from artisan.wording import Words, article, english, is_plural

LIST_FORMATS = ("midjourney", "stable-diffusion", "tags")
NEGATIVE_PREFIX = "Negative prompt:"
MIDJOURNEY_VERSION = "8.1"
"""The version written when the target names none (see data/targets/midjourney.toml)."""
_ARTICLE = re.compile(r"^(?:a|an|the)\s+", re.IGNORECASE)
_DETERMINERS = english("determiners")
_BREAKS = english("subject_breaks")


def render(scene: Scene, shape: str, data: ComposerData, *, version: str = "") -> str:
    """The prompt for `scene` in the target format `shape` (one of `targets.FORMATS`)."""
    if shape == "midjourney":
        return _midjourney(scene, data, version or MIDJOURNEY_VERSION)
    if shape == "stable-diffusion":
        from artisan.engine.fitting import stable_diffusion

        return stable_diffusion(scene, data)
    if shape == "tags":
        return ", ".join(tags(scene, data.vocabulary, quality=True))
    if shape == "prose":
        return _prose(scene, data)
    if shape == "shot":
        return _shot(scene, data.vocabulary)
    if shape == "brief":
        return _brief(scene, data)
    return _sentences(scene, data.vocabulary)


def bare(phrase: str) -> str:
    """A phrase without its leading article, as a comma-list descriptor."""
    return _ARTICLE.sub("", phrase.strip())


def short(phrase: str) -> str:
    """A descriptor kept short for a comma list: "soft light, with a rim" is "soft light"."""
    return bare(phrase.split(", with ")[0])


def head_words(subject: str) -> list[str]:
    """The words of the subject's head, up to its first preposition or verb."""
    head: list[str] = []
    words = subject.split()
    for place, word in enumerate(words):
        plain = word.lower().strip(",;:\"'")
        after = words[place + 1].lower() if place + 1 < len(words) else ""
        # "a girl reading a book" acts; "kids reading app" names a kind of app
        verb = (
            plain.endswith("ing")
            and len(plain) > 4
            and plain not in NOT_ACTIONS
            and (not after or after in _DETERMINERS or after in _BREAKS or word.endswith(","))
        )
        if head and (plain in _BREAKS or verb):
            break
        head.append(word)
        if word.endswith((",", ";", ":")):
            break  # "a haunted lighthouse, eerie and cold": the clause ends the head
    return head or subject.split()


def noun_phrase(subject: str) -> str:
    """`subject` with an article when it needs one: "fox in the snow" is "a fox in the snow",
    "abstract shapes" stays as it is."""
    words = subject.split()
    if not words:
        return subject
    first = words[0]
    if first.lower() in _DETERMINERS or first[0].isupper() or first[0] in "\"'\u201c\u2018":
        return subject
    if first[0].isdigit() and not re.match(r"\d+(?:-|mm|s\b)", first):
        return subject
    head = head_words(subject)[-1].lower().strip(",;:\"'")
    if is_plural(head) or (head in _UNCOUNTED_HEADS and len(head_words(subject)) == 1):
        return subject
    return f"{article(subject)} {subject}"


_UNCOUNTED_HEADS = english("uncounted_heads")


def simple(scene: Scene) -> str:
    """The subject said simply, for a second mention: "the fox", "the logo"; for a drawing
    or painting "of" something, that something ("the dragon")."""
    subject = scene.subject
    if not scene.reading.design and (scene.kept or says_what_it_is(scene)):
        depicted = re.split(r"\b(?:of|showing|depicting)\s+", subject, maxsplit=1)
        if len(depicted) == 2:
            subject = depicted[1]
    head = [w.strip(",;:\"'") for w in head_words(subject)]
    noun = head[-1] if head else subject
    if noun.lower() in _DETERMINERS or not noun:
        return "the subject"
    return f"the {noun.lower() if not noun.isupper() else noun}"


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def axis_sentence(axis: str, phrase: str, vocabulary: Vocabulary) -> str:
    """A phrase said as a full sentence of its axis ("The palette is ...")."""
    if axis == "extra":
        clause = phrase.strip().rstrip(".")
        return capitalise(clause) + "."
    template = vocabulary.sentences.get(axis, "{}.")
    return capitalise(template.replace("{}", phrase))


def axis_tag(axis: str, phrase: str, vocabulary: Vocabulary) -> str:
    """A phrase said as a comma-list descriptor of its axis ("shot on Kodak Portra 400")."""
    if axis == "extra":
        return list_phrase(phrase)
    return vocabulary.tags.get(axis, "{}").replace("{}", bare(phrase))


def says_what_it_is(scene: Scene) -> bool:
    """Whether the subject already names the deliverable or its medium ("a logo for ...",
    "an abstract painting about grief"): the preset is then said as a manner, not as a
    second noun ("a flat vector logo of a logo")."""
    words = Words(" ".join(head_words(scene.subject)))
    kind = scene.reading.kind
    own = kind.words + kind.head + kind.weak
    generic = ("painting", "drawing", "illustration", "sketch", "photo", "photograph", "render")
    return words.any(own) or words.any(generic)


def lead(scene: Scene, *, photoreal: bool = False) -> str:
    """The first sentence: what the image is, of what."""
    medium = scene.preset.medium
    real = photoreal and scene.preset.photographic and "photorealistic" not in medium
    if scene.described:
        return capitalise(scene.subject.rstrip(" .")) + ". " + capitalise(medium) + "."
    if scene.kept:
        text = capitalise(noun_phrase(scene.subject))
    elif says_what_it_is(scene):
        text = capitalise(noun_phrase(scene.subject))
        if said := manner(scene):
            text += f", {said}"
    else:
        text = f"{capitalise(medium)} of {noun_phrase(scene.subject)}"
    if scene.named:
        text += f", {scene.named} style"
    if scene.framed:
        text += f", {scene.composition}"
    if real:  # OpenAI's guide: "photorealistic" rather than long camera specifications
        text += ", photorealistic"
    return text + "."


def manner(scene: Scene) -> str:
    """The preset said after a subject that names what the image is; by its style when its
    manner would say the same noun twice ("a poster ..., as a bold typographic poster")."""
    said = scene.preset.manner
    head = Words(" ".join(head_words(scene.subject)))
    last = said.rstrip(".").split()[-1]
    if last in head:
        if scene.pinned and scene.reading.trigger:  # the idea named it: say it, once
            return f"in {scene.reading.trigger} style"
        return ""  # the look that follows says it
    # "a tattoo of a fox, as a neo-traditional design": the subject said "tattoo" already
    kept = [
        w
        for w in said.split()
        if w.lower().strip(",") in _SMALL or w.lower().strip(",") not in head.stems
    ]
    if len(kept) < len(said.split()):
        said = re.sub(
            r"\b(an?) (\S+)", lambda m: f"{article(m.group(2))} {m.group(2)}", " ".join(kept)
        )
        said = re.sub(r",(?=\s+\w+\s*$)|,$", "", said)
    return said


_SMALL = frozenset(("a", "an", "the", "in", "as", "of", "with", "on", "and", "style"))


def text_sentence(scene: Scene) -> str:
    """The words the image shows, quoted exactly, with their typography."""
    texts = scene.reading.text
    if not texts:
        return ""
    quoted = " and ".join(f'"{t}"' for t in texts)
    noun = "words" if len(texts) > 1 or " " in texts[0] else "word"
    setting = f" in {scene.typography}" if scene.typography else ""
    return f"The {noun} {quoted} {'are' if noun == 'words' else 'is'} lettered{setting}, " + (
        "crisp and legible, spelled exactly as written."
    )


def exclusions(scene: Scene, data: ComposerData) -> list[str]:
    """What the image must not have, none of it anything the idea asks for."""
    found = [e for e in scene.reading.kind.exclusions if not cancels(e, scene)]
    if scene.reading.text:
        found = [e for e in found if "text" not in e or any(q in e for q in QUALIFIED)]
    return found


def cancels(term: str, scene: Scene) -> bool:
    """Whether excluding `term` would exclude something the idea asks for."""
    return negates(term, scene.idea, scene.reading.text)


def _refined(scene: Scene, vocabulary: Vocabulary) -> list[str]:
    return [
        axis_sentence(axis, value, vocabulary)
        for axis in REFINED_AXES
        if (value := getattr(scene, axis))
    ]


def _camera_sentence(scene: Scene, vocabulary: Vocabulary) -> str | None:
    if scene.camera and scene.film:
        return f"It is photographed with {scene.camera} on {scene.film}."
    if scene.camera:
        return axis_sentence("camera", scene.camera, vocabulary)
    if scene.film:
        return axis_sentence("film", scene.film, vocabulary)
    return None


def _details(scene: Scene, vocabulary: Vocabulary, *, camera: bool) -> list[str]:
    parts = [scene.preset.look] if scene.preset.look else []
    text = text_sentence(scene)
    if text:
        parts.append(text)
    if scene.lighting:
        parts.append(axis_sentence("lighting", scene.lighting, vocabulary))
    if camera and (sentence := _camera_sentence(scene, vocabulary)):
        parts.append(sentence)
    if not scene.framed and scene.composition:
        parts.append(axis_sentence("composition", scene.composition, vocabulary))
    if scene.colour:
        parts.append(axis_sentence("colour", scene.colour, vocabulary))
    if scene.mood:
        parts.append(axis_sentence("mood", scene.mood, vocabulary))
    parts.extend(axis_sentence("extra", extra, vocabulary) for extra in scene.extras)
    return parts


def _sentences(scene: Scene, vocabulary: Vocabulary) -> str:
    parts = [lead(scene), *_refined(scene, vocabulary), *_details(scene, vocabulary, camera=True)]
    return " ".join(parts)


def _brief(scene: Scene, data: ComposerData) -> str:
    vocabulary = data.vocabulary
    parts = [lead(scene, photoreal=True), *_refined(scene, vocabulary)]
    parts += _details(scene, vocabulary, camera=False)
    if scene.reading.use is not None:
        parts.append(f"Intended use: {scene.reading.use.phrase}.")
    excluded = exclusions(scene, data)
    if excluded:
        parts.append(capitalise(", ".join(excluded)) + ".")
    return " ".join(parts)


def _prose(scene: Scene, data: ComposerData) -> str:
    from artisan.engine.fitting import fit_words

    vocabulary = data.vocabulary
    if scene.described:
        opening = scene.subject.rstrip(" .") + "."
    elif scene.kept or says_what_it_is(scene):
        opening = lead(scene)
    elif scene.composition:
        opening = f"{capitalise(noun_phrase(scene.subject))}, {scene.composition}."
    else:
        opening = f"{capitalise(noun_phrase(scene.subject))}."
    medium = f"It is {scene.preset.medium}"
    if scene.named:
        medium += f" in {scene.named} style"
    if scene.camera:
        medium += f", photographed with {scene.camera}"
    if scene.film:
        medium += f", shot on {scene.film}"
    palette = f"The palette is {scene.colour}" if scene.colour else ""
    if palette and scene.mood:
        palette += f", and the mood is one of {scene.mood}"
    elif scene.mood:
        palette = f"The mood is one of {scene.mood}"
    hexes = hex_colours(QUOTED_TEXT.sub(" ", scene.idea), vocabulary)
    # Most important first; `fit_words` drops from the end of `optional` to stay within range.
    needed = [opening, *_refined(scene, vocabulary)]
    if text := text_sentence(scene):
        needed.append(text)
    if hexes:
        needed.append(hexes)
    if scene.described and scene.composition:
        needed.append(axis_sentence("composition", scene.composition, vocabulary))
    optional = []
    if not says_what_it_is(scene) or scene.named:
        optional.append(medium + ".")
    if scene.lighting:
        optional.append(axis_sentence("lighting", scene.lighting, vocabulary))
    if palette:
        optional.append(palette + ".")
    if scene.preset.look:
        optional.append(scene.preset.look)
    extras = [axis_sentence("extra", extra, vocabulary) for extra in scene.extras]
    return fit_words(needed + extras, optional, high=80)


def _shot(scene: Scene, vocabulary: Vocabulary) -> str:
    from artisan.engine.fitting import fit_words

    opening = scene.subject.rstrip(" .") + "." if scene.described else lead(scene)
    motion = scene.motion.replace("{subject}", simple(scene)) if scene.motion else ""
    needed = [capitalise(opening)]
    if "camera" not in motion:  # one clear camera movement, not two
        needed.append(capitalise(scene.movement) + ".")
    if motion:
        needed.append(capitalise(motion) + ".")
    if text := text_sentence(scene):
        needed.append(text)
    needed += [axis_sentence("extra", extra, vocabulary) for extra in scene.extras]
    look = capitalise(", ".join(bare(s) for s in scene.preset.style[:2]))
    if scene.lighting:
        look += f"; {bare(scene.lighting)}"
    if scene.colour:
        look += f"; {bare(scene.colour)}"
    return fit_words(needed, [*_refined(scene, vocabulary), look + "."], high=_SHOT_WORDS)


_SHOT_WORDS = 88
"""Runway reads best under 90 words (see data/targets/runway.toml)."""


def tags(scene: Scene, vocabulary: Vocabulary, *, quality: bool) -> list[str]:
    """The scene as comma-list descriptors, most important first."""
    return [item for item, _ in ranked_tags(scene, vocabulary, quality=quality)]


def ranked_tags(
    scene: Scene, vocabulary: Vocabulary, *, quality: bool, weight: bool = False
) -> list[tuple[str, int]]:
    """Descriptors with their priority: 0 is the idea itself (never dropped), higher numbers
    are dropped first when a prompt must be shortened."""
    subject = scene.subject.rstrip(" .")
    if scene.described:
        subject = SENTENCE_END.sub(", ", subject)
    elif weight and len(subject.split()) <= 12 and not re.search(r"[():\[\]]", subject):
        subject = f"({subject}:1.2)"
    items: list[tuple[str, int]] = [(subject, 0)]
    if scene.framed:
        items.append((bare(scene.composition), 0))
    items.append((bare(scene.preset.medium), 1))
    if scene.named:
        items.append((f"{scene.named} style", 0))
    if scene.reading.text and scene.typography:
        quoted = " ".join(f'"{t}"' for t in scene.reading.text)
        items.append((f"{quoted} in {scene.typography}", 1))
    items += [(bare(s), 3 + n) for n, s in enumerate(scene.preset.style[:2])]
    if scene.lighting:
        items.append((short(scene.lighting), 4))
    if scene.colour:
        items.append((short(scene.colour), 3))
    if not scene.framed and scene.composition:
        items.append((short(scene.composition), 5))
    if scene.camera:
        items.append((bare(scene.camera), 7))
    if scene.film:
        items.append((axis_tag("film", scene.film, vocabulary), 6))
    items += [
        (axis_tag(axis, v, vocabulary), 2) for axis in REFINED_AXES if (v := getattr(scene, axis))
    ]
    if scene.mood:
        items.append((bare(scene.mood), 4))
    items += [(axis_tag("extra", extra, vocabulary), 0) for extra in scene.extras]
    if quality:
        wanted = (
            scene.reading.kind.quality
            or vocabulary.family_quality.get(scene.preset.family)
            or vocabulary.quality
        )
        items += [(q, 8 + n) for n, q in enumerate(wanted)]
    seen: set[str] = set()
    out = []
    for item, rank in items:
        key = item.lower()
        if item and key not in seen:
            seen.add(key)
            out.append((item, rank))
    return out


def _midjourney(scene: Scene, data: ComposerData, version: str, *, most: int = 60) -> str:
    parameters = [f"--ar {scene.aspect}"]
    if scene.preset.photographic and not scene.reading.design:
        parameters.append("--style raw" if version.startswith(("6", "7")) else "--raw")
    ranked = ranked_tags(scene, data.vocabulary, quality=False)
    while sum(len(t.split()) for t, _ in ranked) > most and any(r > 0 for _, r in ranked):
        worst = max(range(len(ranked)), key=lambda n: (ranked[n][1] > 0, ranked[n][1], n))
        del ranked[worst]
    body = ", ".join(t for t, _ in ranked)
    said = Words(body)
    avoid = [
        n
        for n in (*scene.preset.negative, *scene.reading.kind.negative)
        if not cancels(n, scene) and not said.any(Words(n).stems)
    ]
    avoid = [n for n in dict.fromkeys(avoid) if "," not in n][:3]
    if avoid:
        parameters.append("--no " + ", ".join(avoid))
    parameters.append(f"--v {version}")
    return f"{body} {' '.join(parameters)}"


def _join(items: tuple[str, ...] | list[str]) -> str:
    items = [bare(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


_PALETTE_AFTER = r"(?:and|colou?rs?|tones?|hues?|accents?|on)\b"


def _as_colour(idea: str, name: str) -> bool:
    """Whether `name` is said as a colour of the palette ("in teal and gold", "navy, cream"),
    not of one thing ("a red fox", "a charcoal grill")."""
    pattern = re.escape(name)
    return bool(
        re.search(rf"\b{pattern}\b\s*(?:$|,|{_PALETTE_AFTER})", idea, re.I)
        or re.search(rf"\b(?:in|and|on)\s+{pattern}\b", idea, re.I)
    )


def hex_colours(idea: str, vocabulary: Vocabulary) -> str:
    """The colours the idea names, as hex codes FLUX can match ("teal hex #008080")."""
    words = Words(idea)
    named = [(words.find(name), name) for name in vocabulary.hex if _as_colour(idea, name)]
    found = sorted((place, name) for place, name in named if place >= 0)
    picked: list[str] = []
    for _, name in found:
        if any(name in other for other in picked):
            continue
        picked = [p for p in picked if p not in name]
        picked.append(name)
    if not picked:
        return ""
    listed = ", ".join(f"{name} hex {vocabulary.hex[name]}" for name in picked)
    return f"Exact colours: {listed}."
