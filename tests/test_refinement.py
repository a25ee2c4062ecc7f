"""Refinement in the core: the vocabulary of completions, what completes the text before a
cursor, the phrase book, placing words in a target's shape, and style templates."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from artisan import locations
from artisan.engine.presets import load_composer_data
from artisan.entry import PromptEntry
from artisan.refinement.completions import PARAMETER, WILDCARD, Completer
from artisan.refinement.phrases import load_phrase_book
from artisan.refinement.placing import NoNegativePart, add_negative, insert_phrase
from artisan.refinement.styles import (
    Style,
    StyleError,
    apply_styles,
    import_styles,
    load_style_book,
)
from artisan.refinement.vocabulary import YOURS, build_vocabulary, composer_phrases

# The vocabulary ----------------------------------------------------------------------------------


def test_composer_phrases_are_gathered_from_any_axis() -> None:
    """A field the composer's data does not have today is read like the others."""
    data = load_composer_data()

    @dataclasses.dataclass
    class Grown:
        data: object
        textures: tuple[str, ...]
        templates: dict[str, str]

    grown = Grown(data, ("crackled glaze", "brushed steel"), {"x": "It is {}."})
    phrases = composer_phrases(grown)
    assert {"crackled glaze", "brushed steel"} <= set(phrases)
    preset = next(iter(data.presets.values()))
    assert preset.lighting[0] in phrases
    assert "It is {}." not in phrases
    assert not any(phrase.endswith(".") for phrase in phrases)


def test_library_words_are_offered_by_how_many_prompts_use_them() -> None:
    entries = [
        PromptEntry.create("a harbour at dawn, rusted trawlers, gull cries", idea="harvest"),
        PromptEntry.create("rusted trawlers in a harbour, harsh light", idea="trawlers"),
        PromptEntry.create("a stone harbour wall", idea="harbour"),
    ]
    completer = Completer(build_vocabulary([], entries, len(entries)))
    offered = completer.complete("old ha")
    assert offered[0].text == "harbour"  # in three prompts, the others in one
    assert {item.text for item in offered[1:]} == {"harsh", "harsh light", "harvest"}
    assert all(item.kind == YOURS for item in offered)
    assert completer.complete("rusted tr")[0].text == "rusted trawlers"


def test_a_word_is_completed_from_its_second_letter() -> None:
    completer = Completer(build_vocabulary(["golden hour light", "gouache"]))
    assert completer.complete("a fox at g") == []
    offered = completer.complete("a fox at go")
    assert {item.text for item in offered} == {"golden hour light", "gouache"}
    assert all(item.replaces == 2 for item in offered)
    assert completer.complete("a fox at gold ") == []  # the word is finished


def test_a_capital_is_kept_and_longer_matches_come_first() -> None:
    completer = Completer(build_vocabulary(["golden hour light", "hour glass"]))
    [first, second] = completer.complete("Golden ho")
    assert (first.text, first.replaces) == ("Golden hour light", 9)
    assert (second.text, second.replaces) == ("hour glass", 2)


def test_two_underscores_list_the_wildcard_files() -> None:
    completer = Completer(None, ["time_of_day", "lighting", "people/job"])
    assert [c.text for c in completer.complete("a fox at __")] == [
        "__lighting__",
        "__people/job__",
        "__time_of_day__",
    ]
    [only] = completer.complete("a fox at __ti")
    assert (only.text, only.replaces, only.kind) == ("__time_of_day__", 4, WILDCARD)


def test_midjourney_parameters_follow_the_version_in_the_prompt() -> None:
    completer = Completer(None)
    v7 = [c.text.strip() for c in completer.complete("a fox --o", "midjourney")]
    assert v7 == ["--oref", "--ow"]
    v6 = completer.complete("a fox --v 6 --c", "midjourney")
    assert [c.text.strip() for c in v6] == ["--chaos", "--cref", "--cw"]
    assert all(c.kind == PARAMETER and "v6" in c.detail for c in v6)
    later = completer.complete("a fox --o", "midjourney", whole="a fox --o --v 6")
    assert later == []  # --oref is not read by version 6
    assert completer.complete("a fox --o", "stable-diffusion") == []


# Placing -----------------------------------------------------------------------------------------

MJ = "a fox in the snow, golden light --ar 16:9 --v 7"
SD = "a fox in the snow, golden light\nNegative prompt: blurry"
PROSE = "A fox sits in the snow. The light is soft."


def test_a_phrase_is_a_comma_item_in_a_list_format() -> None:
    placed = insert_phrase(MJ, 8, "bokeh", "midjourney")  # the cursor inside "in"
    assert placed.text == "a fox in the snow, bokeh, golden light --ar 16:9 --v 7"
    assert placed.text[: placed.cursor].endswith("bokeh")
    at_end = insert_phrase(MJ, len(MJ), "bokeh", "midjourney")
    assert at_end.text == "a fox in the snow, golden light, bokeh --ar 16:9 --v 7"
    on_negative_line = insert_phrase(SD, len(SD), "bokeh", "stable-diffusion")
    assert (
        on_negative_line.text == "a fox in the snow, golden light, bokeh\nNegative prompt: blurry"
    )


def test_a_phrase_is_a_sentence_fragment_in_a_prose_format() -> None:
    inside = insert_phrase(PROSE, PROSE.index("snow") + 2, "golden hour light", "sentences")
    assert inside.text == "A fox sits in the snow, golden hour light. The light is soft."
    after = insert_phrase(PROSE, len(PROSE), "golden hour light", "prose")
    assert after.text == "A fox sits in the snow. The light is soft. Golden hour light."


def test_negative_terms_go_to_the_targets_negative_part() -> None:
    assert add_negative(SD, "text, blurry", "stable-diffusion").endswith(
        "Negative prompt: blurry, text"
    )
    assert add_negative("a fox", "text", "stable-diffusion") == "a fox\nNegative prompt: text"
    twice = add_negative(add_negative(MJ, "text", "midjourney"), "logo, text", "midjourney")
    assert twice == "a fox in the snow, golden light --ar 16:9 --v 7 --no text, logo"
    stated = add_negative(add_negative(PROSE, "text", "sentences"), "logo", "sentences")
    assert stated == "A fox sits in the snow. The light is soft. Avoid: text, logo."
    with pytest.raises(NoNegativePart, match="FLUX reads no negative terms"):
        add_negative(PROSE, "text", "prose", target="FLUX")


# The phrase book -----------------------------------------------------------------------------


def test_the_phrase_book_is_searched_by_word_starts_and_category() -> None:
    book = load_phrase_book()
    assert {"lighting", "camera", "composition", "medium", "colour", "mood", "quality"} <= set(
        book.categories
    )
    assert book.categories["negative"].negative
    assert [p.text for p in book.search("light gold")] == ["golden hour light"]
    camera = book.search("camera")
    assert camera and all(p.category.id == "camera" for p in camera)


def test_the_persons_phrases_join_a_category_or_make_one(tmp_path: Path) -> None:
    folder = locations.user_phrases_dir()
    folder.mkdir(parents=True)
    (folder / "mine.toml").write_text(
        '[lighting]\nphrases = ["sodium vapour glow"]\n\n'
        '[textures]\nname = "Textures"\nphrases = ["cracked enamel"]\n',
        encoding="utf-8",
    )
    (folder / "broken.toml").write_text("[lighting]\nphrases = [1, 2]\n", encoding="utf-8")
    book = load_phrase_book()
    assert "sodium vapour glow" in book.categories["lighting"].phrases
    assert book.categories["lighting"].name == "Lighting"
    assert book.categories["textures"].phrases == ("cracked enamel",)
    [problem] = book.problems
    assert "broken.toml" in problem and "`phrases` must be a list of text" in problem


# Styles ----------------------------------------------------------------------------------------


def test_styles_stack_in_order_around_the_description() -> None:
    first = Style("one", "first of {prompt}, grain", "blurry")
    second = Style("two", "{prompt}, detailed", "text")
    styled = apply_styles(MJ, [first, second], "midjourney")
    assert styled.text == (
        "first of a fox in the snow, golden light, grain, detailed "
        "--ar 16:9 --v 7 --no blurry, text"
    )
    assert styled.names == ("one", "two")
    other_order = apply_styles(MJ, [second, first], "midjourney").text
    assert other_order.startswith("first of a fox in the snow, golden light, detailed, grain")


def test_a_style_without_placeholder_is_added_after_the_prompt() -> None:
    styled = apply_styles(SD, [Style("hd", "highly detailed", "lowres")], "stable-diffusion")
    assert styled.text == (
        "a fox in the snow, golden light, highly detailed\nNegative prompt: blurry, lowres"
    )


def test_a_style_on_a_prose_prompt_is_a_sentence_and_its_negative_may_have_nowhere() -> None:
    style = Style("film", "analog film photograph of {prompt}, natural grain", "digital look")
    stated = apply_styles(PROSE, [style], "sentences", "GPT Image")
    assert stated.text == (
        "A fox sits in the snow. The light is soft. Analog film photograph, natural grain. "
        "Avoid: digital look."
    )
    flux = apply_styles(PROSE, [style], "prose", "FLUX")
    assert flux.text.endswith("Analog film photograph, natural grain.")
    assert flux.notes == ("FLUX reads no negative terms: those of “film” were left out.",)


def test_automatic1111_styles_csv_is_imported(tmp_path: Path) -> None:
    source = tmp_path / "styles.csv"
    source.write_text(
        "name,prompt,negative_prompt\n"
        '"Moody, Dark","moody photo of {prompt}, deep shadows","bright, ""happy"""\n'
        'Multi,"line one\nline two",\n'
        ",,\n",
        encoding="utf-8",
    )
    imported = import_styles(source)
    assert [s.name for s in imported.styles] == ["Moody, Dark", "Multi"]
    assert imported.skipped == ("line 5: no name",)
    book = load_style_book()
    moody = book.get("moody, dark")
    assert (moody.prompt, moody.negative) == (
        "moody photo of {prompt}, deep shadows",
        'bright, "happy"',
    )
    assert moody.source == imported.path == locations.user_styles_dir() / "styles.toml"
    assert book.get("multi").prompt == "line one\nline two"
    assert import_styles(source).replaced  # the same file again replaces its styles


def test_sdxl_styler_json_is_imported(tmp_path: Path) -> None:
    source = tmp_path / "sdxl_styles_sai.json"
    styles = [
        {
            "name": "sai-cinematic",
            "prompt": "cinematic film still {prompt} . bokeh",
            "negative_prompt": "anime",
        },
        {"name": 3, "prompt": "x"},
    ]
    source.write_text(json.dumps(styles), encoding="utf-8")
    imported = import_styles(source)
    assert [s.name for s in imported.styles] == ["sai-cinematic"]
    assert "item 2" in imported.skipped[0]
    assert load_style_book().get("SAI-Cinematic").negative == "anime"


def test_a_file_that_is_no_style_collection_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "notes.txt"
    source.write_text("just some words\n", encoding="utf-8")
    with pytest.raises(StyleError, match="is not a styles file"):
        import_styles(source)
    with pytest.raises(StyleError, match="There is no file"):
        import_styles(tmp_path / "missing.csv")
    assert not locations.user_styles_dir().exists()


def test_an_unknown_style_names_those_there_are() -> None:
    with pytest.raises(StyleError, match=r"There is no style called “nope”\. Styles: cinematic"):
        load_style_book().get("nope")
