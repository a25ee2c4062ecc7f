"""What a new user still found awkward in the first hour, the second time round: each
friction gone, held by a pilot test at 80x24 and 120x40."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import OptionList, Static

from artisan import config, locations
from artisan.discovery import KnownServer
from artisan.draft import Draft, Origin, PromptVersion, Variation, save_draft
from artisan.entry import PromptEntry
from artisan.library import Library
from artisan.state import State
from artisan.tui.app import ArtisanApp
from artisan.tui.screens.compare import CompareScreen
from artisan.tui.screens.targets import TargetList
from artisan.tui.screens.welcome import ServerOffer
from conftest import TEST_CLOCK
from fake_openai import FakeOpenAI
from test_setup import click
from test_tui_gallery import gallery_entry
from tui_helpers import fill_library, make_app, notifications, screen_text, settle, wait_until

SIZES = [(80, 24), (120, 40)]


@pytest.mark.parametrize("size", SIZES)
async def test_the_prompt_pane_says_which_expansion_it_shows(size: tuple[int, int]) -> None:
    app = make_app(engine="composer", variations=2)
    async with app.run_test(notifications=True, size=size) as pilot:
        app.idea_pane.editor.focus()
        await pilot.press(*"a fox in {red|blue} snow", "ctrl+j")
        await settle(pilot)
        version = app.workshop.version
        assert version is not None and version.idea in ("a fox in red snow", "a fox in blue snow")
        caption = str(app.prompt_pane.border_subtitle)
        assert f"for “{version.idea}”" in caption
        assert "for “a fox in" in screen_text(app)


@pytest.mark.parametrize("size", SIZES)
async def test_the_comparison_reads_apart_without_colour(size: tuple[int, int]) -> None:
    """F3 marks what was taken out and put in with brackets, not only with colour: no more
    "ukiyo-e35mm woodblockfilm"."""
    save_draft(
        locations.draft_file(),
        Draft(
            idea="a fox",
            target="dalle",
            versions=[
                PromptVersion(text="A ukiyo-e woodblock print of a fox in snow."),
                PromptVersion(
                    text="A 35mm film print of a fox in snow.",
                    origin=Origin.REFINED,
                    instruction="as a photo",
                    parent=0,
                ),
            ],
            current=1,
        ),
    )
    app = make_app(engine="composer")
    async with app.run_test(notifications=True, size=size) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, CompareScreen), "F3")
        await settle(pilot)
        shown = screen_text(app)
        assert "A [-ukiyo-e woodblock-]" in shown and "{+35mm film+} print" in shown
        assert "2 words taken out [-like this-], 2 put in {+like this+}" in shown


@pytest.mark.parametrize("size", SIZES)
async def test_library_rows_show_target_tags_and_whole_short_titles(
    size: tuple[int, int],
) -> None:
    """At 80 columns a row shows its target; at 120 its tags too; a title that fits is whole."""
    library = Library(locations.library_dir())
    library.add(
        PromptEntry.create(
            "A lighthouse.", title="Harbour at dawn", target="midjourney", tags=["sea"]
        )
    )
    library.add(
        PromptEntry.create(
            "A cat.", title="Neon cat", target="stable-diffusion", tags=["city", "night"]
        )
    )
    app = make_app(engine="composer")
    async with app.run_test(notifications=True, size=size) as pilot:
        await settle(pilot)
        await wait_until(pilot, lambda: len(app.library_pane.list.entries) == 2, "the library")
        await settle(pilot)
        rows = [
            line for line in screen_text(app).splitlines() if "Harbour" in line or "Neon" in line
        ]
        assert len(rows) == 2
        harbour = next(row for row in rows if "Harbour" in row)
        cat = next(row for row in rows if "Neon" in row)
        assert "Harbour at dawn" in harbour and "Neon cat" in cat
        assert "mj" in harbour or "midjourney" in harbour
        assert "sd" in cat or "stable-diffusion" in cat
        if size[0] >= 120:
            assert "#sea" in harbour and "#city" in cat


@pytest.mark.parametrize("size", SIZES)
async def test_loading_an_entry_keeps_the_idea_it_replaces(size: tuple[int, int]) -> None:
    """The typed idea (a wildcard template) is one ctrl+z away after loading an entry, and the
    notice says so."""
    Library(locations.library_dir()).add(
        PromptEntry.create("A lighthouse at dawn.", idea="a lighthouse", target="dalle")
    )
    app = make_app(engine="composer")
    async with app.run_test(notifications=True, size=size) as pilot:
        await wait_until(pilot, lambda: len(app.library_pane.list.entries) == 1, "the library")
        app.idea_pane.editor.focus()
        await pilot.press(*"a {red|blue} fox at __time_of_day__")
        app.library_pane.list.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.idea_pane.idea == "a lighthouse", "loaded")
        await settle(pilot)
        assert any("ctrl+z in the Idea pane brings back your idea" in n for n in notifications(app))
        app.idea_pane.editor.focus()
        await pilot.press("ctrl+z")
        await wait_until(pilot, lambda: "{red|blue}" in app.idea_pane.idea, "the idea back")
        assert app.idea_pane.idea == "a {red|blue} fox at __time_of_day__"


@pytest.mark.parametrize("size", SIZES)
async def test_one_key_clears_the_idea(size: tuple[int, int]) -> None:
    """ctrl+u clears a long, wrapped idea at once; ctrl+z brings it back."""
    app = make_app(engine="composer")
    long_idea = " ".join(["a lonely surfer at dusk on a wide beach"] * 3)
    async with app.run_test(notifications=True, size=size) as pilot:
        app.idea_pane.editor.focus()
        await pilot.press(*long_idea)
        assert app.idea_pane.idea == long_idea
        await pilot.press("ctrl+u")
        await wait_until(pilot, lambda: app.idea_pane.idea == "", "cleared")
        assert app.workshop.idea == ""
        await pilot.press("ctrl+z")
        await wait_until(pilot, lambda: app.idea_pane.idea == long_idea, "back")


@pytest.mark.parametrize("size", SIZES)
async def test_typing_on_the_target_line_writes_the_idea(size: tuple[int, int]) -> None:
    """Focus on the Target line (a tab too many, or a dialog closed): typing goes into the
    idea and opens no list; the focused pane has a heavy border, seen without colour."""
    app = make_app(engine="composer")
    async with app.run_test(notifications=True, size=size) as pilot:
        await settle(pilot)
        app.idea_pane.selector.focus()
        await pilot.press(*"a fox at dawn")
        await settle(pilot)
        assert not isinstance(app.screen, TargetList)
        assert app.idea_pane.idea == "a fox at dawn"
        assert app.focused is app.idea_pane.editor
        top = screen_text(app).splitlines()[0]
        assert top.startswith("┏━ Idea")
        app.library_pane.list.focus()
        await settle(pilot)
        assert screen_text(app).splitlines()[0].startswith("╭─ Idea")


@pytest.mark.parametrize("size", SIZES)
async def test_ctrl_o_finds_the_image_after_a_restart(
    size: tuple[int, int], tmp_path: Path
) -> None:
    """A draft whose variation was rendered (g) before the restart: ctrl+o shows its image
    instead of "No image yet", though no version was linked to the entry."""
    entry = gallery_entry(tmp_path / "pictures", count=2)
    Library(locations.library_dir()).update(entry.id, lambda e: setattr(e, "target", "dalle"))
    variations = [
        Variation(text="Another take.", state=State.DONE),
        Variation(text=entry.prompt, state=State.DONE),
    ]
    version = PromptVersion(text="A lighthouse, first take.", target="dalle", variations=variations)
    save_draft(
        locations.draft_file(),
        Draft(idea="a lighthouse", target="dalle", versions=[version], current=0),
    )
    app = make_app(engine="composer", open="never")
    async with app.run_test(notifications=True, size=size) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+o")
        await settle(pilot)
        said = notifications(app)
        assert not any("No image yet" in n for n in said)
        assert any(Path(entry.images[-1].path).name in n for n in said)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("typed", "found"), [("keys", "Help"), ("shortcuts", "Help")])
async def test_the_palette_finds_commands_by_other_words(
    size: tuple[int, int], typed: str, found: str
) -> None:
    app = make_app(engine="composer")
    async with app.run_test(notifications=True, size=size) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CommandPalette", "palette")
        await pilot.press(*typed)
        results = app.screen.query_one("CommandList", OptionList)
        await wait_until(pilot, lambda: results.option_count > 0, f"a command for {typed!r}")
        titles = [str(results.get_option_at_index(i).prompt) for i in range(results.option_count)]
        assert any(title.startswith(found) for title in titles), titles


ADVICE = (
    "No viewer: the viewer `xdg-open` is not installed (install xdg-utils). The image is at "
    "/home/me/Pictures/artisan/20261126-123001-a-tranquil-beach-at-sunset.png. Over SSH there "
    "is no screen for a viewer: `artisan config set open terminal` shows images in the "
    "terminal, `never` only says where they are. Kitty, WezTerm and iTerm2 draw them whole; "
    "other terminals draw half-blocks. See `artisan doctor` for what this terminal answered."
)


@pytest.mark.parametrize("size", SIZES)
async def test_a_notice_is_a_few_lines_and_f1_holds_the_rest(size: tuple[int, int]) -> None:
    """Long advice no longer covers the panes: its notice is a few lines, F1 shows it all."""
    app = make_app(engine="composer")
    async with app.run_test(notifications=True, size=size) as pilot:
        await settle(pilot)
        app.notify("Saved 1 image.")
        app.notify(ADVICE, severity="warning")
        await settle(pilot)
        toasts = list(app.screen.query("Toast"))
        assert len(toasts) == 2
        assert all(toast.region.height <= 5 for toast in toasts), [t.region for t in toasts]
        assert any("(more in F1)" in n for n in notifications(app))
        await pilot.press("f1")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "HelpScreen", "F1")
        await settle(pilot)
        shown = str(app.screen.query_one("#help-messages", Static).render())
        assert ADVICE in " ".join(shown.split())
        assert "Recent messages, in full" in screen_text(app)


@pytest.mark.parametrize("size", SIZES)
async def test_a_declined_server_is_offered_again_only_when_it_changed(
    size: tuple[int, int], server: FakeOpenAI
) -> None:
    """ "Not now" is remembered: the next start does not ask about the same server with the
    same models; a new model on it is worth asking about again."""
    here = [KnownServer("Ollama", server.port)]
    first = ArtisanApp(config.load().settings, local_servers=here, clock=TEST_CLOCK)
    async with first.run_test(notifications=True, size=size) as pilot:
        await wait_until(pilot, lambda: isinstance(first.screen, ServerOffer), "the offer")
        await click(pilot, "#not-now")
        await settle(pilot)
    again = ArtisanApp(config.load().settings, local_servers=here, clock=TEST_CLOCK)
    async with again.run_test(notifications=True, size=size) as pilot:
        await settle(pilot)
        await wait_until(pilot, lambda: len(server.requests) >= 2, "the second search")
        await settle(pilot)
        assert not isinstance(again.screen, ServerOffer)
    server.models = ["gpt-5.4-mini", "qwen3:4b"]
    changed = ArtisanApp(config.load().settings, local_servers=here, clock=TEST_CLOCK)
    async with changed.run_test(notifications=True, size=size) as pilot:
        await wait_until(pilot, lambda: isinstance(changed.screen, ServerOffer), "asked again")
        await click(pilot, "#not-now")
        await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
async def test_focus_comes_back_where_it_was_after_a_dialog(size: tuple[int, int]) -> None:
    """F3 and the refine question, closed with Esc: the focus is back on the pane it left,
    whichever that was."""
    save_draft(
        locations.draft_file(),
        Draft(
            idea="a fox",
            target="dalle",
            versions=[PromptVersion(text="one"), PromptVersion(text="two", parent=0)],
            current=1,
        ),
    )
    fill_library(2)
    app = make_app(engine="composer")
    async with app.run_test(notifications=True, size=size) as pilot:
        await settle(pilot)
        app.prompt_pane.use_editor()
        await settle(pilot)
        for pane in (app.idea_pane.editor, app.prompt_pane.editor, app.library_pane.list):
            for key in ("f3", "ctrl+r"):
                pane.focus()
                await settle(pilot)
                await pilot.press(key)
                await wait_until(pilot, lambda: len(app.screen_stack) > 1, f"{key} opened")
                await pilot.press("escape")
                await wait_until(pilot, lambda: len(app.screen_stack) == 1, f"{key} closed")
                await settle(pilot)
                assert app.focused is pane, (key, app.focused)
