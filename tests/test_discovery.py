"""Finding local OpenAI-compatible servers, with loopback servers in place of the usual ports."""

from __future__ import annotations

import asyncio
import socket

import pytest

from artisan.discovery import (
    FoundServer,
    KnownServer,
    ModelListError,
    find_local_servers,
    list_models,
)
from fake_openai import FakeOpenAI

DEADLINE = 10.0


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def survey(*servers: KnownServer, timeout: float = 0.5) -> list[FoundServer]:
    return await asyncio.wait_for(find_local_servers(servers, timeout=timeout), DEADLINE)


async def test_a_server_on_its_port_is_found_with_its_models(server: FakeOpenAI) -> None:
    server.models = ["llama3.2", "qwen3:4b", "gemma3"]
    found = await survey(KnownServer("Ollama", server.port))
    assert found == [FoundServer("Ollama", server.url, ("llama3.2", "qwen3:4b", "gemma3"))]
    [request] = server.requests
    assert (request.method, request.path) == ("GET", "/v1/models")


async def test_a_port_with_nothing_on_it_is_not_found() -> None:
    assert await survey(KnownServer("LM Studio", free_port())) == []


async def test_an_answer_that_is_not_a_model_list_is_not_found(server: FakeOpenAI) -> None:
    server.models_answer = b"<html><body>Welcome to the router</body></html>"
    assert await survey(KnownServer("llama.cpp", server.port)) == []
    server.models_answer = b'{"object": "list", "data": [{"name": "no id"}]}'
    assert await survey(KnownServer("llama.cpp", server.port)) == []


async def test_a_server_slower_than_the_timeout_is_not_found(server: FakeOpenAI) -> None:
    server.models_delay = 5.0
    assert await survey(KnownServer("vLLM", server.port), timeout=0.2) == []
    assert server.wait_for_hang_up(timeout=DEADLINE)


async def test_every_port_is_probed_and_only_the_answering_ones_are_listed() -> None:
    with FakeOpenAI() as first, FakeOpenAI() as second:
        second.models = []
        found = await survey(
            KnownServer("Ollama", first.port),
            KnownServer("Jan", free_port()),
            KnownServer("LM Studio", second.port),
        )
    assert [(f.name, f.models) for f in found] == [
        ("Ollama", ("gpt-5.4-mini",)),
        ("LM Studio", ()),
    ]


async def test_the_table_of_ports_can_be_replaced(
    server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    import artisan.discovery

    monkeypatch.setattr(artisan.discovery, "WELL_KNOWN", (KnownServer("Jan", server.port),))
    found = await asyncio.wait_for(find_local_servers(), DEADLINE)
    assert [f.name for f in found] == ["Jan"]


async def test_a_configured_server_lists_its_models_with_the_key(server: FakeOpenAI) -> None:
    server.models = ["a", "b"]
    assert await list_models(server.url, "sk-local", timeout=5) == ["a", "b"]
    assert server.requests[-1].headers["authorization"] == "Bearer sk-local"


async def test_listing_the_models_of_a_server_that_is_not_there() -> None:
    with pytest.raises(ModelListError, match=r"Cannot connect to .* is the server running"):
        await list_models(f"http://127.0.0.1:{free_port()}/v1", timeout=5)


async def test_listing_the_models_of_something_else(server: FakeOpenAI) -> None:
    server.models_answer = b"<html>login</html>"
    with pytest.raises(ModelListError, match="not with a list of models"):
        await list_models(server.url, timeout=5)


# A stranger on the port: a trickle, a bottomless nesting ---------------------------------------


async def test_a_server_trickling_its_list_ends_the_survey_within_its_timeout(
    server: FakeOpenAI,
) -> None:
    """One byte every 0.2 s never trips a per-read timeout; the survey's deadline ends it."""
    server.models = [f"model-{n}" for n in range(20)]
    server.models_trickle = 0.2
    assert await survey(KnownServer("Ollama", server.port), timeout=0.5) == []
    assert await asyncio.to_thread(server.wait_for_hang_up, DEADLINE)


async def test_listing_the_models_of_a_trickling_server_has_one_deadline(
    server: FakeOpenAI,
) -> None:
    server.models = [f"model-{n}" for n in range(20)]
    server.models_trickle = 0.2
    with pytest.raises(ModelListError, match=r"did not answer within 0.5 seconds"):
        await asyncio.wait_for(list_models(server.url, timeout=0.5), DEADLINE)


async def test_json_nested_100000_deep_is_no_model_list(server: FakeOpenAI) -> None:
    server.models_answer = b"[" * 100_000 + b"]" * 100_000
    assert await survey(KnownServer("llama.cpp", server.port)) == []
    with pytest.raises(ModelListError, match="not with a list of models"):
        await list_models(server.url, timeout=5)


async def test_an_endless_answer_is_read_no_further_than_the_limit(server: FakeOpenAI) -> None:
    from artisan.discovery import MAX_ANSWER_BYTES

    server.models_answer = b'{"data": [' + b" " * (MAX_ANSWER_BYTES + 10) + b"]}"
    with pytest.raises(ModelListError, match="not with a list of models"):
        await list_models(server.url, timeout=5)


async def test_llama_cpp_says_its_slots_and_context(server: FakeOpenAI) -> None:
    from artisan.discovery import ServerProps, read_props

    assert await read_props(server.url) is None  # no /props: not llama.cpp's server
    server.props = {"total_slots": 1, "default_generation_settings": {"n_ctx": 4096}}
    assert await read_props(server.url) == ServerProps(slots=1, context=4096)
    server.props = {"total_slots": "many"}
    assert await read_props(server.url) is None
