"""What a new user still found awkward in the first hour, the second time round: each
friction gone, held by a pilot test at 80x24 and 120x40."""

from __future__ import annotations

import pytest

from artisan import locations
from artisan.draft import Draft, Origin, PromptVersion, save_draft
from artisan.entry import PromptEntry
from artisan.library import Library
from artisan.tui.screens.compare import CompareScreen
from tui_helpers import make_app, screen_text, settle, wait_until

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
