"""Rendering from the app: marking variations, the render dialog for several prompts (its
estimate, its progress table, Esc in the middle), the dialog at 80x24, and the monthly limit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Select

from artisan import locations
from artisan.images import spending
from artisan.images.batch import ItemState
from artisan.library import Library
from artisan.tui.app import ArtisanApp
from artisan.tui.screens.gallery import GalleryScreen
from artisan.tui.screens.render import RenderScreen
from conftest import TEST_CLOCK, TEST_TIME
from fake_openai import Error, FakeOpenAI, Images
from test_tui_images import image_app, write_prompt
from tui_helpers import notifications, screen_text, settle, wait_until

REFUSED = Error(400, "Rejected by the safety system.", code="moderation_blocked")


def entries() -> list[Any]:
    library = Library(locations.library_dir())
    library.load()
    return library.entries()


def pictures() -> list[Path]:
    folder = Path(locations.data_dir()).parent / "pictures" / "artisan"
    return sorted(folder.glob("*.png")) if folder.exists() else []


async def four_variations(pilot: Pilot[Any]) -> ArtisanApp:
    app = pilot.app
    assert isinstance(app, ArtisanApp)
    await write_prompt(pilot)
    await pilot.press("ctrl+n")
    await settle(pilot)
    app.variations_pane.option_list.focus()
    await pilot.pause()
    return app


async def render_two_marked(pilot: Pilot[Any]) -> RenderScreen:
    """Four variations, the first two marked and sent: the render dialog, rendering."""
    await four_variations(pilot)
    await pilot.press("space", "down", "space", "g", "enter")
    screen = pilot.app.screen
    assert isinstance(screen, RenderScreen)
    return screen


async def test_marks_show_in_the_rows_and_a_marks_all(server: FakeOpenAI) -> None:
    app = image_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await four_variations(pilot)
        await pilot.press("space", "down", "down", "space")
        await pilot.pause()
        assert app.variations_pane.marked_indexes() == [0, 2]
        shown = screen_text(app)
        assert "● 1 Variation 1" in shown and "● 3 Variation 3" in shown
        assert "● 2" not in shown
        assert "2 marked · g renders them" in shown
        await pilot.press("a")
        assert app.variations_pane.marked_indexes() == [0, 1, 2, 3]
        await pilot.press("a")
        assert app.variations_pane.marked_indexes() == []


async def test_four_marked_one_refused_three_kept_and_no_duplicate_entry(
    server: FakeOpenAI,
) -> None:
    """g renders the marked variations together; a refused one is shown and does not stop the
    others; rendering them again adds to the same entries."""
    server.image_rules = [("Variation 3", REFUSED)]
    app = image_app(server, open_mode="never")
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await four_variations(pilot)
        await pilot.press("a", "g")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RenderScreen) and len(screen.jobs) == 4
        shown = screen_text(app)
        assert "Render 4 prompts" in shown
        assert "Estimated cost: ~$0.849 for 4 images" in shown
        await pilot.press("enter")
        await wait_until(pilot, lambda: all(item.finished for item in screen.items), "renders")
        await settle(pilot)
        shown = screen_text(app)
        assert "3 done, 1 failed" in shown
        assert "The image model refused this prompt (moderation_blocked)" in shown
        assert [item.state for item in screen.items] == [
            ItemState.DONE,
            ItemState.DONE,
            ItemState.FAILED,
            ItemState.DONE,
        ]
        assert len(pictures()) == 3
        assert len(entries()) == 3
        # The gallery of the batch, from the dialog.
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, GalleryScreen) and len(app.screen.tiles) == 3
        await pilot.press("escape")
        await pilot.pause()
        # Again: the same three prompts gain an image each; no entry is made twice.
        server.image_rules = []
        app.variations_pane.option_list.focus()
        await pilot.press("g", "enter")
        await wait_until(
            pilot,
            lambda: (
                isinstance(app.screen, RenderScreen)
                and bool(app.screen.items)
                and all(item.finished for item in app.screen.items)
            ),
            "second renders",
        )
        await settle(pilot)
    saved = entries()
    assert len(saved) == 4
    assert sorted(len(entry.images) for entry in saved) == [1, 2, 2, 2]


async def test_escape_mid_batch_keeps_what_finished_and_sends_no_more(
    server: FakeOpenAI,
) -> None:
    server.image_rules = [("Variation 1", Images(delay=2.0))]
    app = image_app(server, open_mode="never", image_parallel=1)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await four_variations(pilot)
        await pilot.press("a", "g", "enter")
        screen = app.screen
        assert isinstance(screen, RenderScreen)
        await wait_until(
            pilot,
            lambda: bool(screen.items) and screen.items[0].state is ItemState.RENDERING,
            "the first render",
        )
        await pilot.press("escape")
        await pilot.pause()
        assert "Cancelled 3 not started; the running ones finish" in screen_text(app)
        await wait_until(pilot, lambda: screen.items[0].finished, "the first to finish")
        await settle(pilot)
        assert [item.state for item in screen.items] == [ItemState.DONE] + [ItemState.CANCELLED] * 3
        assert "1 done, 3 cancelled" in screen_text(app)
        assert isinstance(app.screen, RenderScreen)  # open, showing what happened
    assert len(server.image_requests()) == 1
    assert len(pictures()) == 1
    [entry] = entries()
    assert entry.prompt.startswith("Variation 1")


@pytest.mark.by_date
async def test_escape_mid_batch_counts_every_request_sent(server: FakeOpenAI) -> None:
    """Two requests on the wire and none waiting, then Esc: nothing is saved, and both are in
    the spending record at their estimates, since the server may have billed them."""
    server.default_images = Images(delay=30)
    app = image_app(server, open_mode="never")
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        screen = await render_two_marked(pilot)
        await wait_until(pilot, lambda: len(server.image_requests()) == 2, "two requests")
        await pilot.press("escape")
        await wait_until(pilot, lambda: all(item.finished for item in screen.items), "stopped")
        await settle(pilot)
        assert "2 cancelled · 2 stopped after sending, counted at their estimates" in (
            screen_text(app)
        )
        assert [item.state for item in screen.items] == [ItemState.CANCELLED] * 2
    month = spending.read().month(TEST_CLOCK())
    assert (month.renders, month.images, month.pending) == (2, 2, 0)
    assert month.dollars == pytest.approx(2 * 0.2122, abs=0.001)
    assert pictures() == []


async def test_a_record_line_no_calendar_can_place_is_reported_in_the_dialog(
    server: FakeOpenAI,
) -> None:
    record = locations.spending_file()
    record.parent.mkdir(parents=True)
    record.write_text(json.dumps({"when": "0001-01-01T00:00:00+14:00", "cost": 1}) + "\n")
    app = image_app(server, image_monthly_limit=5.0)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await write_prompt(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert any(
            "1 line (1) could not be read and is not counted" in " ".join(note.split())
            for note in notifications(app)
        )
        assert "this month $0.00 of $5.00" in screen_text(app)


async def test_the_render_dialog_fits_80x24_with_progress_and_errors(server: FakeOpenAI) -> None:
    server.queue_images(
        Images(delay=2.0),
        Error(
            400,
            "Your request was rejected by the safety system: " + "a long reason, " * 8,
            code="moderation_blocked",
        ),
    )
    app = image_app(server, open_mode="never")
    async with app.run_test(notifications=True, size=(80, 24)) as pilot:
        await write_prompt(pilot)
        await pilot.press("ctrl+g")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RenderScreen)

        def fits() -> None:
            box = screen.query_one("#render").region
            # The status line and the key bar (the last two rows) stay visible.
            assert box.y >= 0 and box.bottom <= 22, box
            assert "^q Quit" in screen_text(app).splitlines()[-1]

        fits()
        # No blank entry in any list: every option offered has a value.
        for select in screen.query(Select):
            values = [value for _, value in select._options]
            assert Select.BLANK not in values and select.value is not Select.BLANK
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.query_one("#progress").display, "the progress")
        fits()
        await settle(pilot)
        await pilot.press("ctrl+g")  # the first render was shown; render again, refused
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RenderScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert "a long reason" in screen_text(app)
        fits()


async def test_the_estimate_follows_the_options(server: FakeOpenAI) -> None:
    """The two partial images the app streams (image.previews) add 100 image tokens each."""
    app = image_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await write_prompt(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)
        screen = app.screen
        assert "Estimated cost: ~$0.218" in screen_text(app)
        screen.query_one("#quality", Select).value = "low"
        await pilot.pause()
        assert "Estimated cost: ~$0.013" in screen_text(app)
        screen.query_one("#n", Select).value = 3
        await pilot.pause()
        assert "Estimated cost: ~$0.037 for 3 images" in screen_text(app)
        screen.query_one("#model", Select).value = "gpt-image-1.5"
        await pilot.pause()
        # Another model's options start again from the settings: auto quality, one image.
        assert "Estimated cost: ~$0.140" in screen_text(app)


@pytest.mark.by_date
async def test_the_monthly_limit_refuses_in_the_dialog(server: FakeOpenAI) -> None:
    spending.record(spending.Spent(when=TEST_TIME, model="gpt-image-2", images=1, cost=0.95))
    app = image_app(server, image_monthly_limit=1.0)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await write_prompt(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)
        shown = screen_text(app)
        assert "This would pass the monthly limit of $1.00 (image.monthly_limit)" in shown
        await pilot.press("enter")
        await settle(pilot)
        assert "Not sent." in screen_text(app)
        assert server.image_requests() == []
        app.screen.query_one("#quality", Select).value = "low"
        await pilot.pause()
        assert "this month $0.950 of $1.00" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
    assert len(server.image_requests()) == 1


async def test_a_custom_size_is_checked_as_typed_and_sent(server: FakeOpenAI) -> None:
    from textual.widgets import Button, Input

    app = image_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await write_prompt(pilot)
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: isinstance(app.screen, RenderScreen), "the dialog")
        screen = app.screen
        custom = screen.query_one("#custom-size", Input)
        await wait_until(pilot, lambda: custom.display, "the custom size, for gpt-image-2")
        custom.value = "1537x7"
        await wait_until(pilot, lambda: "1537x7" in screen_text(app), "the size refused")
        screen.query_one("#render-button", Button).press()
        await pilot.pause()
        assert server.image_requests() == []  # refused before anything was sent
        custom.value = "1536x864"
        await wait_until(pilot, lambda: "Estimated cost" in screen_text(app), "accepted")
        screen.query_one("#render-button", Button).press()
        await settle(pilot)
        [request] = server.image_requests()
        assert request.body["size"] == "1536x864"


def render_box_subtitle(screen: RenderScreen) -> str:
    return str(screen.query_one("#render").border_subtitle)


async def test_after_a_batch_the_dialog_says_what_its_keys_do_now(server: FakeOpenAI) -> None:
    """Once the batch has ended, Enter opens the gallery (or closes, with nothing drawn): the
    dialog no longer says that Enter renders."""
    server.default_images = Images(delay=1.0)
    app = image_app(server, open_mode="never")
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await four_variations(pilot)
        await pilot.press("space", "down", "space", "g")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, RenderScreen)
        assert render_box_subtitle(dialog) == "Enter renders · Esc closes"
        await pilot.press("enter")
        await wait_until(pilot, lambda: dialog.items[0].started is not None, "the renders")
        assert render_box_subtitle(dialog) == "Esc stops"
        await wait_until(pilot, lambda: all(item.finished for item in dialog.items), "renders")
        await settle(pilot)
        shown = screen_text(app)
        assert "Enter opens the gallery · Esc closes" in shown
        assert "Enter renders" not in shown
        assert "Render" not in [str(b.label) for b in dialog.query(Button) if b.display]

        server.image_rules = [("Variation", REFUSED)]
        app.variations_pane.option_list.focus()
        await pilot.press("escape", "g", "enter")
        screen = app.screen
        assert isinstance(screen, RenderScreen)
        await wait_until(pilot, lambda: all(item.finished for item in screen.items), "refusals")
        await settle(pilot)
        shown = screen_text(app)
        assert "2 failed" in shown
        assert render_box_subtitle(screen) == "Enter or Esc closes"
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, RenderScreen)


async def test_esc_from_a_batch_gallery_returns_to_the_variations(server: FakeOpenAI) -> None:
    """The gallery opened from a finished batch replaces its dialog: one Esc leaves it, back in
    the Variations pane, where the next key acts at once; the gallery opens again from the
    palette's Gallery."""
    app = image_app(server, open_mode="never")
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        screen = await render_two_marked(pilot)
        await wait_until(pilot, lambda: all(item.finished for item in screen.items), "renders")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, GalleryScreen) and len(app.screen.tiles) == 2
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is app.screen_stack[0]
        assert app.focused is app.variations_pane.option_list
        await pilot.press("a")  # the next key marks them all
        await pilot.pause()
        assert app.variations_pane.marked_indexes() == [0, 1, 2, 3]
        app.action_gallery()
        await settle(pilot)
        assert isinstance(app.screen, GalleryScreen) and len(app.screen.tiles) == 2
