"""Bidirectional and C1 controls from outside are stored clean and never shown as they are.

A right-to-left override (U+202E) or an isolate (U+2066) reorders what is shown around it, so a
prompt reads other than it is; a C1 CSI (U+009B) is an escape sequence in one character. Text
enters a record (a library entry, an image's metadata) cleaned, in one place (`entry.py`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from artisan import locations
from artisan.config import Settings
from artisan.entry import ImageRecord, PromptEntry
from artisan.images import read_metadata
from artisan.library import Library
from artisan.tui.app import ArtisanApp
from artisan.tui.screens.preview import PreviewScreen
from conftest import TEST_CLOCK, TEST_KEY, RunCli
from fake_openai import Chat, FakeOpenAI, Images
from tui_helpers import prompt_text, screen_text, settle, wait_until

HOSTILE = "A red fox\u202e wons ni\u2066 curled up\u2069 \x9b31m in snow."
CLEAN = "A red fox wons ni curled up  in snow."  # the CSI takes its "31m" with it
FORBIDDEN = ("\u202e", "\u2066", "\u2069", "\x9b")
FORBIDDEN_BYTES = tuple(char.encode("utf-8") for char in FORBIDDEN)


def library_files() -> list[Path]:
    return sorted(locations.library_dir().glob("*.toml"))


def test_a_revised_prompt_is_stored_and_embedded_clean(cli: RunCli, online: FakeOpenAI) -> None:
    online.queue_images(Images(revised_prompt=HOSTILE))
    result = cli("image", "a fox", "--model", "dall-e-3", "--save")
    assert result.code == 0, result.err
    [toml] = library_files()
    stored = toml.read_bytes()
    assert not any(raw in stored for raw in FORBIDDEN_BYTES)
    [png] = [Path(line) for line in result.out.splitlines()]
    picture = png.read_bytes()
    assert not any(raw in picture for raw in FORBIDDEN_BYTES)
    assert read_metadata(png)["revised_prompt"] == CLEAN


def test_every_text_of_a_record_is_cleaned_as_it_enters() -> None:
    entry = PromptEntry.create(HOSTILE, idea=HOSTILE, title=HOSTILE, tags=[HOSTILE])
    entry.notes = HOSTILE
    image = ImageRecord(path="/pictures/fox.png", prompt=HOSTILE, revised_prompt=HOSTILE)
    texts = [entry.prompt, entry.idea, entry.title, entry.notes, *entry.tags]
    texts += [image.prompt, image.revised_prompt]
    assert all(not any(char in text for char in FORBIDDEN) for text in texts), texts


def test_library_show_of_a_hand_written_file_carries_no_controls(cli: RunCli) -> None:
    folder = locations.library_dir()
    folder.mkdir(parents=True)
    (folder / "handmade.toml").write_text(
        f'id = "handmade"\ntitle = "fox"\nprompt = "{HOSTILE}"\n', encoding="utf-8"
    )
    result = cli("library", "show", "handmade")
    assert result.code == 0, result.err
    assert CLEAN in result.out
    assert not any(char in result.out for char in FORBIDDEN)


async def test_the_preview_and_the_prompt_pane_show_no_controls(server: FakeOpenAI) -> None:
    server.queue_chat(Chat(text=HOSTILE))
    server.queue_images(Images(revised_prompt=HOSTILE))
    values: dict[str, Any] = {
        "base_url": server.url,
        "api_key": TEST_KEY,
        "image_base_url": server.url,
        "image_api_key": TEST_KEY,
        "timeout": 5.0,
        "max_retries": 0,
        "open": "terminal",
    }
    app = ArtisanApp(
        Settings(**values),
        graphics="HalfcellImage",
        image_launcher=lambda command, path: None,
        clock=TEST_CLOCK,
        library=Library(locations.library_dir()),
    )
    async with app.run_test(notifications=True, size=(160, 40)) as pilot:
        app.idea_pane.editor.focus()
        await pilot.press(*"a fox", "ctrl+j")
        await settle(pilot)
        assert "in snow" in prompt_text(app)
        assert not any(char in screen_text(app) for char in FORBIDDEN)
        await pilot.press("ctrl+g")
        await pilot.pause()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PreviewScreen), "the preview")
        await settle(pilot)
        shown = screen_text(app)
        assert "curled up" in shown
        assert not any(char in shown for char in FORBIDDEN)
