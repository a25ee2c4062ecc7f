"""The app against servers that behave like local ones and proxies do: what a person sees.

The engine's side of each is in test_local_servers.py and the command line's in
test_cli_local_servers.py; here, the same servers through the app's panes and status line.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from artisan import config
from artisan.discovery import KnownServer
from artisan.tui.app import ArtisanApp
from artisan.tui.screens.thinking import ThinkingScreen
from fake_openai import Chat, Error, FakeOpenAI, LocalServer, Raw
from tui_helpers import make_app, notifications, prompt_text, screen_text, settle, wait_until

IN_TURN = "runs one request at a time; variations now run in turn"


async def write_prompt(pilot: Any, idea: str = "a fox at dusk") -> None:
    pilot.app.idea_pane.editor.focus()
    await pilot.press(*idea, "ctrl+j")
    await settle(pilot)


async def test_a_one_slot_server_gives_every_variation_in_turn(server: FakeOpenAI) -> None:
    server.local = LocalServer(slots=1, when_busy="interrupt")
    server.default_chat = Chat(delay=0.01)
    app = make_app(server, variations=4)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await write_prompt(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        items = app.variations_pane.items
        assert [item.state for item in items] == ["done"] * 4
        assert all(item.text.startswith(f"Variation {n + 1}:") for n, item in enumerate(items))
        assert any(IN_TURN in note for note in notifications(app))
        assert str(app.variations_pane.border_subtitle) == "4 done"
        assert all(r.body["max_tokens"] == 600 for r in server.chat_requests())


async def test_a_row_that_did_not_end_well_says_why(server: FakeOpenAI) -> None:
    server.queue_chat(Chat(), Chat(pieces=[]), Chat(finish="length"))
    app = make_app(server, variations=2)
    async with app.run_test(notifications=True, size=(160, 40)) as pilot:
        await write_prompt(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        shown = " ".join(screen_text(app).split())
        assert "(empty: the model answered with nothing" in shown
        assert "(truncated:" in shown
        subtitle = str(app.variations_pane.border_subtitle)
        assert subtitle == "2 finished: 1 truncated, 1 empty"


async def test_an_empty_200_is_named_not_called_a_dropped_connection(server: FakeOpenAI) -> None:
    server.local = LocalServer(context_words=30)
    app = make_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await write_prompt(pilot, " ".join(["fox"] * 40))
        shown = notifications(app)
        assert any("sent nothing (is the prompt longer than its context?)" in n for n in shown)
        assert not any("connection" in n for n in shown)
        assert "last request: error" in str(app.prompt_pane.border_subtitle)


async def test_usage_not_reported_is_estimated_and_says_so(server: FakeOpenAI) -> None:
    server.default_chat = Chat(usage=False)
    app = make_app(server)
    async with app.run_test(notifications=True, size=(160, 40)) as pilot:
        await write_prompt(pilot)
        caption = str(app.prompt_pane.border_subtitle)
        assert "≈" in caption and "tokens" in caption
        version = app.workshop.version
        assert version is not None and version.usage_estimated


async def test_a_thinking_model_shows_its_thinking_apart_from_the_prompt(
    server: FakeOpenAI,
) -> None:
    server.queue_chat(
        Chat(pieces=["<think>", "The user wants", " a fox.</thi", "nk>\n\n", "A red fox."])
    )
    app = make_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await write_prompt(pilot)
        assert prompt_text(app) == "A red fox."
        thoughts = app.prompt_pane.thoughts
        assert thoughts.has_class("-shown")
        assert "thought" in str(thoughts.render()) and "user wants" not in str(thoughts.render())
        thoughts.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: "The user wants a fox." in str(thoughts.render()), "")
        assert app.workshop.version is not None
        assert "The user wants" not in app.workshop.version.text


async def test_thinking_to_the_limit_is_told(server: FakeOpenAI) -> None:
    server.queue_chat(Chat(pieces=[], reasoning="Hmm. " * 50, finish="length"))
    app = make_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await write_prompt(pilot)
        assert any("used its whole length thinking" in n for n in notifications(app))
        assert app.workshop.versions == []


async def test_the_status_line_says_the_model_is_thinking(server: FakeOpenAI) -> None:
    thoughts = " ".join(f"Thought {n} about the fox." for n in range(40))
    server.queue_chat(Chat(text="A fox.", reasoning=thoughts, delay=0.02))
    app = make_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        app.idea_pane.editor.focus()
        await pilot.press(*"a fox", "ctrl+j")
        status = app.status_line
        await wait_until(pilot, lambda: "thinking" in str(status.render()), "the status line")
        assert "thinking" in app.prompt_pane.stream.placeholder
        assert "thinking" in screen_text(app)
        await settle(pilot)
        assert prompt_text(app) == "A fox."


@pytest.mark.parametrize(
    "chat",
    [
        Chat(text="A red fox.", as_json=True),
        Chat(text="A red fox.", multiline=True),
        Chat(text="A red fox.", comments=(" OPENROUTER PROCESSING",) * 3),
    ],
    ids=["json-completion", "multi-line-data", "comments"],
)
async def test_odd_but_valid_answers_are_shown(server: FakeOpenAI, chat: Chat) -> None:
    server.queue_chat(chat)
    app = make_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await write_prompt(pilot)
        assert prompt_text(app) == "A red fox."
        assert not notifications(app)


async def test_a_web_page_is_named(server: FakeOpenAI) -> None:
    page = b"<html><head><title>Sign in to Guest Wi-Fi</title></head><body>...</body></html>"
    server.queue_chat(Raw(page, "text/html; charset=utf-8"))
    app = make_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await write_prompt(pilot)
        assert any('a web page titled "Sign in to Guest Wi-Fi"' in n for n in notifications(app))


async def test_an_error_event_shows_the_servers_words(server: FakeOpenAI) -> None:
    server.queue_chat(Chat(error_event_after=3, error_as_event=True))
    app = make_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await write_prompt(pilot)
        assert any("The upstream model crashed." in n for n in notifications(app))
        assert prompt_text(app) == "A vivid picture "


async def test_a_trickle_ends_at_the_answer_deadline(server: FakeOpenAI) -> None:
    server.queue_chat(Chat(text="A red fox.", trickle=0.02))
    app = make_app(server, answer_timeout=1.0)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await write_prompt(pilot)
        assert any("`answer_timeout`" in n for n in notifications(app))


async def test_a_looping_model_is_stopped_and_marked(server: FakeOpenAI) -> None:
    server.queue_chat(Chat(text="A red fox in snow.\n" * 300))
    app = make_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await write_prompt(pilot)
        assert prompt_text(app).count("A red fox in snow.") == 6
        assert "truncated" in str(app.prompt_pane.border_subtitle)
        assert any("kept repeating the same line" in n for n in notifications(app))


async def test_system_mode_merge_sends_the_rules_in_the_user_message(server: FakeOpenAI) -> None:
    app = make_app(server, system_mode="merge")
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await write_prompt(pilot)
        [user] = server.chat_requests()[0].body["messages"]
        assert user["role"] == "user" and user["content"].startswith("Act as a prompt generator")


async def test_a_retry_is_told_in_the_status_line_not_in_notices(server: FakeOpenAI) -> None:
    server.queue_chat(
        Error(429, "Slow down.", code="rate_limit_exceeded", headers={"retry-after": "1"})
    )
    app = make_app(server, max_retries=2)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        app.idea_pane.editor.focus()
        await pilot.press(*"a fox", "ctrl+j")
        status = app.status_line
        await wait_until(pilot, lambda: "retry 1 of 2 in 1 s" in str(status.render()), "retry")
        await settle(pilot)
        assert prompt_text(app).startswith("A vivid picture of a fox")
        assert "prompt: done" in str(status.render())
        assert not [n for n in notifications(app) if "retry" in n.lower() or "Slow" in n]


async def test_waiting_for_the_first_words_is_shown(server: FakeOpenAI) -> None:
    server.queue_chat(Chat(stall_after=0, stall_seconds=30))
    app = make_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        app.idea_pane.editor.focus()
        await pilot.press(*"a fox", "ctrl+j")
        status = app.status_line
        await wait_until(
            pilot, lambda: "waiting for the first words" in str(status.render()), "waiting"
        )
        assert "ctrl+j writes" not in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert "prompt: cancelled" in str(status.render())


async def test_a_model_that_only_thought_says_why_and_shows_its_thinking(
    server: FakeOpenAI,
) -> None:
    """No prompt, only thinking: at 120 columns the status line and the Prompt pane say so in
    full, and F4 (or the palette's Thinking) shows what it thought."""
    thoughts = " ".join(f"Step {n}: weigh the light on the water." for n in range(12))
    server.queue_chat(Chat(pieces=["<think>", thoughts, "</think>"]))
    app = make_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await write_prompt(pilot)
        screen = screen_text(app)
        assert re.search(r"prompt: no prompt, only thinking \(\d+\.\d s; f6 reads it\)", screen)
        assert "last request: no prompt, only thinking" in screen
        await pilot.press("f6")
        await wait_until(pilot, lambda: isinstance(app.screen, ThinkingScreen), "the thinking")
        assert "Step 11: weigh the light on the water." in screen_text(app)
        assert "The last request: what the model thought" in screen_text(app)


async def test_the_thinking_of_a_variation_is_shown(server: FakeOpenAI) -> None:
    server.queue_chat(
        Chat(text="A red fox."),
        Chat(text="A fox at dawn.", reasoning="Dawn suits a fox: cold pink light."),
    )
    app = make_app(server, variations=1)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await write_prompt(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        app.variations_pane.option_list.focus()
        await pilot.press("f6")
        await wait_until(pilot, lambda: isinstance(app.screen, ThinkingScreen), "the thinking")
        assert "Dawn suits a fox: cold pink light." in screen_text(app)
        await pilot.press("escape")
        app.idea_pane.editor.focus()
        await pilot.press("f6")
        await settle(pilot)
        assert any("v1: the model wrote no thinking" in n for n in notifications(app))


async def test_quitting_while_a_port_trickles_its_model_list_at_the_first_start(
    server: FakeOpenAI,
) -> None:
    """The search for local servers runs in a thread the app waits for when it quits: a
    port answering a byte every 0.2 s would hold ctrl+q for minutes without its deadline."""
    server.models = [f"model-{n}" for n in range(50)]
    server.models_trickle = 0.2
    app = ArtisanApp(config.load().settings, local_servers=[KnownServer("Ollama", server.port)])

    async def quit_at_once() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: server.requests, "the probe")
            await pilot.press("ctrl+q")

    await asyncio.wait_for(quit_at_once(), 15)
    assert app.return_code == 0
    # The search let go of the port: nothing is left reading it, which a process ending
    # after the app would otherwise wait for.
    assert await asyncio.to_thread(server.wait_for_hang_up, 5)
