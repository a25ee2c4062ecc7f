"""Rendering several prompts together: one request each, a few at a time, failures kept apart,
cancelling what has not started, and one library entry per prompt text. Against the loopback
server and the real SDK."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from artisan import config, locations
from artisan.config import Settings
from artisan.entry import PromptEntry
from artisan.images import ImageModelTable, build_request, load_image_models, spending, validate
from artisan.images.batch import Batch, BatchItem, ItemState
from artisan.library import Library
from conftest import TEST_CLOCK, TEST_KEY, RunCli
from fake_openai import Error, FakeOpenAI, Images

REFUSED = Error(400, "Your request was rejected by the safety system.", code="moderation_blocked")


@pytest.fixture
def table() -> ImageModelTable:
    return load_image_models()


@pytest.fixture
def library() -> Library:
    return Library(locations.library_dir())


def settings_for(server: FakeOpenAI, tmp_path: Path, **changes: Any) -> Settings:
    settings = Settings(
        base_url=server.url,
        api_key=TEST_KEY,
        image_base_url=server.url,
        image_api_key=TEST_KEY,
        images_dir=str(tmp_path / "pictures"),
        timeout=10,
        max_retries=0,
    )
    return dataclasses.replace(settings, **changes)


def items_for(settings: Settings, table: ImageModelTable, *prompts: str) -> list[BatchItem]:
    items = []
    for prompt in prompts:
        request, _ = build_request(settings, prompt, table, quality="low")
        items.append(BatchItem(validate(request, table), entry=PromptEntry.create(prompt)))
    return items


def pictures(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "pictures"
    return sorted(folder.glob("*.png")) if folder.exists() else []


async def wait_for(condition: Any, what: str, timeout: float = 10.0) -> None:
    """Let the event loop run until `condition()` holds; fail after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        await asyncio.sleep(0.01)


def test_four_prompts_one_refused_keeps_three_images_and_makes_no_duplicate_entry(
    cli: RunCli, online: FakeOpenAI
) -> None:
    """Four prompts at once (two of them the same text), one refused by the server: three
    images are saved, the refusal is shown with its prompt, and the fox has one entry."""
    online.image_rules = [("moth", REFUSED)]
    lines = "a red fox in snow\na grey heron at dawn\na red fox in snow\na moth at a lamp\n"
    result = cli("image", "-", "--save", "--quality", "low", stdin=lines)
    assert result.code == 1
    paths = [Path(line) for line in result.out.splitlines()]
    assert len(paths) == 3 and all(path.is_file() for path in paths)
    assert "“a moth at a lamp”: The image model refused this prompt" in result.err
    assert "3 done, 1 failed" in result.err
    assert len(online.image_requests()) == 4
    library = Library(locations.library_dir())
    library.load()
    by_prompt = {entry.prompt: entry for entry in library.entries()}
    assert sorted(by_prompt) == ["a grey heron at dawn", "a red fox in snow"]
    assert len(library.entries()) == 2
    assert len(by_prompt["a red fox in snow"].images) == 2
    assert {Path(image.path) for entry in library.entries() for image in entry.images} == set(paths)


def test_from_several_saved_prompts_links_each_image_to_its_entry(
    cli: RunCli, online: FakeOpenAI
) -> None:
    library = Library(locations.library_dir())
    first = library.add(PromptEntry.create("a lighthouse in fog"))
    second = library.add(PromptEntry.create("a harbour at night"))
    result = cli("image", "--from", first.id, second.id[:5])
    assert result.code == 0, result.err
    assert len(result.out.splitlines()) == 2
    assert f"linked to saved prompt {first.id}" in result.err
    assert f"linked to saved prompt {second.id}" in result.err
    assert {r.body["prompt"] for r in online.image_requests()} == {
        "a lighthouse in fog",
        "a harbour at night",
    }
    assert len(library.get(first.id).images) == len(library.get(second.id).images) == 1


def test_a_typo_in_one_id_sends_nothing(cli: RunCli, online: FakeOpenAI) -> None:
    library = Library(locations.library_dir())
    first = library.add(PromptEntry.create("a lighthouse in fog"))
    result = cli("image", "--from", first.id, "nope")
    assert result.code == 1
    assert "No saved prompt has the id `nope`" in result.err
    assert online.image_requests() == []


def test_prompts_are_sent_at_most_image_parallel_at_once(cli: RunCli, online: FakeOpenAI) -> None:
    config.set_value("image.parallel", "2")
    online.default_images = Images(delay=0.3)
    result = cli("image", "-", stdin="one\ntwo\nthree\nfour\nfive\n")
    assert result.code == 0, result.err
    requests = sorted(online.image_requests(), key=lambda r: r.started)
    assert len(requests) == 5
    # A request that starts as another's answer is being written out is its successor, not
    # a third at once: each takes 0.3 s, so "at once" means started 0.1 s before the other ends.
    most = max(
        sum(1 for other in requests if other.started <= r.started < (other.finished or 0) - 0.1)
        for r in requests
    )
    assert most == 2


async def test_cancelling_mid_batch_keeps_what_finished_and_sends_nothing_more(
    server: FakeOpenAI, tmp_path: Path, table: ImageModelTable, library: Library
) -> None:
    """Esc in the middle: the running render finishes and is kept; the rest is never sent."""
    server.image_rules = [("slow", Images(delay=1.5))]
    settings = settings_for(server, tmp_path)
    items = items_for(settings, table, "a slow fox", "a heron", "a moth", "a wren")
    batch = Batch(settings, library, items, parallel=1)
    run = asyncio.create_task(batch.run())
    await wait_for(lambda: items[0].state is ItemState.RENDERING, "the first render")
    assert batch.cancel_waiting() == 3
    await asyncio.wait_for(run, 10)
    assert [item.state for item in items] == [ItemState.DONE] + [ItemState.CANCELLED] * 3
    assert [r.body["prompt"] for r in server.image_requests()] == ["a slow fox"]
    assert len(pictures(tmp_path)) == 1
    library.load()
    [entry] = library.entries()
    assert entry.prompt == "a slow fox" and len(entry.images) == 1
    assert batch.summary() == "1 done, 3 cancelled"


async def test_stopping_stops_the_running_render_too_and_counts_it(
    server: FakeOpenAI, tmp_path: Path, table: ImageModelTable, library: Library
) -> None:
    """Nothing of a render stopped before its answer is written, and it is counted at its
    estimate: the server may have drawn it."""
    server.image_rules = [("slow", Images(delay=5)), ("moth", Images(delay=5))]
    settings = settings_for(server, tmp_path)
    items = items_for(settings, table, "a quick heron", "a slow fox", "a moth")
    batch = Batch(settings, library, items, parallel=2, clock=TEST_CLOCK)
    run = asyncio.create_task(batch.run())
    await wait_for(lambda: items[0].state is ItemState.DONE, "the quick render")
    await wait_for(lambda: items[2].state is ItemState.RENDERING, "the third render")
    await wait_for(lambda: len(server.image_requests()) == 3, "three requests on the wire")
    assert batch.stop() == 2
    await asyncio.wait_for(run, 10)
    assert [item.state for item in items] == [
        ItemState.DONE,
        ItemState.CANCELLED,
        ItemState.CANCELLED,
    ]
    assert await asyncio.to_thread(server.wait_for_hang_up)
    assert len(pictures(tmp_path)) == 1
    library.load()
    assert [entry.prompt for entry in library.entries()] == ["a quick heron"]
    month = spending.read().month(TEST_CLOCK())
    assert (month.renders, month.pending) == (3, 0)
    assert month.estimated  # the two stopped ones, at their estimates


async def test_a_batch_that_would_pass_the_monthly_limit_sends_nothing(
    server: FakeOpenAI, tmp_path: Path, table: ImageModelTable, library: Library
) -> None:
    from artisan.images.spending import SpendingLimitReached

    settings = settings_for(server, tmp_path, image_monthly_limit=0.01)
    # Each is estimated at $0.006 (low quality): one fits, two do not.
    items = items_for(settings, table, "a fox", "a heron")
    with pytest.raises(SpendingLimitReached) as caught:
        await Batch(settings, library, items).run()
    assert "$0.012" in str(caught.value) and "$0.01" in str(caught.value)
    assert server.image_requests() == []
    assert [item.state for item in items] == [ItemState.WAITING] * 2


async def test_the_progress_listener_hears_every_state(
    server: FakeOpenAI, tmp_path: Path, table: ImageModelTable, library: Library
) -> None:
    server.image_rules = [("moth", REFUSED)]
    server.default_images = Images(output_tokens=190)  # within the estimate at low quality
    settings = settings_for(server, tmp_path)
    items = items_for(settings, table, "a fox", "a moth")
    heard: list[tuple[str, ItemState]] = []
    batch = Batch(
        settings,
        library,
        items,
        parallel=1,
        on_change=lambda item: heard.append((item.prompt, item.state)),
    )
    await batch.run()
    assert heard[0] == ("a fox", ItemState.RENDERING)
    assert ("a fox", ItemState.DONE) in heard and ("a moth", ItemState.FAILED) in heard
    assert items[0].cost is not None and not items[0].cost.estimated
    assert items[1].error.startswith("The image model refused this prompt")
    assert items[0].elapsed() > 0
