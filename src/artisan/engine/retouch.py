"""Changing a prompt the composer has no scene for: a model's answer, an edited prompt, or one
written before a restart.

The text is changed where the composer recognises it: a phrase of its vocabulary (a lighting, a
palette, a medium) is swapped for another of the same axis, in place, so the sentence around it
still reads. What it cannot find is added in the target's shape: a descriptor before
Midjourney's parameters or at the end of Stable Diffusion's positive line, a sentence otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from artisan.engine.layout import (
    LIST_FORMATS,
    NEGATIVE_PREFIX,
    axis_sentence,
    axis_tag,
    bare,
    capitalise,
    short,
)
from artisan.engine.presets import ComposerData, Preset

Edit = tuple[str, str]
"""An axis ("lighting", "medium", ...) and the phrase it should now say."""
_PARAMETERS = re.compile(r"\s--[a-zA-Z]")
_ARTICLE_BEFORE = re.compile(r"(?:^|(?<=\s))(?:a|an|the)\s+$", re.IGNORECASE)


def split_prompt(text: str, shape: str) -> tuple[str, str]:
    """The part of a prompt that describes the image, and what follows it: Midjourney's
    parameters, or Stable Diffusion's negative line (with the line break before it)."""
    if shape == "midjourney":
        found = _PARAMETERS.search(text)
        if found:
            return text[: found.start()].rstrip(" ,"), text[found.start() :]
    if shape in ("stable-diffusion", "tags"):
        found = re.search(rf"(?im)^\s*{re.escape(NEGATIVE_PREFIX)}", text)
        if found:
            return text[: found.start()].rstrip(), "\n" + text[found.start() :].strip()
    return text.rstrip(), ""


def known_phrases(data: ComposerData) -> Mapping[str, tuple[str, ...]]:
    """Every phrase the composer knows, by axis, longest first (so the longest match wins)."""
    if data.known is None:
        data.known = _known(data)
    return data.known


def medium_preset(text: str, data: ComposerData) -> Preset | None:
    """The preset whose medium the text says, if any."""
    for preset in sorted(data.presets.values(), key=lambda p: -len(p.medium)):
        if _locate(text, preset.medium) is not None:
            return preset
    return None


def retouch(
    text: str,
    shape: str,
    edits: Iterable[Edit],
    data: ComposerData,
    *,
    extras: Iterable[str] = (),
    negative: Iterable[str] = (),
) -> str:
    """`text` with each edit swapped in where its axis is found, else added; then the extras
    (the person's own words) and, for Stable Diffusion, more negative terms."""
    body, tail = split_prompt(text, shape)
    listed = shape in LIST_FORMATS
    known = known_phrases(data)
    for axis, phrase in edits:
        swapped = _swap(body, known.get(axis, ()), phrase, listed)
        if swapped is not None:
            body = swapped
        elif listed:
            body = f"{body}, {axis_tag(axis, phrase, data.vocabulary)}"
        else:
            body = f"{body} {axis_sentence(axis, phrase, data.vocabulary)}"
    for extra in extras:
        if listed:
            body = f"{body}, {axis_tag('extra', extra, data.vocabulary)}"
        else:
            body = f"{body} {axis_sentence('extra', extra, data.vocabulary)}"
    additions = [n for n in negative if not re.search(re.escape(n), tail, re.IGNORECASE)]
    if additions and tail.strip().startswith(NEGATIVE_PREFIX):
        tail = tail.rstrip(" ,") + ", " + ", ".join(additions)
    if shape == "midjourney":
        return f"{body} {tail.strip()}".strip()
    return body + tail


def _swap(body: str, phrases: tuple[str, ...], new: str, listed: bool) -> str | None:
    for phrase in phrases:
        place = _locate(body, phrase)
        if place is None:
            continue
        start, end = place
        if listed:
            replacement = short(new)
        else:
            before = _ARTICLE_BEFORE.search(body[:start])
            if before is not None:
                start = before.start()
            replacement = new
        if body[start:end][:1].isupper():
            replacement = capitalise(replacement)
        return body[:start] + replacement + body[end:]
    return None


def _locate(text: str, phrase: str) -> tuple[int, int] | None:
    for form in dict.fromkeys((bare(phrase), short(phrase))):
        found = re.search(rf"(?<![\w-]){re.escape(form)}(?![\w-])", text, re.IGNORECASE)
        if found:
            return found.start(), found.end()
    return None


def _known(data: ComposerData) -> dict[str, tuple[str, ...]]:
    axes: dict[str, set[str]] = {}

    def add(axis: str, phrases: Iterable[str]) -> None:
        axes.setdefault(axis, set()).update(phrases)

    for preset in data.presets.values():
        for axis in ("lighting", "composition", "colour", "mood", "camera", "film", "style"):
            add(axis, getattr(preset, axis))
        add("medium", [preset.medium])
        add("look", [preset.look])
    for axis, phrases in data.vocabulary.fallback.items():
        add(axis, phrases)
    for light in data.vocabulary.lights:
        add("lighting", light.phrases)
    add("composition", [composition for _, composition in data.vocabulary.framings])
    for change in data.changes:
        for axis, phrases in change.sets.items():
            add(axis, phrases)
    return {axis: tuple(sorted(found, key=len, reverse=True)) for axis, found in axes.items()}
