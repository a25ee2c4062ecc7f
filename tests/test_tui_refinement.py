"""Refining at the keyboard in the app: completions while typing in each pane and in the
refine instruction, the phrase picker (F4) for two targets, and stacked styles (F5)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from artisan import locations
from artisan.draft import Origin
from artisan.entry import PromptEntry
from artisan.library import Library
from artisan.refinement.styles import import_styles
from artisan.tui.app import ArtisanApp
from artisan.tui.screens.ask import AskScreen
from artisan.tui.screens.phrases import PhrasePicker
from artisan.tui.screens.styles import StylePicker
from artisan.tui.widgets.completion_menu import CompletionMenu
from fake_openai import Chat, FakeOpenAI
from tui_helpers import make_app, notifications, screen_text, settle, wait_until

MJ_PROMPT = "a fox in the snow, golden light --ar 16:9 --v 7"


def own_words() -> None:
    """A library whose prompts use words no shipped vocabulary has."""
    library = Library(locations.library_dir())
    for number in range(3):
        entry = PromptEntry.create(
            f"a quay at night, zephyrine lanterns, wet stones {number}", idea="a quay"
        )
        entry.created -= timedelta(minutes=number)
        library.add(entry)


async def ready(pilot: Pilot[Any], app: ArtisanApp) -> None:
    await wait_until(pilot, lambda: app.refining.ready, "the completions learnt the library")


def menu(app: ArtisanApp) -> CompletionMenu | None:
    shown = [m for m in app.screen.query(CompletionMenu) if m.shown]
    return shown[0] if shown else None


def offered(app: ArtisanApp) -> list[str]:
    found = menu(app)
    return [item.text for item in found.items] if found else []


async def test_typing_in_the_idea_offers_the_persons_words_and_tab_takes_one() -> None:
    own_words()
    app = make_app(engine="composer")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        editor = app.idea_pane.editor
        editor.focus()
        # "zep": the composer's own words start "ze" too (zebra, zen); only the person's
        # start "zep".
        await pilot.press(*"a ", *"zep")
        await wait_until(pilot, lambda: menu(app) is not None, "completions shown")
        assert offered(app) == ["zephyrine", "zephyrine lanterns"]
        assert "zephyrine lanterns" in screen_text(app)
        await pilot.press("h", "y")  # typing goes on: the list follows
        await pilot.pause()
        assert editor.text == "a zephy"
        assert offered(app) == ["zephyrine", "zephyrine lanterns"]
        await pilot.press("down", "tab")
        await wait_until(pilot, lambda: editor.text == "a zephyrine lanterns", "taken")
        assert menu(app) is None
        assert editor.cursor_location == (0, len("a zephyrine lanterns"))
        assert app.workshop.idea == "a zephyrine lanterns"


async def test_escape_dismisses_and_enter_keeps_its_meaning_until_a_choice() -> None:
    own_words()
    app = make_app(engine="composer")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        editor = app.idea_pane.editor
        editor.focus()
        await pilot.press(*"zep")
        await wait_until(pilot, lambda: menu(app) is not None, "completions shown")
        await pilot.press("escape")
        await pilot.pause()
        assert menu(app) is None and editor.text == "zep"
        await pilot.press("h")
        await wait_until(pilot, lambda: menu(app) is not None, "shown again")
        await pilot.press("enter")  # nothing chosen: a new line, as always
        await pilot.pause()
        assert editor.text == "zeph\n" and menu(app) is None


async def test_two_underscores_in_the_idea_list_the_wildcard_files() -> None:
    app = make_app(engine="composer")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        app.idea_pane.editor.focus()
        await pilot.press(*"a fox at __")
        await wait_until(pilot, lambda: menu(app) is not None, "wildcards shown")
        assert "__time_of_day__" in offered(app)
        await pilot.press(*"ti", "tab")
        await wait_until(
            pilot, lambda: app.idea_pane.editor.text == "a fox at __time_of_day__", "taken"
        )


async def test_dashes_in_a_midjourney_prompt_list_its_parameters(server: FakeOpenAI) -> None:
    server.queue_chat(Chat(text=MJ_PROMPT))
    app = make_app(server, target="midjourney")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await write_and_edit(pilot, app)
        await pilot.press(*" --o")
        await wait_until(pilot, lambda: menu(app) is not None, "parameters shown")
        assert [text.strip() for text in offered(app)] == ["--oref", "--ow"]
        assert "omni reference" in screen_text(app)
        await pilot.press("tab")
        await wait_until(pilot, lambda: app.prompt_pane.editor.text.endswith("--oref "), "taken")
        await pilot.pause(0.6)
        version = app.workshop.version
        assert version is not None and version.origin is Origin.EDITED
        assert version.text == MJ_PROMPT + " --oref "


async def test_the_refine_instruction_offers_completions(server: FakeOpenAI) -> None:
    own_words()
    server.queue_chat(Chat(text="A quay at night."), Chat(text="A quay at night, lanterns."))
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        app.idea_pane.editor.focus()
        await pilot.press(*"a quay", "ctrl+j")
        await settle(pilot)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: isinstance(app.screen, AskScreen), "asked")
        await pilot.press(*"more zep")
        await wait_until(pilot, lambda: menu(app) is not None, "completions shown")
        await pilot.press("tab")
        answer = app.screen.query_one("#answer", Input)
        await wait_until(pilot, lambda: answer.value == "more zephyrine", "taken")
        await pilot.press("enter")
        await settle(pilot)
        version = app.workshop.version
        assert version is not None and version.instruction == "more zephyrine"
        assert version.text == "A quay at night, lanterns."


async def write_and_edit(pilot: Pilot[Any], app: ArtisanApp) -> None:
    """Write a prompt for "a fox" and come to the Prompt pane's editor, its cursor at the end."""
    app.idea_pane.editor.focus()
    await pilot.press(*"a fox", "ctrl+j")
    await settle(pilot)
    app.prompt_pane.use_editor()
    await pilot.pause()


async def pick_phrase(pilot: Pilot[Any], app: ArtisanApp, search: str) -> None:
    await pilot.press("f4")
    await wait_until(pilot, lambda: isinstance(app.screen, PhrasePicker), "the picker")
    await wait_until(pilot, lambda: isinstance(app.focused, Input), "the search box")
    await pilot.press(*search)
    await pilot.pause()
    await pilot.press("enter")
    await wait_until(pilot, lambda: not isinstance(app.screen, PhrasePicker), "picked")
    await pilot.pause(0.6)


async def test_a_phrase_goes_into_a_midjourney_prompt_as_a_comma_item(server: FakeOpenAI) -> None:
    server.queue_chat(Chat(text=MJ_PROMPT))
    app = make_app(server, target="midjourney")
    async with app.run_test(size=(120, 40)) as pilot:
        await write_and_edit(pilot, app)
        await pick_phrase(pilot, app, "rim")
        expected = "a fox in the snow, golden light, dramatic rim light --ar 16:9 --v 7"
        assert app.prompt_pane.editor.text == expected
        await pick_phrase(pilot, app, "watermark")
        assert app.prompt_pane.editor.text == expected + " --no watermark"
        version = app.workshop.version
        assert version is not None and version.text == expected + " --no watermark"
        assert version.origin is Origin.EDITED


async def test_a_phrase_goes_into_a_gpt_image_prompt_as_a_sentence(server: FakeOpenAI) -> None:
    server.queue_chat(Chat(text="A fox sits in the snow. The light is soft."))
    app = make_app(server, target="dalle")
    async with app.run_test(size=(120, 40)) as pilot:
        await write_and_edit(pilot, app)
        await pick_phrase(pilot, app, "golden hour")
        text = "A fox sits in the snow. The light is soft. Golden hour light."
        assert app.prompt_pane.editor.text == text
        app.idea_pane.editor.focus()  # from the idea, the phrase goes into the idea
        await pilot.pause()
        await pick_phrase(pilot, app, "bokeh")
        assert app.idea_pane.editor.text == "a fox, bokeh"
        assert app.prompt_pane.editor.text == text


async def test_a_flux_prompt_takes_no_negative_term(server: FakeOpenAI) -> None:
    server.queue_chat(Chat(text="A fox in the snow."))
    app = make_app(server, target="flux")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        app.idea_pane.editor.focus()
        await pilot.press(*"a fox", "ctrl+j")
        await settle(pilot)
        await pick_phrase(pilot, app, "watermark")
        assert any("FLUX reads no negative terms" in n for n in notifications(app))
        version = app.workshop.version
        assert version is not None and version.text == "A fox in the snow."


async def test_two_styles_stack_one_imported_from_automatic1111(
    server: FakeOpenAI, tmp_path: Path
) -> None:
    source = tmp_path / "styles.csv"
    source.write_text(
        "name,prompt,negative_prompt\n"
        '"Dreamy Haze","dreamy hazy photo of {prompt}, pastel",harsh\n',
        encoding="utf-8",
    )
    import_styles(source)
    server.queue_chat(Chat(text="a fox, snow\nNegative prompt: blurry"))
    app = make_app(server, target="stable-diffusion")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        app.idea_pane.editor.focus()
        await pilot.press(*"a fox", "ctrl+j")
        await settle(pilot)
        app.variations_pane.option_list.focus()  # not typing the idea: the prompt is styled
        await pilot.press("f5")
        await wait_until(pilot, lambda: isinstance(app.screen, StylePicker), "the picker")
        await wait_until(pilot, lambda: isinstance(app.focused, Input), "the search box")
        await pilot.press(*"dreamy", "tab", "ctrl+u", *"detailed", "tab")
        await pilot.pause()
        assert "Stacked: Dreamy Haze → detailed" in screen_text(app)
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, StylePicker), "applied")
        version = app.workshop.version
        assert version is not None and version.origin is Origin.STYLED, notifications(app)
        assert version.styles == ["Dreamy Haze", "detailed"]
        assert version.text == (
            "dreamy hazy photo of a fox, snow, pastel, highly detailed, sharp focus, intricate "
            "textures\nNegative prompt: blurry, harsh, lowres, jpeg artifacts"
        )
        await pilot.pause()
        assert "styled: “Dreamy Haze + detailed”" in str(app.prompt_pane.border_subtitle)
        await pilot.press("ctrl+s")
        await settle(pilot)
    library = Library(locations.library_dir())
    library.load()
    [entry] = library.entries()
    assert entry.styles == ["Dreamy Haze", "detailed"]
    assert entry.prompt == version.text
