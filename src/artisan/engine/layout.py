"""A `Scene` written out in the shape each target expects (`Target.format`).

- `sentences` (DALL-E / GPT Image, generic): plain full sentences, no parameters.
- `prose` (FLUX): natural prose, the subject first.
- `shot` (Runway): a shot description with the camera's movement.
- `midjourney`: a compact comma list, parameters last (`--ar W:H`, `--style raw`, `--v 7`).
- `stable-diffusion`: a positive line, then a `Negative prompt:` line.
- `tags`: a comma list with quality tags, no parameters.
"""

from __future__ import annotations

import re

from artisan.engine.presets import ComposerData, Vocabulary
from artisan.engine.scene import REFINED_AXES, Scene, list_phrase

LIST_FORMATS = ("midjourney", "stable-diffusion", "tags")
NEGATIVE_PREFIX = "Negative prompt:"
MIDJOURNEY_VERSION = "7"
_ARTICLE = re.compile(r"^(?:a|an|the)\s+", re.IGNORECASE)
_DETERMINERS = frozenset(
    [
        "a",
        "an",
        "the",
        "this",
        "that",
        "these",
        "those",
        "my",
        "your",
        "his",
        "her",
        "its",
        "our",
        "their",
        "some",
        "any",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "many",
        "several",
        "few",
        "every",
        "each",
        "no",
    ]
)
_BREAKS = frozenset(
    [
        "in",
        "on",
        "at",
        "with",
        "under",
        "over",
        "by",
        "of",
        "near",
        "behind",
        "beside",
        "through",
        "and",
        "for",
        "from",
        "during",
        "above",
        "below",
        "against",
        "across",
        "into",
        "along",
        "among",
        "around",
        "between",
        "inside",
        "outside",
        "without",
        "while",
        "as",
        "wearing",
        "holding",
        "sitting",
        "standing",
        "playing",
        "walking",
        "running",
        "flying",
        "who",
        "that",
    ]
)
_UNCOUNTED = frozenset(
    [
        "rain",
        "snow",
        "fog",
        "mist",
        "water",
        "light",
        "smoke",
        "fire",
        "sand",
        "grass",
        "music",
        "food",
        "hair",
        "steam",
        "ice",
        "darkness",
        "sunlight",
        "moonlight",
        "starlight",
        "autumn",
        "winter",
        "spring",
        "summer",
    ]
)


def render(scene: Scene, shape: str, data: ComposerData) -> str:
    """The prompt for `scene` in the target format `shape` (one of `targets.FORMATS`)."""
    if shape == "midjourney":
        return _midjourney(scene, data.vocabulary)
    if shape == "stable-diffusion":
        return _stable_diffusion(scene, data.vocabulary)
    if shape == "tags":
        return ", ".join(_tags(scene, data.vocabulary, weight=False, quality=True))
    if shape == "prose":
        return _prose(scene, data.vocabulary)
    if shape == "shot":
        return _shot(scene, data.vocabulary)
    return _sentences(scene, data.vocabulary)


def bare(phrase: str) -> str:
    """A phrase without its leading article, as a comma-list descriptor."""
    return _ARTICLE.sub("", phrase.strip())


def short(phrase: str) -> str:
    """A descriptor kept short for a comma list: "soft light, with a rim" is "soft light"."""
    return bare(phrase.split(", with ")[0])


def noun_phrase(subject: str) -> str:
    """`subject` with an article when it needs one: "fox in the snow" is "a fox in the snow"."""
    words = subject.split()
    if not words:
        return subject
    first = words[0]
    if first.lower() in _DETERMINERS or first[0].isdigit() or first[0].isupper():
        return subject
    head_span = []
    for word in words:
        if word.lower() in _BREAKS:
            break
        head_span.append(word)
    head = (head_span or words)[-1].lower().strip(",;:")
    if head.endswith("s") and not head.endswith(("ss", "us", "is")):
        return subject
    if head in _UNCOUNTED and len(head_span) == 1:
        return subject
    return f"{_indefinite(first)} {subject}"


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


def _indefinite(word: str) -> str:
    lowered = word.lower()
    if lowered.startswith(("uni", "use", "usu", "eu", "one", "once")):
        return "a"
    if lowered.startswith(("hour", "honest", "honou", "heir")):
        return "an"
    return "an" if lowered[:1] in "aeiou" else "a"


def _lead(scene: Scene) -> str:
    """The first sentence: what the image is, of what."""
    if scene.described:
        return scene.subject.rstrip(" .") + ". " + capitalise(scene.preset.medium) + "."
    text = f"{capitalise(scene.preset.medium)} of {noun_phrase(scene.subject)}"
    if scene.named:
        text += f", {scene.named} style"
    if scene.framed:
        text += f", {scene.composition}"
    return text + "."


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


def _sentences(scene: Scene, vocabulary: Vocabulary) -> str:
    parts = [_lead(scene), *_refined(scene, vocabulary), scene.preset.look]
    parts.append(axis_sentence("lighting", scene.lighting, vocabulary))
    camera = _camera_sentence(scene, vocabulary)
    if camera:
        parts.append(camera)
    if not scene.framed:
        parts.append(axis_sentence("composition", scene.composition, vocabulary))
    parts.append(axis_sentence("colour", scene.colour, vocabulary))
    parts.append(axis_sentence("mood", scene.mood, vocabulary))
    parts.extend(axis_sentence("extra", extra, vocabulary) for extra in scene.extras)
    return " ".join(parts)


def _prose(scene: Scene, vocabulary: Vocabulary) -> str:
    if scene.described:
        opening = scene.subject.rstrip(" .") + "."
    else:
        opening = f"{capitalise(noun_phrase(scene.subject))}, {scene.composition}."
    medium = f"It is {scene.preset.medium}"
    if scene.named:
        medium += f" in {scene.named} style"
    if scene.camera:
        medium += f", photographed with {scene.camera}"
    if scene.film:
        medium += f", shot on {scene.film}"
    parts = [opening, *_refined(scene, vocabulary)]
    if scene.described:
        parts.append(axis_sentence("composition", scene.composition, vocabulary))
    parts += [
        axis_sentence("lighting", scene.lighting, vocabulary),
        scene.preset.look,
        medium + ".",
        f"The palette is {scene.colour}, and the mood is one of {scene.mood}.",
    ]
    parts.extend(axis_sentence("extra", extra, vocabulary) for extra in scene.extras)
    return " ".join(parts)


def _shot(scene: Scene, vocabulary: Vocabulary) -> str:
    if scene.described:
        opening = scene.subject.rstrip(" .") + ". " + capitalise(scene.composition) + "."
    else:
        opening = f"{capitalise(noun_phrase(scene.subject))}, {scene.composition}."
    style = scene.preset.style
    rendered = f"Rendered as {scene.preset.medium}"
    if scene.named:
        rendered += f" in {scene.named} style"
    rendered += ", with " + _join(style) + "."
    parts = [opening, capitalise(scene.movement) + ".", *_refined(scene, vocabulary)]
    parts.append(axis_sentence("lighting", scene.lighting, vocabulary))
    camera = _camera_sentence(scene, vocabulary)
    if camera:
        parts.append(camera)
    parts += [rendered, axis_sentence("colour", scene.colour, vocabulary)]
    parts.extend(axis_sentence("extra", extra, vocabulary) for extra in scene.extras)
    return " ".join(parts)


def _tags(scene: Scene, vocabulary: Vocabulary, *, weight: bool, quality: bool) -> list[str]:
    subject = scene.subject.rstrip(" .")
    if scene.described:
        subject = re.sub(r"[.!?]\s+", ", ", subject)
    elif weight and len(subject.split()) <= 12 and not re.search(r"[():\[\]]", subject):
        subject = f"({subject}:1.2)"
    items = [subject]
    if scene.framed:
        items.append(bare(scene.composition))
    items.append(bare(scene.preset.medium))
    if scene.named:
        items.append(scene.named)
    items += [bare(s) for s in scene.preset.style[:2]]
    items += [short(scene.lighting), short(scene.colour)]
    if not scene.framed:
        items.append(short(scene.composition))
    if scene.camera:
        items.append(bare(scene.camera))
    if scene.film:
        items.append(axis_tag("film", scene.film, vocabulary))
    items += [axis_tag(axis, v, vocabulary) for axis in REFINED_AXES if (v := getattr(scene, axis))]
    items.append(bare(scene.mood))
    items += [axis_tag("extra", extra, vocabulary) for extra in scene.extras]
    if quality:
        items += list(vocabulary.quality)
    return _unique(items)


def _midjourney(scene: Scene, vocabulary: Vocabulary) -> str:
    parameters = [f"--ar {scene.aspect}"]
    if scene.preset.photographic:
        parameters.append("--style raw")
    parameters.append(f"--v {MIDJOURNEY_VERSION}")
    body = ", ".join(_tags(scene, vocabulary, weight=False, quality=False))
    return f"{body} {' '.join(parameters)}"


def _stable_diffusion(scene: Scene, vocabulary: Vocabulary) -> str:
    positive = ", ".join(_tags(scene, vocabulary, weight=True, quality=True))
    negative = list(scene.preset.negative) + list(vocabulary.negative)
    if scene.people:
        negative += list(vocabulary.anatomy)
    return f"{positive}\n{NEGATIVE_PREFIX} {', '.join(_unique(negative))}"


def _join(items: tuple[str, ...] | list[str]) -> str:
    items = [bare(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _unique(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        key = item.lower()
        if item and key not in seen:
            seen.add(key)
            out.append(item)
    return out
