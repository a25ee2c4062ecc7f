"""The workshop describing a picture: a new version whose variations are the described prompts,
ready to use, save or render; nothing kept from a model that cannot see; the composer says it
cannot. No screen, as in test_workshop.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from artisan import locations
from artisan.config import Settings
from artisan.draft import Origin, load_draft, save_draft
from artisan.engine.describe import CannotDescribe, NoVision, answered_blind
from artisan.images.vision import PreparedImage, prepare_image
from artisan.targets import load_catalog
from artisan.workshop import (
    PROMPT,
    VARIATIONS,
    Event,
    TextArrived,
    VariationsChanged,
    VersionsChanged,
    Workshop,
    WorkshopBusy,
)
from conftest import TEST_KEY
from fake_openai import Chat, Error, FakeOpenAI


def picture(tmp_path: Path) -> PreparedImage:
    path = tmp_path / "lighthouse.jpg"
    Image.new("RGB", (1600, 1200), (30, 60, 90)).save(path)
    return prepare_image(path)


_OPEN: list[Workshop] = []


@pytest.fixture(autouse=True)
async def close_workshops() -> AsyncIterator[None]:
    """Every workshop a test made lets go of its connections."""
    yield
    while _OPEN:
        await _OPEN.pop().aclose()


def online(server: FakeOpenAI, **settings: Any) -> tuple[Workshop, list[Event]]:
    events: list[Event] = []
    values: dict[str, Any] = {
        "base_url": server.url,
        "api_key": TEST_KEY,
        "max_retries": 0,
        "timeout": 5.0,
    }
    values.update(settings)
    workshop = Workshop(Settings(**values), load_catalog(), listener=events.append)
    _OPEN.append(workshop)
    return workshop, events


async def test_described_prompts_are_the_variations_of_a_new_version(
    server: FakeOpenAI, tmp_path: Path
) -> None:
    workshop, events = online(server, vision_model="llava")
    workshop.idea = "a lighthouse"
    await workshop.generate()
    version = await workshop.describe(picture(tmp_path), 3)
    assert workshop.version is version and len(workshop.versions) == 2
    assert version.origin is Origin.DESCRIBED
    assert version.label() == "described: “lighthouse.jpg”"
    assert version.model == "llava" and version.engine == "chat"
    assert version.idea == "described from lighthouse.jpg"
    assert [item.state for item in version.variations] == ["done"] * 3
    assert all("A picture 1024x768" in item.text for item in version.variations)
    assert version.text == version.variations[0].text
    assert workshop.variations is version.variations
    # Streamed into the rows as they arrived, and each told when it ended.
    streamed = [e for e in events if isinstance(e, TextArrived) and e.job.kind == VARIATIONS]
    assert {event.index for event in streamed} == {0, 1, 2}
    ended = [e.index for e in events if isinstance(e, VariationsChanged) and e.version is version]
    assert sorted(i for i in ended if i is not None) == [0, 1, 2]
    job = workshop.jobs[VARIATIONS]
    assert not job.running and job.outcome == "3 done" and job.model == "llava"
    assert job.label == "describing lighthouse.jpg: " + picture(tmp_path).describe()


async def test_a_described_prompt_can_be_used_and_saved(server: FakeOpenAI, tmp_path: Path) -> None:
    workshop, _ = online(server)
    described = await workshop.describe(picture(tmp_path), 2)
    plan = workshop.save_plan(1)
    assert plan.text == described.variations[1].text
    assert plan.idea == "described from lighthouse.jpg"
    promoted = workshop.promote(1)
    assert promoted.origin is Origin.VARIATION and promoted.parent == 0
    assert promoted.text == described.variations[1].text


async def test_a_model_that_cannot_see_leaves_no_version(
    server: FakeOpenAI, tmp_path: Path
) -> None:
    server.vision = False
    workshop, events = online(server)
    workshop.idea = "a lighthouse"
    first = await workshop.generate()
    with pytest.raises(NoVision) as caught:
        await workshop.describe(picture(tmp_path), 2)
    assert "cannot see images" in str(caught.value)
    assert workshop.versions == [first] and workshop.version is first
    assert isinstance(events[-1], VersionsChanged)
    assert workshop.jobs[VARIATIONS].outcome == "2 finished: 2 error"
    assert not workshop.jobs[VARIATIONS].kept


async def test_one_failed_description_keeps_the_others(server: FakeOpenAI, tmp_path: Path) -> None:
    server.queue_chat(Error(400, "The request is too long."), Chat(), Chat())
    workshop, _ = online(server, variations_parallel="1")
    version = await workshop.describe(picture(tmp_path), 3)
    assert [item.state for item in version.variations] == ["error", "done", "done"]
    assert "too long" in version.variations[0].error
    assert version.text == version.variations[1].text


async def test_the_composer_cannot_describe(server: FakeOpenAI, tmp_path: Path) -> None:
    workshop = Workshop(Settings(engine="composer"), load_catalog())
    with pytest.raises(CannotDescribe) as caught:
        await workshop.describe(picture(tmp_path))
    assert "offline composer cannot see images" in str(caught.value)
    assert workshop.versions == [] and VARIATIONS not in workshop.jobs
    assert server.requests == []


async def test_describing_waits_for_a_prompt_being_written(
    server: FakeOpenAI, tmp_path: Path
) -> None:
    server.queue_chat(Chat(delay=0.05))
    workshop, _ = online(server)
    workshop.idea = "a lighthouse"
    writing = asyncio.create_task(workshop.generate())
    while not workshop.busy(PROMPT):
        await asyncio.sleep(0.01)
    with pytest.raises(WorkshopBusy):
        await workshop.describe(picture(tmp_path))
    await writing
    assert [v.origin for v in workshop.versions] == [Origin.GENERATED]


async def test_a_described_version_survives_the_draft(server: FakeOpenAI, tmp_path: Path) -> None:
    workshop, _ = online(server)
    await workshop.describe(picture(tmp_path), 2)
    save_draft(locations.draft_file(), workshop.snapshot())
    draft, problem = load_draft(locations.draft_file())
    assert problem is None
    [version] = draft.versions
    assert version.origin is Origin.DESCRIBED and version.instruction == "lighthouse.jpg"
    assert len(version.variations) == 2


@pytest.mark.parametrize(
    "answer",
    [
        "NO IMAGE",
        "I'm sorry, but I can't see images. Could you describe it?",
        "As a text-based AI, I cannot view the picture you attached.",
        "I don't see an image attached to your message.",
        "Unfortunately there is no image provided in your message.",
        "I am unable to view images, but here is a prompt for a beach:",
    ],
)
def test_blind_answers_are_recognised(answer: str) -> None:
    assert answered_blind(answer)


@pytest.mark.parametrize(
    "answer",
    [
        "A photo of a lighthouse on a cliff at dusk, waves breaking below, shot on 35mm.",
        "Close-up image of a red fox in snow, soft light, shallow depth of field --ar 3:2",
        "A picture-book illustration of a harbour; no people, no boats in view.",
    ],
)
def test_descriptions_are_not_taken_for_blind_answers(answer: str) -> None:
    assert not answered_blind(answer)
