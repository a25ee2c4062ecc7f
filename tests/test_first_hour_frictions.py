"""What a new user still found awkward in the first hour, the second time round: each
friction gone, held by a pilot test at 80x24 and 120x40."""

from __future__ import annotations

import pytest

from tui_helpers import make_app, screen_text, settle

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
