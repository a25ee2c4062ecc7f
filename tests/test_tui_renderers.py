"""Rendering anywhere, from the app: streamed previews in the render dialog, an edit from the
gallery, a Stable Diffusion server's checkpoints and options in the dialog (and no price), and
the image connection in the settings screen."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, Select

from artisan import config, locations
from artisan.config import Settings
from artisan.library import Library
from artisan.tui.app import ArtisanApp
from artisan.tui.screens.ask import AskScreen
from artisan.tui.screens.gallery import GalleryScreen
from artisan.tui.screens.render import RenderScreen
from artisan.tui.screens.settings import SettingsScreen
from artisan.tui.widgets.library_list import LibraryList
from conftest import TEST_CLOCK
from fake_image_servers import FakeAutomatic1111
from fake_openai import EDITS_PATH, FakeOpenAI, Images
from test_tui_images import image_app, write_prompt
from tui_helpers import screen_text, settle, wait_until


def entries() -> list[Any]:
    library = Library(locations.library_dir())
    library.load()
    return library.entries()


async def test_partial_images_show_in_the_dialog_before_the_final_one(
    server: FakeOpenAI,
) -> None:
    server.default_images = Images(stream_delay=0.3)
    app = image_app(server, open_mode="never")
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await write_prompt(pilot)
        await pilot.press("ctrl+g")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RenderScreen)
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.previews_shown >= 1, "a partial image")
        assert screen.is_attached and screen.items and not screen.items[0].finished
        assert screen.query_one("#preview").has_class("-shown")
        await wait_until(pilot, lambda: not screen.is_attached, "the final image")
        await settle(pilot)
    [request] = server.image_requests()
    assert request.body["stream"] is True and request.body["partial_images"] == 2
    [entry] = entries()
    assert len(entry.images) == 1


async def test_e_in_the_gallery_edits_the_image_into_the_same_entry(server: FakeOpenAI) -> None:
    app = image_app(server, open_mode="never", image_previews=0)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await write_prompt(pilot)
        await pilot.press("ctrl+g")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        app.query_one(LibraryList).focus()
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, GalleryScreen)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, AskScreen)
        await pilot.press(*"make it night", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RenderScreen), "the dialog")
        dialog = app.screen
        assert isinstance(dialog, RenderScreen)
        assert "Edit image" in screen_text(app)
        models = [value for _, value in dialog.query_one("#model", Select)._options]
        assert "gpt-image-2" in models and "dall-e-3" not in models  # edits only
        await pilot.press("enter")
        await wait_until(pilot, lambda: not dialog.is_attached, "the edit")
        await settle(pilot)
    [edit] = [r for r in server.image_requests() if r.path == EDITS_PATH]
    assert edit.body["prompt"] == "make it night"
    [entry] = entries()
    assert len(entry.images) == 2
    assert entry.images[1].instruction == "make it night"
    assert entry.images[1].edited_from == entry.images[0].path


async def test_a_stable_diffusion_server_offers_its_checkpoints_and_costs_nothing(
    server: FakeOpenAI,
) -> None:
    with FakeAutomatic1111() as a1111:
        app = image_app(
            server,
            open_mode="never",
            image_provider="automatic1111",
            image_base_url=a1111.url,
            image_monthly_limit=1.0,
        )
        async with app.run_test(notifications=True, size=(120, 40)) as pilot:
            await write_prompt(pilot)
            await pilot.press("ctrl+g")
            dialog = app.screen
            assert isinstance(dialog, RenderScreen)
            models = dialog.query_one("#model", Select)
            await wait_until(pilot, lambda: len(models._options) == 3, "the server's checkpoints")
            shown = screen_text(app)
            assert f"Render image on AUTOMATIC1111 at 127.0.0.1:{a1111.port}" in shown
            assert f"Free: drawn on AUTOMATIC1111 at 127.0.0.1:{a1111.port}" in shown
            assert "$" not in shown.split("Free:")[1].splitlines()[0]
            assert dialog.query_one("#row-quality").display is False
            assert dialog.query_one("#row-steps").display is True
            samplers = [value for _, value in dialog.query_one("#sampler", Select)._options]
            assert samplers == a1111.samplers
            models.value = a1111.checkpoints[1]
            dialog.query_one("#steps", Input).value = "30"
            dialog.query_one("#seed", Input).value = "4242"
            await pilot.pause()
            await pilot.press("enter")
            await wait_until(pilot, lambda: not dialog.is_attached, "rendered")
            await settle(pilot)
        [request] = a1111.txt2img_requests()
        assert request.body["override_settings"] == {"sd_model_checkpoint": a1111.checkpoints[1]}
        assert (request.body["steps"], request.body["seed"]) == (30, 4242)
        assert request.body["negative_prompt"] == ""
        assert server.image_requests() == []
    assert not locations.spending_file().exists()


async def test_settings_set_the_image_connection_apart_from_chats(server: FakeOpenAI) -> None:
    app = ArtisanApp(Settings(), clock=TEST_CLOCK)
    async with app.run_test(notifications=True, size=(120, 50)) as pilot:
        await pilot.press("f2")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        shown = screen_text(app)
        assert "Renderer" in shown and "Image server" in shown and "Image key" in shown
        screen.query_one("#set-image-provider", Select).value = "comfyui"
        screen.query_one("#set-image-base-url", Input).value = "http://127.0.0.1:8188"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
    saved = config.load().settings
    assert (saved.image_provider, saved.image_base_url, saved.base_url) == (
        "comfyui",
        "http://127.0.0.1:8188",
        None,
    )
