"""The gallery: tiles with thumbnails and facts, moving with the arrows, Enter large, k keeps,
d discards to the library's trash and u brings back, o opens, c copies the path. Snapshots at
80x24 and 120x40."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from artisan import locations
from artisan.entry import ImageRecord, PromptEntry
from artisan.images.files import save_image
from artisan.library import Library
from artisan.tui.app import ArtisanApp
from artisan.tui.screens.gallery import GalleryScreen
from artisan.tui.screens.preview import PreviewScreen
from fake_openai import FakeOpenAI, make_png
from test_tui_images import image_app
from tui_helpers import notifications, screen_text, settle, told, wait_until

PROMPT = (
    "A lighthouse on a black basalt cliff in a winter storm, waves breaking white below, "
    "one warm window lit, painted in heavy oils."
)
MOMENT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
SIZES = ["1024x1024", "1536x1024", "1024x1536", "1024x1024", "2048x2048"]


def gallery_entry(folder: Path, count: int = 5) -> PromptEntry:
    """A saved prompt with `count` images on disk, each with its model, size and cost."""
    library = Library(locations.library_dir())
    entry = library.add(PromptEntry.create(PROMPT, idea="a lighthouse in a storm", title="Storm"))
    for index in range(count):
        record = ImageRecord(
            path="",
            prompt=PROMPT,
            model="gpt-image-2",
            size=SIZES[index % len(SIZES)],
            quality="high",
            created=MOMENT + timedelta(minutes=index),
            cost=[0.211, 0.0082, 0.053, 0.211, 0.4][index % 5],
            cost_estimated=index == 4,
            revised_prompt="A lighthouse in a storm, oils." if index == 0 else "",
        )
        width, height = (48, 48) if index % 2 == 0 else (64, 40)
        path = save_image(
            make_png(width, height, seed=f"tile {index}"), record, folder, stem=f"storm-{index}"
        )
        record.path = str(path)
        library.save_image(entry.id, record)
    return library.get(entry.id)


async def open_gallery(pilot: Pilot[Any], entry: PromptEntry) -> GalleryScreen:
    app = pilot.app
    assert isinstance(app, ArtisanApp)
    await app.workers.wait_for_complete()
    app.pictures.show_entry_images(entry)
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, GalleryScreen)
    await wait_until(
        pilot,
        lambda: all(not tile.query(".loading") for tile in screen.tiles),
        "every thumbnail",
    )
    await pilot.pause()
    return screen


async def test_tiles_show_the_prompt_model_size_and_cost(
    server: FakeOpenAI, tmp_path: Path
) -> None:
    entry = gallery_entry(tmp_path / "pictures")
    app = image_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        screen = await open_gallery(pilot, entry)
        shown = screen_text(app)
        assert "Images of “Storm” · 5 images" in shown
        assert shown.count("A lighthouse on a black b…") == 5  # four, and one below
        assert "1536x1024 · $0.0082" in shown and "1024x1024 · $0.211" in shown
        assert screen.columns == 4
        assert app.focused is screen.tiles[0]
        await pilot.press("down")
        assert app.focused is screen.tiles[4]
        await pilot.press("right")  # nothing there: stays
        assert app.focused is screen.tiles[4]
        await pilot.press("up", "right", "right", "left")
        assert app.focused is screen.tiles[1]


async def test_at_80x24_fewer_smaller_tiles(server: FakeOpenAI, tmp_path: Path) -> None:
    entry = gallery_entry(tmp_path / "pictures")
    app = image_app(server)
    async with app.run_test(notifications=True, size=(80, 24)) as pilot:
        screen = await open_gallery(pilot, entry)
        assert screen.columns == 3
        first = screen.tiles[0].region
        assert first.width <= 27 and first.bottom <= 23
        await pilot.press("down", "down")
        assert app.focused is screen.tiles[3]  # the second row, scrolled into view
        assert screen.tiles[3].region.bottom <= 23


async def test_enter_shows_it_large_with_its_whole_prompt(
    server: FakeOpenAI, tmp_path: Path
) -> None:
    entry = gallery_entry(tmp_path / "pictures")
    app = image_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await open_gallery(pilot, entry)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PreviewScreen)
        shown = " ".join(screen_text(app).split())
        assert "painted in heavy oils." in shown  # the whole prompt
        assert "A lighthouse in a storm, oils." in shown  # what the model drew
        assert "$0.211 (from the usage reported)" in shown
        await pilot.press("escape")
        assert isinstance(app.screen, GalleryScreen)


async def test_k_keeps_the_image_and_its_prompt(server: FakeOpenAI, tmp_path: Path) -> None:
    entry = gallery_entry(tmp_path / "pictures", count=2)
    app = image_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        screen = await open_gallery(pilot, entry)
        await pilot.press("right", "k")
        await settle(pilot)
        assert "2 ★ kept" in screen_text(app)
        assert "1 kept" in screen_text(app)
        saved = Library(locations.library_dir()).get(entry.id)
        assert [image.favorite for image in saved.images] == [False, True]
        assert saved.favorite
        await pilot.press("k")
        await settle(pilot)
        assert screen.tiles[1].image.record.favorite is False
    saved = Library(locations.library_dir()).get(entry.id)
    assert [image.favorite for image in saved.images] == [False, False]


async def test_d_discards_to_the_trash_and_u_brings_it_back(
    server: FakeOpenAI, tmp_path: Path
) -> None:
    entry = gallery_entry(tmp_path / "pictures", count=3)
    library = Library(locations.library_dir())
    second = Path(entry.images[1].path)
    app = image_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        screen = await open_gallery(pilot, entry)
        await pilot.press("right", "d")
        await settle(pilot)
        trashed = library.folder / ".trash" / "images" / second.name
        assert not second.exists() and trashed.is_file()
        assert [image.path for image in library.get(entry.id).images] == [
            entry.images[0].path,
            entry.images[2].path,
        ]
        assert len(screen.tiles) == 2 and "2 images" in screen_text(app)
        assert any("u brings it back" in note for note in told(app))
        await pilot.press("u")
        await settle(pilot)
        assert second.is_file() and not trashed.exists()
        assert [image.path for image in library.get(entry.id).images] == [
            image.path for image in entry.images
        ]
        assert len(screen.tiles) == 3 and app.focused is screen.tiles[1]


async def test_c_copies_the_path_and_o_opens_the_viewer(
    server: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPLAY", ":0")
    for name in ("SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    entry = gallery_entry(tmp_path / "pictures", count=2)
    launched: list[tuple[tuple[str, ...], Path]] = []
    app = image_app(server, open_mode="auto", launched=launched)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await open_gallery(pilot, entry)
        await pilot.press("right", "c")
        await settle(pilot)
        assert app.clipboard == entry.images[1].path
        await pilot.press("o")
        await pilot.pause()
    assert launched == [(("xdg-open",), Path(entry.images[1].path))]


async def test_over_ssh_o_says_there_is_no_viewer(
    server: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.2 5555 10.0.0.1 22")
    entry = gallery_entry(tmp_path / "pictures", count=1)
    launched: list[tuple[tuple[str, ...], Path]] = []
    app = image_app(server, open_mode="auto", launched=launched)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await open_gallery(pilot, entry)
        await pilot.press("o")
        await pilot.pause()
        assert any("No system viewer here (over SSH)" in note for note in notifications(app))
    assert launched == []


async def test_a_missing_file_is_a_tile_that_says_so(server: FakeOpenAI, tmp_path: Path) -> None:
    entry = gallery_entry(tmp_path / "pictures", count=2)
    Path(entry.images[0].path).unlink()
    app = image_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await open_gallery(pilot, entry)
        assert "file missing" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, GalleryScreen)
        assert any("is no longer there" in note for note in notifications(app))


# Snapshots: no path, time or spinner is on the gallery's screen, so pytest's folders do not
# show; the pictures are made from fixed seeds.


@pytest.fixture
def snapshot_entry(tmp_path: Path) -> PromptEntry:
    return gallery_entry(tmp_path / "pictures")


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_gallery_snapshot(
    snap_compare: Any, server: FakeOpenAI, snapshot_entry: PromptEntry, size: tuple[int, int]
) -> None:
    """The gallery drawn with half-block characters (what tmux and plain terminals get)."""

    async def gallery_open(pilot: Pilot[Any]) -> None:
        await open_gallery(pilot, snapshot_entry)

    assert snap_compare(image_app(server), terminal_size=size, run_before=gallery_open)
