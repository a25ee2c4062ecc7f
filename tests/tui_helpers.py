"""Building the app for tests and reading what is on its screen."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from textual.pilot import Pilot

from artisan import locations
from artisan.clock import Clock
from artisan.config import Settings
from artisan.entry import PromptEntry
from artisan.library import Library
from artisan.tui.app import ArtisanApp
from conftest import TEST_CLOCK, TEST_KEY
from fake_openai import FakeOpenAI


def make_app(
    server: FakeOpenAI | None = None, *, clock: Clock = TEST_CLOCK, **settings: Any
) -> ArtisanApp:
    """The app with its own folders (from the isolated home) and the loopback server, living
    on `clock` (the tests' fixed moment by default)."""
    base: dict[str, Any] = {"timeout": 5.0, "max_retries": 0}
    if server is not None:
        base.update(
            base_url=server.url,
            api_key=TEST_KEY,
            image_base_url=server.url,
            image_api_key=TEST_KEY,
        )
    base.update(settings)
    return ArtisanApp(Settings(**base), clock=clock)


async def settle(pilot: Pilot[Any]) -> None:
    """Wait until every worker is done and the messages they sent are handled."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def wait_until(
    pilot: Pilot[Any], condition: Callable[[], object], what: str = "", timeout: float = 20.0
) -> None:
    """Let the app run until `condition()` holds; fail the test after `timeout` seconds.

    The deadline is generous, since a loaded machine is slow; a condition that holds returns
    at once, so the wait costs nothing when things go well.
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting after {timeout:g} s: {what or condition}")
        await pilot.pause(0.01)


def notifications(app: ArtisanApp) -> list[str]:
    """The text of the notifications on screen."""
    return [str(toast.render()) for toast in app.screen.query("Toast")]


def prompt_text(app: ArtisanApp) -> str:
    """The text the Prompt pane shows: the stream view while an answer arrives, else the editor."""
    return app.prompt_pane.shown_text


def fill_library(count: int, *, prefix: str = "Prompt") -> list[PromptEntry]:
    """Save `count` entries, the first one the newest, each a day older than the last."""
    library = Library(locations.library_dir())
    now = datetime.now().astimezone().replace(microsecond=0)
    entries = []
    for index in range(count):
        entry = PromptEntry.create(
            f"{prefix} {index}: a detailed scene, golden light.",
            idea=f"{prefix.lower()} idea {index}",
            target="midjourney" if index % 3 == 0 else "dalle",
            tags=["sea"] if index % 2 else ["city", "night"],
        )
        entry.created = entry.updated = now - timedelta(days=index, minutes=5)
        entry.favorite = index == 1
        entries.append(library.add(entry))
    return entries


def screen_text(app: ArtisanApp) -> str:
    """The characters on screen, one line per row, from the app's own screenshot."""
    svg = app.export_screenshot()
    rows: dict[int, list[tuple[float, str]]] = {}
    for match in _SVG_TEXT.finditer(svg):
        row = int(match.group("line"))
        text = html.unescape(match.group("text")).replace("\xa0", " ")
        rows.setdefault(row, []).append((float(match.group("x")), text))
    return "\n".join("".join(text for _, text in sorted(rows[row])) for row in sorted(rows))


_SVG_TEXT = re.compile(
    r'<text class="[^"]*" x="(?P<x>[\d.]+)" y="[\d.]+" textLength="[\d.]+" '
    r'clip-path="url\(#[\w-]+-line-(?P<line>\d+)\)">(?P<text>[^<]*)</text>'
)


def told(app: ArtisanApp) -> list[str]:
    """What the person was told: the notifications on screen, and the messages too long for
    one, which F1 shows whole."""
    return [*notifications(app), *app.long_messages]
