"""Keys go only where they are meant to go, and values that can never work are refused when set.

A key is sent to the one server it was set for; a server found on this machine (or anything
listening on its port) gets none unless one was set for it. An address or a key that cannot
work is refused by `artisan config set` and the settings screen alike, with one message.
"""

from __future__ import annotations

import asyncio
import tomllib
from typing import Any

import pytest
from textual import events
from textual.widgets import Input, Static

from artisan import config, locations
from artisan.discovery import KnownServer
from artisan.tui.app import ArtisanApp
from artisan.tui.screens.settings import SettingsScreen
from artisan.tui.screens.welcome import ServerOffer
from conftest import TEST_KEY, RunCli, run_artisan
from fake_openai import FakeOpenAI
from tui_helpers import notifications, settle, wait_until

PASTED_KEY = "sk-proj-abcdef0123456789\x1b]0;PWNED-KEY\x07"


def authorization(server: FakeOpenAI, path: str = "/v1/chat/completions") -> list[str]:
    """The Authorization header of every request to `path`."""
    return [r.headers.get("authorization", "") for r in server.requests if r.path == path]


def write_config(text: str) -> None:
    path = locations.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)


# Where keys go -------------------------------------------------------------------------------


async def test_a_server_taken_from_the_offer_never_gets_the_openai_key(
    server: FakeOpenAI,
) -> None:
    """ "Use it" on a server found here, then OPENAI_API_KEY exported: the key stays OpenAI's."""
    app = ArtisanApp(config.load().settings, local_servers=[KnownServer("Ollama", server.port)])
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, ServerOffer), "the offer")
        await pilot.press("enter")  # Use it
        await wait_until(pilot, lambda: app.settings.base_url == server.url, "used")
    result = await asyncio.to_thread(
        run_artisan, "prompt", "a fox at dawn", env={"OPENAI_API_KEY": TEST_KEY}
    )
    assert result.returncode == 0, result.stderr
    [sent] = authorization(server)
    assert TEST_KEY not in sent
    assert TEST_KEY not in "".join(authorization(server, "/v1/models"))


async def test_the_settings_screen_lists_a_found_servers_models_without_the_key(
    server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(f'base_url = "{server.url}"\n')
    monkeypatch.setenv("OPENAI_API_KEY", TEST_KEY)
    app = ArtisanApp(config.load().settings)
    async with app.run_test(notifications=True, size=(120, 50)) as pilot:
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen), "settings")
        models = app.screen.query_one("#models", Static)
        await wait_until(pilot, lambda: "Models on this server" in str(models.render()), "listed")
        hint = str(app.screen.query_one("#set-api-key-hint", Static).render())
        assert "OPENAI_API_KEY is for OpenAI" in hint
    assert authorization(server, "/v1/models") and not any(
        TEST_KEY in header for header in authorization(server, "/v1/models")
    )


def test_the_environments_key_goes_to_the_environments_server(
    online: FakeOpenAI, cli: RunCli
) -> None:
    """OPENAI_API_KEY with OPENAI_BASE_URL beside it: set together, meant for each other."""
    assert cli("prompt", "a fox").code == 0
    assert authorization(online) == [f"Bearer {TEST_KEY}"]


def test_a_key_set_after_the_server_is_that_servers(server: FakeOpenAI, cli: RunCli) -> None:
    assert cli("config", "set", "base_url", server.url).code == 0
    done = cli("config", "set", "api_key", TEST_KEY)
    assert f"sent only to {server.url.removesuffix('/v1')}" in done.err
    assert cli("prompt", "a fox").code == 0
    assert authorization(server) == [f"Bearer {TEST_KEY}"]


def test_a_key_set_before_a_new_server_stays_with_its_own(server: FakeOpenAI, cli: RunCli) -> None:
    assert cli("config", "set", "api_key", TEST_KEY).code == 0
    moved = cli("config", "set", "base_url", server.url)
    assert "sent only to OpenAI" in moved.err and "config set api_key" in moved.err
    assert tomllib.loads(locations.config_file().read_text())["api_key_for"] == "openai"
    assert cli("prompt", "a fox").code == 0
    assert TEST_KEY not in "".join(authorization(server))


def test_a_key_written_by_hand_beside_an_address_goes_there(
    server: FakeOpenAI, cli: RunCli
) -> None:
    write_config(f'base_url = "{server.url}"\napi_key = "{TEST_KEY}"\n')
    assert cli("prompt", "a fox").code == 0
    assert authorization(server) == [f"Bearer {TEST_KEY}"]


def test_openai_with_only_another_servers_key_says_why_none_is_sent(cli: RunCli) -> None:
    write_config(f'api_key = "{TEST_KEY}"\napi_key_for = "http://127.0.0.1:9/v1"\n')
    result = cli("prompt", "a fox", "--engine", "chat")
    assert result.code == 1
    assert "No API key is set for this server" in result.err
    assert "is for http://127.0.0.1:9" in result.err and TEST_KEY not in result.err


OPENAI_ORIGIN = "https://api.openai.com:443"


@pytest.mark.parametrize(
    ("address", "server"),
    [
        ("https://api.openai.com/v1", OPENAI_ORIGIN),
        ("https://API.openai.com:443/v1/", OPENAI_ORIGIN),
        ("http://api.openai.com/v1", "http://api.openai.com:80"),
        ("https://api.openai.com.example.net/v1", "https://api.openai.com.example.net:443"),
        ("http://me:secret@127.0.0.1:11434/v1", "http://127.0.0.1:11434"),
    ],
)
def test_a_server_is_its_scheme_host_and_port(address: str, server: str) -> None:
    from artisan import credentials

    assert credentials.origin(address) == server
    assert config.Settings(base_url=address).uses_openai is (server == OPENAI_ORIGIN)


# Values that can never work ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "said"),
    [
        ("base_url", "localhost:11434/v1", "write it as http://localhost:11434/v1"),
        ("base_url", "file:///etc/passwd", "starts with `file:`"),
        ("base_url", "javascript:alert(1)", "starts with `javascript:`"),
        ("base_url", "http://[::1", "cannot be read"),
        ("base_url", "http://localhost:99999/v1", "port outside 1-65535"),
        ("api_key", "sk-proj-abcdef0123456789\n", "line break"),
        ("api_key", "sk-proj-abcdef0123456789\r", "line break"),
        ("api_key", "sk-proj-abcdéf0123456789", "not ASCII"),
        ("api_key", PASTED_KEY, "control characters"),
        ("keys.generate", ",,,", "names no key"),
        ("keys.generate", "ctrl+q", "already the key of “Quit”"),
        ("keys.library-delete", "enter", "already the key of “Load”"),
    ],
)
def test_config_set_refuses_what_can_never_work(
    cli: RunCli, key: str, value: str, said: str
) -> None:
    write_config('model = "llama3.2"\n')
    before = locations.config_file().read_bytes()
    result = cli("config", "set", key, value)
    assert result.code == 2
    assert said in result.err
    assert "abcdef0123456789" not in result.err and "Traceback" not in result.err
    assert locations.config_file().read_bytes() == before


def test_a_binding_that_moves_the_other_action_first_is_accepted(cli: RunCli) -> None:
    assert cli("config", "set", "keys.quit", "ctrl+x").code == 0
    assert cli("config", "set", "keys.generate", "ctrl+q").code == 0
    assert config.load().settings.keys == {"quit": "ctrl+x", "generate": "ctrl+q"}


async def test_a_binding_written_by_hand_that_takes_quit_is_ignored_with_a_warning() -> None:
    write_config('[keys]\ngenerate = "ctrl+q"\nrefine = ",,,"\n')
    loaded = config.load()
    assert loaded.settings.keys == {}
    assert any("`keys.generate`" in w and "“Quit”" in w for w in loaded.warnings)
    assert any("`keys.refine`" in w and "names no key" in w for w in loaded.warnings)
    app = ArtisanApp(loaded.settings, warnings=loaded.warnings)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: app.return_code is not None, "the app quit")


def test_loading_an_address_that_cannot_work_warns_and_leaves_it_out() -> None:
    write_config('base_url = "http://[::1"\n')
    loaded = config.load()
    assert loaded.settings.base_url is None
    assert any("`base_url`" in w and "cannot be read" in w for w in loaded.warnings)


async def test_the_settings_screen_opens_over_an_address_written_wrong() -> None:
    """The app used to exit when F2 asked such a server for its models."""
    write_config('base_url = "http://localhost:99999/v1"\n')
    loaded = config.load()
    app = ArtisanApp(loaded.settings, warnings=loaded.warnings)
    async with app.run_test(notifications=True, size=(120, 50)) as pilot:
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen), "settings")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, SettingsScreen)
        assert any("port outside 1-65535" in n for n in notifications(app))


async def open_settings(app: ArtisanApp, pilot: Any) -> SettingsScreen:
    await pilot.press("f2")
    await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen), "settings")
    assert isinstance(app.screen, SettingsScreen)
    return app.screen


async def test_the_settings_screen_refuses_an_address_that_cannot_work() -> None:
    app = ArtisanApp(config.load().settings)
    async with app.run_test(notifications=True, size=(120, 50)) as pilot:
        screen = await open_settings(app, pilot)
        screen.query_one("#set-base-url", Input).value = "http://[::1"
        await pilot.press("ctrl+s")
        problem = screen.query_one("#set-base-url-problem", Static)
        await wait_until(pilot, lambda: problem.has_class("-shown"), "the problem shown")
        assert "cannot be read" in str(problem.render())
        await pilot.click("#list-models")
        models = screen.query_one("#models", Static)
        await wait_until(pilot, lambda: "cannot be read" in str(models.render()), "said")
        assert app.is_running
    assert config.load().settings.base_url is None


async def test_a_key_pasted_with_an_escape_sequence_is_refused_not_saved_mangled() -> None:
    app = ArtisanApp(config.load().settings)
    async with app.run_test(notifications=True, size=(120, 50)) as pilot:
        screen = await open_settings(app, pilot)
        field = screen.query_one("#set-api-key", Input)
        field.focus()
        field.post_message(events.Paste(PASTED_KEY))
        await wait_until(pilot, lambda: field.value != "", "pasted")
        await pilot.press("ctrl+s")
        problem = screen.query_one("#set-api-key-problem", Static)
        await wait_until(pilot, lambda: problem.has_class("-shown"), "the problem shown")
        shown = str(problem.render())
        assert "control characters" in shown and "abcdef0123456789" not in shown
    assert not locations.config_file().exists() or "api_key" not in (
        locations.config_file().read_text()
    )


async def test_a_key_typed_with_a_server_on_the_form_is_that_servers(server: FakeOpenAI) -> None:
    app = ArtisanApp(config.load().settings)
    async with app.run_test(notifications=True, size=(120, 50)) as pilot:
        screen = await open_settings(app, pilot)
        screen.query_one("#set-api-key", Input).value = TEST_KEY
        screen.query_one("#set-base-url", Input).value = server.url
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.settings.api_key == TEST_KEY, "saved and applied")
    saved = tomllib.loads(locations.config_file().read_text())
    assert saved["api_key_for"] == server.url
    assert config.load().settings.api_key == TEST_KEY
