"""Fitting a prompt to its target's length: CLIP's window for Stable Diffusion, a word range
for prose.

Descriptors carry a priority (see `layout.ranked_tags`): the idea's own words never go, the
least important descriptors go first (quality tags, then camera, composition, mood...).
"""

from __future__ import annotations

from artisan.checker import LETTERING, NEGATIVE_PREFIX, QUALIFIED, clip_tokens
from artisan.engine.layout import cancels, ranked_tags
from artisan.engine.presets import ComposerData
from artisan.engine.scene import Scene
from artisan.wording import Words

CLIP_WINDOW = 75
"""Tokens of a Stable Diffusion prompt that CLIP reads together (77 less start and end)."""


def stable_diffusion(scene: Scene, data: ComposerData, *, limit: int = CLIP_WINDOW) -> str:
    """A positive line within `limit` CLIP tokens, then a negative line that excludes nothing
    the idea asks for."""
    ranked = ranked_tags(scene, data.vocabulary, quality=True, weight=True)
    positive = fit_tokens(ranked, limit)
    said = Words(positive)
    negative = [n for n in negative_terms(scene, data) if not said.any(Words(n).stems)]
    return f"{positive}\n{NEGATIVE_PREFIX} {', '.join(negative)}"


def fit_tokens(ranked: list[tuple[str, int]], limit: int) -> str:
    """The descriptors joined, dropping the least important until CLIP reads them whole."""
    items = list(ranked)
    while clip_tokens(", ".join(item for item, _ in items)) > limit:
        droppable = [n for n, (_, rank) in enumerate(items) if rank > 0]
        if droppable:
            worst = max(droppable, key=lambda n: (items[n][1], n))
            del items[worst]
            continue
        subject, rank = items[0]
        if subject.startswith("(") and subject.endswith(":1.2)"):
            items[0] = (subject[1:-5], rank)  # the weight's own tokens, before any word
            continue
        break  # only the idea's own words are left: they are kept whole
    return ", ".join(item for item, _ in items)


def negative_terms(scene: Scene, data: ComposerData) -> list[str]:
    """What Stable Diffusion is told to avoid for this scene, never what the idea asks for."""
    vocabulary = data.vocabulary
    terms = [*scene.preset.negative, *scene.reading.kind.negative, *vocabulary.negative]
    if scene.people:
        terms += vocabulary.anatomy
    wordy = bool(scene.reading.kind.typography or scene.reading.text)
    kept: list[str] = []
    seen: set[str] = set()
    for term in terms:
        if term.lower() in seen or cancels(term, scene):
            continue
        if wordy and Words(term).any(LETTERING) and not Words(term).any(QUALIFIED):
            continue  # a piece that may carry words is never told to avoid words
        seen.add(term.lower())
        kept.append(term)
    return kept


def fit_words(needed: list[str], optional: list[str], *, high: int) -> str:
    """`needed` then as many of `optional`, in order, as keep the text within `high` words."""
    parts = [p for p in needed if p]
    count = sum(len(p.split()) for p in parts)
    for part in optional:
        size = len(part.split())
        if part and count + size <= high:
            parts.append(part)
            count += size
    return " ".join(parts)
