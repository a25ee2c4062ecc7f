"""Putting words into a prompt in the shape its target reads.

A phrase picked by the person goes in at the cursor as a comma item for the list formats
(Midjourney, Stable Diffusion, tags) and as a sentence fragment for the prose formats (GPT
Image, FLUX, Runway). Terms to avoid go into the target's negative part: Stable Diffusion's
`Negative prompt:` line, Midjourney's `--no` parameter, an "Avoid:" sentence where the
vendor's guide asks for exclusions to be stated (GPT Image); FLUX and Runway read no negative
part at all, and saying so beats writing words they would draw.

The description and what follows it (Midjourney's parameters, the negative line) are told
apart by `engine.retouch.split_prompt`, the composer's own reading of a prompt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from artisan.engine.layout import LIST_FORMATS, NEGATIVE_PREFIX
from artisan.engine.retouch import split_prompt
from artisan.errors import ArtisanError

AVOID = "Avoid:"
"""How the sentence formats that state exclusions begin them."""
STATED_EXCLUSIONS = ("sentences",)
"""Formats whose models read exclusions said in words (OpenAI's GPT Image prompting guide:
"state exclusions")."""
_SENTENCE_END = ".!?:;\n"
_NO_PARAMETER = re.compile(r"(?P<lead>(?:^|\s)--no\s+)(?P<terms>.*?)(?=\s--|\s*$)", re.DOTALL)
_AVOID_SENTENCE = re.compile(rf"(?:^|(?<=\s)){re.escape(AVOID)}\s*(?P<terms>[^.\n]*)\.?\s*$")


class NoNegativePart(ArtisanError):
    """The target reads no negative terms, so there is nowhere to put them."""


@dataclass(frozen=True)
class Placed:
    """A prompt with something put in, and where the cursor goes after it."""

    text: str
    cursor: int


def insert_phrase(text: str, cursor: int, phrase: str, shape: str) -> Placed:
    """`text` with `phrase` put in at `cursor` (a character offset) in the form of `shape`.

    In a list format the phrase becomes a comma item after the item the cursor is in, and
    always in the description, never among Midjourney's parameters or on the negative line.
    In a prose format it joins the sentence the cursor is in after a comma, or starts a
    sentence of its own after a full stop.
    """
    phrase = " ".join(phrase.split()).strip(" ,.")
    cursor = max(0, min(cursor, len(text)))
    if not phrase:
        return Placed(text, cursor)
    if shape in LIST_FORMATS:
        body, tail = split_prompt(text, shape)
        if cursor > len(body):
            cursor = len(body)
        end = text.find(",", cursor, len(body))
        cursor = len(body) if end < 0 else end
        left = text[:cursor].rstrip(" ,")
        right = text[cursor : len(body)].lstrip(" ,")
        placed = f"{left}, {phrase}" if left else phrase
        joined = placed + (f", {right}" if right else "")
        return Placed(joined + _joined_tail(tail, shape), len(placed))
    while cursor < len(text) and (text[cursor].isalnum() or text[cursor] in "-'"):
        cursor += 1  # never split a word
    left = text[:cursor].rstrip()
    right = text[cursor:]
    if not left or left[-1] in _SENTENCE_END:
        sentence = f"{phrase[0].upper()}{phrase[1:]}."
        placed = f"{left} {sentence}" if left else sentence
        rest = right.lstrip(" ")
        return Placed(placed + (f" {rest}" if rest and rest[0] != "\n" else rest), len(placed))
    placed = f"{left.rstrip(',')}, {phrase}"
    rest = right if right[:1] in (*_SENTENCE_END, ",", "") else f" {right.lstrip()}"
    return Placed(placed + rest, len(placed))


def add_negative(text: str, terms: str, shape: str, *, target: str = "") -> str:
    """`text` with `terms` (comma separated) added to its negative part; terms already there
    are not said twice.

    Raises:
        NoNegativePart: the target reads no negative terms (FLUX, Runway).
    """
    wanted = _items(terms)
    if not wanted:
        return text
    if shape in ("stable-diffusion", "tags"):
        body, tail = split_prompt(text, shape)
        if tail.strip().startswith(NEGATIVE_PREFIX):
            existing = tail.strip()[len(NEGATIVE_PREFIX) :]
            return f"{body}\n{NEGATIVE_PREFIX} {_merged(existing, wanted)}"
        return f"{body.rstrip()}\n{NEGATIVE_PREFIX} {', '.join(wanted)}"
    if shape == "midjourney":
        found = _NO_PARAMETER.search(text)
        if found is not None:
            merged = _merged(found.group("terms"), wanted)
            return text[: found.start("terms")] + merged + text[found.end("terms") :]
        return f"{text.rstrip()} --no {', '.join(wanted)}"
    if shape in STATED_EXCLUSIONS:
        found = _AVOID_SENTENCE.search(text.rstrip())
        if found is not None:
            head = text.rstrip()[: found.start("terms")]
            return f"{head}{_merged(found.group('terms'), wanted)}."
        return f"{text.rstrip()} {AVOID} {', '.join(wanted)}."
    who = target or "this target"
    raise NoNegativePart(
        f"{who} reads no negative terms: a word named there is more likely drawn than left "
        "out. Describe what should be there instead."
    )


def negative_terms(text: str, shape: str) -> list[str]:
    """The terms of a prompt's negative part, in order (none for a format without one)."""
    if shape in ("stable-diffusion", "tags"):
        _, tail = split_prompt(text, shape)
        if tail.strip().startswith(NEGATIVE_PREFIX):
            return _items(tail.strip()[len(NEGATIVE_PREFIX) :])
        return []
    if shape == "midjourney":
        found = _NO_PARAMETER.search(text)
        return _items(found.group("terms")) if found else []
    if shape in STATED_EXCLUSIONS:
        found = _AVOID_SENTENCE.search(text.rstrip())
        return _items(found.group("terms")) if found else []
    return []


def without_stated_exclusions(text: str) -> tuple[str, list[str]]:
    """A prose prompt without its closing "Avoid: ..." sentence, and that sentence's terms."""
    found = _AVOID_SENTENCE.search(text.rstrip())
    if found is None:
        return text, []
    return text.rstrip()[: found.start()].rstrip(), _items(found.group("terms"))


def reads_negative(shape: str) -> bool:
    """Whether a target of this format has a place for terms to avoid."""
    return shape in (*LIST_FORMATS, *STATED_EXCLUSIONS)


def _joined_tail(tail: str, shape: str) -> str:
    if not tail:
        return ""
    if shape == "midjourney":
        return " " + tail.strip()
    return tail


def _items(terms: str) -> list[str]:
    return [item for part in terms.split(",") if (item := " ".join(part.split()).strip(" ."))]


def _merged(existing: str, wanted: list[str]) -> str:
    items = _items(existing)
    known = {item.casefold() for item in items}
    items += [term for term in wanted if term.casefold() not in known]
    return ", ".join(items)
