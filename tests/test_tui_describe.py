"""Describing from the app: pick a file or a library image, and the described prompts arrive
as the variations of a new version; the composer and a model that cannot see say so."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from textual.widgets import Input, OptionList

from artisan.config import Settings
from artisan.draft import Origin
from artisan.tui.app import ArtisanApp
from artisan.tui.screens.describe import DescribeScreen
from fake_openai import FakeOpenAI
from test_tui_images import image_app, write_prompt
from tui_helpers import notifications, screen_text, settle, wait_until


def picture(tmp_path: Path) -> Path:
    path = tmp_path / "harbour at dusk.png"
    Image.new("RGB", (1800, 1200), (20, 90, 160)).save(path)
    return path


async def test_a_file_becomes_variations_to_use(server: FakeOpenAI, tmp_path: Path) -> None:
    path = picture(tmp_path)
    app = image_app(server, variations=3)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert isinstance(app.screen, DescribeScreen)
        assert "Writes 3 prompts" in screen_text(app)
        app.screen.query_one("#describe-path", Input).value = str(path)
        await pilot.press("enter")
        await wait_until(pilot, lambda: not app.workshop.busy("variations"), "describing")
        await settle(pilot)
        version = app.workshop.version
        assert version is not None and version.origin is Origin.DESCRIBED
        shown = screen_text(app)
        assert "described: “harbour at dusk.png”" in shown
        assert shown.count("A picture 1024x683, mostly rgb(20,90,160)") >= 3
        assert any("1024x683 JPEG" in note and "scaled down" in note for note in notifications(app))
        assert app.focused is app.variations_pane.option_list
        # A described prompt is a variation like any other: Enter makes it the prompt.
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.workshop.version is not None
        assert app.workshop.version.origin is Origin.VARIATION
        assert len(server.chat_requests()) == 3


async def test_an_image_from_the_library_is_read_back_not_sent(server: FakeOpenAI) -> None:
    """A picture artisan rendered carries its prompt: describing it reads that back, and
    nothing is sent to any model."""
    app = image_app(server, variations=1, open_mode="never")
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await write_prompt(pilot)
        rendered = app.workshop.version
        assert rendered is not None
        await pilot.press("ctrl+g")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        chats = len(server.chat_requests())
        await pilot.press("ctrl+t")
        await settle(pilot)
        listed = app.screen.query_one("#describe-library", OptionList)
        assert listed.option_count == 1
        await pilot.press("tab")
        assert app.focused is listed
        await pilot.press("enter")
        await wait_until(pilot, lambda: not app.workshop.busy("variations"), "describing")
        await settle(pilot)
        assert len(server.chat_requests()) == chats
        version = app.workshop.version
        assert version is not None and version.origin is Origin.DESCRIBED
        assert [item.text for item in version.variations] == [rendered.text]
        assert any(
            "read from its own metadata" in " ".join(note.split()) for note in notifications(app)
        )


async def test_the_composer_says_it_cannot_see(server: FakeOpenAI, tmp_path: Path) -> None:
    """With the composer, only a picture that carries its own prompt can be read back; any
    other is refused, and nothing is sent."""
    app = ArtisanApp(Settings(engine="composer"))
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert isinstance(app.screen, DescribeScreen)
        assert "offline composer cannot see images" in " ".join(screen_text(app).split())
        app.screen.query_one("#describe-path", Input).value = str(picture(tmp_path))
        await pilot.press("enter")
        await settle(pilot)
        assert any("offline composer cannot see images" in n for n in notifications(app))
    assert server.requests == []


async def test_a_model_that_cannot_see_leaves_the_session_as_it_was(
    server: FakeOpenAI, tmp_path: Path
) -> None:
    server.vision = False
    path = picture(tmp_path)
    app = image_app(server, variations=2)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await write_prompt(pilot)
        before = list(app.workshop.versions)
        await pilot.press("ctrl+t")
        await pilot.pause()
        app.screen.query_one("#describe-path", Input).value = str(path)
        await pilot.press("enter")
        await wait_until(pilot, lambda: not app.workshop.busy("variations"), "describing")
        await settle(pilot)
        assert app.workshop.versions == before
        assert any("cannot see images" in note for note in notifications(app))
        assert "A vivid picture of a beach sunset" in screen_text(app)
