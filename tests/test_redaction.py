"""Secrets never reach a message, whatever a server echoes back and wherever it is cut.

Servers quote the request in their errors: the key (whole, cut short, or without the `sk-` that
key patterns look for), an `Authorization` header, the address with its password. Every message
built from server text is redacted before it is shortened, so a cut cannot leave a piece behind.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from artisan import connection as api
from artisan.config import Settings
from artisan.connection.redaction import MAX_QUOTED, quote, redact
from artisan.engine import Engine
from artisan.targets import load_catalog
from conftest import RunCli
from fake_openai import Chat, Error, FakeOpenAI

LOCAL_KEY = "local0secret1key2without3prefix4"
"""A key as a local server or proxy may issue it: no `sk-`, nothing a key pattern knows."""
PASSWORD = "hunter2hunter2"


def leaks(text: str, key: str = LOCAL_KEY) -> bool:
    """Whether any 8 characters from the start of `key`, or the password, appear in `text`."""
    return key[:8] in text or PASSWORD in text


async def failure(server: FakeOpenAI, **changes: Any) -> api.ApiError:
    values: dict[str, Any] = {"base_url": server.url, "api_key": LOCAL_KEY, "max_retries": 0}
    engine = Engine(Settings(**{**values, **changes}), retry_base=0.01)
    try:
        await engine.generate("a fox", load_catalog().get("dalle"), lambda text: None)
    except api.ApiError as error:
        return error
    finally:
        await engine.aclose()
    raise AssertionError("the request was expected to fail")


@pytest.mark.parametrize(
    "echo",
    [
        f"Incorrect API key provided: {LOCAL_KEY}.",
        f"Incorrect API key provided: {LOCAL_KEY[:12]}****************.",
        f"Request headers: {{'Authorization': 'Bearer {LOCAL_KEY}'}}",
        "x" * (MAX_QUOTED - 12) + f" key {LOCAL_KEY} cut here",
        f"upstream http://admin:{PASSWORD}@10.0.0.5:8080/v1 refused the key",
    ],
    ids=["whole-key", "key-cut-short", "authorization", "key-at-the-cut", "url-credentials"],
)
async def test_error_bodies_never_show_a_secret(server: FakeOpenAI, echo: str) -> None:
    server.queue_chat(Error(401, echo, code="invalid_api_key"))
    error = await failure(server)
    assert "rejected (401)" in str(error)
    assert "[redac" in str(error)  # the mark itself may be what the cut shortens
    assert not leaks(str(error))


async def test_a_web_page_title_never_shows_the_key(server: FakeOpenAI) -> None:
    page = f"<html><head><title>Denied for {LOCAL_KEY}</title></head></html>"
    server.queue_chat(Error(502, html=page))
    error = await failure(server)
    assert "Denied for [redacted]" in str(error)
    assert not leaks(str(error))


async def test_an_error_event_never_shows_the_key(server: FakeOpenAI) -> None:
    server.queue_chat(
        Chat(events=[{"error": {"message": f"Authorization: Bearer {LOCAL_KEY} is not valid"}}])
    )
    error = await failure(server)
    assert isinstance(error, api.ServerFailed)
    assert not leaks(str(error))


async def test_credentials_in_base_url_never_show(server: FakeOpenAI) -> None:
    """The server is named by its host and port alone, in every message."""
    with_password = server.url.replace("http://", f"http://artisan:{PASSWORD}@")
    server.queue_chat(Error(500, "The server had an error"))
    failed = await failure(server, base_url=with_password)
    assert f"127.0.0.1:{server.port} failed with an error (500)" in str(failed)
    refused = await failure(server, base_url=f"http://artisan:{PASSWORD}@127.0.0.1:9/v1")
    assert "Cannot connect to 127.0.0.1:9" in str(refused)
    for error in (failed, refused):
        assert not leaks(str(error))


def test_cli_never_prints_credentials(
    cli: RunCli, server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", server.url.replace("http://", f"http://me:{PASSWORD}@"))
    monkeypatch.setenv("OPENAI_API_KEY", LOCAL_KEY)
    server.queue_chat(Error(403, f"key {LOCAL_KEY[:20]} may not use this model"))
    result = cli("prompt", "a fox")
    assert result.code == 1
    assert "(403)" in result.err
    assert not leaks(result.out + result.err)


def test_key_shaped_text_is_redacted() -> None:
    assert redact("use sk-proj-abcdef123456 here") == "use [redacted] here"
    assert redact("token 9f8e7d6c5b4a39281706f5e4d3c2b1a0ffee here") == "token [redacted] here"
    assert redact("x-api-key: abc123") == "x-api-key: [redacted]"
    assert redact("https://u:p@example.com/v1") == "https://[redacted]@example.com/v1"
    # Ordinary words, model names and hosts stay readable.
    kept = "gpt-5.4-mini at my-server.example.com said: key-value pairs are fine"
    assert redact(kept) == kept


keys = st.text(
    st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"),
    min_size=8,
    max_size=80,
)
filler = st.text(max_size=400)


@settings(max_examples=300, deadline=None)
@given(key=keys, before=filler, after=filler, shown=st.integers(min_value=8, max_value=80))
def test_no_start_of_the_key_survives_quoting(
    key: str, before: str, after: str, shown: int
) -> None:
    """The key, or any piece of it of 8+ characters from its start, wherever it sits."""
    text = before + key[:shown] + after
    assert key[:8] not in quote(text, key)
