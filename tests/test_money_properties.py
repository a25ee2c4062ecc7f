"""Property tests of the money rules: whatever mix of renders runs at once, whatever the server
answers (good images, garbage, extra images, an absurd bill, an EPS, an error), whichever are
stopped mid-way and whichever folders fail after the answer:

- what was spent is what is recorded: the spending record holds every paid answer at the cost
  its render reported, and every request stopped after sending at its estimate; a request
  refused by the server holds nothing;
- the record never passes the monthly limit by more than one estimate;
- no paid image is without a file, or a message saying where it is.

Against the loopback server, the real SDK, the real spending record and real folders."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from artisan.config import Settings
from artisan.errors import ArtisanError
from artisan.images import ImageRequest, Stage, load_image_models, spending, validate
from artisan.images.prices import estimate
from artisan.images.rendering import RenderProgress
from artisan.images.workflow import RenderOutcome, render_and_record
from artisan.library import Library
from conftest import TEST_CLOCK, TEST_KEY
from fake_openai import Behaviour, Error, FakeOpenAI, Images

EPS = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 16 16\n%%EndComments\nshowpage\n%%EOF\n"
ANSWERS: dict[str, Behaviour] = {
    "good": Images(),
    "one garbage": Images(garbage=(0,)),
    "extra images": Images(extra=3),
    "absurd bill": Images(output_tokens=10**12),
    "eps": Images(content=EPS),
    "refused": Error(400, "Rejected by the safety system.", code="moderation_blocked"),
    "server error": Error(500, "The server had an error"),
    "never answers": Images(delay=30),
}
"""What the server does with a request; "never answers" is stopped by the test."""


def good_images(answer: str, asked: int) -> int:
    """Images artisan can keep of an answer."""
    return {"one garbage": asked - 1, "eps": 0}.get(answer, asked)


@dataclass(frozen=True)
class Render:
    answer: str
    n: int
    break_folder: bool
    """The images folder fails once the answer arrived (a disk unplugged)."""


renders = st.lists(
    st.builds(
        Render,
        answer=st.sampled_from(sorted(ANSWERS)),
        n=st.integers(1, 3),
        break_folder=st.booleans(),
    ),
    min_size=1,
    max_size=6,
)
limits = st.sampled_from([None, 0.3, 0.8, 2.5])
FEW = settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
MANY = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


@dataclass
class Seen:
    """What the test saw of one render."""

    render: Render
    estimate: float
    outcome: RenderOutcome | None = None
    error: BaseException | None = None


def check_money_rules(server: FakeOpenAI, plan: list[Render], limit: float | None) -> None:
    home = Path(tempfile.mkdtemp(prefix="money-"))
    previous = {name: os.environ.get(name) for name in ("ARTISAN_DATA_DIR", "TMPDIR")}
    os.environ["ARTISAN_DATA_DIR"] = str(home / "data")
    os.environ["TMPDIR"] = str(home / "tmp")
    saved_tempdir = tempfile.tempdir
    tempfile.tempdir = None
    server.requests.clear()
    server.image_rules = [(f"render {i} ", ANSWERS[r.answer]) for i, r in enumerate(plan)]
    try:
        seen = asyncio.run(run_all(server, plan, limit, home))
        check(seen, limit, server)
    finally:
        tempfile.tempdir = saved_tempdir
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(home, ignore_errors=True)


async def run_all(
    server: FakeOpenAI, plan: list[Render], limit: float | None, home: Path
) -> list[Seen]:
    table = load_image_models()
    base = Settings(
        base_url=server.url,
        api_key=TEST_KEY,
        image_base_url=server.url,
        image_api_key=TEST_KEY,
        timeout=20,
        max_retries=0,
        image_monthly_limit=limit,
    )
    seen: list[Seen] = []
    tasks = []
    for index, render in enumerate(plan):
        folder = home / f"pictures-{index}"
        request = ImageRequest(
            f"render {index} of a harbour",
            "gpt-image-2",
            n=render.n,
            size="1024x1024",
            quality="high",
        )
        checked = validate(request, table)
        cost = estimate(checked.model, request)
        assert cost is not None
        one = Seen(render, cost.dollars)
        seen.append(one)
        settings_ = dataclasses.replace(base, images_dir=str(folder))
        tasks.append(asyncio.create_task(render_one(settings_, checked, folder, one)))
    waiting = [
        (index, task)
        for index, (render, task) in enumerate(zip(plan, tasks, strict=True))
        if render.answer == "never answers"
    ]
    for index, task in waiting:
        await stop_once_sent(server, index, task)
    await asyncio.gather(*tasks, return_exceptions=True)
    return seen


async def render_one(settings_: Settings, checked: Any, folder: Path, one: Seen) -> None:
    def unplug(progress: RenderProgress) -> None:
        if one.render.break_folder and progress.stage is Stage.RECEIVED:
            shutil.rmtree(folder, ignore_errors=True)
            folder.write_text("unplugged")

    def paid(outcome: RenderOutcome) -> None:
        one.outcome = outcome

    library = Library(Path(os.environ["ARTISAN_DATA_DIR"]) / "library")
    try:
        await render_and_record(
            settings_,
            checked,
            library,
            on_progress=unplug,
            on_paid=paid,
            keep_prompt=False,
            clock=TEST_CLOCK,
        )
    except (ArtisanError, asyncio.CancelledError) as error:
        one.error = error


async def stop_once_sent(server: FakeOpenAI, index: int, task: asyncio.Task[None]) -> None:
    """Cancel the render once its request is on the wire (or it was refused before)."""
    deadline = time.monotonic() + 20
    prompt = f"render {index} "
    while not any(prompt in str(r.body.get("prompt", "")) for r in server.image_requests()):
        if task.done():
            return  # refused before sending: the limit
        assert time.monotonic() < deadline, "the request never arrived"
        await asyncio.sleep(0.01)
    task.cancel()


def check(seen: list[Seen], limit: float | None, server: FakeOpenAI) -> None:
    sent = {
        index
        for index in range(len(seen))
        if any(f"render {index} " in str(r.body.get("prompt", "")) for r in server.image_requests())
    }
    ledger = spending.read()
    assert ledger.problems == []
    month = ledger.month(TEST_CLOCK())
    assert month.pending == 0, "every request is settled or taken back"
    expected = 0.0
    charged_renders = 0
    for index, one in enumerate(seen):
        answer = one.render.answer
        if index not in sent:
            assert one.outcome is None and one.error is not None  # refused before sending
            continue
        if answer in ("refused", "server error"):
            assert one.outcome is None
            continue  # answered with an error: nothing billed, nothing recorded
        charged_renders += 1
        if answer == "never answers":
            assert one.outcome is None
            expected += one.estimate
            continue
        outcome = one.outcome
        assert outcome is not None, (answer, one.error)
        assert outcome.cost is not None and outcome.cost.dollars <= one.estimate + 1e-9
        expected += outcome.cost.dollars
        assert len(outcome.images) + len(outcome.unsaved) == good_images(answer, one.render.n)
        for image in outcome.images:
            assert image.path.is_file()
            if one.render.break_folder:
                assert str(image.path) in outcome.failure  # said where it went
        if outcome.unsaved:
            assert "held in memory" in outcome.failure
    assert month.renders == charged_renders
    assert month.dollars == pytest.approx(expected, abs=1e-6)
    if limit is not None:
        assert month.dollars <= limit + max(one.estimate for one in seen) + 1e-9


@pytest.fixture(scope="module")
def shared_server() -> Any:
    with FakeOpenAI() as fake:
        yield fake


@FEW
@given(plan=renders, limit=limits)
def test_the_money_rules_hold_for_any_mix_of_renders(
    shared_server: FakeOpenAI, plan: list[Render], limit: float | None
) -> None:
    check_money_rules(shared_server, plan, limit)


@pytest.mark.slow
@MANY
@given(plan=renders, limit=limits)
def test_the_money_rules_hold_for_many_mixes_of_renders(
    shared_server: FakeOpenAI, plan: list[Render], limit: float | None
) -> None:
    check_money_rules(shared_server, plan, limit)
