"""Setting artisan up from inside the app: the welcome, a server found here, the settings screen."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Button, Input, Select, Static

from artisan import config, locations
from artisan.config import Settings
from artisan.discovery import KnownServer
from artisan.tui.app import ArtisanApp
from artisan.tui.screens.settings import SettingsScreen
from artisan.tui.screens.welcome import ServerOffer, WelcomeScreen
from artisan.tui.setup import WELCOMED, is_first_start
from conftest import TEST_KEY
from fake_openai import Error, FakeOpenAI
from tui_helpers import notifications, settle, wait_until

IDEA = "a lighthouse in a storm"


def fresh_app(**options: Any) -> ArtisanApp:
    """The app as a new user gets it: no key, no server, no config file."""
    return ArtisanApp(config.load().settings, **options)


async def click(pilot: Any, selector: str) -> None:
    """Click a widget once it has been laid out (a dialog's buttons get their place a frame
    after the dialog appears)."""
    await wait_until(pilot, lambda: pilot.app.screen.query(selector), f"{selector} mounted")
    widget = pilot.app.screen.query_one(selector)
    await wait_until(pilot, lambda: widget.region.width > 0, f"{selector} laid out")
    await pilot.pause()
    assert await pilot.click(selector)


async def type_idea(pilot: Any) -> None:
    pilot.app.idea_pane.editor.focus()
    await pilot.press(*IDEA)


def test_the_first_start_is_known_by_nothing_being_set() -> None:
    assert is_first_start(config.load().settings)
    config.set_value("target", "midjourney")
    assert not is_first_start(config.load().settings)


async def test_the_welcome_says_what_works_and_the_composer_writes_at_once(
    server: FakeOpenAI,
) -> None:
    app = fresh_app(welcome=True)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, WelcomeScreen), "the welcome")
        text = " ".join(str(s.render()) for s in app.screen.query(Static))
        assert "offline composer" in text and "Settings (F2" in text
        await pilot.press("enter")  # Start writing
        await wait_until(pilot, lambda: not isinstance(app.screen, WelcomeScreen), "closed")
        assert (locations.data_dir() / WELCOMED).exists()
        await type_idea(pilot)
        await pilot.press("ctrl+j")
        await settle(pilot)
        version = app.workshop.version
        assert version is not None and version.model == "composer"
        assert "lighthouse in a storm" in version.text
        assert server.requests == []  # nothing left the machine
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert len({v.text for v in version.variations}) == 4


async def test_a_server_found_here_is_offered_and_used(server: FakeOpenAI) -> None:
    here = [KnownServer("Ollama", server.port)]
    app = fresh_app(local_servers=here)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        offer = f"Ollama is running here ({server.url}) with 1 model: use gpt-5.4-mini?"

        def shown() -> str:
            return " ".join(str(s.render()) for s in app.screen.query(Static))

        await wait_until(pilot, lambda: isinstance(app.screen, ServerOffer), "the offer")
        await wait_until(pilot, lambda: offer in shown(), "the offer's words")
        await pilot.press("enter")  # Use it
        await wait_until(pilot, lambda: app.settings.base_url == server.url, "settings applied")
        saved = config.load().settings
        assert saved.base_url == server.url and saved.model == "gpt-5.4-mini"
        await type_idea(pilot)
        await pilot.press("ctrl+j")
        await settle(pilot)
        assert server.chat_requests(), "the prompt was written by the server found"
        assert app.workshop.version is not None
        assert app.workshop.version.engine == "chat"


async def test_never_ask_is_remembered(server: FakeOpenAI) -> None:
    here = [KnownServer("llama.cpp", server.port)]
    app = fresh_app(local_servers=here)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, ServerOffer), "the offer")
        await click(pilot, "#never")
        await wait_until(pilot, lambda: app.settings.local_servers == "never", "saved")
    assert config.load().settings.local_servers == "never"
    again = fresh_app(local_servers=here)
    async with again.run_test(notifications=True, size=(120, 40)) as pilot:
        await settle(pilot)
        assert not isinstance(again.screen, ServerOffer)
        assert not any(r.path == "/v1/models" for r in server.requests[1:])


async def test_the_welcome_makes_the_offer_itself(server: FakeOpenAI) -> None:
    app = fresh_app(welcome=True, local_servers=[KnownServer("LM Studio", server.port)])
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, WelcomeScreen), "the welcome")
        use = app.screen.query_one("#use-server", Button)
        await wait_until(pilot, lambda: use.has_class("-offered"), "the offer in the welcome")
        await click(pilot, "#use-server")
        await wait_until(pilot, lambda: app.settings.base_url == server.url, "settings applied")
        assert not isinstance(app.screen, ServerOffer)  # offered once, not twice


async def test_no_server_here_is_said_in_the_welcome() -> None:
    app = fresh_app(welcome=True, local_servers=[KnownServer("Ollama", 9)])
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, WelcomeScreen), "the welcome")
        found = app.screen.query_one("#found", Static)
        await wait_until(pilot, lambda: "No model server" in str(found.render()), "searched")


# The settings screen ---------------------------------------------------------------------------


async def open_settings(pilot: Any) -> SettingsScreen:
    await pilot.press("f2")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, SettingsScreen), "settings")
    screen = pilot.app.screen
    assert isinstance(screen, SettingsScreen)
    return screen


async def test_settings_are_saved_with_the_files_comments_and_used_at_once(
    server: FakeOpenAI,
) -> None:
    path = locations.config_file()
    path.parent.mkdir(parents=True)
    path.write_text("# mine, keep me\nvariations = 4  # four is plenty\n")
    app = fresh_app()
    async with app.run_test(notifications=True, size=(120, 50)) as pilot:
        screen = await open_settings(pilot)
        screen.query_one("#set-base-url", Input).value = server.url
        screen.query_one("#set-variations", Input).value = "2"
        screen.query_one("#set-target", Select).value = "midjourney"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.settings.variations == 2, "applied")
        assert not isinstance(app.screen, SettingsScreen)
        text = path.read_text()
        assert "# mine, keep me" in text and "variations = 2  # four is plenty" in text
        saved = config.load().settings
        assert saved.base_url == server.url and saved.target == "midjourney"
        await type_idea(pilot)
        await pilot.press("ctrl+j")
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert len(server.chat_requests()) == 3  # the prompt and two variations, from the server


async def test_a_bad_key_is_shown_as_such_by_the_test(server: FakeOpenAI) -> None:
    server.queue_chat(Error(401, "Incorrect API key provided", code="invalid_api_key"))
    app = fresh_app()
    async with app.run_test(notifications=True, size=(120, 50)) as pilot:
        screen = await open_settings(pilot)
        screen.query_one("#set-engine", Select).value = "chat"
        screen.query_one("#set-base-url", Input).value = server.url
        screen.query_one("#set-api-key", Input).value = "sk-not-a-real-key-123"
        await click(pilot, "#test")
        result = screen.query_one("#test-result", Static)
        await wait_until(pilot, lambda: "rejected (401)" in str(result.render()), "tested")
        assert "sk-not-a-real-key-123" not in str(result.render())
        assert result.has_class("-error")
        assert not locations.config_file().exists()  # testing saves nothing
        server.clear_queues()
        test = screen.query_one("#test", Button)
        await wait_until(pilot, lambda: not test.has_class("-active"), "the button released")
        await click(pilot, "#test")
        await wait_until(pilot, lambda: "answered in" in str(result.render()), "tested again")
        assert not result.has_class("-error")


async def test_a_value_the_settings_refuse_is_shown_beside_its_field() -> None:
    app = fresh_app()
    async with app.run_test(notifications=True, size=(120, 50)) as pilot:
        screen = await open_settings(pilot)
        screen.query_one("#set-variations", Input).value = "99"
        screen.query_one("#set-temperature", Input).value = "0.5"
        await pilot.press("ctrl+s")
        problem = screen.query_one("#set-variations-problem", Static)
        await wait_until(pilot, lambda: problem.has_class("-shown"), "the problem shown")
        assert "from 1 to 12" in str(problem.render())
        assert isinstance(app.screen, SettingsScreen)  # still open to fix it
        assert config.load().settings.temperature == 0.5  # the good one was saved
        assert config.load().settings.variations == 4


async def test_a_key_from_the_environment_is_shown_as_its_source(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", TEST_KEY)
    app = ArtisanApp(config.load().settings)
    async with app.run_test(notifications=True, size=(120, 50)) as pilot:
        screen = await open_settings(pilot)
        key = screen.query_one("#set-api-key", Input)
        assert key.disabled and key.value == ""
        hint = str(screen.query_one("#set-api-key-hint", Static).render())
        assert "OPENAI_API_KEY environment variable" in hint
        assert TEST_KEY not in hint
        await pilot.press("escape")
        assert not isinstance(app.screen, SettingsScreen)
        assert not any("Settings saved" in n for n in notifications(app))


def test_settings_open_from_f2_and_the_palette() -> None:
    from artisan.actions import KEYMAP_BY_ID

    action = KEYMAP_BY_ID["settings"]
    assert action.keys == "f2" and action.palette
    assert Settings().local_servers == "ask"
