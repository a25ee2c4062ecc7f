"""The prompt checker: each rule, on prompts a person could paste, and its command line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from artisan.checker import check, clip_tokens
from artisan.lettering import words_to_show
from artisan.targets import Target, load_catalog
from fake_openai import FakeOpenAI


def target(name: str) -> Target:
    return load_catalog().get(name)


def rules(prompt: str, name: str, **kwargs: str) -> list[str]:
    return [p.rule for p in check(prompt, target(name), **kwargs).problems]


LONG_ENOUGH = (
    "A quiet harbour at dawn, fishing boats resting on still water under a pale sky, gulls "
    "circling the masts, soft morning light catching the wet stones of the quay, a few "
    "lanterns still burning in the windows of the harbour master's house."
)


def test_clip_tokens_are_counted_with_clips_own_tokenizer() -> None:
    # "hamburgers" is one word and two CLIP tokens; punctuation counts as tokens of its own
    assert clip_tokens("a photo of a cat") == 5
    assert clip_tokens("hamburgers") == 2
    assert clip_tokens("(a fox:1.2)") > clip_tokens("a fox")


def test_a_stable_diffusion_prompt_past_75_tokens_is_flagged_and_one_within_is_not() -> None:
    short = "a red fox in the snow, watercolour, soft light\nNegative prompt: blurry"
    long = ", ".join(["an intricately detailed ornamental golden filigree"] * 12)
    assert rules(short, "stable-diffusion") == []
    report = check(long + "\nNegative prompt: blurry", target("stable-diffusion"))
    assert [p.rule for p in report.problems] == ["clip-tokens"]
    assert report.count.value > 75 and str(report.count).endswith("/75 CLIP tokens")


def test_words_outside_the_targets_range() -> None:
    assert rules("a cat", "flux") == ["length"]
    assert rules(LONG_ENOUGH, "flux") == []
    assert rules(" ".join([LONG_ENOUGH] * 3), "flux") == ["length"]


@pytest.mark.parametrize(
    ("prompt", "name"),
    [
        (LONG_ENOUGH + " (golden light:1.3)", "flux"),
        (LONG_ENOUGH + " --ar 16:9", "dalle"),
        (LONG_ENOUGH + "\nNegative prompt: blurry", "flux"),
        (LONG_ENOUGH + " BREAK a second chunk", "runway"),
    ],
)
def test_syntax_the_target_does_not_read_is_foreign(prompt: str, name: str) -> None:
    assert rules(prompt, name) == ["syntax"]


def test_midjourney_parameters_are_checked_against_the_version() -> None:
    body = "a lighthouse in a storm, oil painting, dramatic sky, crashing waves"
    assert rules(f"{body} --ar 16:9 --raw --hd --v 8.1", "midjourney") == []
    assert rules(f"{body} --ar 16:9 --hd --v 7", "midjourney") == ["parameter"]
    assert rules(f"{body} --ar wide --v 8.1", "midjourney") == ["parameter"]
    assert rules(f"{body} --v 4.5", "midjourney") == ["parameter"]
    # the version given to the checker decides when the prompt says none
    assert rules(f"{body} --ar 1:1 --hd", "midjourney", version="7") == ["parameter"]


def test_exclusions_that_cancel_the_idea() -> None:
    idea = 'a poster that says "GRAND OPENING" with balloons'
    sd = '"GRAND OPENING" poster, balloons\nNegative prompt: text, blurry'
    assert rules(sd, "stable-diffusion", idea=idea) == ["negated"]
    mj = (
        'a poster that says "GRAND OPENING" with balloons, bold type --ar 2:3 --no balloons --v 8.1'
    )
    assert rules(mj, "midjourney", idea=idea) == ["negated"]
    poster = 'A poster that says "GRAND OPENING" with balloons.'
    gpt = f"{LONG_ENOUGH} {poster} No watermark, no extra text."
    assert rules(gpt, "dalle", idea=idea) == []
    assert rules(gpt.replace("no extra text", "no text"), "dalle", idea=idea) == ["negated"]


def test_the_ideas_own_words_are_not_taken_for_an_exclusion() -> None:
    idea = "a room without windows"
    prompt = f"{LONG_ENOUGH} A room without windows, lit by a single bulb."
    assert rules(prompt, "dalle", idea=idea) == []


def test_quoted_text_lost() -> None:
    idea = 'a mug that says "World\'s Okayest Dad"'
    kept = f'{LONG_ENOUGH} A mug with the words "World\'s Okayest Dad".'
    assert rules(kept, "dalle", idea=idea) == []
    assert rules(kept.replace("Okayest", "Best"), "dalle", idea=idea) == ["text-lost"]


@pytest.mark.parametrize(
    ("idea", "words"),
    [
        ('a logo for a bakery called "Rise & Shine"', ("Rise & Shine",)),
        ("a poster that says GRAND OPENING", ("GRAND OPENING",)),
        ("a card that says Get Well Soon Maya!", ("Get Well Soon Maya!",)),
        ("a tattoo with the initials R.M. under it", ("R.M.",)),
        ("a child's drawing of 'my dog'", ("my dog",)),
        ("a cafe called The Daily Grind, on a corner", ("The Daily Grind",)),
        ("a child's drawing of a dog", ()),
        ("an 8-bit game over screen with CONTINUE? 9 counting down", ("CONTINUE? 9",)),
        ("theatre poster for macbeth, just the word MACBETH", ("MACBETH",)),
        ("a thumbnail with huge yellow text I QUIT MY JOB", ("I QUIT MY JOB",)),
        ("a UI mockup for a NASA app, shown on a TV", ()),
        ("a motto Lux in Tenebris on a ribbon", ("Lux in Tenebris",)),
        (
            "a card that says Merry Christmas from the Okafors",
            ("Merry Christmas from the Okafors",),
        ),
        ("called The Reading Room. I want a logo", ("The Reading Room",)),
        ("a sign that says open all night above a diner door", ("open all night",)),
        ("a girl reading a book", ()),
        ("favicon, just the letters KM, bold", ("KM",)),
        (
            "a pin with the text overlay 10 Hidden Lakes in Slovenia",
            ("10 Hidden Lakes in Slovenia",),
        ),
        ("a cover for my cosy mystery novel Death by Scone, a cat", ("Death by Scone",)),
        ("a finisher badge with 26.2 in the middle", ("26.2",)),
        ("his name Rufus and 2009\u20132023 under it", ("Rufus", "2009\u20132023")),
        ("a 1.5 litre bottle with 3 lemons", ()),
    ],
)
def test_the_words_an_idea_must_show(idea: str, words: tuple[str, ...]) -> None:
    assert words_to_show(idea) == words


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "artisan", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_artisan_check_exits_1_on_a_broken_rule_and_0_otherwise() -> None:
    broken = run("check", "(a fox:1.3), forest --ar 16:9", "-t", "flux")
    assert broken.returncode == 1
    assert "weights" in broken.stdout and "--ar" in broken.stdout
    fine = run("check", "-", "-t", "gpt-image", stdin=LONG_ENOUGH)
    assert fine.returncode == 0, fine.stdout + fine.stderr
    assert "GPT Image" in fine.stdout and "no problems" in fine.stdout


def test_artisan_check_json() -> None:
    done = run("check", "a cat --ar 1:1 --hd --v 7", "-t", "midjourney", "--json")
    report = json.loads(done.stdout)
    assert done.returncode == 1 and report["ok"] is False
    assert {"rule": "parameter", "message": "--hd is not a parameter of version 7"} in report[
        "problems"
    ]


def test_artisan_library_check_names_the_prompts_that_break_a_rule() -> None:
    from artisan import locations
    from artisan.entry import PromptEntry
    from artisan.library import Library

    library = Library(locations.library_dir())
    good = library.add(PromptEntry.create(LONG_ENOUGH, idea="a harbour at dawn", target="flux"))
    bad = library.add(
        PromptEntry.create(
            "(a fox:1.4) in a forest --ar 16:9", idea="a fox in a forest", target="flux"
        )
    )
    done = run("library", "check")
    assert done.returncode == 1
    assert bad.id in done.stdout and good.id not in done.stdout
    assert "2 prompts checked: 1 break a rule." in done.stderr
    assert run("library", "check", good.id).returncode == 0


async def test_a_models_answer_that_breaks_a_rule_is_marked_not_hidden(server: FakeOpenAI) -> None:
    """A FLUX answer with weights and a negative line keeps its text; its note says why."""
    from artisan.config import Settings
    from artisan.engine import Engine
    from conftest import TEST_KEY
    from fake_openai import Chat

    answer = LONG_ENOUGH + " (golden light:1.3)\nNegative prompt: blurry"
    server.queue_chat(Chat(text=answer))
    engine = Engine(Settings(base_url=server.url, api_key=TEST_KEY, timeout=5, max_retries=0))
    try:
        result = await engine.generate("a harbour at dawn", target("flux"), lambda _: None)
    finally:
        await engine.aclose()
    assert result.text == answer
    assert result.note.startswith("checker: ")
    assert "weights" in result.note and "Negative prompt:" in result.note
