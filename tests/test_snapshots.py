"""Snapshots of the screen: main screen at two sizes and two themes, and the help screen.

Update them with `pytest tests/test_snapshots.py --snapshot-update` after checking the new
pictures by eye (`snapshot_report.html` shows the differences).
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from artisan import locations
from artisan.draft import Draft, Origin, PromptVersion, Variation, save_draft
from tui_helpers import fill_library, make_app

PROMPT = (
    "A lone surfer walks the wet sand of a wide beach at sunset, board under one arm, "
    "the sun touching the horizon behind low clouds; long shadows, warm amber and rose "
    "light, calm sea, shot on 35mm film with soft grain."
)


@pytest.fixture
def workspace() -> None:
    """A library of 40 prompts and a draft with two versions and four variations."""
    fill_library(40)
    save_draft(
        locations.draft_file(),
        Draft(
            idea="a beach sunset, lonely surfer",
            target="dalle",
            versions=[
                PromptVersion(
                    text="A beach at sunset.", model="gpt-5.4-mini", target="dalle", usage=120
                ),
                PromptVersion(
                    text=PROMPT,
                    origin=Origin.REFINED,
                    model="gpt-5.4-mini",
                    target="dalle",
                    usage=198,
                    instruction="moodier",
                    parent=0,
                    variations=[
                        Variation(
                            "Blue hour instead: the surfer a small silhouette against a violet "
                            "sky.",
                            state="done",
                        ),
                        Variation(
                            "Drone view from straight above: the surfer's long shadow on the sand.",
                            state="done",
                        ),
                        Variation("Loose watercolour, warm washes bleeding into the sea.", "done"),
                        Variation(
                            "", state="error", error="The model stopped (429): rate limited."
                        ),
                    ],
                ),
            ],
            current=1,
        ),
    )


async def _ready(pilot: Pilot[Any]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    for widget in pilot.app.query(TextArea):
        widget.cursor_blink = False
    for box in pilot.app.query(Input):
        box.cursor_blink = False
    await pilot.pause()


@pytest.mark.parametrize("size", [(120, 40), (80, 24), (200, 60)])
def test_main_screen(snap_compare: Any, workspace: None, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=_ready)


def test_main_screen_light_theme(snap_compare: Any, workspace: None) -> None:
    assert snap_compare(make_app(theme="artisan-light"), terminal_size=(120, 40), run_before=_ready)


def test_library_focused_and_filtered(snap_compare: Any, workspace: None) -> None:
    async def search(pilot: Pilot[Any]) -> None:
        await _ready(pilot)
        await pilot.press("ctrl+l", *"sea", "enter", "down")
        await _ready(pilot)

    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=search)


def test_help_screen(snap_compare: Any, workspace: None) -> None:
    async def help_open(pilot: Pilot[Any]) -> None:
        await _ready(pilot)
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=help_open)
