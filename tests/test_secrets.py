"""The API key never leaves where the person put it."""

from __future__ import annotations

import logging
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import TextArea

from artisan import config, connection, locations
from artisan.engine.answer import Completion, TextCallback
from artisan.engine.chat import Engine
from artisan.targets import Target
from artisan.tui import _log_to_file
from conftest import TEST_KEY, RunCli
from fake_openai import Error, FakeOpenAI
from tui_helpers import make_app, notifications, screen_text, settle, wait_until


def everything_on_disk() -> str:
    """Every file artisan wrote: config excepted, since that is where the key belongs."""
    texts = []
    for path in locations.data_dir().rglob("*"):
        if path.is_file():
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(texts)


@pytest.fixture
def app_log() -> Iterator[Path]:
    """artisan.log, written as `artisan` writes it (the handler its start-up installs), with
    every record of the `artisan` logger, debug ones included. The logger is put back as it
    was afterwards, so nothing here reaches later tests."""
    logger = logging.getLogger("artisan")
    level, handlers = logger.level, list(logger.handlers)
    _log_to_file()
    logger.setLevel(logging.DEBUG)
    try:
        yield locations.log_file()
    finally:
        for handler in logger.handlers:
            if handler not in handlers:
                logger.removeHandler(handler)
                handler.close()
        logger.setLevel(level)


ECHOED_KEY = f"Incorrect API key provided: {TEST_KEY}. Bearer {TEST_KEY}"


async def test_key_not_on_screen_or_disk_after_errors(
    server: FakeOpenAI, app_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that echoes the key in its error, then a bug met while that error is in hand
    (logged with its traceback): the key is on screen nowhere, and on disk nowhere, the log
    included."""
    server.queue_chat(Error(401, ECHOED_KEY, code="invalid_api_key"))
    server.queue_chat(Error(401, ECHOED_KEY, code="invalid_api_key"))
    answer = Engine.generate

    async def broken_after_the_error(
        self: Engine, idea: str, target: Target, on_text: TextCallback
    ) -> Completion:
        try:
            return await answer(self, idea, target, on_text)
        except connection.ApiError as error:
            raise RuntimeError("a bug while the server's error was in hand") from error

    app = make_app(server)
    async with app.run_test(notifications=True, size=(160, 50)) as pilot:
        app.query_one("#idea", TextArea).focus()
        await pilot.press(*"a cat", "ctrl+j")
        await settle(pilot)
        shown = notifications(app)
        assert any("rejected (401)" in n for n in shown)
        assert TEST_KEY not in screen_text(app)
        assert not any(TEST_KEY in n for n in shown)

        monkeypatch.setattr(Engine, "generate", broken_after_the_error)
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: any("Unexpected error" in n for n in notifications(app)))
        await settle(pilot)
        assert TEST_KEY not in screen_text(app)
        await pilot.press("ctrl+s", "ctrl+q")
    log = app_log.read_text(encoding="utf-8")
    assert "a bug while the server's error was in hand" in log  # the log was written
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
