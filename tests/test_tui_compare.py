"""The same prompt compared in the app: the render dialog's Compare line, the grid's estimate
before anything is sent, and the gallery of the grid labelled by what differs."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from artisan.images import spending
from artisan.tui.screens.gallery import GalleryScreen
from artisan.tui.screens.render import RenderScreen
from conftest import TEST_CLOCK
from fake_openai import FakeOpenAI
from test_tui_images import image_app, saved_entries, write_prompt
from tui_helpers import screen_text, settle, wait_until

CELLS = [
    ("gpt-image-2", "low"),
    ("gpt-image-2", "high"),
    ("gpt-image-2.5-flare", "low"),
    ("gpt-image-2.5-flare", "high"),
]


async def compare_line(pilot: Pilot[Any]) -> RenderScreen:
    """A prompt written, its render dialog open and the Compare line focused."""
    await write_prompt(pilot)
    await pilot.press("ctrl+g")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, RenderScreen)
    screen.query_one("#compare", Input).focus()
    return screen


async def test_a_two_by_two_comparison_shows_its_estimate_first_then_a_labelled_grid(
    server: FakeOpenAI,
) -> None:
    app = image_app(server, open_mode="never")
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        screen = await compare_line(pilot)
        await pilot.press(*"model=gpt-image-2,gpt-image-2.5-flare quality=low,high")
        await settle(pilot)
        shown = " ".join(screen_text(app).split())
        assert "Estimated cost: ~$0.438 for the 4 renders compared" in shown
        assert server.image_requests() == []  # the estimate comes before anything is sent
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(screen.items) == 4, "the grid's renders")
        await wait_until(pilot, lambda: all(item.finished for item in screen.items), "renders")
        await settle(pilot)
        sent = sorted((r.body["model"], r.body["quality"]) for r in server.image_requests())
        assert sent == sorted(CELLS)
        table = screen_text(app)
        for model, quality in CELLS:
            assert f"{model} · {quality}" in table
        await pilot.press("enter")
        await settle(pilot)
        gallery = app.screen
        assert isinstance(gallery, GalleryScreen)
        assert "Comparison of 4 renders" in screen_text(app)
        assert [tile.image.caption() for tile in gallery.tiles] == [
            f"{model} · {quality}" for model, quality in CELLS
        ]
    month = spending.read().month(TEST_CLOCK())
    assert (month.renders, month.pending) == (4, 0)
    [entry] = saved_entries()  # the prompt kept once, with the grid's four images
    assert len(entry.images) == 4


@pytest.mark.parametrize(
    ("typed", "said"),
    [("seed=1,2", "Compare: cannot vary 'seed'"), ("quality=low", "needs two values or more")],
)
async def test_a_comparison_that_cannot_be_made_is_refused_in_the_dialog(
    server: FakeOpenAI, typed: str, said: str
) -> None:
    app = image_app(server, open_mode="never")
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        screen = await compare_line(pilot)
        await pilot.press(*typed, "enter")
        await settle(pilot)
        assert said in " ".join(screen_text(app).split())
        assert screen.items == []  # Enter sent nothing
    assert server.image_requests() == []
