"""The API key never leaves where the person put it."""

from __future__ import annotations

import logging
import stat

from textual.widgets import TextArea

from artisan import config, locations
from conftest import TEST_KEY, RunCli
from fake_openai import Error, FakeOpenAI
from tui_helpers import make_app, notifications, screen_text, settle


def everything_on_disk() -> str:
    """Every file artisan wrote: config excepted, since that is where the key belongs."""
    texts = []
    for path in locations.data_dir().rglob("*"):
        if path.is_file():
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(texts)


async def test_key_not_on_screen_or_disk_after_errors(server: FakeOpenAI) -> None:
    """A server that echoes the key in its error: the key appears nowhere."""
    server.queue_chat(
        Error(
            401,
            f"Incorrect API key provided: {TEST_KEY}. Bearer {TEST_KEY}",
            code="invalid_api_key",
        )
    )
    logging.getLogger("artisan").setLevel(logging.DEBUG)
    app = make_app(server)
    async with app.run_test(notifications=True, size=(160, 50)) as pilot:
        app.query_one("#idea", TextArea).focus()
        await pilot.press(*"a cat", "ctrl+j")
        await settle(pilot)
        shown = notifications(app)
        assert any("rejected (401)" in n for n in shown)
        assert TEST_KEY not in screen_text(app)
        assert not any(TEST_KEY in n for n in shown)
        await pilot.press("ctrl+j")
        await settle(pilot)
        await pilot.press("ctrl+s", "ctrl+q")
    assert TEST_KEY not in everything_on_disk()


def test_key_not_in_cli_output_exports_or_errors(cli: RunCli, online: FakeOpenAI) -> None:
    online.queue_chat(Error(401, f"Incorrect API key provided: {TEST_KEY}"))
    failed = cli("prompt", "a cat")
    assert failed.code == 1
    assert TEST_KEY not in failed.out + failed.err
    saved = cli("prompt", "a dog", "--save", "--json")
    assert TEST_KEY not in saved.out + saved.err
    for fmt in ("toml", "json", "md"):
        exported = cli("library", "export", "--format", fmt)
        assert TEST_KEY not in exported.out
    shown = cli("config")
    assert TEST_KEY not in shown.out + shown.err
    assert TEST_KEY not in everything_on_disk()


def test_key_in_config_file_is_private_and_shown_redacted(cli: RunCli) -> None:
    assert cli("config", "set", "api_key", TEST_KEY).code == 0
    path = locations.config_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    shown = cli("config")
    assert TEST_KEY not in shown.out
    assert config.redact(TEST_KEY) in shown.out
    path.chmod(0o644)
    warned = cli("config")
    assert "can be read by other users" in warned.err
    assert TEST_KEY not in warned.err
