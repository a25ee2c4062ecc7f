"""Snapshots of the screen: main screen at three sizes and two themes, the library filtered,
and the help screen.

Every snapshot starts from the sample folders in `tests/sample/` (a config.toml, a library of
40 prompts, a draft), with the clock set to when those were written, and is taken once the
screen has settled: the library listed and its search ready, the focus where the app puts it,
the cursors steady. Update them with `pytest tests/test_snapshots.py --snapshot-update` after
checking the new pictures by eye (`snapshot_report.html` shows the differences).
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from artisan import config, locations
from artisan.tui.app import ArtisanApp
from artisan.tui.screens.help import HelpScreen
from artisan.tui.widgets.library import LibraryPane
from tui_helpers import wait_until

SAMPLE = Path(__file__).parent / "sample"
SAMPLE_TIME = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
"""When the sample library was written: its entries are 5 minutes to 39 days old then."""
SAMPLE_ENTRIES = 40


@pytest.fixture
def sample() -> Iterator[None]:
    """The app's folders are a copy of the sample ones, and the clock reads SAMPLE_TIME (and
    runs on from there)."""
    shutil.copytree(SAMPLE / "config", locations.config_dir())
    shutil.copytree(SAMPLE / "data", locations.data_dir())
    with time_machine.travel(SAMPLE_TIME, tick=True):
        yield


def sample_app(**changes: Any) -> ArtisanApp:
    """The app as `artisan` builds it from the sample config.toml (with `changes`)."""
    loaded = config.load()
    assert loaded.warnings == []
    return ArtisanApp(dataclasses.replace(loaded.settings, **changes))


async def settled(pilot: Pilot[Any]) -> None:
    """Wait until the screen can no longer change by itself.

    - The library is read after the first frame: wait until it is listed and its search index
      warmed (the last thing the loading does), and no worker runs.
    - The app gives the Idea pane the focus once it is mounted: wait for it, since the focus
      decides the key bar and the focused pane's border.
    - Cursors blink on a timer. Blinking is turned off, and the text areas drop the lines they
      drew earlier: a text area keeps each drawn line under a key that leaves out whether a
      steady cursor is on it, so a line drawn during the blink's off phase (which a slow
      machine reaches before this point, a fast one does not) would be shown without it.
    """
    app = pilot.app
    assert isinstance(app, ArtisanApp)
    pane = app.query_one(LibraryPane)
    await wait_until(
        pilot,
        lambda: (
            pane.index is not None
            and pane.index.warmed
            and len(pane.list.entries) == SAMPLE_ENTRIES
            and app.focused is app.idea_pane.editor
        ),
        "the library listed and searchable, the Idea pane focused",
    )
    await app.workers.wait_for_complete()
    for area in app.query(TextArea):
        area.cursor_blink = False
        area.notify_style_update()
    for box in app.query(Input):
        box.cursor_blink = False
    await pilot.pause()


@pytest.mark.parametrize(
    "size", [(120, 40), (80, 24), (60, 20), (200, 60)], ids=lambda size: f"{size[0]}x{size[1]}"
)
def test_main_screen(snap_compare: Any, sample: None, size: tuple[int, int]) -> None:
    assert snap_compare(sample_app(), terminal_size=size, run_before=settled)


def test_main_screen_light_theme(snap_compare: Any, sample: None) -> None:
    app = sample_app(theme="artisan-light")
    assert snap_compare(app, terminal_size=(120, 40), run_before=settled)


def test_library_focused_and_filtered(snap_compare: Any, sample: None) -> None:
    async def search(pilot: Pilot[Any]) -> None:
        await settled(pilot)
        app = pilot.app
        assert isinstance(app, ArtisanApp)
        pane = app.library_pane
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: pane.search_box.has_focus, "the search box focused")
        await pilot.press(*"sea", "enter")
        await wait_until(pilot, lambda: pane.list.has_focus, "the list focused")
        await pilot.press("down")
        await wait_until(pilot, lambda: pane.list.cursor == 1, "the cursor on the second entry")
        await pilot.pause()

    assert snap_compare(sample_app(), terminal_size=(120, 40), run_before=search)


def test_help_screen(snap_compare: Any, sample: None) -> None:
    async def help_open(pilot: Pilot[Any]) -> None:
        await settled(pilot)
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen), "help")
        await pilot.pause()

    assert snap_compare(sample_app(), terminal_size=(120, 40), run_before=help_open)
