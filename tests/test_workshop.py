"""The workshop on its own, with no screen: versions, variations, jobs, saving and the draft.

The composer (offline) and the chat engine against the loopback server are the engines; no
pilot is needed to see what a session keeps.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from artisan import locations
from artisan.config import Settings
from artisan.draft import Draft, DraftKeeper, Origin, PromptVersion, Variation, save_draft
from artisan.engine.answer import EmptyInput, InputTooLong
from artisan.library import Library, SaveOutcome
from artisan.state import State
from artisan.targets import load_catalog
from artisan.workshop import (
    PROMPT,
    VARIATIONS,
    Event,
    JobChanged,
    NothingToDo,
    TextArrived,
    VariationsChanged,
    VersionsChanged,
    Workshop,
    WorkshopBusy,
    save,
)
from conftest import TEST_KEY
from fake_openai import Chat, Error, FakeOpenAI

IDEA = "a beach sunset"


def offline(**settings: object) -> tuple[Workshop, list[Event]]:
    """A workshop with the composer, and the list its events land in."""
    events: list[Event] = []
    workshop = Workshop(
        Settings(engine="composer", **settings),  # type: ignore[arg-type]
        load_catalog(),
        listener=events.append,
        seed=11,
    )
    workshop.idea = IDEA
    return workshop, events


_OPEN: list[Workshop] = []
"""Workshops made by `online`, whose HTTP connections are closed after each test."""


@pytest.fixture(autouse=True)
async def _close_workshops() -> AsyncIterator[None]:
    yield
    while _OPEN:
        await _OPEN.pop().aclose()


def online(server: FakeOpenAI, **settings: object) -> tuple[Workshop, list[Event]]:
    events: list[Event] = []
    values: dict[str, object] = {
        "base_url": server.url,
        "api_key": TEST_KEY,
        "max_retries": 0,
        "timeout": 5.0,
    }
    values.update(settings)
    workshop = Workshop(Settings(**values), load_catalog(), listener=events.append)  # type: ignore[arg-type]
    _OPEN.append(workshop)
    workshop.idea = IDEA
    return workshop, events


async def test_generate_keeps_a_generated_version_and_tells_each_step() -> None:
    workshop, events = offline()
    version = await workshop.generate()
    assert version is not None and workshop.version is version
    assert version.origin is Origin.GENERATED and version.engine == "composer"
    assert version.model == "composer" and version.idea == IDEA
    assert "beach sunset" in version.text
    kinds = [type(event) for event in events]
    assert kinds[0] is JobChanged and kinds[-1] is JobChanged
    assert TextArrived in kinds and VersionsChanged in kinds
    streamed = "".join(e.text for e in events if isinstance(e, TextArrived))
    assert streamed == version.text
    job = workshop.jobs[PROMPT]
    assert not job.running and job.outcome == "done" and job.kept


async def test_refine_makes_a_new_version_from_the_current_one(server: FakeOpenAI) -> None:
    workshop, _ = online(server)
    first = await workshop.generate()
    refined = await workshop.refine("moodier")
    assert first is not None and refined is not None
    assert workshop.versions == [first, refined]
    assert refined.origin is Origin.REFINED and refined.parent == 0
    assert refined.instruction == "moodier" and refined.label() == "refined: “moodier”"
    sent = server.chat_requests()[-1].body["messages"][1]["content"]
    assert first.text in sent and "moodier" in sent


async def test_an_edit_of_an_older_version_is_a_new_version() -> None:
    """Versions are history: editing v1 while v2 exists leaves v1 as it was."""
    workshop, _ = offline()
    first = await workshop.generate()
    await workshop.refine("moodier")
    assert first is not None
    original = first.text
    workshop.step(-1)
    assert workshop.version is first
    edited = workshop.edit(original + " Wide angle.")
    assert edited is not None and edited is not first
    assert first.text == original
    assert workshop.versions[-1] is edited and workshop.version is edited
    assert edited.origin is Origin.EDITED and edited.parent == 0
    assert edited.label() == "edited v1"
    # Typing on in the same edit carries on in it.
    again = workshop.edit(original + " Wide angle, low.")
    assert again is edited and len(workshop.versions) == 3


async def test_variations_belong_to_the_version_they_came_from() -> None:
    workshop, events = offline()
    first = await workshop.generate()
    variations = await workshop.vary(3)
    assert first is not None and len(variations) == 3
    assert first.variations is variations
    assert all(v.state == "done" and v.text for v in variations)
    assert len({v.text for v in variations}) == 3
    assert workshop.jobs[VARIATIONS].outcome == "3 done"
    ended = [e.index for e in events if isinstance(e, VariationsChanged) and e.index is not None]
    assert sorted(ended) == [0, 1, 2]

    promoted = workshop.promote(1)
    assert promoted.origin is Origin.VARIATION and promoted.variation == 2
    assert promoted.text == variations[1].text and promoted.parent == 0
    assert workshop.variations == []  # the new version has none of its own yet
    workshop.step(-1)
    assert workshop.variations is variations


async def test_stopping_keeps_what_arrived(server: FakeOpenAI) -> None:
    server.queue_chat(Chat(text=" ".join(f"w{i}" for i in range(400)), delay=0.01))
    workshop, _ = online(server)
    task = asyncio.create_task(workshop.generate())
    for _ in range(2000):
        if len(workshop.streamed_text().split()) >= 5:
            break
        await asyncio.sleep(0.005)
    else:
        pytest.fail("no text arrived")
    assert workshop.snapshot().version is not None  # the draft would hold the partial text
    assert workshop.stop() == 1
    with pytest.raises(asyncio.CancelledError):
        await task
    version = workshop.version
    assert version is not None and version.state == "cancelled"
    assert version.text.startswith("w0 w1 w2 w3 w4") and len(version.text.split()) < 400
    assert workshop.jobs[PROMPT].outcome == "cancelled"


async def test_a_failure_keeps_the_partial_text_and_says_why(server: FakeOpenAI) -> None:
    server.queue_chat(Chat(error_event_after=3))
    workshop, _ = online(server)
    with pytest.raises(Exception, match="upstream model crashed"):
        await workshop.generate()
    version = workshop.version
    assert version is not None and version.state == "error"
    assert version.text == "A vivid picture "


async def test_a_failure_before_any_text_leaves_no_version(server: FakeOpenAI) -> None:
    server.queue_chat(Error(500, "boom"))
    workshop, _ = online(server)
    with pytest.raises(Exception, match="500"):
        await workshop.generate()
    assert workshop.versions == []
    job = workshop.jobs[PROMPT]
    assert job.outcome == "error" and not job.kept


@pytest.mark.parametrize(("idea", "error"), [("  \n ", EmptyInput), ("x" * 60_000, InputTooLong)])
async def test_input_is_checked_once_before_anything_is_sent(
    server: FakeOpenAI, idea: str, error: type[Exception]
) -> None:
    workshop, _ = online(server)
    workshop.idea = idea
    with pytest.raises(error):
        await workshop.generate()
    assert server.requests == [] and workshop.versions == [] and PROMPT not in workshop.jobs


async def test_one_prompt_at_a_time() -> None:
    workshop, _ = offline()
    await workshop.generate()
    first = asyncio.create_task(workshop.generate())
    await asyncio.sleep(0)
    assert workshop.busy(PROMPT)
    with pytest.raises(WorkshopBusy):
        await workshop.generate()
    with pytest.raises(WorkshopBusy):
        await workshop.vary()
    await first


async def test_nothing_to_refine_vary_or_save_yet() -> None:
    workshop, _ = offline()
    with pytest.raises(NothingToDo):
        await workshop.refine("moodier")
    with pytest.raises(NothingToDo):
        await workshop.vary()
    with pytest.raises(NothingToDo):
        workshop.save_plan()


async def test_wildcards_expand_into_the_prompt_and_its_variations() -> None:
    workshop, _ = offline()
    workshop.idea = "a {red|blue|green} car at dusk"
    version = await workshop.generate(count=3)
    assert version is not None
    ideas = [version.idea, *(item.idea for item in version.variations)]
    assert sorted(ideas) == ["a blue car at dusk", "a green car at dusk", "a red car at dusk"]
    for item in version.variations:
        assert item.state == "done" and item.idea.split()[1] in item.text


async def test_saving_names_what_it_saved_and_keeps_one_entry_per_text() -> None:
    workshop, _ = offline()
    await workshop.generate()
    await workshop.vary(2)
    library = Library(locations.library_dir())
    plan = workshop.save_plan()
    assert plan.what == "the prompt (v1, generated)"
    saved = await asyncio.to_thread(save, plan, library)
    workshop.linked(plan, saved.entry)
    entry = saved.entry
    assert saved.outcome is SaveOutcome.ADDED
    assert entry.idea == IDEA and entry.target == "dalle" and entry.model == "composer"
    again = await asyncio.to_thread(save, workshop.save_plan(), library)
    assert again.outcome is SaveOutcome.FOUND and again.entry.id == entry.id
    assert workshop.edit(entry.prompt + " At dusk.") is not None
    edited = await asyncio.to_thread(save, workshop.save_plan(), library)
    assert edited.outcome is SaveOutcome.UPDATED and edited.entry.id == entry.id
    workshop.step(-1)
    variation = workshop.save_plan(1)
    assert variation.what == "variation 2 of v1" and variation.entry_id is None
    other = await asyncio.to_thread(save, variation, library)
    assert other.outcome is SaveOutcome.ADDED and other.entry.id != entry.id
    library.load()
    assert len(library) == 2


async def test_loading_an_entry_carries_on_from_it() -> None:
    from artisan.entry import PromptEntry

    workshop, _ = offline()
    await workshop.generate()
    await workshop.vary(2)
    entry = PromptEntry.create("A saved prompt.", idea="saved idea", target="midjourney")
    version = workshop.load_entry(entry)
    assert version.origin is Origin.LIBRARY and version.entry_id == entry.id
    assert workshop.idea == "saved idea" and workshop.target_name == "midjourney"
    assert workshop.variations == []  # the earlier version keeps its own
    assert len(workshop.versions[0].variations) == 2


async def test_a_batch_that_ended_never_reads_as_still_running(server: FakeOpenAI) -> None:
    server.queue_chat(Chat(), Chat(finish="length"), Chat(), Chat(finish="length"), Chat())
    workshop, _ = online(server)
    await workshop.generate()
    await workshop.vary(4)
    assert workshop.jobs[VARIATIONS].outcome == "4 finished: 2 done, 2 truncated"


# The draft ---------------------------------------------------------------------------------


def test_a_second_app_on_the_same_folder_keeps_its_own_draft(tmp_path: Path) -> None:
    first = DraftKeeper(tmp_path, Draft)
    second = DraftKeeper(tmp_path, Draft)
    assert first.claim() is None
    notice = second.claim()
    assert notice is not None and "draft-2.json" in notice
    assert first.path.name == "draft.json" and second.path.name == "draft-2.json"
    first.snapshot = lambda: Draft(idea="first")
    second.snapshot = lambda: Draft(idea="second")
    first.save_now()
    second.save_now()
    assert json.loads(first.path.read_text())["idea"] == "first"
    assert json.loads(second.path.read_text())["idea"] == "second"
    first.release()
    third = DraftKeeper(tmp_path, Draft)
    assert third.claim() is None and third.path.name == "draft.json"
    second.release()
    third.release()


@pytest.mark.parametrize(
    "content",
    ["[1, 2, 3]", "{broken", "[" * 100_000 + "]" * 100_000],
    ids=["list", "broken", "deep"],
)
def test_a_file_that_is_no_draft_is_set_aside_twice_without_loss(
    tmp_path: Path, content: str
) -> None:
    path = tmp_path / "draft.json"
    for _ in range(2):
        path.write_text(content)
        keeper = DraftKeeper(tmp_path, Draft)
        keeper.claim()
        draft, problem = keeper.read()
        keeper.release()
        assert draft == Draft()
        assert problem is not None and "damaged" in problem
        assert not path.exists()
    asides = sorted(tmp_path.glob("draft.json.damaged*"))
    assert [p.name for p in asides] == ["draft.json.damaged", "draft.json.damaged-2"]
    assert all(aside.read_text() == content for aside in asides)  # never lost


def test_a_first_format_draft_is_read_with_its_variations(tmp_path: Path) -> None:
    old = {
        "format": 1,
        "idea": IDEA,
        "target": "dalle",
        "versions": [
            {"text": "one", "model": "m", "state": "done"},
            {"text": "two", "state": "edited", "instruction": ""},
            {"text": "three", "state": "done", "instruction": "variation 2"},
            {"text": "four", "state": "done", "instruction": "moodier"},
        ],
        "current": 1,
        "variations": [{"text": "a", "state": "done", "error": ""}],
    }
    (tmp_path / "draft.json").write_text(json.dumps(old))
    draft, problem = DraftKeeper(tmp_path, Draft).read()
    assert problem is None and draft.current == 1
    origins = [v.origin for v in draft.versions]
    assert origins == [Origin.GENERATED, Origin.EDITED, Origin.VARIATION, Origin.REFINED]
    assert draft.versions[3].instruction == "moodier"
    assert [v.text for v in draft.versions[1].variations] == ["a"]


def test_text_still_streaming_when_the_app_ended_is_marked_interrupted(tmp_path: Path) -> None:
    save_draft(
        tmp_path / "draft.json",
        Draft(
            versions=[
                PromptVersion(
                    text="half",
                    state=State.STREAMING,
                    variations=[Variation("v", State.STREAMING)],
                )
            ],
            current=0,
        ),
    )
    draft, _ = DraftKeeper(tmp_path, Draft).read()
    workshop = Workshop(Settings(engine="composer"), load_catalog(), draft=draft)
    version = workshop.version
    assert version is not None and version.state == "interrupted"
    assert version.variations[0].state == "interrupted"


async def test_a_target_named_by_its_alias_is_the_target_itself() -> None:
    """A prompt saved for `gpt-image` carries on in GPT Image, not in the target chosen
    before; the prompt written next follows GPT Image's own shape."""
    from artisan.entry import PromptEntry

    workshop, _ = offline(target="midjourney")
    assert workshop.target().name == "midjourney"
    entry = PromptEntry.create("A saved prompt.", idea="a red fox", target="gpt-image")
    workshop.load_entry(entry)
    assert workshop.target().name == "dalle"
    version = await workshop.generate()
    assert "--ar" not in version.text and "no watermark" in version.text, version.text
