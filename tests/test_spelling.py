"""Key words typed with a slip still say what the idea is: one slip, five letters or more,
never an English word of its own, never in the words the image must show."""

from __future__ import annotations

import asyncio

import pytest

from artisan.engine.composer import Composer
from artisan.engine.knowledge import load_knowledge
from artisan.engine.presets import load_composer_data
from artisan.engine.reading import read_idea
from artisan.engine.spelling import correct_key_words
from artisan.targets import load_catalog
from benchmarks.craft.score import Idea, judge


@pytest.mark.parametrize(
    ("idea", "meant"),
    [
        ("a tatoo of a furious tiger", "a tattoo of a furious tiger"),
        ("portait of a street sweeper", "portrait of a street sweeper"),
        ("an infograhic about bees", "an infographic about bees"),
        ("Stiker of a frog", "Sticker of a frog"),
        ("two tatoos of roses", "two tattoos of roses"),
        ("a dashbaord for sales", "a dashboard for sales"),
        ("a logoo for a surf school", "a logo for a surf school"),  # a letter added to four
    ],
)
def test_a_misspelt_key_word_is_read_as_meant(idea: str, meant: str) -> None:
    assert correct_key_words(idea, load_composer_data()) == meant


@pytest.mark.parametrize(
    "idea",
    [
        "a badger in a waistcoat",  # one letter from "badge", and a word of its own
        "a tattoo on the chest",  # "crest"
        "a mango smoothie",  # "manga"
        "a college campus at dusk",  # "collage"
        "a logo called 'Stiker Shop'",  # words to show are kept as written
        "a logo called Tatoo Parlour",
        "an icon for a chat app",  # short words are never slips ("icon", "chat")
        "an owl with scribbly feathers, two colours",  # a key word's own forms and spellings
    ],
)
def test_words_that_are_no_slip_are_left_alone(idea: str) -> None:
    assert correct_key_words(idea, load_composer_data()) == idea


def test_a_misspelt_tattoo_is_a_tattoo_design_and_never_a_photograph() -> None:
    data = load_composer_data()
    idea = "a tatoo of a furious tiger on the chest, japanese style"
    assert read_idea(idea, data).kind.id == "tattoo"
    catalog = load_catalog()

    labelled = Idea(idea, "tattoo", "anger", "", (), "", ("tattoo", "tiger"), PHOTO)

    async def written() -> list[tuple[str, str]]:
        composer = Composer(seed=1, data=data)
        out = []
        for name in catalog.names():
            main = await composer.generate(idea, catalog.get(name), lambda _: None)
            more = await composer.variations(main.text, catalog.get(name), 2, lambda i, p: None)
            out += [(name, main.text)]
            out += [(name, m.text) for m in more if not isinstance(m, Exception)]
        return out

    for name, prompt in asyncio.run(written()):
        assert "tatoo" not in prompt.lower(), prompt
        assert not judge(prompt, labelled, catalog.get(name), load_knowledge()), prompt


PHOTO = ("photograph", "photo", "photorealistic", "35mm", "lens", "bokeh", "depth of field")
