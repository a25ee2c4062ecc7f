"""The engine against servers that behave like local ones and proxies do, through the real SDK.

One section per finding about real servers: a length cap, one-slot servers, empty results,
misleading errors, missing usage, thinking models, proxies and odd servers, deadlines, and
system prompts dropped by chat templates.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace
from typing import Any

import pytest

from artisan import connection as api
from artisan import locations
from artisan.config import Settings
from artisan.engine import Completion, Engine, State, ThinkingNotice, batch_summary
from artisan.targets import Target, load_catalog
from conftest import TEST_KEY
from fake_openai import Chat, FakeOpenAI, LocalServer, Raw

LONG = " ".join(f"word{i}" for i in range(1000))


@pytest.fixture
def dalle() -> Target:
    return load_catalog().get("dalle")


def settings_for(server: FakeOpenAI, **changes: Any) -> Settings:
    values: dict[str, Any] = {"base_url": server.url, "api_key": TEST_KEY, "timeout": 5.0}
    return Settings(**{**values, "max_retries": 0, **changes})


class Recorder:
    """An engine's notices, restarts and thinking notices, as a screen would receive them."""

    def __init__(self) -> None:
        self.notices: list[str] = []
        self.restarts: list[int] = []
        self.thinking: list[ThinkingNotice] = []

    def engine(self, settings: Settings) -> Engine:
        return Engine(
            settings,
            on_notice=self.notices.append,
            on_restart=self.restarts.append,
            on_thinking=self.thinking.append,
            retry_base=0.01,
        )


async def run(engine: Engine, target: Target, idea: str = "a fox") -> tuple[str, Any]:
    """Generate once; the text given to `on_text`, and the result (or the error)."""
    pieces: list[str] = []
    try:
        result: Any = await engine.generate(idea, target, pieces.append)
    except api.ApiError as error:
        result = error
    finally:
        await engine.aclose()
    return "".join(pieces), result


# 1. A length cap ------------------------------------------------------------------------------


async def test_the_targets_length_cap_is_sent(server: FakeOpenAI, dalle: Target) -> None:
    await run(Engine(settings_for(server)), dalle)
    await run(Engine(settings_for(server)), replace(dalle, max_tokens=200))
    await run(Engine(settings_for(server, max_tokens=120)), replace(dalle, max_tokens=200))
    assert [r.body["max_tokens"] for r in server.chat_requests()] == [600, 200, 120]
    assert all("max_completion_tokens" not in r.body for r in server.chat_requests())


def test_openai_gets_a_cap_only_when_the_setting_asks(dalle: Target) -> None:
    """OpenAI's reasoning models refuse `max_tokens` and spend the cap thinking."""
    assert Engine(Settings(api_key=TEST_KEY)).length_cap(600) == {}
    capped = Engine(Settings(api_key=TEST_KEY, max_tokens=900))
    assert capped.length_cap(600) == {"max_completion_tokens": 900}


async def test_answer_stops_at_the_cap(server: FakeOpenAI, dalle: Target) -> None:
    server.local = LocalServer(slots=4)
    server.queue_chat(Chat(text=LONG))
    text, result = await run(Engine(settings_for(server)), dalle)
    assert result.finish is State.TRUNCATED
    assert len(text.split()) == 600
    assert "length limit" in result.note


async def test_a_model_that_loops_is_stopped(server: FakeOpenAI, dalle: Target) -> None:
    """The same line over and over: the answer ends there, truncated, and the request closes."""
    server.queue_chat(Chat(text="A red fox in snow.\n" * 300, delay=0.002))
    text, result = await run(Engine(settings_for(server)), dalle)
    assert result.finish is State.TRUNCATED
    assert text.count("A red fox in snow.") == 6
    assert "kept repeating the same line" in result.note
    assert await asyncio.to_thread(server.wait_for_hang_up)


# 2. One-slot servers --------------------------------------------------------------------------


async def test_one_slot_server_variations_run_in_turn_and_it_is_remembered(
    server: FakeOpenAI, dalle: Target
) -> None:
    server.local = LocalServer(slots=1, when_busy="interrupt")
    server.default_chat = Chat(delay=0.01)
    seen = Recorder()
    engine = seen.engine(settings_for(server))
    streamed: dict[int, list[str]] = {}

    def on_text(index: int, text: str) -> None:
        streamed.setdefault(index, []).append(text)

    def on_restart(index: int) -> None:
        seen.restarts.append(index)
        streamed.pop(index, None)  # what a screen does: the row starts again

    engine.on_restart = on_restart
    results = await engine.variations("A fox at dusk.", dalle, 4, on_text)
    await engine.aclose()

    assert server.interrupted >= 1
    answers = [r for r in results if isinstance(r, Completion) and r.ok]
    assert len(answers) == 4
    assert [r.text.split(":")[0] for r in answers] == [f"Variation {n}" for n in range(1, 5)]
    assert ["".join(streamed[i]) for i in range(4)] == [r.text for r in answers]
    assert sorted(seen.restarts) == sorted(set(seen.restarts))
    assert len(seen.restarts) == server.interrupted
    [notice] = seen.notices
    assert "runs one request at a time; variations now run in turn" in notice
    memory = json.loads((locations.data_dir() / "servers.json").read_text())
    assert memory["servers"][server.url]["parallel"] == 1

    # The next batch runs in turn from the start: nothing is cut, nothing is sent twice.
    server.max_concurrent_streams = 0
    before = len(server.chat_requests())
    again = seen.engine(settings_for(server))
    results = await again.variations("A fox at dusk.", dalle, 3, lambda i, t: None)
    await again.aclose()
    assert all(isinstance(r, Completion) and r.ok for r in results)
    assert len(server.chat_requests()) - before == 3
    assert server.max_concurrent_streams == 1
    assert "run in turn" in seen.notices[-1]


async def test_a_server_that_says_it_has_one_slot_gets_variations_in_turn(
    server: FakeOpenAI, dalle: Target
) -> None:
    """llama.cpp's server holds a request beyond its slots without sending a byte: sent
    together, the last ones would run out of `timeout` waiting. Asked first (`/props`), the
    engine sends each when the one before it has ended, so each wait starts with its turn."""
    server.local = LocalServer(slots=1, when_busy="hold")
    server.props = {"total_slots": 1, "default_generation_settings": {"n_ctx": 4096}}
    server.default_chat = Chat(delay=0.05)  # about 0.6 s an answer
    seen = Recorder()
    engine = seen.engine(settings_for(server, timeout=1.0))
    results = await engine.variations("A fox at dusk.", dalle, 4, lambda i, t: None)
    await engine.aclose()
    assert [r.state if isinstance(r, Completion) else str(r) for r in results] == ["done"] * 4
    assert server.max_concurrent_streams == 1
    assert not any(r.client_hung_up for r in server.chat_requests())
    [notice] = seen.notices
    assert "has one slot, so variations are written in turn" in notice
    memory = json.loads((locations.data_dir() / "servers.json").read_text())
    assert memory["servers"][server.url] | {"learnt": ""} == {
        "parallel": 1,
        "context": 4096,
        "source": "props",
        "learnt": "",
    }


async def test_a_server_with_four_slots_gets_four_at_once(
    server: FakeOpenAI, dalle: Target
) -> None:
    server.local = LocalServer(slots=4, when_busy="hold")
    server.props = {"total_slots": 4, "default_generation_settings": {"n_ctx": 1024}}
    server.default_chat = Chat(delay=0.05)
    seen = Recorder()
    engine = seen.engine(settings_for(server))
    results = await engine.variations("A fox at dusk.", dalle, 4, lambda i, t: None)
    await engine.aclose()
    assert all(isinstance(r, Completion) and r.ok for r in results)
    assert server.max_concurrent_streams == 4
    assert seen.notices == []


async def test_a_queueing_server_with_pings_gives_every_variation(
    server: FakeOpenAI, dalle: Target
) -> None:
    """Requests wait their turn with `: ping` lines; nothing is cut, nothing is learnt."""
    server.local = LocalServer(slots=1, when_busy="queue", ping_every=0.02)
    server.default_chat = Chat(delay=0.005)
    seen = Recorder()
    engine = seen.engine(settings_for(server))
    results = await engine.variations("A fox.", dalle, 3, lambda i, t: None)
    await engine.aclose()
    assert all(isinstance(r, Completion) and r.ok for r in results)
    assert server.max_concurrent_streams == 1
    assert seen.notices == []
    assert not (locations.data_dir() / "servers.json").exists()


async def test_a_fixed_number_runs_at_once(server: FakeOpenAI, dalle: Target) -> None:
    server.default_chat = Chat(delay=0.01)
    engine = Engine(settings_for(server, variations_parallel="2"))
    results = await engine.variations("A fox.", dalle, 4, lambda i, t: None)
    await engine.aclose()
    assert all(isinstance(r, Completion) and r.ok for r in results)
    assert server.max_concurrent_streams == 2


async def test_a_parallel_server_is_not_mistaken_for_one_slot(
    server: FakeOpenAI, dalle: Target
) -> None:
    """A variation cut by a broken connection is reported, not retried in turn."""
    server.queue_chat(Chat(cut_after=2, delay=0.01), *[Chat(delay=0.01)] * 2)
    seen = Recorder()
    engine = seen.engine(settings_for(server))
    results = await engine.variations("A fox.", dalle, 3, lambda i, t: None)
    await engine.aclose()
    assert sorted(r.state for r in results if isinstance(r, Completion)) == [
        "done",
        "done",
        "interrupted",
    ]
    assert seen.notices == [] and seen.restarts == []
    assert len(server.chat_requests()) == 3


def length_stop(prompt_tokens: int, completion_tokens: int) -> Chat:
    """An answer stopped by a length limit, with the usage figures given."""
    return Chat(
        events=[
            {"choices": [{"index": 0, "delta": {"content": "A red fox in"}}]},
            {"choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]},
            {
                "choices": [],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
            },
        ]
    )


async def test_a_full_context_is_told_from_the_length_cap(
    server: FakeOpenAI, dalle: Target
) -> None:
    """A long idea in a 4,096-token context: 10 tokens, then `length`. That is the context,
    not `max_tokens` (600), and the note gives the figures."""
    server.props = {"total_slots": 1, "default_generation_settings": {"n_ctx": 4096}}
    server.queue_chat(length_stop(4086, 10), length_stop(300, 600))
    _, full = await run(Engine(settings_for(server)), dalle)
    assert full.finish is State.TRUNCATED
    assert full.note == (
        "the server's context filled up (4,096 tokens: 4,086 for the request and 10 for the "
        "answer); shorten the idea, or give the server a larger context"
    )
    _, capped = await run(Engine(settings_for(server)), dalle)
    assert capped.note == (
        "the answer reached the length limit (`max_tokens` = 600 tokens) and may be cut short"
    )


async def test_a_full_context_is_told_without_props(server: FakeOpenAI, dalle: Target) -> None:
    """A server that says nothing of its context: fewer tokens than the cap, yet `length`."""
    server.queue_chat(length_stop(4086, 10))
    _, result = await run(Engine(settings_for(server)), dalle)
    assert result.note.startswith(
        "the server's context filled up (4,086 for the request and 10 for the answer, "
        "before `max_tokens`)"
    )


async def test_a_sentence_repeated_on_one_line_is_stopped(
    server: FakeOpenAI, dalle: Target
) -> None:
    """No line ever ends, so counting lines never sees the loop; the repeats within it do."""
    server.queue_chat(Chat(text="A red fox sleeps in the snow at dusk. " * 150, delay=0.001))
    text, result = await run(Engine(settings_for(server)), dalle)
    assert result.finish is State.TRUNCATED
    assert text.count("A red fox sleeps") < 10
    assert result.note == (
        "the model kept repeating the same words ('A red fox sleeps in the snow at dusk.', "
        "6 times), so it was stopped"
    )
    assert await asyncio.to_thread(server.wait_for_hang_up)


FOX = (
    "A red fox asleep in deep snow, low winter sun, its tail curled over its nose, the pines "
    "behind it blue with shadow and the sky pale gold above a quiet, frozen valley."
)
"""A whole prompt, long enough for every rule of the GPT Image target."""


@pytest.mark.parametrize(
    "answer",
    [
        f'Here is your prompt:\n\n"{FOX}"',
        f"Sure! I'll write a prompt for that:\n{FOX}",
        f"**Prompt:** {FOX}",
        f"“{FOX}”",
        f"```\n{FOX}\n```",
        f"A variation of the original prompt is:\n\n{FOX}",
    ],
    ids=["here-is-quoted", "sure-ill", "label", "curly-quotes", "fence", "a-variation-is"],
)
async def test_chatter_and_wrapping_quotes_come_off(
    server: FakeOpenAI, dalle: Target, answer: str
) -> None:
    server.queue_chat(Chat(text=answer))
    text, result = await run(Engine(settings_for(server)), dalle)
    assert text == result.text == FOX
    assert result.ok and result.note == ""


async def test_quotes_inside_a_prompt_stay(server: FakeOpenAI, dalle: Target) -> None:
    answer = '"Closed" reads the sign on a shop at night; a cat sits under it.'
    server.queue_chat(Chat(text=answer))
    text, result = await run(Engine(settings_for(server)), dalle)
    assert text == result.text == answer


async def test_an_introduction_and_no_prompt_says_so(server: FakeOpenAI, dalle: Target) -> None:
    server.queue_chat(Chat(text="Here is your prompt:"))
    text, result = await run(Engine(settings_for(server)), dalle)
    assert text == ""
    assert result.note == (
        "the model wrote only an introduction ('Here is your prompt:') and no prompt"
    )


# 3. Empty results are not success ---------------------------------------------------------------


async def test_an_empty_answer_says_so(server: FakeOpenAI, dalle: Target) -> None:
    server.queue_chat(Chat(pieces=[]))
    text, result = await run(Engine(settings_for(server)), dalle)
    assert text == ""
    assert result.finish is State.DONE
    assert not result.ok
    assert result.state == "empty"
    assert result.note == "the model answered with nothing"


async def test_an_interrupted_variation_says_why(server: FakeOpenAI, dalle: Target) -> None:
    server.queue_chat(Chat(end_after=3))
    engine = Engine(settings_for(server))
    result = await engine.variation("A fox.", dalle, 0, 1, lambda t: None)
    await engine.aclose()
    assert result.state == "interrupted"
    assert result.note == "the answer ended without finishing (the server stopped sending)"


# 4. Misleading errors ---------------------------------------------------------------------------


async def test_an_empty_200_body_says_the_server_sent_nothing(
    server: FakeOpenAI, dalle: Target
) -> None:
    server.local = LocalServer(context_words=20)
    _, result = await run(Engine(settings_for(server)), dalle, " ".join(["fox"] * 50))
    assert isinstance(result, api.EmptyResponse)
    assert "sent nothing (is the prompt longer than its context?)" in str(result)
    assert "connection" not in str(result)


def test_a_batch_summary_does_not_read_as_still_running() -> None:
    def summary(*words: str) -> str:
        return batch_summary(State(word) for word in words)

    assert summary("done", "truncated", "done", "truncated") == "4 finished: 2 done, 2 truncated"
    assert summary(*["done"] * 4) == "4 done"
    assert summary("error", "empty", "done") == "3 finished: 1 done, 1 empty, 1 error"
    assert summary("done", "streaming", "waiting", "interrupted") == (
        "2 of 4 running; 2 finished: 1 done, 1 interrupted"
    )


# 5. Usage missing -------------------------------------------------------------------------------


async def test_missing_usage_is_estimated_and_marked(server: FakeOpenAI, dalle: Target) -> None:
    server.queue_chat(Chat(text="A red fox in deep snow, low winter sun.", usage=False))
    _, result = await run(Engine(settings_for(server)), dalle)
    usage = result.usage
    assert usage.estimated
    assert usage.completion_tokens == 10  # 39 characters, about four to a token
    assert usage.prompt_tokens > 100  # the rules are long
    assert usage.describe().endswith("(usage not reported)")
    assert result.to_dict()["usage"]["estimated"] is True


@pytest.mark.parametrize(
    "usage",
    [{"total_tokens": "12"}, {"completion_tokens": 3.5}, {"prompt_tokens": 10**15}, []],
    ids=["string", "float", "huge", "list"],
)
async def test_unbelievable_usage_is_estimated(
    server: FakeOpenAI, dalle: Target, usage: object
) -> None:
    server.queue_chat(
        Chat(
            events=[
                {"choices": [{"index": 0, "delta": {"content": "A fox."}}]},
                {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
                {"choices": [], "usage": usage},
            ]
        )
    )
    _, result = await run(Engine(settings_for(server)), dalle)
    assert result.text == "A fox."
    assert result.usage.estimated


# 6. Thinking models -----------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
async def test_reasoning_fields_are_kept_apart(
    server: FakeOpenAI, dalle: Target, field: str
) -> None:
    server.queue_chat(
        Chat(
            text="A red fox.",
            reasoning="The user wants a fox. Keep it short.",
            reasoning_field=field,
            delay=0.01,
        )
    )
    seen = Recorder()
    text, result = await run(seen.engine(settings_for(server)), dalle)
    assert text == result.text == "A red fox."
    assert result.reasoning == "The user wants a fox. Keep it short."
    assert [(n.index, n.thinking) for n in seen.thinking] == [(None, True), (None, False)]
    assert seen.thinking[-1].seconds > 0
    assert result.thinking_seconds > 0


async def test_think_tags_split_across_deltas_are_stripped(
    server: FakeOpenAI, dalle: Target
) -> None:
    server.queue_chat(
        Chat(pieces=[" <th", "ink>\nThe user", " wants a fox.</th", "ink>", "\n\nA red", " fox."])
    )
    text, result = await run(Engine(settings_for(server)), dalle)
    assert text == result.text == "A red fox."
    assert result.reasoning == "The user wants a fox."


async def test_a_model_that_only_thinks_says_so(server: FakeOpenAI, dalle: Target) -> None:
    thoughts = " ".join(f"Step {n}: weigh the light." for n in range(40))
    server.queue_chat(Chat(pieces=["<think>", thoughts], finish="length"))
    text, result = await run(Engine(settings_for(server)), dalle)
    assert text == result.text == ""
    assert result.finish is State.TRUNCATED
    assert "used its whole length thinking" in result.note
    assert result.reasoning.startswith("Step 0: weigh the light.")


async def test_text_that_only_looks_like_a_tag_is_kept(server: FakeOpenAI, dalle: Target) -> None:
    server.queue_chat(Chat(pieces=["<th", "reshold> of a door"]))
    text, result = await run(Engine(settings_for(server)), dalle)
    assert text == result.text == "<threshold> of a door"
    assert result.reasoning == ""


# Pieces that could not be used ------------------------------------------------------------------


def chunk(delta: object, finish: str | None = None) -> dict[str, object]:
    return {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


async def test_a_content_that_is_a_number_is_left_out_and_said(
    server: FakeOpenAI, dalle: Target
) -> None:
    server.queue_chat(
        Chat(events=[chunk({"content": FOX}), chunk({"content": 42}), chunk({}, "stop")])
    )
    text, result = await run(Engine(settings_for(server)), dalle)
    assert text == result.text == FOX
    assert result.note == (
        "the server sent a `content` that is a number (42), not text, which was left out"
    )


async def test_a_delta_that_is_a_list_is_not_blamed_on_one_slot(
    server: FakeOpenAI, dalle: Target
) -> None:
    server.queue_chat(Chat(events=[chunk(["A red fox"]), chunk(["in snow"])]))
    _, result = await run(Engine(settings_for(server)), dalle)
    assert result.finish is State.INTERRUPTED
    assert result.note == (
        "nothing usable arrived: the server sent a `delta` that is a list (2x), which was left out"
    )
    assert "slot" not in result.note


async def test_a_stream_of_token_counts_alone_is_not_blamed_on_one_slot(
    server: FakeOpenAI, dalle: Target
) -> None:
    counts = {"prompt_tokens": 200, "completion_tokens": 0, "total_tokens": 200}
    server.queue_chat(Chat(events=[{"choices": [], "usage": counts}]))
    _, result = await run(Engine(settings_for(server)), dalle)
    assert result.note == "the server sent only its token counts, and no answer"


# 7. Proxies and odd servers ---------------------------------------------------------------------


async def test_a_whole_json_completion_is_used(server: FakeOpenAI, dalle: Target) -> None:
    server.queue_chat(Chat(text="A red fox in the snow.", as_json=True))
    text, result = await run(Engine(settings_for(server)), dalle)
    assert text == result.text == "A red fox in the snow."
    assert result.finish is State.DONE
    assert not result.usage.estimated


async def test_a_web_page_is_named(server: FakeOpenAI, dalle: Target) -> None:
    page = b"<!DOCTYPE html><html><head><title>Hotel Wi-Fi: sign in</title></head></html>"
    server.queue_chat(Raw(page, "text/html"))
    _, result = await run(Engine(settings_for(server)), dalle)
    assert isinstance(result, api.ProtocolError)
    assert 'answered with a web page titled "Hotel Wi-Fi: sign in"' in str(result)


async def test_an_event_over_several_data_lines_is_joined(
    server: FakeOpenAI, dalle: Target
) -> None:
    server.queue_chat(Chat(text="A red fox.", multiline=True))
    text, result = await run(Engine(settings_for(server)), dalle)
    assert text == result.text == "A red fox."
    assert result.finish is State.DONE
    assert not result.usage.estimated


async def test_an_error_event_shows_the_servers_message(server: FakeOpenAI, dalle: Target) -> None:
    server.queue_chat(Chat(error_event_after=2, error_as_event=True))
    _, result = await run(Engine(settings_for(server)), dalle)
    assert isinstance(result, api.ServerFailed)
    assert "The upstream model crashed." in str(result)
    assert result.partial == "A vivid "


async def test_comment_lines_are_ignored(server: FakeOpenAI, dalle: Target) -> None:
    server.queue_chat(Chat(text="A red fox.", comments=(" OPENROUTER PROCESSING", " ping")))
    text, result = await run(Engine(settings_for(server)), dalle)
    assert text == "A red fox."
    assert result.finish is State.DONE


# 8. Deadlines -----------------------------------------------------------------------------------


async def test_a_trickle_hits_the_answer_deadline(server: FakeOpenAI, dalle: Target) -> None:
    """One byte every 20 ms never trips the per-read timeout; the answer deadline ends it."""
    server.queue_chat(Chat(text="A red fox.", trickle=0.02))
    started = time.monotonic()
    _, result = await run(Engine(settings_for(server, answer_timeout=1.0)), dalle)
    assert isinstance(result, api.RequestTimedOut)
    assert "within 1 second (the `answer_timeout` setting" in str(result)
    assert time.monotonic() - started < 4
    assert await asyncio.to_thread(server.wait_for_hang_up)


async def test_a_stall_names_the_per_read_limit(server: FakeOpenAI, dalle: Target) -> None:
    server.queue_chat(Chat(stall_after=2, stall_seconds=3))
    _, result = await run(Engine(settings_for(server, timeout=1.0)), dalle)
    assert isinstance(result, api.RequestTimedOut)
    assert "(the `timeout` setting" in str(result)
    assert result.partial == "A vivid "


# 9. System prompts dropped by chat templates ----------------------------------------------------


async def test_merge_puts_the_rules_in_the_first_user_message(
    server: FakeOpenAI, dalle: Target
) -> None:
    await run(Engine(settings_for(server)), replace(dalle, system_mode="merge"))
    await run(Engine(settings_for(server, system_mode="merge")), dalle)
    await run(
        Engine(settings_for(server, system_mode="separate")), replace(dalle, system_mode="merge")
    )
    merged, by_setting, separate = (r.body["messages"] for r in server.chat_requests())
    for messages in (merged, by_setting):
        [user] = messages
        assert user["role"] == "user"
        assert user["content"].startswith("Act as a prompt generator")
        assert dalle.rules in user["content"]
        assert user["content"].endswith("Write a prompt for this image:\n\na fox")
    assert [m["role"] for m in separate] == ["system", "user"]
