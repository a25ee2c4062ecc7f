"""The fault matrix: every way the model server can fail, in the CLI and in the app.

For each fault: one clear message, the text that arrived is kept, no traceback, the right exit
status from the CLI, and the app still works afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from textual.widgets import TextArea

from artisan.tui.screens.render import RenderScreen
from conftest import TEST_KEY, RunCli
from fake_openai import Chat, Drop, Error, FakeOpenAI, Images
from tui_helpers import (
    make_app,
    prompt_text,
    screen_text,
    settle,
    told,
    wait_until,
)

PARTIAL = "A vivid picture "


@dataclass(frozen=True)
class Fault:
    id: str
    replies: tuple[Any, ...]
    words: str
    """What the message must say."""
    partial: str = ""
    """Text that must be kept (printed by the CLI, shown by the app)."""
    exit_code: int = 1
    requests: int = 1
    """How many requests the server must see (retries included)."""
    settings: dict[str, Any] = field(default_factory=dict)


FAULTS = [
    Fault(
        "401-bad-key",
        (Error(401, "Incorrect API key provided", code="invalid_api_key"),),
        "API key was rejected (401)",
    ),
    Fault(
        "403",
        (Error(403, "Project does not have access", code="model_not_allowed"),),
        "may not use `gpt-5.4-mini` (403)",
    ),
    Fault(
        "404-retired-model",
        (Error(404, "The model has been deprecated", code="model_not_found"),),
        "misspelt or retired",
    ),
    Fault(
        "429-rate-limit",
        (
            Error(
                429,
                "Rate limit reached",
                code="rate_limit_exceeded",
                headers={"retry-after-ms": "1"},
            ),
        )
        * 3,
        "rate limiting",
        requests=3,
    ),
    Fault(
        "429-insufficient-quota",
        (
            Error(
                429,
                "You exceeded your current quota",
                type="insufficient_quota",
                code="insufficient_quota",
            ),
        )
        * 3,
        "out of credit",
        requests=1,
    ),
    Fault("500", (Error(500, "The server had an error"),) * 3, "(500)", requests=3),
    Fault("503", (Error(503, "Service unavailable"),) * 3, "(503)", requests=3),
    Fault(
        "timeout-before-answer",
        (Chat(stall_after=0, stall_seconds=3),),
        "did not answer within 1 second",
        settings={"timeout": 1.0},
    ),
    Fault(
        "connection-refused",
        (),
        "Cannot connect to 127.0.0.1:9",
        requests=0,
        settings={"base_url": "http://127.0.0.1:9/v1"},
    ),
    Fault(
        "dns-failure",
        (),
        "does not resolve",
        requests=0,
        settings={"base_url": "http://no-such-host.invalid/v1"},
    ),
    Fault("dropped-connection", (Drop(),) * 3, "closed before the answer", requests=3),
    Fault("stream-cut", (Chat(cut_after=3),), "cut off", partial=PARTIAL),
    Fault(
        "stream-stalls",
        (Chat(stall_after=3, stall_seconds=3),),
        "did not answer within 1 second",
        partial=PARTIAL,
        settings={"timeout": 1.0},
    ),
    Fault(
        "error-event-in-stream",
        (Chat(error_event_after=3),),
        "The upstream model crashed.",
        partial=PARTIAL,
    ),
    Fault("malformed-chunk", (Chat(malformed_after=3),), "not the OpenAI format", partial=PARTIAL),
    Fault(
        "html-from-proxy",
        (
            Error(
                502,
                html="<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
            ),
        )
        * 3,
        "502 Bad Gateway (an HTML page",
        requests=3,
    ),
]

TUI_WORDS = {"stream-cut": "connection dropped"}
"""The app says a cut stream in its own words (the CLI's are for a terminal)."""


def configure(monkeypatch: pytest.MonkeyPatch, server: FakeOpenAI, fault: Fault) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", TEST_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", fault.settings.get("base_url", server.url))
    server.queue_chat(*fault.replies)


@pytest.mark.parametrize("fault", FAULTS, ids=[f.id for f in FAULTS])
def test_cli(
    fault: Fault, cli: RunCli, server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, server, fault)
    if "timeout" in fault.settings:
        cli("config", "set", "timeout", str(fault.settings["timeout"]))
    result = cli("prompt", "a beach sunset")
    assert result.code == fault.exit_code
    assert fault.words in result.err
    assert "Traceback" not in result.err
    *retries, final = [line for line in result.err.splitlines() if line.strip()]
    assert fault.words in final
    assert len(retries) == max(0, fault.requests - 1)
    assert all("Retrying in" in line for line in retries)
    assert TEST_KEY not in result.out + result.err
    assert result.out == (fault.partial + "\n" if fault.partial else "")
    assert len(server.chat_requests()) == fault.requests


@pytest.mark.parametrize("fault", FAULTS, ids=[f.id for f in FAULTS])
async def test_app(fault: Fault, server: FakeOpenAI) -> None:
    server.queue_chat(*fault.replies)
    settings = {"max_retries": 2, **fault.settings}
    if "base_url" not in settings:
        settings["base_url"] = server.url
    app = make_app(server, **settings)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        app.query_one("#idea", TextArea).focus()
        await pilot.press(*"a beach sunset", "ctrl+j")
        await settle(pilot)
        shown = told(app)
        words = TUI_WORDS.get(fault.id, fault.words)
        assert any(words in n for n in shown), shown
        assert "Traceback" not in screen_text(app)
        assert prompt_text(app) == fault.partial
        assert len(server.chat_requests()) == fault.requests
        if "base_url" in fault.settings:
            return  # nothing to recover to: the server address itself is wrong
        server.clear_queues()
        await pilot.press("ctrl+j")  # the app is still usable
        await settle(pilot)
        assert prompt_text(app).startswith("A vivid picture of a beach sunset")


IMAGE_FAULTS = [
    (
        "content-policy",
        Error(
            400,
            "Your request was rejected by the safety system: weapons.",
            code="moderation_blocked",
        ),
        "weapons",
    ),
    ("download-fails", Images(response_format="url", broken_download=True), "download"),
]


@pytest.mark.parametrize(("name", "reply", "words"), IMAGE_FAULTS, ids=[f[0] for f in IMAGE_FAULTS])
def test_image_cli(name: str, reply: Any, words: str, cli: RunCli, online: FakeOpenAI) -> None:
    online.queue_images(reply)
    result = cli("image", "a cat at dawn")
    assert result.code == 1
    assert words in result.err.lower()
    assert "Traceback" not in result.err
    assert result.out == ""


@pytest.mark.parametrize(("name", "reply", "words"), IMAGE_FAULTS, ids=[f[0] for f in IMAGE_FAULTS])
async def test_image_app(name: str, reply: Any, words: str, server: FakeOpenAI) -> None:
    # Links come from servers that answer whole (streaming GPT Image models send data).
    app = make_app(server, image_previews=0)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        app.query_one("#idea", TextArea).focus()
        await pilot.press(*"a cat at dawn", "ctrl+j")
        await settle(pilot)
        server.queue_images(reply)
        await pilot.press("ctrl+g")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RenderScreen)
        assert words in screen_text(app).lower()
        # Try again: the dialog still works. (A button ignores a second press while its
        # pressed look lasts, as it does for a person's double press.)
        button = app.screen.query_one("#render-button")
        await wait_until(pilot, lambda: not button.has_class("-active"), "the button released")
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, RenderScreen), "rendered")
