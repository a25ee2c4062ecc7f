"""Rendering from the app: the dialog, cancelling, the preview and the library link."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Select, TextArea

from artisan import locations
from artisan.clock import Clock, fixed_clock
from artisan.config import Settings
from artisan.images import read_metadata
from artisan.library import Library
from artisan.tui.app import ArtisanApp
from artisan.tui.screens.gallery import GalleryScreen
from artisan.tui.screens.preview import PreviewScreen
from artisan.tui.screens.render import RenderScreen
from artisan.tui.widgets.library_list import LibraryList
from conftest import TEST_CLOCK, TEST_KEY
from fake_openai import Error, FakeOpenAI, Images
from tui_helpers import notifications, screen_text, settle, wait_until

IDEA = "a beach sunset"


def image_app(
    server: FakeOpenAI,
    *,
    open_mode: str = "terminal",
    launched: list[tuple[tuple[str, ...], Path]] | None = None,
    clock: Clock = TEST_CLOCK,
    **settings: Any,
) -> ArtisanApp:
    values: dict[str, Any] = {
        "base_url": server.url,
        "api_key": TEST_KEY,
        "image_base_url": server.url,
        "image_api_key": TEST_KEY,
        "timeout": 5.0,
        "max_retries": 0,
        "open": open_mode,
    }
    values.update(settings)

    def record(command: Any, path: Path) -> None:
        if launched is not None:
            launched.append((tuple(command), path))

    return ArtisanApp(
        Settings(**values), graphics="HalfcellImage", image_launcher=record, clock=clock
    )


async def write_prompt(pilot: Pilot[Any]) -> None:
    pilot.app.query_one("#idea", TextArea).focus()
    await pilot.press(*IDEA, "ctrl+j")
    await settle(pilot)


def saved_entries() -> list:  # type: ignore[type-arg]
    library = Library(locations.library_dir())
    library.load()
    return library.entries()


async def test_ctrl_g_enter_renders_and_previews(server: FakeOpenAI) -> None:
    """ctrl+g opens the dialog with Render focused; Enter renders; the preview shows it."""
    server.queue_images(Images(revised_prompt="A calm beach at sunset, drawn in oils."))
    app = image_app(server, image_previews=0)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await write_prompt(pilot)
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert isinstance(app.screen, RenderScreen)
        assert app.focused is app.screen.query_one("#render-button", Button)
        assert app.screen.query_one("#model", Select).value == "gpt-image-2"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PreviewScreen)
        text = screen_text(app)
        assert "A calm beach at sunset, drawn in oils." in text
        assert "gpt-image-2" in text
        [request] = server.image_requests()
        assert request.body["model"] == "gpt-image-2"
        assert request.body["prompt"].startswith("A vivid picture of a beach sunset")
        assert "response_format" not in request.body
        [entry] = saved_entries()
        [image] = entry.images
        path = Path(image.path)
        assert path.is_file() and path.parent == Path(locations.data_dir()).parent / (
            "pictures/artisan"
        )
        assert read_metadata(path)["prompt"] == entry.prompt
        assert image.revised_prompt == "A calm beach at sunset, drawn in oils."
        await pilot.press("escape")
        assert not isinstance(app.screen, PreviewScreen)


async def test_dialog_offers_only_the_models_options(server: FakeOpenAI) -> None:
    app = image_app(server)
    async with app.run_test(notifications=True, size=(120, 50)) as pilot:
        await write_prompt(pilot)
        await pilot.press("ctrl+g")
        await pilot.pause()
        screen = app.screen
        sizes = [str(prompt) for prompt, _ in screen.query_one("#size", Select)._options]
        assert "1536x1024" in sizes and "1792x1024" not in sizes
        assert not screen.query_one("#row-style").display
        assert "2048x2048" in sizes
        screen.query_one("#model", Select).value = "gpt-image-1.5"
        await pilot.pause()
        sizes = [str(prompt) for prompt, _ in screen.query_one("#size", Select)._options]
        assert "1536x1024" in sizes and "2048x2048" not in sizes


@pytest.mark.by_date
async def test_past_every_shutdown_the_dialog_offers_only_current_models(
    server: FakeOpenAI,
) -> None:
    """A year after the last shutdown in the table, the dialog offers no retired model."""
    from artisan.images import load_image_models

    later = datetime(2027, 12, 31, 23, 0, tzinfo=UTC)
    table = load_image_models()
    retired = {model.name for model in table.models.values() if model.retired(later.date())}
    assert {"dall-e-3", "gpt-image-1", "gpt-image-1.5"} <= retired
    app = image_app(server, clock=fixed_clock(later))
    async with app.run_test(notifications=True, size=(120, 50)) as pilot:
        await write_prompt(pilot)
        await pilot.press("ctrl+g")
        await pilot.pause()
        offered = {str(value) for _, value in app.screen.query_one("#model", Select)._options}
        assert "gpt-image-2" in offered
        assert not offered & retired


async def test_escape_cancels_the_request(server: FakeOpenAI) -> None:
    server.queue_images(Images(delay=5))
    app = image_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await write_prompt(pilot)
        await pilot.press("ctrl+g")
        await pilot.pause()
        app.simulate_key("enter")
        await wait_until(pilot, server.image_requests, "the image request")
        assert app.screen.query_one("#progress").has_class("-running")
        app.simulate_key("escape")
        await wait_until(
            pilot, lambda: not app.screen.query_one("#progress").has_class("-running"), "stopped"
        )
        await pilot.pause()
        assert isinstance(app.screen, RenderScreen)
        assert "nothing was saved" in screen_text(app)
        assert await asyncio.to_thread(server.wait_for_hang_up)
        pictures = Path(locations.data_dir()).parent / "pictures"
        assert not pictures.exists() or not any(pictures.rglob("*.png"))
        await pilot.press("escape")
        assert not isinstance(app.screen, RenderScreen)


async def test_content_policy_refusal_is_shown(server: FakeOpenAI) -> None:
    server.queue_images(
        Error(
            400,
            "Your request was rejected by the safety system: violence.",
            code="moderation_blocked",
        )
    )
    app = image_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await write_prompt(pilot)
        await pilot.press("ctrl+g")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RenderScreen)
        assert "violence" in screen_text(app)
        assert saved_entries() == []


async def test_system_viewer_is_used_on_a_desktop(
    server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPLAY", ":0")
    for name in ("SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    launched: list[tuple[tuple[str, ...], Path]] = []
    app = image_app(server, open_mode="auto", launched=launched)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await write_prompt(pilot)
        await pilot.press("ctrl+g")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, PreviewScreen)
        [(command, path)] = launched
        assert command == ("xdg-open",)
        assert path.is_file()
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert len(launched) == 2 and launched[1][1] == path


async def test_over_ssh_the_preview_is_used(
    server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.2 5555 10.0.0.1 22")
    launched: list[tuple[tuple[str, ...], Path]] = []
    app = image_app(server, open_mode="auto", launched=launched)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await write_prompt(pilot)
        await pilot.press("ctrl+g")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PreviewScreen)
        assert launched == []


async def test_library_entry_shows_its_images_in_the_gallery(server: FakeOpenAI) -> None:
    app = image_app(server, open_mode="never")
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await write_prompt(pilot)
        for _ in range(2):
            await pilot.press("ctrl+g")
            await pilot.pause()
            await pilot.press("enter")
            await settle(pilot)
        [entry] = saved_entries()
        assert len(entry.images) == 2
        assert any("The image is at" in n for n in notifications(app))
        app.query_one(LibraryList).focus()
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, GalleryScreen)
        assert len(app.screen.tiles) == 2
        assert screen_text(app).count("64x64 · $0.008") == 2
        await pilot.press("escape")
        assert not isinstance(app.screen, GalleryScreen)


def test_preview_screen_snapshot(
    snap_compare: Any, server: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preview, drawn with half-block characters (what plain terminals get)."""
    from artisan.entry import ImageRecord
    from fake_openai import make_png

    # The preview shows the path as given: a relative one reads the same on every machine
    # (whatever TMPDIR is, on macOS too) and in every run.
    monkeypatch.chdir(tmp_path)
    path = Path("artisan-preview-snapshot") / "sample.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(make_png(96, 64, seed="preview"))
    record = ImageRecord(
        path=str(path),
        model="gpt-image-2",
        size="1024x1024",
        revised_prompt="A calm beach at sunset, long shadows, drawn in oils.",
    )
    app = image_app(server)

    async def open_preview(pilot: Pilot[Any]) -> None:
        await pilot.app.workers.wait_for_complete()
        pilot.app.push_screen(PreviewScreen(path, record, _halfcell()))
        await wait_until(
            pilot,
            lambda: (
                isinstance(pilot.app.screen, PreviewScreen)
                and any(path.region.width > 0 for path in pilot.app.screen.query("#path"))
            ),
            "the preview laid out",
        )
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 30), run_before=open_preview)


def _halfcell() -> Any:
    from textual_image.widget import HalfcellImage

    return HalfcellImage
