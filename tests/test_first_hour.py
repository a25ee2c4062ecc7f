"""What a new user tripped over in the first hour, each fixed and held by a test."""

from __future__ import annotations

import os
import select
import subprocess
import sys
from typing import Any

import pytest
from rich.cells import cell_len
from textual.widgets import TextArea

from artisan import locations
from artisan.draft import Draft, PromptVersion, load_draft, save_draft
from artisan.library import Library
from artisan.tui.screens.ask import ConfirmScreen
from conftest import TEST_TIME
from fake_openai import Chat, FakeOpenAI
from tui_helpers import (
    fill_library,
    make_app,
    notifications,
    screen_text,
    settle,
    told,
    wait_until,
)

LONG = " ".join(f"word{n}" for n in range(400))


async def test_resizing_lays_the_panes_out_again() -> None:
    app = make_app(engine="composer")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not app.screen.has_class("-narrow")
        await pilot.resize_terminal(60, 24)
        await wait_until(pilot, lambda: app.screen.has_class("-narrow"), "stacked")
        idea, prompt = app.query_one("#idea-pane").region, app.query_one("#prompt-pane").region
        assert prompt.y > idea.y
        await pilot.resize_terminal(100, 30)
        await wait_until(pilot, lambda: not app.screen.has_class("-narrow"), "side by side")
        idea, prompt = app.query_one("#idea-pane").region, app.query_one("#prompt-pane").region
        assert prompt.x > idea.x


async def test_the_scrollbar_never_covers_the_text() -> None:
    """A prompt longer than the pane, the pane not focused: every wrapped line is on screen
    whole (the last column used to be under the scrollbar)."""
    save_draft(
        locations.draft_file(),
        Draft(idea="x", target="dalle", versions=[PromptVersion(text=LONG)], current=0),
    )
    app = make_app(engine="composer")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        view = app.prompt_pane.stream
        assert view.max_scroll_y > 0  # the scrollbar is there
        shown = screen_text(app)
        visible_lines = view._lines[: view.scrollable_content_region.height]
        assert visible_lines
        for line in visible_lines:
            assert line.rstrip() in shown
            assert cell_len(line.rstrip()) <= view.scrollable_content_region.width


async def test_a_restored_prompt_is_shown_from_its_start() -> None:
    save_draft(
        locations.draft_file(),
        Draft(idea="x", target="dalle", versions=[PromptVersion(text=LONG)], current=0),
    )
    app = make_app(engine="composer")
    async with app.run_test(size=(60, 24)) as pilot:
        await settle(pilot)
        assert app.prompt_pane.stream.scroll_offset.y == 0
        assert "word0 " in screen_text(app)


async def test_editing_an_old_version_makes_a_new_one(server: FakeOpenAI) -> None:
    app = make_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        app.idea_pane.editor.focus()
        await pilot.press(*"a fox", "ctrl+j")
        await settle(pilot)
        server.queue_chat(Chat(text="A fox, moodier."))
        app.workshop.draft.current = 0
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.press(*"moodier", "enter")
        await settle(pilot)
        first = app.workshop.versions[0].text
        await pilot.press("alt+left")
        app.prompt_pane.stream.focus()
        await pilot.pause()
        editor = app.query_one("#prompt", TextArea)
        await wait_until(pilot, lambda: app.focused is editor, "editor")
        await pilot.press(*" Snow.")
        await wait_until(pilot, lambda: len(app.workshop.versions) == 3, "a third version")
        assert app.workshop.versions[0].text == first  # v1 is history, kept as it was
        assert app.workshop.versions[2].text == first + " Snow."
        caption = str(app.prompt_pane.border_subtitle)
        assert caption.startswith("v3/3 edited v1")


async def test_rendering_an_unsaved_prompt_saves_its_idea_target_and_model(
    server: FakeOpenAI,
) -> None:
    app = make_app(server, open="never")
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        app.idea_pane.editor.focus()
        await pilot.press(*"a fox at dawn")
        app.idea_pane.target = "midjourney"
        await pilot.press("ctrl+j")
        await settle(pilot)
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "RenderScreen", "dialog")
        await pilot.press("enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ != "RenderScreen", "rendered")
        library = Library(locations.library_dir())
        library.load()
        [entry] = library.entries()
        assert entry.idea == "a fox at dawn"
        assert entry.target == "midjourney"
        assert entry.model == "gpt-5.4-mini"
        assert len(entry.images) == 1


async def test_a_missing_viewer_is_told_once(server: FakeOpenAI) -> None:
    def missing(command: Any, path: Any) -> None:
        raise FileNotFoundError(command[0])

    from artisan.config import Settings
    from artisan.tui.app import ArtisanApp
    from conftest import TEST_KEY

    app = ArtisanApp(
        Settings(
            base_url=server.url,
            api_key=TEST_KEY,
            image_base_url=server.url,
            image_api_key=TEST_KEY,
            open="system",
            max_retries=0,
        ),
        image_launcher=missing,
    )
    async with app.run_test(notifications=True, size=(80, 24)) as pilot:
        app.idea_pane.editor.focus()
        await pilot.press(*"a fox", "ctrl+j")
        await settle(pilot)
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "RenderScreen", "dialog")
        await pilot.press("enter")
        await wait_until(pilot, lambda: any("No viewer" in n for n in told(app)), "the notice")
        [notice] = [n for n in app.long_messages if "No viewer" in n]
        path = str(app.pictures.last[0]) if app.pictures.last else ""
        assert path and notice.count(path) == 1
        assert notice.count("The image is at") == 1


async def test_the_key_bar_keeps_help_and_quit_at_80_columns(server: FakeOpenAI) -> None:
    app = make_app(server)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        bar = screen_text(app).splitlines()[-1]
        assert "Help" in bar and "Quit" in bar
    narrow = make_app(server)
    async with narrow.run_test(size=(60, 24)) as pilot:
        await pilot.pause()
        bar = screen_text(narrow).splitlines()[-1]
        assert bar.rstrip().endswith("Quit")


async def test_entries_with_one_title_are_told_apart() -> None:
    library = Library(locations.library_dir())
    from artisan.entry import PromptEntry

    twins = [library.add(PromptEntry.create(f"Prompt {n}", title="Harbour")) for n in range(2)]
    app = make_app(engine="composer")
    async with app.run_test(size=(120, 30)) as pilot:
        listing = app.library_pane.list
        await wait_until(pilot, lambda: len(listing.entries) == 2, "listed")
        await pilot.pause()
        shown = screen_text(app)
        for entry in twins:
            assert f"Harbour {entry.id[:4]}" in " ".join(shown.split())


async def test_long_titles_keep_their_ends_in_sight() -> None:
    fill_library(1, prefix="A very long harbour title that goes on and on, number")
    app = make_app(engine="composer")
    async with app.run_test(size=(80, 24)) as pilot:
        listing = app.library_pane.list
        await wait_until(pilot, lambda: len(listing.entries) == 1, "listed")
        await pilot.pause()
        assert "idea 0" in screen_text(app)  # the end of "... number idea 0"


async def test_down_in_the_search_box_reaches_the_results() -> None:
    fill_library(3)
    app = make_app(engine="composer")
    async with app.run_test(size=(120, 30)) as pilot:
        listing = app.library_pane.list
        await wait_until(pilot, lambda: len(listing.entries) == 3, "listed")
        await pilot.press("ctrl+l", *"prompt", "down")
        assert app.focused is listing
        await pilot.press("f")  # a favourite, not an "f" typed into the query
        await settle(pilot)
        assert app.library_pane.search_box.value == "prompt"


async def test_deleting_from_the_palette_says_which_entry_and_asks() -> None:
    [first, _] = fill_library(2)
    app = make_app(engine="composer")
    async with app.run_test(notifications=True, size=(120, 30)) as pilot:
        listing = app.library_pane.list
        await wait_until(pilot, lambda: len(listing.entries) == 2, "listed")
        app.idea_pane.editor.focus()
        app.library_pane.act_from_palette("entry('delete')")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "asked")
        await wait_until(pilot, lambda: first.title in screen_text(app), "the entry named")
        assert app.focused is not None
        await pilot.press("escape")  # no
        await settle(pilot)
        assert (locations.library_dir() / f"{first.id}.toml").exists()
        app.library_pane.act_from_palette("entry('delete')")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "asked again")
        await wait_until(pilot, lambda: app.screen.query("#no"), "the buttons")
        no = app.screen.query_one("#no")
        await wait_until(pilot, lambda: app.focused is no, "No focused, the safe answer")
        await pilot.press("tab")
        await wait_until(pilot, lambda: app.focused is app.screen.query_one("#yes"), "Delete")
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(listing.entries) == 1, "deleted")
        assert not (locations.library_dir() / f"{first.id}.toml").exists()


async def test_the_palette_shows_each_commands_key_and_no_duplicates() -> None:
    app = make_app(engine="composer", keys={"generate": "f8"})
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        commands = list(app.get_system_commands(app.screen))
        titles = [command.title for command in commands]
        assert titles.count("Quit") == 1 and "Keys" not in titles
        generate = next(c for c in commands if c.title == "Generate")
        assert generate.help.startswith("f8 · ")


async def test_the_screenshot_goes_into_artisans_folder(monkeypatch: Any) -> None:
    monkeypatch.setenv("HOME", "/nonexistent-home")
    app = make_app(engine="composer")
    async with app.run_test(notifications=True, size=(80, 24)) as pilot:
        await pilot.pause()
        [shot] = [c for c in app.get_system_commands(app.screen) if c.title == "Screenshot"]
        shot.callback()
        await wait_until(pilot, lambda: any("screenshot" in n for n in notifications(app)), "")
        [saved] = (locations.data_dir() / "screenshots").glob("*.svg")
        assert str(saved) in " ".join(notifications(app))


def test_no_graphics_query_is_sent_under_tmux() -> None:
    """Under tmux the probe writes nothing to the terminal (its Kitty query used to become the
    pane's title); outside tmux it does ask, which is what makes this test able to fail."""
    code = (
        "from artisan.tui.graphics import GraphicsProbe, under_multiplexer\n"
        "import os\n"
        "probe = GraphicsProbe(ask=not under_multiplexer(os.environ))\n"
        "probe.start()\n"
        "print('PROTOCOL', probe.result())\n"
    )
    assert b"\x1b" not in _run_in_a_terminal(code, {"TMUX": "/tmp/tmux-0/default,1,0"})
    assert b"\x1b_G" in _run_in_a_terminal(code, {})


@pytest.mark.parametrize(
    "terminal",
    [{"TERM": "tmux-256color"}, {"TERM": "screen-256color"}, {"TERM_PROGRAM": "tmux"}],
    ids=["tmux-terminal", "screen-terminal", "tmux-program"],
)
def test_no_graphics_query_is_sent_in_a_tmux_pane_reached_over_ssh(
    terminal: dict[str, str],
) -> None:
    """`ssh` from a tmux pane leaves $TMUX behind but not the terminal type: the Kitty query
    would still become the pane's title."""
    code = (
        "from artisan.tui.graphics import GraphicsProbe, under_multiplexer\n"
        "import os\n"
        "probe = GraphicsProbe(ask=not under_multiplexer(os.environ))\n"
        "probe.start()\n"
        "print('PROTOCOL', probe.result())\n"
    )
    assert b"\x1b_G" not in _run_in_a_terminal(code, terminal)


def _run_in_a_terminal(code: str, extra: dict[str, str]) -> bytes:
    leader, follower = os.openpty()
    hidden = ("TMUX", "STY", "TERM", "TERM_PROGRAM")  # the test's own terminal says nothing
    environment = {k: v for k, v in os.environ.items() if k not in hidden}
    environment["TERM"] = "xterm-256color"
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env={**environment, **extra},
    )
    os.close(follower)
    output = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 30)
        assert ready, "the probe wrote nothing for 30 s"
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    process.wait(timeout=30)
    assert b"PROTOCOL" in output
    return output


async def test_what_changed_between_two_versions_can_be_seen(server: FakeOpenAI) -> None:
    from artisan.tui.screens.compare import CompareScreen, changed_words

    server.queue_chat(Chat(text="A red fox in the snow."), Chat(text="A red fox in the rain."))
    app = make_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        app.idea_pane.editor.focus()
        await pilot.press(*"a fox", "ctrl+j")
        await settle(pilot)
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.press(*"rain", "enter")
        await settle(pilot)
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, CompareScreen), "compared")
        await wait_until(pilot, lambda: "compared with v1" in screen_text(app), "the title")
        assert "1 words taken out [-like this-], 1 put in" in screen_text(app)
    assert changed_words("a b c", "a x c d") == (1, 2)


async def test_a_library_entry_can_be_read_before_it_is_loaded() -> None:
    from artisan.tui.screens.entry_preview import EntryPreview

    [entry] = fill_library(1)
    app = make_app(engine="composer")
    async with app.run_test(size=(120, 30)) as pilot:
        listing = app.library_pane.list
        await wait_until(pilot, lambda: len(listing.entries) == 1, "listed")
        listing.focus()
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, EntryPreview), "previewed")
        await wait_until(pilot, lambda: entry.prompt in screen_text(app), "its prompt")
        assert app.workshop.versions == []  # nothing loaded yet
        await pilot.press("escape")
        await settle(pilot)
        assert app.workshop.versions == []
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, EntryPreview), "again")
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(app.workshop.versions) == 1, "loaded")
        assert app.workshop.versions[0].entry_id == entry.id


async def test_a_second_app_on_the_same_folder_keeps_its_own_draft() -> None:
    """Two SSH sessions, one data folder: the second app says where its draft goes, and
    neither overwrites the other's."""
    first = make_app(engine="composer")
    second = make_app(engine="composer")
    try:
        assert first.keeper.path.name == "draft.json"
        assert second.keeper.path.name == "draft-2.json"
        async with second.run_test(notifications=True) as pilot:
            await wait_until(pilot, lambda: any("draft-2.json" in n for n in told(second)), "told")
            second.idea_pane.editor.focus()
            await pilot.press(*"second idea")
            await pilot.press("ctrl+q")
        first.workshop.idea = "first idea"
        first.keeper.save_now()
        import json

        assert json.loads(first.keeper.path.read_text())["idea"] == "first idea"
        assert json.loads(second.keeper.path.read_text())["idea"] == "second idea"
    finally:
        first.keeper.release()
        second.keeper.release()


async def test_a_short_narrow_terminal_keeps_the_target_line_and_the_prompt() -> None:
    app = make_app(engine="composer")
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        assert app.screen.has_class("-narrow")
        picker = app.idea_pane.selector.region
        assert picker.height == 1 and picker.bottom <= app.query_one("#idea-pane").region.bottom
        assert app.query_one("#prompt-pane").region.height >= 5
        assert "Target" in screen_text(app)


async def write_with_composer(pilot: Any, idea: str) -> None:
    app = pilot.app
    app.idea_pane.editor.focus()
    await pilot.press(*idea, "ctrl+j")
    await wait_until(pilot, lambda: app.workshop.versions, "a prompt written")
    await settle(pilot)


async def test_a_new_draft_keeps_the_old_one_in_the_history() -> None:
    app = make_app(engine="composer")
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await write_with_composer(pilot, "a fox in the snow")
        written = app.workshop.versions[0].text
        await pilot.press("ctrl+p")
        await pilot.press(*"new draft")
        await wait_until(pilot, lambda: "Start over" in screen_text(app), "the command listed")
        await pilot.press("enter")
        await wait_until(pilot, lambda: not app.workshop.versions, "an empty draft")
        await settle(pilot)
        assert app.idea_pane.idea == ""
        assert written not in screen_text(app)
        [kept] = (locations.data_dir() / "drafts").iterdir()
        old, damage = load_draft(kept)
        assert damage is None
        assert old.idea == "a fox in the snow" and old.versions[0].text == written
        assert any(f"kept in {kept}" in " ".join(n.split()) for n in notifications(app))


async def test_a_new_draft_that_cannot_keep_the_old_one_changes_nothing() -> None:
    app = make_app(engine="composer")
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await write_with_composer(pilot, "a fox in the snow")
        (locations.data_dir() / "drafts").write_text("a file where the history would go")
        app.action_new_draft()
        await settle(pilot)
        assert app.idea_pane.idea == "a fox in the snow"
        assert len(app.workshop.versions) == 1
        assert any("could not be kept" in n for n in notifications(app))


@pytest.mark.by_date
async def test_ages_in_the_library_move_on_while_the_app_is_open(monkeypatch: Any) -> None:
    """Ages are told on the app's clock, read again as it moves on."""
    from datetime import timedelta

    from artisan.entry import PromptEntry
    from artisan.tui.widgets import library_list

    monkeypatch.setattr(library_list, "AGE_REFRESH", 0.1)
    library = Library(locations.library_dir())
    entry = PromptEntry.create("A harbour at dawn", title="Harbour")
    entry.created = TEST_TIME - timedelta(seconds=50)
    library.add(entry)
    now = [TEST_TIME]
    app = make_app(engine="composer", clock=lambda: now[0])

    def age_shown() -> str:
        row = next(line for line in screen_text(app).splitlines() if "Harbour" in line)
        return row.rstrip(" │").split()[-1]

    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(pilot, lambda: "Harbour" in screen_text(app), "listed")
        assert age_shown() == "50s"
        now[0] = TEST_TIME + timedelta(seconds=15)
        await wait_until(pilot, lambda: age_shown() == "1m", "a minute old")
