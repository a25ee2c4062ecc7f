"""Property tests: whatever a server streams, an answer ends in a result or one clear error.

Any JSON value, of any type and nesting, may arrive as a chunk; events may be split anywhere,
with any line ending; reasoning may hide in `<think>` tags split across deltas. The parser is
fed directly for most examples, and a smaller number go end to end, through the loopback
server and the real SDK (more of both under the `slow` marker).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from artisan.config import Settings
from artisan.connection import ApiError
from artisan.engine import Completion, Engine
from artisan.engine.ending import finished
from artisan.engine.reply import Reply
from artisan.engine.stream import EventDecoder, ReplyReader
from artisan.targets import load_catalog
from conftest import TEST_KEY
from fake_openai import Chat, FakeOpenAI

SETTINGS = Settings(base_url="http://127.0.0.1:9/v1", api_key=TEST_KEY)
FIELDS = [
    "choices",
    "delta",
    "message",
    "content",
    "index",
    "finish_reason",
    "usage",
    "model",
    "error",
    "reasoning",
    "reasoning_content",
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(["stop", "length", "[DONE]", "<think>", "</think>", "\n", ""]),
)
keys = st.one_of(st.sampled_from(FIELDS), st.text(max_size=8))
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=5)
    ),
    max_leaves=20,
)
# Chunks shaped like the real thing, with any value in any field, so that the paths deep inside
# `choices[0].delta` are reached as often as the top level.
delta_like = st.fixed_dictionaries(
    {"content": json_values},
    optional={"reasoning_content": json_values, "reasoning": json_values, "role": json_values},
)
choice_like = st.fixed_dictionaries(
    {"delta": st.one_of(delta_like, delta_like, delta_like, json_values)},
    optional={
        "index": st.one_of(st.just(0), json_values),
        "message": st.one_of(delta_like, json_values),
        "finish_reason": json_values,
    },
)
usage_like = st.fixed_dictionaries({}, optional={name: json_values for name in FIELDS[11:]})
chunk_like = st.fixed_dictionaries(
    {"choices": st.one_of(st.lists(choice_like, min_size=1, max_size=3), json_values)},
    optional={"model": json_values, "usage": st.one_of(usage_like, usage_like, json_values)},
)
error_like = st.fixed_dictionaries({"error": json_values})
any_chunk = st.one_of(json_values, chunk_like, chunk_like, chunk_like, error_like)
words = st.text(st.sampled_from("abcdefgh "), min_size=1, max_size=12).map(lambda t: "x" + t)


def content_chunk(text: str) -> dict[str, Any]:
    return {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}


def sse(events: list[str], ending: str) -> str:
    return "".join(f"data: {data}{ending}{ending}" for data in events)


def split_at(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts})
    return [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]


def read_directly(pieces: list[str]) -> tuple[Completion | ApiError, Reply, list[str]]:
    """Feed body text to the parser as the engine does; the result or the error it raises."""
    streamed: list[str] = []
    reply = Reply(SETTINGS, streamed.append)
    reader = ReplyReader(reply)
    try:
        for piece in pieces:
            if reader.feed(piece):
                break
        reader.close()
        return finished(reply, 100), reply, streamed
    except ApiError as error:
        return error, reply, streamed


def any_json_chunks(examples: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    return lambda test: settings(max_examples=examples, deadline=None)(
        given(
            prefix=st.lists(words, min_size=1, max_size=3),
            chunks=st.lists(any_chunk, max_size=6),
            done=st.booleans(),
            ending=st.sampled_from(["\n", "\r\n", "\r"]),
            cuts=st.lists(st.integers(min_value=0), max_size=8),
        )(test)
    )


def check_any_json_chunks(
    prefix: list[str], chunks: list[Any], done: bool, ending: str, cuts: list[int]
) -> None:
    events = [json.dumps(content_chunk(p)) for p in prefix] + [json.dumps(c) for c in chunks]
    body = sse([*events, "[DONE]"] if done else events, ending)
    result, reply, streamed = read_directly(split_at(body, cuts))
    assert isinstance(result, Completion | ApiError)
    text = result.text if isinstance(result, Completion) else reply.text()
    assert text.startswith("".join(prefix))
    assert "".join(streamed) == text


@any_json_chunks(300)
def test_any_json_chunks_end_in_a_result_or_an_api_error(
    prefix: list[str], chunks: list[Any], done: bool, ending: str, cuts: list[int]
) -> None:
    check_any_json_chunks(prefix, chunks, done, ending, cuts)


@pytest.mark.slow
@any_json_chunks(2000)
def test_any_json_chunks_many(
    prefix: list[str], chunks: list[Any], done: bool, ending: str, cuts: list[int]
) -> None:
    check_any_json_chunks(prefix, chunks, done, ending, cuts)


@settings(max_examples=100, deadline=None)
@given(body=st.text(max_size=300), cuts=st.lists(st.integers(min_value=0), max_size=6))
def test_any_body_text_ends_in_a_result_or_an_api_error(body: str, cuts: list[int]) -> None:
    result, reply, streamed = read_directly(split_at(body, cuts))
    assert isinstance(result, Completion | ApiError)
    assert "".join(streamed) == reply.text()


def test_deeply_nested_json_is_a_protocol_error() -> None:
    result, _, _ = read_directly([sse([json.dumps(content_chunk("xa")), "[" * 100_000], "\n")])
    assert isinstance(result, ApiError)
    assert "not the OpenAI format" in str(result)


# Server-sent events, split anywhere -------------------------------------------------------------

line_text = st.text(st.characters(exclude_characters="\r\n", exclude_categories=["Cs"]))
event = st.tuples(
    st.sampled_from(["", "message", "error"]),
    st.lists(line_text, min_size=1, max_size=3),
    st.lists(line_text.map(lambda t: ":" + t), max_size=2),
)


@settings(max_examples=200, deadline=None)
@given(
    events=st.lists(event, max_size=5),
    ending=st.sampled_from(["\n", "\r\n", "\r"]),
    cuts=st.lists(st.integers(min_value=0), max_size=10),
)
def test_events_survive_any_split_and_line_ending(
    events: list[tuple[str, list[str], list[str]]], ending: str, cuts: list[int]
) -> None:
    """Multi-line data is joined with newlines; comments vanish; U+2028 and NEL stay inside."""
    body = ""
    for kind, lines, comments in events:
        body += "".join(comment + ending for comment in comments)
        body += f"event: {kind}{ending}" if kind else ""
        body += "".join(f"data: {line}{ending}" for line in lines) + ending
    decoder = EventDecoder()
    got = [e for piece in split_at(body, cuts) for e in decoder.feed(piece)] + decoder.close()
    assert got == [(kind, "\n".join(lines)) for kind, lines, _ in events]


# Thinking, split anywhere -----------------------------------------------------------------------

no_close_tag = st.text(max_size=60).filter(lambda t: "</think>" not in t)


@settings(max_examples=300, deadline=None)
@given(
    lead=st.sampled_from(["", " ", "\n"]),
    reasoning=no_close_tag,
    answer=st.text(max_size=60),
    cuts=st.lists(st.integers(min_value=0), max_size=8),
)
def test_think_blocks_never_reach_the_answer(
    lead: str, reasoning: str, answer: str, cuts: list[int]
) -> None:
    content = f"{lead}<think>{reasoning}</think>\n\n{answer}"
    streamed: list[str] = []
    reply = Reply(SETTINGS, streamed.append)
    for piece in split_at(content, cuts):
        if piece:
            reply.take(content_chunk(piece))
    reply.end()
    assert reply.text() == "".join(streamed) == answer.lstrip()
    assert reply.reasoning() == reasoning


@settings(max_examples=300, deadline=None)
@given(content=st.text(max_size=80), cuts=st.lists(st.integers(min_value=0), max_size=8))
def test_answers_without_a_think_block_are_kept_whole(content: str, cuts: list[int]) -> None:
    """An answer that starts like a prompt (not like a tag, a quote, a fence or a word of
    chatter such as "Here") arrives whole, however the stream cuts it."""
    if content.lstrip()[:1].lower() in set('<"“`*hscoagibtpv'):
        content = "x" + content
    streamed: list[str] = []
    reply = Reply(SETTINGS, streamed.append)
    for piece in split_at(content, cuts):
        if piece:
            reply.take(content_chunk(piece))
    reply.end()
    assert reply.text() == "".join(streamed) == (content if content.strip() else "")
    assert reply.reasoning() == ""


@settings(max_examples=300, deadline=None)
@given(
    head=st.sampled_from(["", "Here is your prompt:\n\n", "Sure!\n", "Prompt: ", "**Prompt:** "]),
    wrap=st.sampled_from([("", ""), ('"', '"'), ("“", "”"), ("```\n", "\n```")]),
    content=st.text("abcdefgh ,.\n", max_size=60),
    cuts=st.lists(st.integers(min_value=0), max_size=8),
)
def test_chatter_and_wrapping_come_off_however_the_stream_is_cut(
    head: str, wrap: tuple[str, str], content: str, cuts: list[int]
) -> None:
    """The prompt taken out of an answer does not depend on where the stream cut it: the
    pieces streamed add up to it, and to what the whole answer in one piece gives."""
    answer = head + wrap[0] + content + wrap[1]

    def tidied(pieces: list[str]) -> tuple[str, list[str]]:
        streamed: list[str] = []
        reply = Reply(SETTINGS, streamed.append)
        for piece in pieces:
            if piece:
                reply.take(content_chunk(piece))
        reply.end()
        return reply.text(), streamed

    whole, _ = tidied([answer])
    text, streamed = tidied(split_at(answer, cuts))
    assert text == "".join(streamed) == whole
    if content.strip():
        assert whole.strip() == content.strip()  # the prompt comes out bare


# End to end, through the loopback server and the SDK --------------------------------------------


def end_to_end(examples: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    return lambda test: settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )(
        given(
            prefix=st.lists(words, min_size=1, max_size=2), chunks=st.lists(any_chunk, max_size=4)
        )(test)
    )


def check_end_to_end(server: FakeOpenAI, prefix: list[str], chunks: list[Any]) -> None:
    server.clear_queues()
    server.queue_chat(Chat(events=[content_chunk(p) for p in prefix] + chunks))
    streamed: list[str] = []
    engine = Engine(Settings(base_url=server.url, api_key=TEST_KEY, timeout=5, max_retries=0))
    target = load_catalog().get("dalle")

    async def generate() -> Completion | ApiError:
        try:
            return await engine.generate("a fox", target, streamed.append)
        except ApiError as error:
            return error
        finally:
            await engine.aclose()

    result = asyncio.run(generate())
    text = result.text if isinstance(result, Completion) else result.partial
    assert text.startswith("".join(prefix))
    assert "".join(streamed) == text


@end_to_end(20)
def test_any_json_chunks_end_to_end(
    server: FakeOpenAI, prefix: list[str], chunks: list[Any]
) -> None:
    check_end_to_end(server, prefix, chunks)


@pytest.mark.slow
@end_to_end(150)
def test_any_json_chunks_end_to_end_many(
    server: FakeOpenAI, prefix: list[str], chunks: list[Any]
) -> None:
    check_end_to_end(server, prefix, chunks)
