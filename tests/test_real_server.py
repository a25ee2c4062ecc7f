"""artisan against llama.cpp's own server (llama-server) and a small real model (SmolLM2-135M).

The stand-in server speaks the wire format; this one is the real thing, and showed what the
stand-in did not: it holds requests beyond its slots without sending a byte, it stops an answer
whose prompt nearly fills the context with `length`, as the length cap does, and the model
loops within a line. Each test asks for a few short answers: the whole group runs in well under
a minute on two busy cores. The servers start once per run (see `conftest.llama_one_slot`); the
tests share one worker (`xdist_group`), so two of them never fight for the same cores.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest

from artisan import connection as api
from artisan import locations
from artisan.config import Settings
from artisan.discovery import KnownServer, ServerProps, find_local_servers, read_props
from artisan.engine import Completion, Engine, State
from artisan.targets import Target, load_catalog
from artisan.workshop import PROMPT
from conftest import RunCli
from llama_server import MODEL_NAME, LlamaServer
from tui_helpers import make_app, prompt_text, screen_text, settle, wait_until

pytestmark = [pytest.mark.real, pytest.mark.xdist_group("real")]

DEADLINE = 60.0
"""Seconds any one step may take on a loaded machine before the test fails."""
FILLER = "a small red fox asleep in deep snow, "
"""About nine tokens: repeated, it fills the context by a known amount."""


@pytest.fixture
def dalle() -> Target:
    return load_catalog().get("dalle")


def settings_for(server: LlamaServer, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "base_url": server.url,
        "model": MODEL_NAME,
        # A piece of an answer may wait long when four slots decode on two loaded cores.
        "timeout": DEADLINE,
        "max_retries": 0,
        "max_tokens": 24,
        "temperature": 0.0,  # the same answer every run: greedy decoding
    }
    return Settings(**{**values, **changes})


async def generate(settings: Settings, target: Target, idea: str) -> tuple[list[str], Any]:
    """Write one prompt; the pieces streamed, and the result (or the error)."""
    pieces: list[str] = []
    engine = Engine(settings)
    try:
        result: Any = await asyncio.wait_for(engine.generate(idea, target, pieces.append), DEADLINE)
    except api.ApiError as error:
        result = error
    finally:
        await engine.aclose()
    return pieces, result


def configure(server: LlamaServer, **settings: object) -> None:
    """Write config.toml as a person would, pointing artisan at the server."""
    lines = [f'base_url = "{server.url}"', f'model = "{MODEL_NAME}"', "temperature = 0.0"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
    locations.config_file().parent.mkdir(parents=True, exist_ok=True)
    locations.config_file().write_text("\n".join(lines) + "\n")


# The engine -------------------------------------------------------------------------------------


async def test_a_prompt_streams_in_pieces_with_its_usage(
    llama_one_slot: LlamaServer, dalle: Target
) -> None:
    pieces, result = await generate(settings_for(llama_one_slot), dalle, "a lonely surfer at dusk")
    assert isinstance(result, Completion)
    assert result.text.strip()
    assert len(pieces) > 3 and "".join(pieces) == result.text
    assert result.model == MODEL_NAME
    assert result.usage is not None and not result.usage.estimated
    assert 0 < result.usage.completion_tokens <= 24


async def test_the_length_cap_is_named_with_its_figure(
    llama_one_slot: LlamaServer, dalle: Target
) -> None:
    _, result = await generate(
        settings_for(llama_one_slot, max_tokens=6), dalle, "a lonely surfer at dusk"
    )
    assert result.finish is State.TRUNCATED
    assert result.usage.completion_tokens == 6
    assert result.note == (
        "the answer reached the length limit (`max_tokens` = 6 tokens) and may be cut short"
    )


async def test_a_full_context_is_told_from_the_length_cap(
    llama_four_slots: LlamaServer, dalle: Target
) -> None:
    """A prompt that nearly fills a slot's 512 tokens: a few tokens, then `length`, well
    short of `max_tokens`. The note says the context filled up, with the figures."""
    # How many tokens the request takes beside the idea (the target's rules, the template),
    # and how many each filler adds, asked of the server itself with two one-token answers.
    one_token = settings_for(llama_four_slots, max_tokens=1)
    _, once = await generate(one_token, dalle, FILLER)
    _, twice = await generate(one_token, dalle, FILLER * 2)
    each = twice.usage.prompt_tokens - once.usage.prompt_tokens
    fixed = once.usage.prompt_tokens - each
    fillers = (512 - 6 - fixed) // each  # room left for a few tokens of answer
    _, result = await generate(
        settings_for(llama_four_slots, max_tokens=400), dalle, FILLER * fillers
    )
    assert result.finish is State.TRUNCATED, result
    usage = result.usage
    assert usage.prompt_tokens + usage.completion_tokens == 512
    assert result.note == (
        f"the server's context filled up (512 tokens: {usage.prompt_tokens:,} for the request "
        f"and {usage.completion_tokens:,} for the answer); shorten the idea, or give the "
        "server a larger context"
    )


async def test_a_prompt_beyond_the_context_is_refused_in_the_servers_words(
    llama_four_slots: LlamaServer, dalle: Target
) -> None:
    _, result = await generate(settings_for(llama_four_slots), dalle, FILLER * 40)
    assert isinstance(result, api.BadRequest)
    assert re.search(r"exceeds the available context size \(512 tokens\)", str(result))


async def test_a_cancelled_answer_is_cancelled_on_the_server(
    llama_one_slot: LlamaServer, dalle: Target
) -> None:
    """Closing the stream reaches the server at once: it logs the cancel and frees its slot."""
    before = llama_one_slot.log_text().count("cancel task")
    first_words = asyncio.Event()
    engine = Engine(settings_for(llama_one_slot, max_tokens=400))
    task = asyncio.create_task(
        engine.generate("a lonely surfer at dusk", dalle, lambda text: first_words.set())
    )
    await asyncio.wait_for(first_words.wait(), DEADLINE)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await engine.aclose()
    for _ in range(int(DEADLINE * 10)):
        if llama_one_slot.log_text().count("cancel task") > before:
            break
        await asyncio.sleep(0.1)
    assert llama_one_slot.log_text().count("cancel task") == before + 1


async def test_four_slots_write_four_variations_at_once(
    llama_four_slots: LlamaServer, dalle: Target
) -> None:
    log_start = len(llama_four_slots.log_text())
    engine = Engine(settings_for(llama_four_slots, max_tokens=16))
    results = await asyncio.wait_for(
        engine.variations("A fox asleep in the snow.", dalle, 4, lambda i, t: None), DEADLINE
    )
    await engine.aclose()
    # Four answers (their words vary: four slots decoding together do not round alike).
    assert all(isinstance(r, Completion) and r.usage for r in results), results
    # Four slots took a task each before the first one was let go.
    log = llama_four_slots.log_text()[log_start:]
    first_release = log.find("stop processing")
    launched = set(re.findall(r"launch_slot_: id +(\d+)", log[:first_release]))
    assert launched == {"0", "1", "2", "3"}
    memory = json.loads((locations.data_dir() / "servers.json").read_text())
    assert memory["servers"][llama_four_slots.url]["parallel"] == 4


# What the server says of itself, and finding it ------------------------------------------------


async def test_props_give_the_slots_and_the_context(llama_one_slot: LlamaServer) -> None:
    assert await read_props(llama_one_slot.url) == ServerProps(slots=1, context=1024)


async def test_discovery_finds_the_server_on_its_port(llama_one_slot: LlamaServer) -> None:
    found = await find_local_servers([KnownServer("llama.cpp", llama_one_slot.port)])
    assert [(f.name, f.base_url, f.models) for f in found] == [
        ("llama.cpp", f"http://127.0.0.1:{llama_one_slot.port}/v1", (MODEL_NAME,))
    ]


# The command line -------------------------------------------------------------------------------


def test_four_variations_on_one_slot_each_wait_their_turn(
    llama_one_slot: LlamaServer, cli: RunCli
) -> None:
    """One slot: sent together, the variations behind the first would wait in the server's
    queue, sent nothing, until `timeout` ran out (and be tried again, and queue again). Sent
    in turn, each request's wait starts when its turn does, and all four arrive."""
    configure(llama_one_slot, timeout=15, max_tokens=40, max_retries=0)
    result = cli("prompt", "a lonely surfer at dusk", "-n", "4")
    assert "did not" not in result.err and "timeout" not in result.err, result.err
    variations = re.findall(r"^Variation (\d):\n(.+)", result.out, re.MULTILINE)
    assert [number for number, _ in variations] == ["1", "2", "3", "4"], result.out
    assert all(text.strip() for _, text in variations)
    assert "has one slot, so variations are written in turn" in result.err
    memory = json.loads((locations.data_dir() / "servers.json").read_text())
    assert memory["servers"][llama_one_slot.url] | {"learnt": ""} == {
        "parallel": 1,
        "context": 1024,
        "source": "props",
        "learnt": "",
    }


def test_doctor_reports_the_server_in_use(llama_one_slot: LlamaServer, cli: RunCli) -> None:
    configure(llama_one_slot)
    result = cli("doctor")
    assert result.code == 0, result.out
    assert "  kind        llama.cpp's server: 1 slot, context 1,024 tokens" in result.out
    assert f"  models      1: {MODEL_NAME}" in result.out
    assert f"  model       {MODEL_NAME}: listed, answered" in result.out


# The app ----------------------------------------------------------------------------------------


async def test_the_app_writes_a_prompt_with_the_real_server(llama_one_slot: LlamaServer) -> None:
    app = make_app(
        None,
        base_url=llama_one_slot.url,
        model=MODEL_NAME,
        max_tokens=24,
        timeout=DEADLINE,
        temperature=0.0,
    )
    async with app.run_test(size=(120, 40)) as pilot:
        app.idea_pane.editor.focus()
        await pilot.press(*"a lonely surfer at dusk", "ctrl+j")

        def ended() -> bool:
            job = app.workshop.jobs.get(PROMPT)
            return job is not None and not job.running

        await wait_until(pilot, ended, "the prompt", DEADLINE)
        await settle(pilot)
        assert prompt_text(app).strip()
        version = app.workshop.version
        assert version is not None and version.model == MODEL_NAME
        assert re.search(
            rf"{MODEL_NAME} · 127\.0\.0\.1:\d+ +prompt: (done|truncated) in", screen_text(app)
        )
