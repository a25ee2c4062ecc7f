"""The app and a script working on the same library at the same time lose nothing."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest
from textual.widgets import TextArea

from artisan import locations
from artisan.library import Library
from artisan.tui.widgets.library_list import LibraryList
from fake_openai import FakeOpenAI
from tui_helpers import fill_library, make_app, settle

SCRIPT = """
set -e
for i in $(seq 1 25); do
  "$PY" -m artisan library tag "$SHARED" "cli-$i" > /dev/null
  "$PY" -m artisan prompt "cli idea $i" --save > /dev/null 2>&1
done
"$PY" -m artisan library rm "$DOOMED" 2> /dev/null
"""


@pytest.mark.slow
async def test_app_and_cli_together(server: FakeOpenAI) -> None:
    """51 command-line processes change the library while the app saves and marks
    favourites."""
    shared, doomed, favourite = fill_library(3)
    env = {
        **os.environ,
        "PY": sys.executable,
        "SHARED": shared.id,
        "DOOMED": doomed.id,
        "OPENAI_BASE_URL": server.url,
        "OPENAI_API_KEY": "sk-test-concurrent",
    }
    app = make_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await settle(pilot)
        script = await asyncio.create_subprocess_exec("sh", "-c", SCRIPT, env=env)
        library_list = app.query_one(LibraryList)
        saves = 0
        while script.returncode is None:
            app.query_one("#idea", TextArea).focus()
            app.idea_pane.idea = f"app idea {saves}"
            await pilot.press("ctrl+j")
            await settle(pilot)
            await pilot.press("ctrl+s")
            await settle(pilot)
            saves += 1
            library_list.focus()
            ids = [e.id for e in library_list.entries]
            if favourite.id in ids:
                library_list.cursor = ids.index(favourite.id)
                await pilot.press("f")
                await settle(pilot)
            try:
                await asyncio.wait_for(script.wait(), 0.01)
            except TimeoutError:
                continue
        assert script.returncode == 0
    library = Library(locations.library_dir())
    report = library.load()
    assert report.problems == []
    prompts = [e.prompt for e in library.entries()]
    assert sum("cli idea" in p for p in prompts) == 25
    assert sum("app idea" in p for p in prompts) == saves
    assert len(prompts) == len(set(prompts))  # no duplicates
    assert library.get(shared.id).tags[-25:] == [f"cli-{i}" for i in range(1, 26)]
    assert doomed.id not in [e.id for e in library.entries()]
    toggled_odd_times = saves % 2 == 1
    assert library.get(favourite.id).favorite is (favourite.favorite ^ toggled_odd_times)
