"""The offline composer: prompts per target format, seeds, variations, refining, user presets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from artisan import locations
from artisan.checker import clip_tokens
from artisan.engine.answer import EmptyInput
from artisan.engine.composer import Composer
from artisan.engine.presets import load_composer_data
from artisan.state import State
from artisan.targets import Target, load_catalog

IDEAS = [
    "a beach sunset",
    "portrait of an old fisherman",
    "watercolour fox in the snow",
    "product shot of a wristwatch",
    "a city skyline at night in the rain",
]
TARGETS = ["dalle", "midjourney", "stable-diffusion", "runway", "flux", "generic"]
MIDJOURNEY_END = re.compile(r" --ar \d+:\d+(?: --(?:style )?raw)?(?: --no .+?)? --v [\d.]+$")


def target(name: str) -> Target:
    return load_catalog().get(name)


async def write(
    idea: str, target_name: str, seed: int = 1, composer: Composer | None = None
) -> str:
    composer = composer or Composer(seed=seed)
    completion = await composer.generate(idea, target(target_name), lambda _: None)
    assert completion.model == "composer"
    assert completion.finish is State.DONE
    return completion.text


async def with_variations(idea: str, target_name: str, seed: int) -> list[str]:
    """The main prompt for `idea` and its four variations."""
    composer = Composer(seed=seed)
    main = await composer.generate(idea, target(target_name), lambda _: None)
    more = await composer.variations(main.text, target(target_name), 4, lambda i, p: None)
    return [main.text, *(m.text for m in more if not isinstance(m, Exception))]


STOP_WORDS = {"a", "an", "the", "of"}


def words(text: str) -> set[str]:
    """The words of a text that carry a detail (articles and "of" aside)."""
    return set(re.findall(r"[a-z0-9]+", text.lower())) - STOP_WORDS


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("idea", IDEAS)
async def test_midjourney_is_a_comma_list_with_parameters_last(idea: str, seed: int) -> None:
    text = await write(idea, "midjourney", seed)
    assert MIDJOURNEY_END.search(text), text
    body = text[: text.index(" --ar")]
    assert "--" not in body and "\n" not in text and not re.search(r"\.(\s|$)", body)
    assert body.count(", ") >= 5


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("idea", IDEAS)
async def test_stable_diffusion_has_a_negative_prompt_line(idea: str, seed: int) -> None:
    text = await write(idea, "stable-diffusion", seed)
    positive, negative = text.split("\n")
    assert negative.startswith("Negative prompt: ") and len(negative.split(", ")) >= 5
    assert "Negative" not in positive and "--" not in text
    assert clip_tokens(positive) <= 75, positive


@pytest.mark.parametrize("name", ["dalle", "generic", "flux", "runway"])
@pytest.mark.parametrize("idea", IDEAS)
async def test_prose_targets_are_plain_sentences_without_parameters(idea: str, name: str) -> None:
    text = await write(idea, name)
    assert "--" not in text and "Negative prompt" not in text and ":1.2)" not in text
    assert "\n" not in text and text.endswith(".") and text[0].isupper()
    sentences = re.split(r"(?<=\.) (?=[A-Z])", text)
    assert len(sentences) >= (3 if name in ("runway", "flux") else 4)
    assert all(s[0].isupper() and s.endswith(".") for s in sentences)


@pytest.mark.parametrize("idea", IDEAS)
async def test_runway_describes_a_camera_movement(idea: str) -> None:
    text = await write(idea, "runway")
    assert re.search(r"\bThe camera (?:\w+ ){0,2}\w+", text), text


@pytest.mark.parametrize("name", TARGETS)
@pytest.mark.parametrize("idea", IDEAS)
async def test_every_word_of_the_idea_is_kept(idea: str, name: str) -> None:
    for seed in (1, 2, 3):
        text = await write(idea, name, seed)
        assert words(idea) <= words(text), (idea, text)


async def test_flux_starts_with_the_subject() -> None:
    assert (await write("watercolour fox in the snow", "flux")).startswith("A fox in the snow,")


@pytest.mark.parametrize(
    ("idea", "ratio"),
    [
        ("portrait of an old fisherman", "2:3"),
        ("a city skyline at night in the rain", "16:9"),
        ("a panorama of the alps", "21:9"),
        ("an app icon of a paper boat", "1:1"),
        ("full body shot of a knight on a beach", "2:3"),
    ],
)
async def test_midjourney_aspect_ratio_follows_the_idea(idea: str, ratio: str) -> None:
    for seed in (1, 2, 3):
        assert f" --ar {ratio} " in await write(idea, "midjourney", seed)


@pytest.mark.parametrize(
    ("idea", "medium"),
    [
        ("watercolour fox in the snow", "A loose watercolour painting of a fox in the snow."),
        ("product shot of a wristwatch", "A product shot of a wristwatch, photorealistic. It is"),
        ("pixel art of a lighthouse", "A 16-bit pixel art scene of a lighthouse."),
        ("an oil painting of a harbour", "An oil painting on canvas of a harbour."),
        ("isometric coffee shop", "An isometric 3D render of a coffee shop."),
    ],
)
async def test_a_style_named_in_the_idea_chooses_the_preset(idea: str, medium: str) -> None:
    for seed in (1, 2, 3, 4):
        assert (await write(idea, "dalle", seed)).startswith(medium)


@pytest.mark.parametrize(
    ("idea", "lead"),
    [
        ("a diner at night in the style of Edward Hopper", "An Edward Hopper-style artwork of"),
        ("my gran knitting by the fire, soviet propaganda style", "A soviet propaganda-style "),
        ("pop art portrait of my boyfriend for his birthday", "A pop art screen print of"),
        ("a cubist guitar player in a cafe", "A cubist painting of"),
        ("an old polaroid of friends on a road trip", "A polaroid instant photo of friends"),
    ],
)
async def test_a_named_art_style_leads_with_no_other_medium(idea: str, lead: str) -> None:
    others = ("watercolour", "oil painting", "35mm", "lens", "3d render", "pencil", "gouache")
    for seed in (1, 2, 3, 4):
        prompt = await write(idea, "dalle", seed)
        assert prompt.startswith(lead)
        assert not [w for w in others if re.search(rf"\b{w}\b", prompt, re.I)], prompt
        if "polaroid" not in idea:
            assert not re.search(r"\bphoto", prompt, re.I), prompt


async def test_a_style_of_the_subject_is_not_a_medium() -> None:
    prompt = await write("a scandinavian style kitchen with oak shelves", "dalle", 1)
    assert "scandinavian style kitchen" in prompt
    assert "-style artwork" not in prompt


async def test_night_in_the_idea_lights_the_scene_for_the_night() -> None:
    data = load_composer_data()
    night = {
        p.lower()
        for light in data.vocabulary.lights
        if "night" in light.name
        for p in light.phrases
    }
    for seed in range(6):
        text = (await write("a city skyline at night in the rain", "dalle", seed)).lower()
        assert any(phrase in text for phrase in night), text


async def test_the_same_seed_gives_the_same_prompt() -> None:
    for name in TARGETS:
        first = await write("a lighthouse on a cliff", name, composer=Composer(seed=42))
        again = await write("a lighthouse on a cliff", name, composer=Composer(seed=42))
        assert first == again


async def test_different_seeds_give_different_prompts() -> None:
    prompts = {await write("a lighthouse on a cliff", "dalle", seed) for seed in range(8)}
    assert len(prompts) >= 5


async def test_text_is_streamed_in_pieces_that_make_the_prompt() -> None:
    pieces: list[str] = []
    completion = await Composer(seed=1).generate("a beach sunset", target("dalle"), pieces.append)
    assert len(pieces) >= 3 and "".join(pieces) == completion.text


async def test_an_empty_idea_is_refused_before_the_composer_sees_it() -> None:
    """Input is checked once, by the workshop, for every engine."""
    from artisan.config import Settings
    from artisan.targets import load_catalog
    from artisan.workshop import Workshop

    workshop = Workshop(Settings(engine="composer"), load_catalog())
    workshop.idea = "   "
    with pytest.raises(EmptyInput):
        await workshop.generate()
    assert workshop.versions == []


@pytest.mark.parametrize("name", TARGETS)
@pytest.mark.parametrize("idea", ["a beach sunset", "watercolour fox in the snow"])
async def test_variations_differ_from_each_other_and_the_prompt(idea: str, name: str) -> None:
    composer = Composer(seed=7)
    prompt = await write(idea, name, composer=composer)
    streamed: dict[int, str] = {}

    def collect(index: int, piece: str) -> None:
        streamed[index] = streamed.get(index, "") + piece

    results = await composer.variations(prompt, target(name), 4, collect)
    texts = [r.text for r in results if not isinstance(r, Exception)]
    assert len(texts) == 4 and len(set(texts)) == 4 and prompt not in texts
    assert [streamed[i] for i in range(4)] == texts
    assert all(words(idea) <= words(text) for text in texts)
    if name == "midjourney":
        assert all(MIDJOURNEY_END.search(text) for text in texts)


async def test_variations_try_other_presets_unless_the_idea_named_one() -> None:
    composer = Composer(seed=3)
    prompt = await write("a beach sunset", "dalle", composer=composer)
    results = await composer.variations(prompt, target("dalle"), 4, lambda i, p: None)
    openings = {r.text.split(" of ")[0] for r in results if not isinstance(r, Exception)}
    assert len(openings) == 4 and prompt.split(" of ")[0] not in openings
    named = await write("watercolour fox in the snow", "dalle", composer=composer)
    kept = await composer.variations(named, target("dalle"), 4, lambda i, p: None)
    assert all(r.text.startswith("A loose watercolour painting") for r in kept)  # type: ignore[union-attr]


async def test_variations_are_reproducible_with_a_seed() -> None:
    async def run() -> list[str]:
        composer = Composer(seed=11)
        prompt = await write("a fox in a forest", "midjourney", composer=composer)
        results = await composer.variations(prompt, target("midjourney"), 5, lambda i, p: None)
        return [r.text for r in results if not isinstance(r, Exception)]

    assert await run() == await run()


async def test_variations_of_a_prompt_the_composer_did_not_write() -> None:
    prompt = "lone surfer on a beach at sunset, golden light, film grain --ar 16:9 --v 7"
    results = await Composer(seed=2).variations(prompt, target("midjourney"), 4, lambda i, p: None)
    texts = [r.text for r in results if not isinstance(r, Exception)]
    assert len(set(texts)) == 4 and prompt not in texts
    for text in texts:
        assert text.startswith("lone surfer on a beach at sunset, golden light, film grain, ")
        assert text.endswith(" --ar 16:9 --v 7")


async def test_refine_moodier_on_35mm_film() -> None:
    data = load_composer_data()
    moody = next(c for c in data.changes if "moodier" in c.words)
    composer = Composer(seed=5)
    prompt = await write("watercolour fox in the snow", "dalle", composer=composer)
    refined = await composer.refine(
        prompt, "moodier, shot on 35mm", target("dalle"), lambda _: None
    )
    text = refined.text
    assert refined.model == "composer"
    assert any(mood in text for mood in moody.sets["mood"]), text
    assert text.startswith("A 35mm film photograph of a fox in the snow, photorealistic.")
    assert "35mm" in text and "watercolour" not in text


async def test_refine_make_it_winter_and_add_a_detail_on_midjourney() -> None:
    composer = Composer(seed=5)
    prompt = await write("a harbour at dawn", "midjourney", composer=composer)
    refined = await composer.refine(
        prompt, "make it winter and add a red umbrella", target("midjourney"), lambda _: None
    )
    assert "winter" in refined.text and ", a red umbrella" in refined.text
    assert MIDJOURNEY_END.search(refined.text) and refined.text != prompt


async def test_refine_a_prompt_the_composer_did_not_write() -> None:
    prompt = "A lone surfer walks along a wide beach, carrying a board under one arm."
    refined = await Composer(seed=1).refine(
        prompt, "at night, add a lighthouse in the distance", target("dalle"), lambda _: None
    )
    assert refined.text.startswith(prompt)
    assert "The scene is set at night." in refined.text
    assert refined.text.endswith("Add a lighthouse in the distance.")


async def test_refine_swaps_a_recognised_phrase_in_place() -> None:
    composer = Composer(seed=4)
    prompt = await write("a fox in a forest", "stable-diffusion", composer=composer)
    forgetful = Composer(seed=4)  # a new session: the scene is gone, only the text is left
    refined = await forgetful.refine(
        prompt, "black and white", target("stable-diffusion"), lambda _: None
    )
    positive, negative = refined.text.split("\n")
    assert "black and white" in positive and negative == prompt.split("\n")[1]
    assert abs(positive.count(", ") - prompt.split("\n")[0].count(", ")) <= 1


def test_at_least_24_presets_ship_each_complete() -> None:
    data = load_composer_data()
    assert data.problems == []
    assert len(data.presets) >= 24
    for preset in data.presets.values():
        assert preset.triggers and preset.negative and len(preset.style) >= 2, preset.id
        assert preset.medium[0].islower() and preset.look.endswith("."), preset.id
        if preset.photographic:
            assert preset.camera, preset.id
    wanted = {"cinematic-still", "film-35mm", "studio-product", "watercolour", "ink-line-art"}
    wanted |= {"oil-painting", "isometric-3d", "pixel-art", "anime-cel", "architectural"}
    wanted |= {"macro", "long-exposure-night"}
    assert wanted <= set(data.presets)


def write_user_presets(text: str, name: str = "mine.toml") -> Path:
    folder = locations.user_composer_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


USER_PRESET = """
[[preset]]
id = "{id}"
name = "Gloomcore"
kind = "art"
triggers = ["{trigger}"]
medium = "{medium}"
look = "Everything is drawn in heavy graphite smudges."
style = ["heavy smudges", "grey paper"]
lighting = ["a single bare bulb"]
composition = ["a cramped corner view"]
colour = ["graphite greys"]
negative = ["colour"]
"""


async def test_a_user_preset_file_adds_a_preset() -> None:
    write_user_presets(
        USER_PRESET.format(id="gloomcore", trigger="gloomcore", medium="a gloomcore drawing")
    )
    text = await write("gloomcore cat on a sofa", "dalle")
    assert text.startswith("A gloomcore drawing of a cat on a sofa.")
    assert "lit by a single bare bulb" in text


async def test_a_user_preset_replaces_a_shipped_one_with_the_same_id() -> None:
    write_user_presets(
        USER_PRESET.format(
            id="watercolour", trigger="watercolour", medium="a wet watercolour sketch"
        )
    )
    composer = Composer(seed=1)
    assert composer.presets["watercolour"].medium == "a wet watercolour sketch"
    assert (await write("watercolour fox", "dalle", composer=composer)).startswith(
        "A wet watercolour sketch of a fox."
    )


def test_a_broken_user_file_is_reported_and_the_rest_still_load() -> None:
    broken = write_user_presets("[[preset]\nid = ", name="a-broken.toml")
    missing = write_user_presets('[[preset]]\nid = "half"\nmedium = "a thing"\n', name="b.toml")
    write_user_presets(
        USER_PRESET.format(id="gloomcore", trigger="gloomcore", medium="a gloomcore drawing"),
        name="c.toml",
    )
    composer = Composer(seed=1)
    assert len(composer.problems) == 2
    assert str(broken) in composer.problems[0] and "not valid TOML" in composer.problems[0]
    assert str(missing) in composer.problems[1] and "preset half" in composer.problems[1]
    assert "`look`" in composer.problems[1]
    assert "gloomcore" in composer.presets and "watercolour" in composer.presets


@pytest.mark.parametrize(
    ("idea", "wanted"),
    [
        ("a loose charcoal sketch of an old fisherman", "confident linework"),
        ("an oil painting of a harbour at dawn", "masterful brushwork"),
    ],
)
async def test_stable_diffusion_quality_tags_suit_the_medium(idea: str, wanted: str) -> None:
    """A sketch or a painting is not "highly detailed, sharp focus": that is a photograph's."""
    for seed in (1, 2, 3):
        positive = (await write(idea, "stable-diffusion", seed)).split("\n")[0]
        assert wanted in positive, positive
        assert "sharp focus" not in positive and "highly detailed" not in positive, positive


async def test_a_phone_screen_is_tall_whatever_its_kind() -> None:
    for seed in (1, 2, 3):
        text = await write(
            "a mobile app onboarding screen for a meditation app", "midjourney", seed
        )
        assert " --ar 9:16 " in text, text


async def test_phrases_about_skin_and_faces_only_where_people_are() -> None:
    """A dragon over a castle has no skin tones and no shoulder to look over."""
    for seed in range(1, 9):
        for name in ("midjourney", "dalle", "stable-diffusion"):
            text = await write("a furious dragon attacking a castle at night", name, seed)
            positive = text.split("Negative prompt:")[0]
            assert "skin" not in positive and "over-the-shoulder" not in positive, text


@pytest.mark.parametrize(
    ("idea", "against"),
    [
        (
            "a crayon drawing by a kid whose parents are splitting up, two houses",
            ("bright", "cheerful", "happy"),
        ),
        ("protest sticker for a climate rally, a raised fist", ("pastel", "cute", "gentle")),
        ("holographic tarot card stickers, the moon and the tower", ("candy", "goofy")),
    ],
)
async def test_nothing_in_the_prompt_goes_against_the_feeling(
    idea: str, against: tuple[str, ...]
) -> None:
    for name in ("dalle", "stable-diffusion"):
        for seed in range(1, 9):
            prompt = await write(idea, name, seed)
            said = [w for w in against if re.search(rf"\b{w}", prompt, re.I)]
            assert not said, prompt


async def test_an_abstract_or_a_pattern_is_not_lit_and_keeps_the_ideas_own_colours() -> None:
    for idea in (
        "an abstract painting about falling in love, reds and pinks",
        "seamless pattern of lemons, yellow and navy",
    ):
        for seed in range(1, 7):
            prompt = await write(idea, "dalle", seed)
            assert "lit by" not in prompt, prompt
            assert "The palette is" not in prompt, prompt


async def test_the_words_to_show_do_not_light_the_scene() -> None:
    for seed in range(1, 7):
        prompt = await write(
            'poster for a science fair, "Science Night 2024", a rocket', "dalle", seed
        )
        assert "moonlight" not in prompt and "night" not in prompt.replace("Night 2024", ""), prompt


async def test_a_botanical_pattern_is_drawn_only_for_plants() -> None:
    for seed in range(1, 13):
        prompt = await write("fabric print of tiny dinosaurs for kids pyjamas", "dalle", seed)
        assert "botanical" not in prompt, prompt


@pytest.mark.parametrize(
    ("idea", "once"),
    [
        ("a tattoo of a fox wearing a crown of mushrooms", "tattoo"),
        ("an abstract painting about falling in love, loose brushstrokes", "abstract"),
        ("isometric 3D render of a mechanical keyboard, 3D render, pastel", "3D render"),
        ("ukiyo-e style print of a huge tuna at the fish market", "print"),
    ],
)
async def test_the_first_sentence_says_the_medium_once(idea: str, once: str) -> None:
    for seed in range(1, 9):
        prompt = await write(idea, "dalle", seed)
        first = re.split(r"(?<=\.)\s", prompt, maxsplit=1)[0]
        assert len(re.findall(rf"\b{once}\b", first, re.I)) == 1, first


async def test_a_style_named_for_a_tattoo_is_not_stacked_on_another() -> None:
    others = ("irezumi", "neo-traditional", "american traditional", "blackwork", "fine-line")
    for seed in range(1, 9):
        prompt = await write("norse style tattoo of a longship in a storm", "dalle", seed)
        assert "norse" in prompt.lower()
        assert not [w for w in others if w in prompt.lower()], prompt


@pytest.mark.parametrize(
    ("idea", "against"),
    [
        ("spooky tarot sticker, the hanged man, die cut", ("kawaii", "rosy cheeks", "pastel")),
        ("angry protest sticker for a march: ENOUGH IS ENOUGH", ("kawaii", "rosy cheeks")),
        ("outsider art painting of a village fair, flat perspective", ("no perspective",)),
    ],
)
async def test_variations_keep_to_the_feeling_and_the_idea(
    idea: str, against: tuple[str, ...]
) -> None:
    """Variations draw other presets: none whose look goes against the idea (a kawaii sticker
    for dread or anger), none that denies what the idea asks."""
    for seed in range(1, 5):
        for text in await with_variations(idea, "midjourney", seed):
            said = [w for w in against if w in text.lower()]
            assert not said, (said, text)


@pytest.mark.parametrize(
    ("idea", "other"),
    [
        (
            "kids reading app, the screen where you pick a book, huge buttons",
            ("desktop", "sidebar"),
        ),
        ("a sales dashboard for a saas company, dark mode", ("phone-sized",)),
    ],
)
async def test_an_interface_is_framed_on_its_own_device(idea: str, other: tuple[str, ...]) -> None:
    """An app is not laid out as a desktop page, nor a dashboard on a phone-sized screen."""
    for seed in range(1, 5):
        for text in await with_variations(idea, "generic", seed):
            assert not any(word in text for word in other), text
