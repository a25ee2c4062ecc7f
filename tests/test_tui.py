"""The app, driven with the keyboard against the loopback server."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest
from textual.widgets import Input, TextArea

from artisan import locations
from artisan.library import Library
from artisan.tui.screens.ask import AskScreen
from artisan.tui.screens.help import HelpScreen
from artisan.tui.widgets.library_list import LibraryList
from artisan.tui.widgets.variations import VariationsPane
from conftest import TEST_KEY
from fake_openai import Chat, Error, FakeOpenAI
from tui_helpers import (
    fill_library,
    make_app,
    prompt_text,
    screen_text,
    settle,
    told,
    wait_until,
)

IDEA = "a beach sunset"
EXPECTED = (
    "A vivid picture of a beach sunset, in warm golden light, with soft shadows and a "
    "calm sea, shot on 35mm film. The frame is wide and balanced, the horizon low, and the "
    "mood quiet and unhurried."
)


def saved() -> list:  # type: ignore[type-arg]
    library = Library(locations.library_dir())
    library.load()
    return library.entries()


async def type_idea(pilot, text: str = IDEA) -> None:  # type: ignore[no-untyped-def]
    pilot.app.query_one("#idea", TextArea).focus()
    await pilot.press(*text)


async def test_generate_streams_into_the_prompt_pane(server: FakeOpenAI) -> None:
    """Type an idea, ctrl+j: the prompt appears with model, target, tokens and state."""
    app = make_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await type_idea(pilot)
        await pilot.press("ctrl+j")
        await settle(pilot)
        assert prompt_text(app) == EXPECTED
        caption = str(app.query_one("#prompt-pane").border_subtitle)
        assert caption.startswith("v1/1 generated · done · gpt-5.4-mini · dalle · ")
        assert caption.endswith(" tokens")
        body = server.chat_requests()[0].body
        assert body["messages"][1]["content"].endswith(IDEA)


async def test_enter_in_the_idea_inserts_a_newline(server: FakeOpenAI) -> None:
    app = make_app(server)
    async with app.run_test(notifications=True) as pilot:
        await type_idea(pilot, "one")
        await pilot.press("enter", *"two")
        assert app.query_one("#idea", TextArea).text == "one\ntwo"
        assert server.requests == []


async def test_target_selector_changes_the_request(server: FakeOpenAI) -> None:
    app = make_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await type_idea(pilot)
        app.idea_pane.target = "midjourney"
        await pilot.press("ctrl+j")
        await settle(pilot)
        assert "Midjourney" in server.chat_requests()[0].body["messages"][0]["content"]
        assert "midjourney" in str(app.query_one("#prompt-pane").border_subtitle)


async def test_escape_stops_and_keeps_partial_text(server: FakeOpenAI) -> None:
    server.queue_chat(Chat(text=" ".join(f"w{i}" for i in range(500)), delay=0.01))
    app = make_app(server)
    async with app.run_test(notifications=True) as pilot:
        await type_idea(pilot)
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: len(prompt_text(app).split()) >= 5, "five words")
        await pilot.press("escape")
        await settle(pilot)
        text = prompt_text(app)
        assert text.startswith("w0 w1 w2 w3 w4")
        assert len(text.split()) < 500
        assert "cancelled" in str(app.query_one("#prompt-pane").border_subtitle)
        assert await asyncio.to_thread(server.wait_for_hang_up)
        app.prompt_pane.stream.focus()  # coming to the pane to edit what arrived
        await pilot.pause()
        editor = app.query_one("#prompt", TextArea)
        assert app.focused is editor and not editor.read_only
        assert editor.text == text


async def test_cut_stream_is_marked_interrupted(server: FakeOpenAI) -> None:
    server.queue_chat(Chat(cut_after=4))
    app = make_app(server)
    async with app.run_test(notifications=True) as pilot:
        await type_idea(pilot)
        await pilot.press("ctrl+j")
        await settle(pilot)
        assert prompt_text(app) == "A vivid picture of "
        assert "interrupted" in str(app.query_one("#prompt-pane").border_subtitle)
        assert any("connection dropped" in n for n in told(app))


async def test_truncated_answer_is_marked(server: FakeOpenAI) -> None:
    server.queue_chat(Chat(finish="length"))
    app = make_app(server)
    async with app.run_test(notifications=True) as pilot:
        await type_idea(pilot)
        await pilot.press("ctrl+j")
        await settle(pilot)
        assert "truncated" in str(app.query_one("#prompt-pane").border_subtitle)
        assert any("length limit" in n for n in told(app))


async def test_variations_stream_concurrently_and_stay_navigable(server: FakeOpenAI) -> None:
    app = make_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await type_idea(pilot)
        await pilot.press("ctrl+j")
        await settle(pilot)
        # Slow enough that the keys below arrive while all four still stream (a first line
        # that may be chatter is held until it ends, so rows may show no words yet).
        server.default_chat = Chat(delay=0.2)
        pane = app.query_one(VariationsPane)
        pane.option_list.focus()
        # Keys are sent without waiting for the screen to go quiet, as a person would type.
        app.simulate_key("ctrl+n")
        await wait_until(pilot, lambda: server.max_concurrent_streams == 4, "four streams")
        await wait_until(pilot, lambda: len(pane.items) == 4, "four rows")
        app.simulate_key("down")
        app.simulate_key("down")
        await wait_until(pilot, lambda: pane.option_list.highlighted == 2, "the third variation")
        assert app.generating_variations  # the keys were handled while the streams ran
        await settle(pilot)
        assert server.max_concurrent_streams == 4
        assert [item.text.split(":")[0] for item in pane.items] == [
            "Variation 1",
            "Variation 2",
            "Variation 3",
            "Variation 4",
        ]
        assert all(item.state == "done" for item in pane.items)
        shown = str(pane.option_list.get_option_at_index(3).prompt)
        assert shown.startswith("4 Variation 4: the same scene")


async def test_promote_and_history(server: FakeOpenAI) -> None:
    """Enter promotes a variation; alt+left / alt+right step through versions."""
    app = make_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await type_idea(pilot)
        await pilot.press("ctrl+j")
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        app.query_one(VariationsPane).option_list.focus()
        await pilot.press("down", "enter")
        await settle(pilot)
        assert prompt_text(app).startswith("Variation 2:")
        assert "v2/2" in str(app.query_one("#prompt-pane").border_subtitle)
        await pilot.press("alt+left")
        assert prompt_text(app) == EXPECTED
        await pilot.press("alt+right")
        assert prompt_text(app).startswith("Variation 2:")


async def test_refine_asks_and_keeps_history(server: FakeOpenAI) -> None:
    app = make_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await type_idea(pilot)
        await pilot.press("ctrl+j")
        await settle(pilot)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, AskScreen)
        await pilot.press(*"moodier", "enter")
        await settle(pilot)
        assert prompt_text(app).startswith("Refined (moodier)")
        sent = server.chat_requests()[-1].body["messages"][1]["content"]
        assert EXPECTED in sent and "Rewrite it with this change: moodier" in sent
        assert "v2/2" in str(app.query_one("#prompt-pane").border_subtitle)
        await pilot.press("alt+left")
        assert prompt_text(app) == EXPECTED


async def test_refine_escape_sends_nothing(server: FakeOpenAI) -> None:
    app = make_app(server)
    async with app.run_test(notifications=True) as pilot:
        await type_idea(pilot)
        await pilot.press("ctrl+j")
        await settle(pilot)
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.press(*"x", "escape")
        await settle(pilot)
        assert len(server.chat_requests()) == 1
        assert not isinstance(app.screen, AskScreen)


async def test_save_prompt_and_then_a_variation(server: FakeOpenAI) -> None:
    app = make_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await type_idea(pilot)
        await pilot.press("ctrl+j")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        [entry] = saved()
        assert entry.prompt == EXPECTED
        assert entry.idea == IDEA
        assert entry.target == "dalle"
        assert entry.model == "gpt-5.4-mini"
        listed = app.query_one(LibraryList).entries
        assert [e.id for e in listed] == [entry.id]
        assert str(app.query_one("#library-pane").border_subtitle) == "1 saved"

        await pilot.press("ctrl+s")
        await settle(pilot)
        assert len(saved()) == 1  # the same version again: the entry is updated, not copied

        await pilot.press("ctrl+n")
        await settle(pilot)
        app.query_one(VariationsPane).option_list.focus()
        await pilot.press("down", "down", "s")
        await settle(pilot)
        prompts = sorted(e.prompt for e in saved())
        assert prompts[1].startswith("Variation 3:")
        assert any("Saved variation 3 of v1 as" in n for n in told(app))

        await pilot.press("ctrl+s")  # ctrl+s still saves the prompt shown, whatever has focus
        await settle(pilot)
        assert len(saved()) == 2
        said = "The prompt (v1, generated) is already saved as"
        assert any(said in n for n in told(app))


async def test_hand_edit_is_kept_and_saved(server: FakeOpenAI) -> None:
    app = make_app(server)
    async with app.run_test(notifications=True) as pilot:
        await type_idea(pilot)
        await pilot.press("ctrl+j")
        await settle(pilot)
        app.prompt_pane.stream.focus()  # tab or click into the pane: the editor takes over
        await pilot.pause()
        editor = app.query_one("#prompt", TextArea)
        assert app.focused is editor
        assert editor.cursor_location == editor.document.end
        await pilot.press(*" Wide angle.")
        await pilot.pause()
        assert "edited" in str(app.query_one("#prompt-pane").border_subtitle)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert saved()[0].prompt == EXPECTED + " Wide angle."


async def test_library_search_load_favourite_tag_delete_undo(server: FakeOpenAI) -> None:
    entries = fill_library(30)
    fill_library(1, prefix="Neon")
    app = make_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await settle(pilot)
        library_list = app.query_one(LibraryList)
        assert len(library_list.entries) == 31
        assert str(app.query_one("#library-pane").border_subtitle) == "31 saved"

        await pilot.press("ctrl+l", *"neon")
        assert app.query_one("#library-search", Input).has_focus
        assert [e.title for e in library_list.entries] == ["neon idea 0"]
        assert "1 of 31" in str(app.query_one("#library-pane").border_subtitle)
        await pilot.press("enter")  # from the search box to the list
        assert app.focused is library_list
        await pilot.press("enter")  # load
        await settle(pilot)
        assert app.idea_pane.idea == "neon idea 0"
        assert prompt_text(app).startswith("Neon 0:")
        assert app.idea_pane.target == "midjourney"

        app.query_one("#library-search", Input).value = ""
        await pilot.pause()
        library_list.focus()
        library_list.cursor = [e.id for e in library_list.entries].index(entries[5].id)
        await pilot.press("f")
        await settle(pilot)
        assert Library(locations.library_dir()).get(entries[5].id).favorite

        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, AskScreen)
        app.screen.query_one(Input).value = "Beach, #Gold hour"
        await pilot.press("enter")
        await settle(pilot)
        assert Library(locations.library_dir()).get(entries[5].id).tags == ["beach", "gold", "hour"]

        await pilot.press("r")
        await pilot.pause()
        app.screen.query_one(Input).value = "Renamed entry"
        await pilot.press("enter")
        await settle(pilot)
        assert Library(locations.library_dir()).get(entries[5].id).title == "Renamed entry"

        await pilot.press("d")
        await settle(pilot)
        assert entries[5].id not in [e.id for e in library_list.entries]
        assert not (locations.library_dir() / f"{entries[5].id}.toml").exists()
        assert any("Press u" in n for n in told(app))
        await pilot.press("u")
        await settle(pilot)
        assert entries[5].id in [e.id for e in library_list.entries]
        assert (locations.library_dir() / f"{entries[5].id}.toml").exists()


async def test_library_sees_changes_from_another_process(server: FakeOpenAI) -> None:
    fill_library(2)
    app = make_app(server)
    async with app.run_test(notifications=True) as pilot:
        await settle(pilot)
        fill_library(1, prefix="Outside")
        await wait_until(pilot, lambda: len(app.query_one(LibraryList).entries) == 3, "listed")
        assert "outside idea 0" in [e.title for e in app.query_one(LibraryList).entries]


async def test_draft_is_restored_after_quit_mid_stream(server: FakeOpenAI) -> None:
    server.queue_chat(Chat())
    server.queue_chat(*[Chat(delay=0.01)] * 4)
    app = make_app(server)
    async with app.run_test(notifications=True) as pilot:
        await type_idea(pilot)
        await pilot.press("ctrl+j")
        await settle(pilot)
        server.queue_chat(Chat(text=" ".join(f"w{i}" for i in range(400)), delay=0.01))
        await pilot.press("ctrl+n")
        await settle(pilot)
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: len(prompt_text(app).split()) >= 3, "three words")
        await pilot.press("ctrl+q")
    draft = json.loads(locations.draft_file().read_text())
    assert draft["idea"] == IDEA
    assert [len(v["variations"]) for v in draft["versions"]] == [4, 0]

    again = make_app(server)
    async with again.run_test(notifications=True) as pilot:
        await pilot.pause()
        assert again.idea_pane.idea == IDEA
        assert prompt_text(again).startswith("w0 w1 w2")
        caption = str(again.query_one("#prompt-pane").border_subtitle)
        assert "interrupted" in caption and "v2/2" in caption
        await pilot.press("alt+left")
        assert prompt_text(again) == EXPECTED
        assert [i.text.split(":")[0] for i in again.query_one(VariationsPane).items] == [
            "Variation 1",
            "Variation 2",
            "Variation 3",
            "Variation 4",
        ]


async def test_damaged_draft_is_reported_not_fatal(server: FakeOpenAI) -> None:
    locations.draft_file().parent.mkdir(parents=True, exist_ok=True)
    locations.draft_file().write_text("{broken")
    app = make_app(server)
    async with app.run_test(notifications=True) as pilot:
        await pilot.pause()
        assert any("damaged" in n for n in told(app))
        assert app.idea_pane.idea == ""


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (Error(401, "Incorrect API key provided", code="invalid_api_key"), "rejected (401)"),
        (Error(404, "The model does not exist", code="model_not_found"), "retired"),
        (Error(429, "Rate limit reached", code="rate_limit_exceeded"), "rate limiting"),
        (Error(429, "quota", code="insufficient_quota"), "out of credit"),
        (Error(500, "boom"), "(500)"),
        (Chat(error_event_after=3), "The upstream model crashed."),
        (Chat(malformed_after=3), "not the OpenAI format"),
    ],
)
async def test_errors_become_notifications(server: FakeOpenAI, reply: object, words: str) -> None:
    server.queue_chat(reply)  # type: ignore[arg-type]
    app = make_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await type_idea(pilot)
        await pilot.press("ctrl+j")
        await settle(pilot)
        shown = told(app)
        assert any(words in n for n in shown), shown
        assert not any(TEST_KEY in n for n in shown)
        assert "error" in str(app.query_one("#prompt-pane").border_subtitle)
        server.queue_chat(Chat())
        await pilot.press("ctrl+j")  # the app is still usable
        await settle(pilot)
        assert prompt_text(app) == EXPECTED


async def test_partial_text_kept_when_stream_fails(server: FakeOpenAI) -> None:
    server.queue_chat(Chat(error_event_after=3))
    app = make_app(server)
    async with app.run_test(notifications=True) as pilot:
        await type_idea(pilot)
        await pilot.press("ctrl+j")
        await settle(pilot)
        assert prompt_text(app) == "A vivid picture "


async def test_missing_key_explains(server: FakeOpenAI) -> None:
    app = make_app(engine="chat")
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await type_idea(pilot)
        await pilot.press("ctrl+j")
        await settle(pilot)
        assert any("No API key" in n and "OPENAI_API_KEY" in n for n in told(app))
        assert server.requests == []


async def test_connection_refused(server: FakeOpenAI) -> None:
    app = make_app(base_url="http://127.0.0.1:9/v1", api_key=TEST_KEY)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await type_idea(pilot)
        await pilot.press("ctrl+j")
        await settle(pilot)
        assert any("Cannot connect" in n for n in told(app))


async def test_model_output_is_shown_literally(server: FakeOpenAI) -> None:
    hostile = "[bold]Loud[/] [link=http://x]y[/link] \x1b[31mred\x1b[0m \x1b]52;c;SGk=\x07 end"
    server.queue_chat(Chat(text=hostile))
    app = make_app(server)
    async with app.run_test(notifications=True) as pilot:
        await type_idea(pilot)
        await pilot.press("ctrl+j")
        await settle(pilot)
        assert prompt_text(app) == (
            "[bold]Loud[/] [link=http://x]y[/link] ␛[31mred␛[0m ␛]52;c;SGk=␇ end"
        )
        await pilot.press("ctrl+s")
        await settle(pilot)
        # Stored as text enters an entry: the markup stays text, the escape sequences go.
        assert saved()[0].prompt == "[bold]Loud[/] [link=http://x]y[/link] red  end"


async def test_key_remapping_from_config(server: FakeOpenAI) -> None:
    app = make_app(server, keys={"generate": "f8", "nonsense": "f6"})
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await type_idea(pilot)
        await pilot.press("ctrl+j")
        await settle(pilot)
        assert server.requests == []
        await pilot.press("f8")
        await settle(pilot)
        assert prompt_text(app) == EXPECTED
        assert any("`keys.nonsense` names no action" in n for n in told(app))
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "f8" in screen_text(app)


async def test_help_lists_every_key(server: FakeOpenAI) -> None:
    from artisan.tui.keymap import KEYMAP

    app = make_app(server)
    async with app.run_test(notifications=True, size=(120, 60)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        text = screen_text(app)
        app.screen.query_one("#help").scroll_end(animate=False)
        await pilot.pause()
        text += screen_text(app)
        for action in KEYMAP:
            assert action.id in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_command_palette_offers_every_action(server: FakeOpenAI) -> None:
    from artisan.tui.keymap import KEYMAP

    app = make_app(server)
    async with app.run_test(notifications=True) as pilot:
        titles = {command.title for command in app.get_system_commands(app.screen)}
        for action in KEYMAP:
            if action.palette:
                assert any(action.label in title for title in titles), action.id
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert type(app.screen).__name__ == "CommandPalette"


def write_theme(name: str, text: str) -> Path:
    folder = locations.user_themes_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


async def test_themes_good_and_broken_files(server: FakeOpenAI) -> None:
    write_theme("mine.toml", 'name = "mine"\nprimary = "#00aa88"\ndark = false\n')
    broken = write_theme("broken.toml", 'name = "broken"\nprimary = "not-a-colour"\n')
    syntax = write_theme("syntax.toml", "name = \n")
    app = make_app(server, theme="mine")
    async with app.run_test(notifications=True) as pilot:
        await pilot.pause()
        assert app.theme == "mine"
        assert {"artisan-dark", "artisan-light", "darkroom", "textual-dark"} <= set(
            app.available_themes
        )
        shown = told(app)
        assert any(str(broken) in n for n in shown)
        assert any(str(syntax) in n for n in shown)


async def test_switching_theme_persists_it(server: FakeOpenAI) -> None:
    from artisan import config

    app = make_app(server)
    async with app.run_test(notifications=True) as pilot:
        app.theme = "darkroom"
        await settle(pilot)
    assert config.load().settings.theme == "darkroom"


async def test_unknown_theme_falls_back(server: FakeOpenAI) -> None:
    app = make_app(server, theme="nope")
    async with app.run_test(notifications=True) as pilot:
        await pilot.pause()
        assert app.theme == "artisan-dark"
        assert [n for n in told(app) if "nope" in n and "F1" not in n] == [
            "Theme `nope` cannot be used: it is not among the themes "
            f"({', '.join(sorted(app.available_themes))}). Using artisan-dark."
        ]


async def test_library_problems_are_reported(server: FakeOpenAI) -> None:
    fill_library(2)
    (locations.library_dir() / "bad.toml").write_text("not = [toml")
    app = make_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await settle(pilot)
        assert len(app.query_one(LibraryList).entries) == 2
        assert any("bad.toml" in n for n in told(app))


async def test_narrow_terminal_stacks_panes(server: FakeOpenAI) -> None:
    app = make_app(server)
    async with app.run_test(notifications=True, size=(60, 40)) as pilot:
        await pilot.pause()
        assert app.screen.has_class("-narrow")
        idea = app.query_one("#idea-pane").region
        prompt = app.query_one("#prompt-pane").region
        assert prompt.y > idea.y
    wide = make_app(server)
    async with wide.run_test(notifications=True, size=(80, 24)) as pilot:
        await pilot.pause()
        assert not wide.screen.has_class("-narrow")
        for pane_id in ("#idea-pane", "#prompt-pane", "#variations-pane", "#library-pane"):
            region = wide.query_one(pane_id).region
            assert region.width >= 20 and region.height >= 5, pane_id
            assert region.right <= 80 and region.bottom <= 23, pane_id


COPIED = f"Copied the prompt ({len(EXPECTED)} characters)"


@pytest.mark.parametrize(
    ("environment", "tmux_answer", "words"),
    [
        ({"TERM_PROGRAM": "WezTerm"}, None, COPIED),
        ({"TERM_PROGRAM": "Apple_Terminal"}, None, "Not copied: Terminal.app ignores OSC 52."),
        ({"TMUX": "/tmp/tmux-0/default,1,0"}, "external", "set -g set-clipboard on"),
        ({"TMUX": "/tmp/tmux-0/default,1,0"}, "on", COPIED),
    ],
    ids=["wezterm", "terminal-app", "tmux-external", "tmux-on"],
)
async def test_copy_says_what_became_of_it(
    server: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    environment: dict[str, str],
    tmux_answer: str | None,
    words: str,
) -> None:
    """The prompt is sent with OSC 52, and the notice never claims a copy that cannot arrive
    (under tmux the notice follows tmux's own set-clipboard setting)."""
    for name in ("TERM_PROGRAM", "VTE_VERSION", "TMUX", "STY", "KITTY_WINDOW_ID"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    if tmux_answer is not None:
        fake = tmp_path / "bin" / "tmux"
        fake.parent.mkdir()
        fake.write_text(f"#!/bin/sh\necho {tmux_answer}\n")
        fake.chmod(0o755)
        monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    app = make_app(server)
    async with app.run_test(notifications=True) as pilot:
        await type_idea(pilot)
        await pilot.press("ctrl+j")
        await settle(pilot)
        await pilot.press("ctrl+y")
        await wait_until(pilot, lambda: any(words in n for n in told(app)), words)
        assert app.clipboard == EXPECTED
        if "Copied" not in words:
            assert not any("Copied" in n for n in told(app))


async def test_generate_with_empty_idea_says_so(server: FakeOpenAI) -> None:
    app = make_app(server)
    async with app.run_test(notifications=True) as pilot:
        await pilot.press("ctrl+j", "ctrl+n", "ctrl+r", "ctrl+s")
        await pilot.pause()
        shown = told(app)
        assert any("Describe the image" in n for n in shown)
        assert server.requests == []


def test_first_screen_does_not_import_openai() -> None:
    """The app paints its first screen without importing the openai SDK."""
    import subprocess
    import sys

    code = (
        "import asyncio, sys\n"
        "from artisan.config import Settings\n"
        "from artisan.tui.app import ArtisanApp\n"
        "async def main():\n"
        "    app = ArtisanApp(Settings())\n"
        "    async with app.run_test(notifications=True) as pilot:\n"
        "        await pilot.pause()\n"
        "        print('openai' in sys.modules)\n"
        "asyncio.run(main())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=True,
    )
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("idea", "words"),
    [
        ("   \n\t ", "Describe the image"),
        ("x" * 1_000_000, "1,000,000 characters"),
    ],
    ids=["whitespace", "one-megabyte"],
)
async def test_odd_ideas_are_refused_clearly(server: FakeOpenAI, idea: str, words: str) -> None:
    """Whitespace only or a 1 MB paste: a clear message, nothing sent, the idea kept."""
    app = make_app(server)
    async with app.run_test(notifications=True) as pilot:
        editor = app.query_one("#idea", TextArea)
        editor.focus()
        editor.load_text(idea)
        await pilot.pause()
        await pilot.press("ctrl+j")
        await settle(pilot)
        assert any(words in n for n in told(app))
        assert server.requests == []
        assert editor.text == idea


async def test_unusual_text_round_trips(server: FakeOpenAI) -> None:
    """Emoji, right-to-left script and combining characters survive generate and save; a NUL
    is shown as a picture and not stored."""
    text = "🌅 sunset مرحبا e\u0301 nul\x00 end"
    server.queue_chat(Chat(text=text))
    app = make_app(server)
    async with app.run_test(notifications=True) as pilot:
        await type_idea(pilot, "sunset 🌅 مرحبا")
        await pilot.press("ctrl+j")
        await settle(pilot)
        assert prompt_text(app) == "🌅 sunset مرحبا e\u0301 nul␀ end"
        await pilot.press("ctrl+s")
        await settle(pilot)
        [entry] = saved()
        assert entry.prompt == "🌅 sunset مرحبا e\u0301 nul end"
        assert entry.idea == "sunset 🌅 مرحبا"


async def test_library_follows_files_deleted_or_edited_elsewhere(server: FakeOpenAI) -> None:
    """Another program deletes one file and rewrites another: the list follows, nothing breaks."""
    gone, edited, kept = fill_library(3)
    app = make_app(server)
    async with app.run_test(notifications=True) as pilot:
        await settle(pilot)
        library_list = app.query_one(LibraryList)
        assert len(library_list.entries) == 3
        folder = locations.library_dir()
        (folder / f"{gone.id}.toml").unlink()
        path = folder / f"{edited.id}.toml"
        text = path.read_text().replace('title = "prompt idea 1"', 'title = "edited elsewhere"')
        replacement = folder / ".edit.tmp"
        replacement.write_text(text)
        replacement.replace(path)  # how editors and git write files
        await wait_until(pilot, lambda: len(library_list.entries) == 2, "the deletion shown")
        await wait_until(
            pilot,
            lambda: "edited elsewhere" in [e.title for e in library_list.entries],
            "the edit shown",
        )
        await settle(pilot)
        titles = [e.title for e in library_list.entries]
        assert sorted(titles) == sorted(["edited elsewhere", kept.title])
        library_list.focus()
        library_list.cursor = titles.index("edited elsewhere")
        await pilot.press("f")
        await settle(pilot)
        assert Library(locations.library_dir()).get(edited.id).favorite is (not edited.favorite)


async def test_ctrl_j_right_after_typing_uses_every_key(server: FakeOpenAI) -> None:
    """Keys arriving in one burst (a paste, a fast typist, tmux send-keys) all reach the idea."""
    app = make_app(server)
    async with app.run_test(notifications=True) as pilot:
        app.query_one("#idea", TextArea).focus()
        await pilot.pause()
        for key in [*"a fox", "ctrl+j"]:
            app.simulate_key(key)
        await wait_until(pilot, server.chat_requests, "the request")
        await settle(pilot)
        assert server.chat_requests()[0].body["messages"][1]["content"].endswith("a fox")
