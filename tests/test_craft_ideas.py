"""The composer on ideas written for these tests, not taken from the labelled set: each is read
as the right kind, and every prompt for it (every target, two seeds, the main prompt and two
variations) passes the checker and the craft benchmark's kind rules."""

from __future__ import annotations

import asyncio

import pytest

from artisan.engine.composer import Composer
from artisan.engine.knowledge import load_knowledge
from artisan.engine.presets import load_composer_data
from artisan.engine.reading import read_idea
from artisan.targets import load_catalog
from benchmarks.craft.score import Idea, judge

PHOTO = ("photograph", "photo", "photorealistic", "35mm", "lens", "bokeh", "depth of field")
PAINT = ("oil painting", "watercolour", "gouache", "impasto", "brushstrokes")
RENDER = ("3d render", "cgi", "octane")
CHEER = ("cheerful", "joyful", "playful", "whimsical", "cute", "cosy")


def idea(
    text: str,
    kind: str,
    *,
    feeling: str = "",
    medium: str = "",
    words: tuple[str, ...] = (),
    must: tuple[str, ...] = (),
    must_not: tuple[str, ...] = (),
) -> Idea:
    return Idea(text, kind, feeling, medium, words, "", must, must_not)


OWN = [
    idea(
        "a logo for a vegan taco truck called Green Machine",
        "logo",
        words=("Green Machine",),
        must=("logo",),
        must_not=PHOTO + RENDER,
    ),
    idea(
        "an icon for a weather app, a cloud with a sun peeking out",
        "logo",
        must=("icon",),
        must_not=PHOTO,
    ),
    idea(
        "a badge for a hiking club, mountains and a pine tree",
        "logo",
        must=("badge",),
        must_not=PHOTO,
    ),
    idea(
        "a poster for a jazz night that says 'BLUE NOTES'",
        "text",
        words=("BLUE NOTES",),
        must=("poster",),
    ),
    idea(
        "a wedding invitation with the words Anna & Tom",
        "text",
        feeling="love",
        words=("Anna & Tom",),
        must_not=CHEER[3:],
    ),
    idea("a book cover for a thriller called The Last Signal", "text", words=("The Last Signal",)),
    idea(
        "an infographic about how bees make honey",
        "infographic",
        must=("bees",),
        must_not=PHOTO + RENDER,
    ),
    idea("a cutaway of a submarine showing its rooms", "infographic", must_not=PHOTO),
    idea(
        "a map of an imaginary archipelago with sea monsters",
        "infographic",
        must=("map",),
        must_not=PHOTO,
    ),
    idea("a flowchart of a morning routine", "infographic", must_not=PHOTO + PAINT),
    idea(
        "a dashboard for tracking plant watering", "ui", must=("dashboard",), must_not=PHOTO + PAINT
    ),
    idea("the login screen of a banking app", "ui", must_not=PHOTO + PAINT),
    idea("a landing page for a yoga studio", "ui", must_not=PHOTO),
    idea("a die-cut sticker of a sleepy sloth", "sticker", must=("sticker",), must_not=PHOTO),
    idea("sticker of a pizza slice wearing sunglasses", "sticker", must_not=PHOTO),
    idea("a tattoo of a swallow holding a banner", "tattoo", must_not=PHOTO),
    idea("a fine line tattoo of a moth", "tattoo", must_not=PHOTO + PAINT),
    idea(
        "a child's drawing of a rocket going to the moon",
        "naive",
        must_not=("photorealistic", "highly detailed", "35mm"),
    ),
    idea("a doodle of a cat by a six-year-old", "naive", must_not=("photorealistic",)),
    idea("portrait of a jazz trumpeter", "portrait", must=("trumpeter",)),
    idea("headshot of a smiling nurse", "portrait", must=("nurse",)),
    idea("product shot of a ceramic teapot", "product", must=("teapot",)),
    idea("a perfume bottle on black glass", "product", must=("perfume",)),
    idea("a bowl of ramen with a soft egg", "food", must=("ramen",)),
    idea("a stack of blueberry pancakes", "food", must=("pancakes",)),
    idea("a brutalist library interior", "architecture", must=("library",)),
    idea("a treehouse in a giant oak", "architecture", must=("treehouse",)),
    idea("misty mountains at dawn", "landscape", must=("mountains",)),
    idea("a desert canyon under the milky way", "landscape", must=("canyon",)),
    idea("a robot mascot for a coding school", "character", must=("mascot",)),
    idea("a friendly swamp monster", "character", must=("monster",)),
    idea("two kids flying a kite on a windy beach", "scene", must=("kite",)),
    idea(
        "a knight fighting a dragon in the rain",
        "scene",
        feeling="tension",
        must=("knight", "dragon"),
    ),
    idea("an abstract piece about anxiety", "abstract", feeling="tension", must_not=CHEER + PHOTO),
    idea("abstract shapes in orange and teal", "abstract", must=("orange", "teal")),
    idea("a seamless pattern of lemons and leaves", "pattern", must=("lemons",), must_not=PHOTO),
    idea("a texture of cracked desert earth", "pattern", must_not=PHOTO[2:]),
    idea(
        "gouache painting of a lighthouse",
        "architecture",
        medium="gouache",
        must=("gouache",),
        must_not=("oil painting", "watercolour", *PHOTO),
    ),
    idea(
        "a linocut of a hare",
        "portrait",
        medium="linocut",
        must=("linocut",),
        must_not=("watercolour", "oil painting", *PHOTO),
    ),
    idea(
        "stained glass window of a heron",
        "portrait",
        medium="stained glass",
        must=("stained glass",),
        must_not=PHOTO + PAINT,
    ),
    idea(
        "an oil painting of a funeral procession",
        "scene",
        feeling="sorrow",
        medium="oil painting",
        must_not=(*CHEER, "watercolour", *PHOTO),
    ),
    idea("a haunted lighthouse, eerie and cold", "architecture", feeling="dread", must_not=CHEER),
    idea(
        "a birthday card for grandma that says Happy 90th",
        "text",
        feeling="joy",
        words=("Happy 90th",),
    ),
    idea(
        "a pixel art forest at night",
        "landscape",
        medium="pixel art",
        must=("pixel art",),
        must_not=PHOTO + PAINT,
    ),
    idea(
        "a watercolour logo for a florist",
        "logo",
        medium="watercolour",
        must=("watercolour", "logo"),
        must_not=(*PHOTO, "oil painting"),
    ),
    idea(
        "an embroidered patch of a fox",
        "portrait",
        medium="embroidered",
        must=("embroidered",),
        must_not=PHOTO + PAINT,
    ),
    idea(
        "a 3D render of a cute robot",
        "character",
        medium="3D render",
        must=("3D",),
        must_not=PHOTO + PAINT,
    ),
    idea(
        "a lonely lighthouse keeper waiting for a letter", "scene", feeling="sorrow", must_not=CHEER
    ),
    # A request before the idea is no part of it; a medium that names whom it is for is not
    # the image's; a name after "brand name" is shown; a child's manner named as a style.
    idea(
        "can you make me a logo for a pottery class called Muddy Hands",
        "logo",
        words=("Muddy Hands",),
        must=("logo",),
        must_not=(*PHOTO, *RENDER, "can you", "make me"),
    ),
    idea(
        "logo for a photography club, a simple aperture ring",
        "logo",
        must=("logo",),
        must_not=PHOTO + RENDER,
    ),
    idea(
        "packaging design for a candle brand, brand name Ember & Oak, minimal",
        "product",
        words=("Ember & Oak",),
    ),
    idea(
        "logo for a camera repair shop, a camera and a wrench crossed, black and white",
        "logo",
        must=("logo",),
        must_not=PHOTO + RENDER,
    ),
    idea(
        "a wedding invitation with the names Ana & Tom, eucalyptus leaves",
        "text",
        feeling="love",
        words=("Ana & Tom",),
    ),
    idea(
        "an isometric 3D illustration of a tiny coffee shop",
        "architecture",
        medium="isometric 3D",
        must_not=("appetite", "appetising", "mouth-watering"),
    ),
    idea(
        "a giant spider over a sleeping town, horror movie poster",
        "text",
        feeling="dread",
        must=("poster",),
        must_not=(*CHEER, "chalkboard", "chalk"),
    ),
    idea(
        "a book cover for a horror novel called The Hollow, a house in fog",
        "text",
        feeling="dread",
        words=("The Hollow",),
        must_not=(*CHEER, "movie poster", "film"),
    ),
    idea(
        "rain on a window, city lights blurred behind it",
        "landscape",
        must_not=("low-poly", "pixel art", "3d render", "floating island"),
    ),
    idea(
        "a palace courtyard in seville at noon, tilework, geometric patterns, fountain",
        "architecture",
        must_not=("seamless", "repeats in every direction", "repeat of four tiles"),
    ),
    idea(
        "sticker for the nurses strike: PAY US FAIRLY",
        "sticker",
        feeling="anger",
        words=("PAY US FAIRLY",),
        must_not=(*CHEER, "kawaii", "pastel"),
    ),
    idea(
        "kids style drawing of a tractor in a field, felt tips",
        "naive",
        must_not=(*PHOTO, "highly detailed", "intricate detail"),
    ),
    idea(
        "a painting like my 7 yr old would do of our family at the beach",
        "naive",
        must_not=(*PHOTO, "highly detailed", "intricate detail"),
    ),
]


@pytest.mark.parametrize("case", OWN, ids=[c.idea for c in OWN])
def test_the_idea_is_read_as_its_kind(case: Idea) -> None:
    reading = read_idea(case.idea, load_composer_data())
    assert reading.kind.id == case.kind, case.idea
    if case.feeling:
        assert reading.feeling is not None and reading.feeling.id == case.feeling
    assert set(case.text) <= set(reading.text)


@pytest.mark.parametrize("case", OWN, ids=[c.idea for c in OWN])
def test_every_prompt_for_the_idea_keeps_its_kind(case: Idea) -> None:
    catalog = load_catalog()
    knowledge = load_knowledge()

    async def written() -> list[tuple[str, str]]:
        out = []
        for seed in (1, 2):
            composer = Composer(seed=seed)
            for name in catalog.names():
                target = catalog.get(name)
                main = await composer.generate(case.idea, target, lambda _: None)
                more = await composer.variations(main.text, target, 2, lambda i, p: None)
                out += [(name, main.text)]
                out += [(name, m.text) for m in more if not isinstance(m, Exception)]
        return out

    for name, prompt in asyncio.run(written()):
        failures = judge(prompt, case, catalog.get(name), knowledge)
        assert not failures, (name, prompt, failures)


def test_a_refined_logo_is_still_a_logo_and_no_photograph() -> None:
    """Refining keeps what the idea is: "warmer, add a coffee bean" changes the palette and
    adds the bean; the logo stays a flat design with its name verbatim."""
    catalog = load_catalog()
    case = OWN[0]

    async def refined() -> list[tuple[str, str]]:
        out = []
        for name in ("dalle", "midjourney", "stable-diffusion", "flux"):
            composer = Composer(seed=3)
            target = catalog.get(name)
            first = await composer.generate(case.idea, target, lambda _: None)
            again = await composer.refine(
                first.text, "warmer, add a coffee bean", target, lambda _: None
            )
            out.append((name, again.text))
        return out

    for name, text in asyncio.run(refined()):
        assert "logo" in text and "Green Machine" in text and "coffee bean" in text, text
        assert not judge(text, case, catalog.get(name), load_knowledge()), (name, text)


def test_variations_of_a_named_medium_keep_it_alone() -> None:
    """Variations of a linocut stay linocuts, with no word of another medium."""
    catalog = load_catalog()
    case = next(c for c in OWN if c.medium == "linocut")

    async def varied() -> list[str]:
        composer = Composer(seed=8)
        target = catalog.get("dalle")
        first = await composer.generate(case.idea, target, lambda _: None)
        more = await composer.variations(first.text, target, 4, lambda i, p: None)
        return [m.text for m in more if not isinstance(m, Exception)]

    texts = asyncio.run(varied())
    assert len(set(texts)) == 4
    for text in texts:
        assert "linocut" in text.lower(), text
        assert not judge(text, case, catalog.get("dalle"), load_knowledge()), text
