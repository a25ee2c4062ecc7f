"""The engine against the loopback server: streaming, finishes, failures, retries, cancel."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from artisan import connection as api
from artisan.config import Settings
from artisan.engine import Completion, Engine, State
from artisan.engine.answer import RetryNotice
from artisan.targets import Target, load_catalog
from conftest import TEST_KEY
from fake_openai import Behaviour, Chat, Drop, Error, FakeOpenAI


@pytest.fixture
def dalle() -> Target:
    return load_catalog().get("dalle")


def engine_for(server: FakeOpenAI, **changes: object) -> Engine:
    settings = Settings(base_url=server.url, api_key=TEST_KEY, timeout=5, max_retries=2)
    for key, value in changes.items():
        object.__setattr__(settings, key, value)
    return Engine(settings, retry_base=0.01)


async def generate(
    engine: Engine, target: Target, idea: str = "a beach sunset"
) -> tuple[list[str], Any]:
    """The pieces streamed, and the answer (a `Completion`) or the `ApiError` raised."""
    pieces: list[str] = []
    try:
        result: Any = await engine.generate(idea, target, pieces.append)
    except api.ApiError as error:
        result = error
    finally:
        await engine.aclose()
    return pieces, result


async def test_generate_streams_the_prompt(server: FakeOpenAI, dalle: Target) -> None:
    """Text arrives in pieces, in order, and the result carries model, finish and usage."""
    server.queue_chat(Chat(text="A calm beach at dusk, gold light on wet sand."))
    pieces, result = await generate(engine_for(server), dalle)
    # The first two words come together: "A " might begin "A variation of the prompt is:",
    # an introduction that is taken off, so it waits for the next word.
    assert pieces[:2] == ["A calm ", "beach "]
    assert len(pieces) == 9
    assert "".join(pieces) == "A calm beach at dusk, gold light on wet sand."
    assert result.text == "A calm beach at dusk, gold light on wet sand."
    assert result.finish is State.DONE
    assert result.model == "gpt-5.4-mini"
    assert result.usage.completion_tokens == 10


async def test_request_on_the_wire(server: FakeOpenAI, dalle: Target) -> None:
    """One streaming chat completion: model, system rules, the idea, usage requested, key sent."""
    await generate(engine_for(server, temperature=0.7), dalle, "a lonely surfer")
    [request] = server.chat_requests()
    body = request.body
    assert body["model"] == "gpt-5.4-mini"
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["temperature"] == 0.7
    assert "n" not in body
    system, user = body["messages"]
    assert system["role"] == "system"
    assert "Act as a prompt generator" in system["content"]
    assert "OpenAI's GPT Image models" in system["content"]
    assert user == {"role": "user", "content": "Write a prompt for this image:\n\na lonely surfer"}
    assert request.headers["authorization"] == f"Bearer {TEST_KEY}"


async def test_temperature_is_left_to_the_model_by_default(
    server: FakeOpenAI, dalle: Target
) -> None:
    await generate(engine_for(server), dalle)
    assert "temperature" not in server.chat_requests()[0].body


@pytest.mark.parametrize("name", ["midjourney", "stable-diffusion", "runway", "flux", "generic"])
async def test_each_target_sends_its_rules(server: FakeOpenAI, name: str) -> None:
    target = load_catalog().get(name)
    await generate(engine_for(server), target)
    system = server.chat_requests()[0].body["messages"][0]["content"]
    assert target.rules in system


async def test_refine_sends_prompt_and_instruction(server: FakeOpenAI, dalle: Target) -> None:
    engine = engine_for(server)
    result = await engine.refine("A beach at noon.", "moodier, shot on 35mm", dalle, print)
    await engine.aclose()
    user = server.chat_requests()[0].body["messages"][1]["content"]
    assert "A beach at noon." in user
    assert "Rewrite it with this change: moodier, shot on 35mm" in user
    assert result.text.startswith("Refined (moodier, shot on 35mm)")


@pytest.mark.parametrize(
    ("finish", "expected"), [("length", State.TRUNCATED), ("content_filter", State.FILTERED)]
)
async def test_finish_reasons_are_reported(
    server: FakeOpenAI, dalle: Target, finish: str, expected: State
) -> None:
    server.queue_chat(Chat(finish=finish))
    _, result = await generate(engine_for(server), dalle)
    assert result.finish is expected


@pytest.mark.parametrize(
    "behaviour",
    [Chat(cut_after=4), Chat(end_after=4)],
    ids=["socket-cut", "clean-end-without-finish"],
)
async def test_cut_stream_is_interrupted_and_keeps_text(
    server: FakeOpenAI, dalle: Target, behaviour: Chat
) -> None:
    server.queue_chat(behaviour)
    pieces, result = await generate(engine_for(server), dalle)
    assert result.finish is State.INTERRUPTED
    assert result.text == "A vivid picture of "
    assert "".join(pieces) == "A vivid picture of "
    assert len(server.chat_requests()) == 1  # a started stream is never retried


async def test_stalled_stream_times_out_with_partial_text(
    server: FakeOpenAI, dalle: Target
) -> None:
    server.queue_chat(Chat(stall_after=3, stall_seconds=3))
    _, result = await generate(engine_for(server, timeout=1.0), dalle)
    assert isinstance(result, api.RequestTimedOut)
    assert result.partial == "A vivid picture "
    assert "did not answer within 1 second" in str(result)


async def test_error_event_inside_stream(server: FakeOpenAI, dalle: Target) -> None:
    server.queue_chat(Chat(error_event_after=2))
    _, result = await generate(engine_for(server), dalle)
    assert isinstance(result, api.ServerFailed)
    assert "The upstream model crashed." in str(result)
    assert result.partial == "A vivid "


async def test_malformed_chunk(server: FakeOpenAI, dalle: Target) -> None:
    server.queue_chat(Chat(malformed_after=2))
    _, result = await generate(engine_for(server), dalle)
    assert isinstance(result, api.ProtocolError)
    assert "not the OpenAI format" in str(result)
    assert result.partial == "A vivid "


@pytest.mark.parametrize(
    ("reply", "kind", "words", "attempts"),
    [
        (
            Error(401, f"Incorrect API key provided: {TEST_KEY}", code="invalid_api_key"),
            api.AuthenticationFailed,
            "API key was rejected (401)",
            1,
        ),
        (
            Error(403, "You are not allowed to sample from this model", code="model_not_allowed"),
            api.PermissionDenied,
            "may not use `gpt-5.4-mini` (403)",
            1,
        ),
        (
            Error(404, "The model `gpt-5.4-mini` does not exist", code="model_not_found"),
            api.ModelNotFound,
            "misspelt or retired",
            1,
        ),
        (
            Error(
                429,
                "You exceeded your current quota",
                type="insufficient_quota",
                code="insufficient_quota",
            ),
            api.QuotaExceeded,
            "out of credit",
            1,
        ),
        (Error(402, "Insufficient credits"), api.QuotaExceeded, "out of credit", 1),
        (
            Error(
                429,
                "Rate limit reached",
                code="rate_limit_exceeded",
                headers={"retry-after-ms": "5"},
            ),
            api.RateLimited,
            "rate limiting",
            3,
        ),
        (Error(500, "The server had an error"), api.ServerFailed, "failed with an error (500)", 3),
        (Error(503, "Overloaded"), api.ServerFailed, "(503)", 3),
        (
            Error(502, html="<html><head><title>502 Bad Gateway</title></head></html>"),
            api.ServerFailed,
            "502 Bad Gateway (an HTML page",
            3,
        ),
        (
            Error(
                400,
                "Your request was rejected by the safety system",
                code="content_policy_violation",
            ),
            api.ContentRefused,
            "content policy",
            1,
        ),
        (
            Error(400, "Invalid value for 'temperature'"),
            api.BadRequest,
            "Invalid value for 'temperature'",
            1,
        ),
        (Drop(), api.ConnectionDropped, "closed before the answer", 3),
    ],
)
async def test_failures_become_clear_errors(
    server: FakeOpenAI, dalle: Target, reply: Behaviour, kind: type, words: str, attempts: int
) -> None:
    """Each failure is its own error with words for a person; only transient ones retry."""
    server.queue_chat(*[reply] * 3)
    _, result = await generate(engine_for(server), dalle)
    assert type(result) is kind
    assert words in str(result)
    assert TEST_KEY not in str(result)
    assert len(server.chat_requests()) == attempts


async def test_retry_then_success(server: FakeOpenAI, dalle: Target) -> None:
    server.queue_chat(
        Error(429, "Slow down", code="rate_limit_exceeded", headers={"retry-after-ms": "1"}),
        Error(503, "Busy"),
    )
    notices: list[RetryNotice] = []
    engine = engine_for(server)
    engine.on_retry = notices.append
    _, result = await generate(engine, dalle)
    assert result.finish is State.DONE
    assert [n.attempt for n in notices] == [1, 2]
    assert notices[0].delay == pytest.approx(0.001)
    assert len(server.chat_requests()) == 3


async def test_long_retry_after_is_reported_not_waited(server: FakeOpenAI, dalle: Target) -> None:
    server.queue_chat(Error(429, "Try again in an hour", headers={"retry-after": "3600"}))
    _, result = await generate(engine_for(server), dalle)
    assert isinstance(result, api.RateLimited)
    assert len(server.chat_requests()) == 1


async def test_connection_refused(dalle: Target) -> None:
    settings = Settings(base_url="http://127.0.0.1:9/v1", api_key=TEST_KEY, max_retries=2)
    _, result = await generate(Engine(settings, retry_base=0.01), dalle)
    assert isinstance(result, api.ConnectionFailed)
    assert "Cannot connect to 127.0.0.1:9" in str(result)


async def test_unknown_host(dalle: Target) -> None:
    settings = Settings(base_url="http://no-such-host.invalid/v1", api_key=TEST_KEY)
    _, result = await generate(Engine(settings, retry_base=0.01), dalle)
    assert isinstance(result, api.ConnectionFailed)
    assert "does not resolve" in str(result)


async def test_missing_key_for_openai(dalle: Target) -> None:
    _, result = await generate(Engine(Settings()), dalle)
    assert isinstance(result, api.MissingKeyError)
    assert "OPENAI_API_KEY" in str(result)
    assert "base_url" in str(result)


async def test_local_server_needs_no_key(server: FakeOpenAI, dalle: Target) -> None:
    """Ollama and friends ignore the key: artisan works without one."""
    _, result = await generate(Engine(Settings(base_url=server.url)), dalle)
    assert result.finish is State.DONE


async def test_cancel_closes_the_http_stream(server: FakeOpenAI, dalle: Target) -> None:
    server.queue_chat(Chat(text=" ".join(["word"] * 200), delay=0.02))
    engine = engine_for(server)
    pieces: list[str] = []
    started = asyncio.Event()

    def on_text(text: str) -> None:
        pieces.append(text)
        if len(pieces) == 5:
            started.set()

    task = asyncio.create_task(engine.generate("x", dalle, on_text))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await engine.aclose()
    assert await asyncio.to_thread(server.wait_for_hang_up)
    assert 5 <= len(pieces) < 200


async def test_variations_stream_concurrently(server: FakeOpenAI, dalle: Target) -> None:
    """Four requests are open at once, each asking for its own angle."""
    server.default_chat = Chat(delay=0.03)
    engine = engine_for(server)
    seen: dict[int, list[str]] = {}
    results = await engine.variations(
        "A beach at dusk.", dalle, 4, lambda i, t: seen.setdefault(i, []).append(t)
    )
    await engine.aclose()
    assert server.max_concurrent_streams == 4
    assert all(isinstance(r, Completion) for r in results)
    assert [r.text.split(":")[0] for r in results if isinstance(r, Completion)] == [
        "Variation 1",
        "Variation 2",
        "Variation 3",
        "Variation 4",
    ]
    assert ["".join(seen[i]) for i in range(4)] == [
        r.text for r in results if isinstance(r, Completion)
    ]
    asks = [r.body["messages"][1]["content"] for r in server.chat_requests()]
    assert len({ask.split("changes ")[1] for ask in asks}) == 4


async def test_one_failing_variation_leaves_the_others(server: FakeOpenAI, dalle: Target) -> None:
    server.queue_chat(Error(400, "Bad"))
    engine = engine_for(server)
    results = await engine.variations("A beach.", dalle, 3, lambda i, t: None)
    await engine.aclose()
    assert sum(isinstance(r, api.BadRequest) for r in results) == 1
    assert sum(getattr(r, "finish", None) is State.DONE for r in results) == 2


async def test_server_that_honours_n_still_gives_one_answer(
    server: FakeOpenAI, dalle: Target
) -> None:
    server.queue_chat(Chat(text="one two", honour_n=True))
    _pieces, result = await generate(engine_for(server), dalle)
    assert result.text == "one two"
