"""Reading an idea before styling it: its kind, the medium it names, its words, its feeling,
its intended use and its aspect.

Everything the reading knows is data (`knowledge`: kinds, feelings, media and uses; the
presets' triggers); the rules here are few and general:

- The **kind** is the deliverable the idea names first ("a logo for a coffee shop" is a logo
  whatever the coffee); with none named, its subject decides (a person alone is a portrait,
  a person or an animal doing something somewhere is a scene), and quoted words with no other
  deliverable make a text piece.
- The **medium** is a preset's trigger, else a medium of the lexicon ("linocut"), else a word
  that names a family ("a painting of ...", "a photo of ...").
- The **text** is what is quoted, or the capitals after "says", or the name after "called".
- The **feeling** is the one with most of its words in the idea, the earliest on a tie.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from artisan.engine.knowledge import DESIGN_BANNED, Feeling, Kind, Knowledge, Medium, Use
from artisan.engine.presets import ComposerData, Preset
from artisan.engine.spelling import correct_key_words
from artisan.lettering import words_to_show
from artisan.wording import Words, english, tokens

_NEGATED = re.compile(
    r"\b(?:not|no|never|without|nothing|isn't|aren't|don't|rather than)\s+"
    r"(?:(?:too|very|overly|at all|remotely|a bit|even)\s+)?[\w'-]+(?:\s+or\s+[\w'-]+)?",
    re.IGNORECASE,
)
_AGE = r"\d+[- ]?(?:year|yr)s?[- ]?old"
_CHILD = rf"(?:a child|a kid|a toddler|(?:a|my|our)\s+{_AGE}|my (?:son|daughter|nephew|niece|kid))"
_CHILD_MADE = re.compile(
    rf"\b(?:drawn|drew|made|painted|coloured|colored|scribbled)\b[^,.;]*?\b{_CHILD}\b"
    rf"|\b{_AGE}(?:'s)? (?:drew|made|painted|drawing|painting|picture|doodle)\b"
    r"|\b(?:son|daughter|kid|child|toddler)\b[^.]*?\b(?:draws|drew|paints|scribbles)\b"
    # "a drawing like a 5 year old would do", "painted like a kid"
    rf"|\b(?:drawing|drawn|painting|painted|doodle|scribble|sketch|picture|art)\b[^,.;]*?"
    rf"\blike {_CHILD}\b"
    # "kid style drawing", "a childlike painting", art that hangs on the fridge
    r"|\b(?:kids?|kid's|kids'|child|toddler)[- ]style\b"
    r"|\bchild-?like (?:drawing|painting|doodle|scribble|picture|art|sketch)"
    r"|\bfridge (?:drawing|art|doodle|picture|painting)",
    re.IGNORECASE,
)
_FOR_WHOM = re.compile(
    r"\bfor\b[^,.;:!?]*"
    r"|\b(?:photography|photo|painting|drawing|sketching|3d)\s+(?:studio|class|classes|club|"
    r"school|course|workshop|business|exhibition|gallery|contest|competition|blog|shop|store|"
    r"festival|society|lessons?)\b",
    re.IGNORECASE,
)
"""Who or what the image is for ("a logo for a photography studio"), and a business or class
named after a medium: neither names the image's own medium."""
_REQUEST = re.compile(
    r"^\s*(?:please\s+)?(?:(?:i|we)\s+(?:really\s+)?(?:need|want|would like|'d like)"
    r"|(?:can|could|would|will)\s+you\s+(?:please\s+)?(?:make|draw|create|design|generate|"
    r"paint|render|give|do)(?:\s+me|\s+us)?"
    r"|(?:make|draw|create|design|generate|paint|render|give)\s+(?:me|us)"
    r"|need|want|make|create|design|generate|draw|render)"
    r"\s+(?=(?:a|an|the|some|my|our)\b)",
    re.IGNORECASE,
)
"""A request before the idea ("need a logo", "can you draw me a fox"): the words after it
are the idea."""
_ASKED = re.compile(
    r"\b(?:mood|feel|feeling|vibe|tone|atmosphere)\b(?:\s+(?:should|must|is|to|of|has|be|being))*"
    r"\s*:?\s+([^,.;!?]+)",
    re.IGNORECASE,
)
"""A feeling asked of the whole image ("the mood should be sad"): it outweighs the subject."""
_PLURAL_MEDIA = re.compile(
    r"\b(?:photos|photographs|pictures|paintings|drawings|sketches|renders|images)\b", re.I
)
"""Media in the plural are what a design shows ("big food photos in cards"), not its medium."""
_HEAD_BREAKS = english("head_breaks")
NOT_ACTIONS = english("not_actions")
_ACTIONS = english("actions")
_SETTING = english("settings")
_TIMES = tuple(english("times"))
_CAMERA_SPEC = re.compile(
    r"\b\d{2,3}\s?mm\b|\bf/\d|\biso \d{3}|\bdouble exposure\b|\b(?:overhead|wide|close-up|"
    r"closeup|aerial|drone|establishing|low-angle|high-angle|top-down)\s+shot\b",
    re.I,
)
_GENERIC_FAMILY = (
    (
        (
            *("photo", "photograph", "photography", "photographic", "camera", "dslr", "shot on"),
            # what only a lens does: "city lights blurred behind it"
            *("bokeh", "out of focus", "depth of field", "long exposure", "motion blur"),
            *("blurred behind", "blurred in the background", "lens flare"),
        ),
        "photo",
    ),
    (("painting", "painted", "paint"), "paint"),
    (("drawing", "drawn", "sketch", "sketched", "doodle"), "drawing"),
    (("3d", "3d render", "render", "cgi", "3d model"), "render"),
)


SAID = 3
"""How much a feeling must weigh to be said as the mood: one word for it, or three cues."""


@dataclass(frozen=True)
class Reading:
    """What an idea asks for, read before any style is chosen."""

    idea: str
    kind: Kind
    feeling: Feeling | None = None
    said: bool = False
    """The idea says its feeling (a word for it, or a tone asked), rather than only hinting
    at it with a cue ("birthday"): only then is a mood of that feeling said."""
    preset: Preset | None = None
    """The preset whose trigger the idea names: it always wins."""
    trigger: str | None = None
    """The idea's own words for that medium ("watercolor")."""
    medium: Medium | None = None
    """A medium of the lexicon the idea names that no preset has ("linocut")."""
    medium_word: str | None = None
    family: str | None = None
    """The family of media the idea asks for ("a painting of ..."): only its presets."""
    not_photo: bool = False
    """The idea asks for an illustration: no photographs."""
    text: tuple[str, ...] = ()
    style: str | None = None
    """A style the idea names that no preset or medium has ("in the style of Edward Hopper",
    "soviet propaganda style"): it is the medium, said in the idea's words."""
    use: Use | None = None
    aspect: str | None = None
    """Midjourney's ratio from the idea's words or its use; None lets the kind decide."""

    @property
    def design(self) -> bool:
        return self.kind.design

    @property
    def named(self) -> bool:
        """Whether the idea chose its medium (a preset or a medium of the lexicon)."""
        return self.preset is not None or self.medium is not None


def read_idea(idea: str, data: ComposerData) -> Reading:
    """Read `idea` for its kind, medium, words, feeling, use and aspect."""
    knowledge = data.knowledge
    idea = correct_key_words(" ".join(idea.split()), data)
    request = _REQUEST.match(idea)
    if request and len(idea) > request.end():
        idea = idea[request.end() :]
    words = Words(idea)
    text = words_to_show(idea)
    use = _use(words, knowledge)
    masked = words
    if use is not None and not use.deliverable:
        deliverables = {w for k in knowledge.kinds for w in (*k.words, *k.head)}
        masked = Words(_mask(idea, tuple(w for w in use.words if w not in deliverables)))
    kind = _kind(masked, knowledge, has_text=bool(text))
    if _CHILD_MADE.search(idea):
        kind = knowledge.kind("naive")  # whatever it shows, a child made it
    if kind.id == "text" and not text and ":" in idea:
        said = idea.rsplit(":", 1)[1].strip(" .")
        if 0 < len(said.split()) <= 8:  # "a chalkboard sign for the stand: fresh eggs $5"
            text = (said,)
    named = named_preset(words, data)
    preset, trigger = named if named else (None, None)
    if preset is not None and trigger and words.find(trigger) >= head_end(words):
        # A style named after the head is often what the image shows, not its medium.
        owners = [k for k in knowledge.kinds if preset.id in k.presets]
        if kind.design and preset.family in DESIGN_BANNED:
            # "an app screen with big food photos": the photos are content
            preset = trigger = None
        elif not kind.design and owners and kind not in owners and all(k.design for k in owners):
            # "a mosque courtyard, tilework, geometric patterns": the patterns are in the
            # place, not a tile design of it
            preset = trigger = None
    medium = medium_word = None
    if preset is None:
        found = named_medium(words, knowledge)
        if found is not None:
            medium, medium_word = found
    family = preset.family if preset else medium.family if medium else None
    if family is None:
        # "a child's drawing" names a kind, not a medium; "big food photos" in an app screen
        # are its content
        plain = _mask(_PLURAL_MEDIA.sub(" ", _FOR_WHOM.sub(" ", idea)), (*kind.words, *kind.head))
        family = _family(Words(plain), design=kind.design)
    if family is None and not kind.design and Words(plain).any(knowledge.media_words(("photo",))):
        family = "photo"  # "an old polaroid of ...", "a daguerreotype": a photograph
    style = None
    if family is None and not kind.styled:
        style = named_style(idea)
        family = "style" if style and not kind.design else None
    weighed = weigh_feelings(words, knowledge)
    feeling, strength = weighed if weighed else (None, 0)
    if feeling is not None and feeling.id in kind.lightens and not words.any(feeling.cues):
        # "an angry tomato sticker" is play; a protest, a funeral or a tarot card is not
        feeling = knowledge.feeling("whimsy")
    # A design deliverable keeps its kind's shape, but a phone's screen is tall whatever it is.
    aspect = _aspect(words, data, only="9:16") if kind.design else _aspect(words, data)
    aspect = aspect or (use.aspect if use else None)
    return Reading(
        idea=idea,
        kind=kind,
        feeling=feeling,
        said=strength >= SAID,
        preset=preset,
        trigger=trigger,
        medium=medium,
        medium_word=medium_word,
        family=family,
        not_photo=family is None and words.any(("illustration", "illustrated", "cartoon")),
        text=text,
        style=style,
        use=use,
        aspect=aspect,
    )


def feeling_of(words: Words, knowledge: Knowledge) -> Feeling | None:
    """The feeling that counts most in the idea (see `weigh_feelings`)."""
    found = weigh_feelings(words, knowledge)
    return found[0] if found else None


def weigh_feelings(words: Words, knowledge: Knowledge) -> tuple[Feeling, int] | None:
    """The feeling that counts most in the idea, and how much: a tone asked of the whole image
    six, its words three each, its cues one each (the earliest on a tie). Words that are
    denied ("sad, not scary") do not count."""
    affirmed = Words(_NEGATED.sub(" ", words.text))
    asked = Words(" ".join(_ASKED.findall(_NEGATED.sub(" ", words.text))))
    best: tuple[int, int, Feeling] | None = None
    for feeling in knowledge.feelings:
        tone = [p for p in (affirmed.find(w) for w in feeling.tone) if p >= 0]
        tone += [affirmed.find(w) for w in feeling.words if w in asked]
        strong = [p for p in (affirmed.find(w) for w in feeling.words) if p >= 0]
        weak = [p for p in (affirmed.find(w) for w in feeling.cues) if p >= 0]
        if not tone and not strong and not weak:
            continue
        rank = (-(6 * len(tone) + 3 * len(strong) + len(weak)), min(tone + strong + weak))
        if best is None or rank < (best[0], best[1]):
            best = (rank[0], rank[1], feeling)
    return None if best is None else (best[2], -best[0])


def named_preset(words: Words, data: ComposerData) -> tuple[Preset, str] | None:
    """The preset whose trigger appears first in the idea (the longest one at that place), with
    the trigger as the idea says it. A trigger that names a medium ("watercolour") wins over
    one that names a style ("storybook watercolour" is a watercolour)."""
    media = [w for m in data.knowledge.media if not m.generic for w in m.words]
    best: tuple[int, int, int, Preset, str] | None = None
    for preset in data.presets.values():
        for trigger in preset.triggers:
            index = words.find(trigger)
            loose = trigger in preset.loose or trigger.lower() in _MATERIALS
            if index < 0 or not _as_medium(words.text, trigger, loose=loose):
                continue
            style_only = 0 if Words(trigger).any(media) else 1
            rank = (style_only, index, -len(tokens(trigger)))
            if best is None or rank < best[:3]:
                best = (*rank, preset, _as_said(words.text, trigger))
    return None if best is None else (best[3], best[4])


def _as_medium(text: str, trigger: str, *, loose: bool) -> bool:
    """Whether `trigger` names the medium where the idea says it: not the use it is for ("for a
    children's book"), nor, for a word that also names a material ("charcoal"), the thing it
    makes ("a charcoal grill")."""
    pattern = r"[\s-]+".join(re.escape(p) for p in trigger.split())
    found = re.search(rf"(?<!\w){pattern}\w*", text, re.IGNORECASE)
    if found is None:
        return False
    before, after = text[: found.start()], text[found.end() :]
    if re.search(r"\bfor(?:\s+(?:an?|the|my|our|your|his|her|their))?\s*$", before, re.I):
        return False
    if not loose:
        return True
    return bool(
        re.match(rf"\s*(?:$|[,.;:!)]|{_MEDIUM_NOUNS})", after, re.I)
        or re.search(r"\b(?:in|with|using|as|of)\s*$", before, re.I)
    )


_MATERIALS = english("materials")
_MEDIUM_NOUNS = (
    r"(?:drawing|sketch|painting|style|art|artwork|illustration|portrait|study|render|"
    r"animation|figure|print|piece|look|poster|logo|monogram|emblem|badge|sticker|tattoo|"
    r"pattern|wallpaper|cover|card|label|mural|and|"
    r"on (?:\w+ )?(?:paper|cardboard|card|canvas|board|wood|panel|linen|silk|slate|toned paper))\b"
)


def named_medium(words: Words, knowledge: Knowledge) -> tuple[Medium, str] | None:
    """A particular medium of the lexicon the idea names ("linocut", "stained glass")."""
    best: tuple[int, int, Medium, str] | None = None
    for medium in knowledge.media:
        if medium.generic or medium.family == "photo":
            continue
        for word in medium.words:
            index = words.find(word)
            if index < 0 or not _as_medium(words.text, word, loose=word.lower() in _MATERIALS):
                continue
            rank = (index, -len(tokens(word)))
            if best is None or rank < (best[0], best[1]):
                best = (rank[0], rank[1], medium, _as_said(words.text, word))
    return None if best is None else (best[2], best[3])


_STYLE_OF = re.compile(
    r"\bin the (?:style|manner) of\s+((?:[\w'\u2019.&-]+\s*){1,4}?)"
    r"(?=\s*(?:$|[,.;:!?()]|\b(?:with|and|for|on|in|at|but|from)\b))",
    re.IGNORECASE,
)
_X_STYLE = re.compile(r"((?:[\w'\u2019.&]+[\s-]+){1,3}?)(?:art[\s-]+)?style\b", re.IGNORECASE)
_NOT_STYLE = english("not_style")


def named_style(idea: str) -> str | None:
    """The style an idea names in words no preset or medium knows: "in the style of X",
    "X style", "X-style", "X art style" (what X is, as the idea writes it)."""
    found = _STYLE_OF.search(idea)
    if found:
        return re.sub(r"^(?:an?|the)\s+", "", found.group(1).strip(" -"), flags=re.I)
    for found in _X_STYLE.finditer(idea):
        kept: list[str] = []
        for word in reversed(re.split(r"[\s-]+", found.group(1).strip(" -"))):
            if word.lower() in _NOT_STYLE:
                break
            kept.insert(0, word)
        if kept and re.search(r"[^\W\d_]", " ".join(kept)):
            return " ".join(kept)
    return None


def _head_text(words: Words) -> str:
    return " ".join(words.text.split()[: head_end(words)])


def head_end(words: Words) -> int:
    """The index of the first word after the idea's head ("a logo | for a coffee shop",
    "kids reading app | , the screen where ...")."""
    clause = re.split(r"[,.;:!?()]", words.text, maxsplit=1)[0]
    end = len(tokens(clause))
    for index, token in enumerate(words.stems[:end]):
        if index > 0 and token in _HEAD_BREAKS:
            return index
    return end


def has_action(words: Words) -> bool:
    """Whether someone in the idea does something ("fishing", "walks")."""
    for index, token in enumerate(words.stems):
        if index == 0:
            continue
        if token in _ACTIONS or (
            token.endswith("ing") and len(token) > 4 and token not in NOT_ACTIONS
        ):
            return True
    return False


def _kind(words: Words, knowledge: Knowledge, *, has_text: bool) -> Kind:
    """The deliverable the idea names: the last one in its head (the head noun: "an
    ecommerce product page" is a page), else the first one anywhere."""
    end = head_end(words)
    in_head: tuple[int, int, int, Kind] | None = None
    anywhere: tuple[int, int, int, Kind] | None = None
    head_only = True
    """Whether the deliverable in the head is only a word that also names a subject
    ("monster", "creature", "doodle")."""
    trailing: Kind | None = None
    """A deliverable named by a short clause of its own at the end ("..., horror movie
    poster")."""
    for order, kind in enumerate(knowledge.kinds):
        for phrase, where in _kind_words(kind, has_text):
            index = words.find(phrase)
            if index < 0 or (where == "head" and index >= end):
                continue
            size = len(tokens(phrase))
            last = index + size - 1
            if last < end:
                rank = (-last, -size, order)
                if in_head is None or rank < in_head[:3]:
                    in_head = (*rank, kind)
                    head_only = where == "head"
            elif where == "any" and trailing is None and _ends_a_clause(words.text, phrase):
                trailing = kind
            rank = (index, -size, order)
            if anywhere is None or rank < anywhere[:3]:
                anywhere = (*rank, kind)
    if in_head is not None and head_only and trailing is not None:
        return trailing  # "a terrifying monster under the bed, horror movie poster"
    if in_head is not None:
        return in_head[3]
    if anywhere is not None:
        return anywhere[3]
    subject = _subject_kind(words, knowledge)
    if has_text and subject.id != "product":  # a product's words are on its label
        return knowledge.kind("text")
    return subject


def _ends_a_clause(text: str, phrase: str) -> bool:
    """Whether `phrase` ends a short clause after a comma ("..., horror movie poster")."""
    words = r"[\s-]+".join(re.escape(p) for p in phrase.split())
    return bool(
        re.search(rf",\s*(?:[\w'-]+\s+){{0,3}}{words}s?\s*(?:[,.;!?]|$)", text, re.IGNORECASE)
    )


def _kind_words(kind: Kind, has_text: bool) -> list[tuple[str, str]]:
    listed = [(w, "any") for w in kind.words] + [(w, "head") for w in kind.head]
    if has_text:
        listed += [(w, "any") for w in kind.weak]
    return listed


def _subject_kind(words: Words, knowledge: Knowledge) -> Kind:
    """The kind of an idea that names no deliverable: by what it shows."""
    scene = knowledge.kind("scene")
    if words.any(scene.events):
        return scene
    found: list[tuple[int, int, Kind]] = []
    for kind in knowledge.kinds:
        hit = words.first(kind.subjects, compounds=True)
        if hit is not None:
            found.append((hit[0], -len(tokens(hit[1])), kind))
    if not found:
        return knowledge.kind("scene")
    found.sort(key=lambda f: f[:2])
    animate = [f for f in found if f[2].id in ("portrait", "character", "scene")]
    settings = any(s in _SETTING for s in words.stems)
    placed = settings and (len(found) > 1 or words.any(_TIMES))  # "a surfer at dusk"
    if animate and (has_action(words) or placed or len(animate) > 1):
        return knowledge.kind("scene")
    first = found[0][2]
    if first.id == "scene":  # an animal alone, as a sitter
        return knowledge.kind("portrait")
    return first


def _family(words: Words, *, design: bool = False) -> str | None:
    """The family of media the idea names in general words. On a design deliverable only the
    words that name a medium count: "a logo with a camera" or "a paint tube icon" shows the
    camera or the paint."""
    if _CAMERA_SPEC.search(words.text):  # "85mm, f/1.8": a photograph
        return "photo"
    for family_words, family in _GENERIC_FAMILY:
        if words.any(tuple(w for w in family_words if not (design and w in _SUBJECT_CUES))):
            return family
    return None


_SUBJECT_CUES = (
    *("camera", "dslr", "shot on", "photography", "paint", "bokeh", "out of focus"),
    *("depth of field", "long exposure", "motion blur", "blurred behind"),
    *("blurred in the background", "lens flare"),
)


def _use(words: Words, knowledge: Knowledge) -> Use | None:
    best: tuple[int, int, Use] | None = None
    for use in knowledge.uses:
        hit = words.first(use.words)
        if hit is not None:
            rank = (hit[0], -len(tokens(hit[1])))
            if best is None or rank < best[:2]:
                best = (*rank, use)
    return None if best is None else best[2]


def _aspect(words: Words, data: ComposerData, *, only: str | None = None) -> str | None:
    for ratio, aspect_words in data.vocabulary.aspects:
        if only not in (None, ratio):
            continue
        if words.any(aspect_words):
            return ratio
    return None


def _mask(idea: str, phrases: tuple[str, ...]) -> str:
    for phrase in sorted(phrases, key=len, reverse=True):
        pattern = r"[\s-]+".join(re.escape(p) for p in phrase.split())
        idea = re.sub(rf"(?<!\w){pattern}s?(?!\w)", " ", idea, flags=re.IGNORECASE)
    return idea


def _as_said(text: str, phrase: str) -> str:
    """`phrase` as `text` writes it (its case, its form: "Watercolors" for "watercolor")."""
    pattern = r"[\s-]+".join(re.escape(p) for p in phrase.split())
    found = re.search(rf"(?<!\w){pattern}\w*", text, re.IGNORECASE)
    return found.group(0) if found else phrase
