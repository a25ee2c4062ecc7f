"""Paid work is never lost and always counted: room checked before paying, images kept
somewhere when saving fails after paying, answers with bad, extra or foreign images, the monthly
limit as one atomic step, renders stopped mid-way, and a spending record that is read-only, a
folder, a named pipe, damaged or absurd. Against the loopback server and the real SDK."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from artisan import config, locations
from artisan.config import Settings
from artisan.connection import ApiError
from artisan.images import (
    ImageRequest,
    Stage,
    load_image_models,
    prices,
    render_and_record,
    spending,
    validate,
)
from artisan.images.files import ImageFileError, inspect_image
from artisan.images.rendering import RenderProgress
from artisan.images.spending import SpendingLimitReached
from artisan.images.workflow import RenderOutcome, temporary_images_dir, unsaved_images_dir
from artisan.library import Library
from conftest import TEST_CLOCK, TEST_KEY, RunCli, run_artisan
from fake_openai import FakeOpenAI, Images

PROMPT = "A quiet harbour at dawn"
EPS = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 16 16\n%%EndComments\nshowpage\n%%EOF\n"


@pytest.fixture
def library() -> Library:
    return Library(locations.library_dir())


@pytest.fixture(autouse=True)
def own_temp_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The last place paid images go is the temporary folder: the test's own."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.setenv("TMPDIR", str(folder))
    return folder


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


def checked(prompt: str = PROMPT, *, model: str = "gpt-image-2", **asked: Any) -> Any:
    asked.setdefault("quality", "high")
    asked.setdefault("size", "1024x1024")
    return validate(ImageRequest(prompt, model, **asked), load_image_models())


def ledger_lines() -> list[dict[str, Any]]:
    path = locations.spending_file()
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def counted() -> spending.Period:
    """What the record holds, as `artisan spend` sums it: one month, since a test's renders
    run within one (on whichever clock: some run in a child process, on the system's)."""
    months = spending.read().by_month()
    assert len(months) <= 1, [month.label for month in months]
    return months[0] if months else spending.Period("")


def pictures(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "pictures"
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []


# Room on the disks, before paying ------------------------------------------------------------


def _can_mount() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = tempfile.mkdtemp()
    try:
        done = subprocess.run(
            ["unshare", "-rm", "sh", "-c", f"mount -t tmpfs -o size=64k tmpfs {probe}"],
            capture_output=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    finally:
        os.rmdir(probe)
    return done.returncode == 0


CAN_MOUNT = _can_mount()
needs_mounts = pytest.mark.skipif(
    not CAN_MOUNT, reason="needs `unshare -rm` to mount a small or read-only file system"
)


def run_in_namespace(
    setup: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`artisan ARGS...` in a child process with its own mounts, after the shell `setup`."""
    script = f'{setup} && exec "$PY" -m artisan "$@"'
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", script, "sh", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PY": sys.executable, **(env or {})},
        timeout=60,
        check=False,
    )


@needs_mounts
def test_a_full_data_folder_costs_no_request(online: FakeOpenAI) -> None:
    """The data folder (library, spending record) on a disk with 256 KiB left: refused before
    the request, saying how much room there is."""
    data = locations.data_dir()
    data.mkdir(parents=True)
    done = run_in_namespace(
        f'mount -t tmpfs -o size=256k tmpfs "{data}"', "image", PROMPT, "--save"
    )
    assert done.returncode == 1, done.stderr
    assert f"{data} has 256 KiB free" in done.stderr
    assert "in the data folder to record the render" in done.stderr
    assert "Nothing was sent" in done.stderr
    assert online.image_requests() == []


@needs_mounts
def test_a_full_images_folder_costs_no_request(online: FakeOpenAI, tmp_path: Path) -> None:
    folder = tmp_path / "small"
    folder.mkdir()
    done = run_in_namespace(
        f'mount -t tmpfs -o size=1m tmpfs "{folder}"',
        "image",
        PROMPT,
        "--size",
        "1536x1024",
        "-o",
        f"{folder}/",
    )
    assert done.returncode == 1, done.stderr
    assert f"{folder} has 1 MiB free; about 6.06 MiB is needed to save the images" in done.stderr
    assert online.image_requests() == []


# Saving fails after paying -------------------------------------------------------------------


def break_folder(folder: Path) -> None:
    """Make `folder` unusable for good: a file stands where it was."""
    if folder.is_dir():
        shutil.rmtree(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_text("the disk is full")


async def test_when_every_folder_fails_after_paying_the_temporary_folder_keeps_them(
    server: FakeOpenAI, tmp_path: Path, library: Library, own_temp_folder: Path
) -> None:
    """The answer arrives, then the images folder, the data folder's unsaved-images and the
    library all fail: the images go to the temporary folder, the error says where, and the
    render is in the spending record."""
    settings = settings_for(server, tmp_path)

    def fail_everything(progress: RenderProgress) -> None:
        if progress.stage is Stage.RECEIVED:
            break_folder(tmp_path / "pictures")
            break_folder(unsaved_images_dir())
            break_folder(library.folder)

    with pytest.raises(ImageFileError) as caught:
        await render_and_record(
            settings, checked(n=2), library, on_progress=fail_everything, keep_prompt=True
        )
    kept = sorted(temporary_images_dir().iterdir())
    assert len(kept) == 2 and kept[0].parent.parent == own_temp_folder
    assert all(inspect_image(path.read_bytes()).format == "png" for path in kept)
    message = str(caught.value)
    assert "The images are saved without it" in message  # the library could not be written
    assert "The rendered images are kept at" in message
    assert all(str(path) in message for path in kept)
    [reserved, settled] = ledger_lines()
    assert (reserved["kind"], settled["kind"]) == ("reserved", "settled")
    assert settled["images"] == 2 and settled["cost"] > 0
    assert counted().renders == 1


async def test_when_nothing_can_be_written_the_images_are_held_and_the_message_says_so(
    server: FakeOpenAI, tmp_path: Path, library: Library
) -> None:
    settings = settings_for(server, tmp_path)
    paid: list[RenderOutcome] = []

    def fail_everything(progress: RenderProgress) -> None:
        if progress.stage is Stage.RECEIVED:
            for folder in (tmp_path / "pictures", unsaved_images_dir(), temporary_images_dir()):
                break_folder(folder)

    with pytest.raises(ImageFileError) as caught:
        await render_and_record(
            settings, checked(), library, on_progress=fail_everything, on_paid=paid.append
        )
    assert "could be written nowhere" in str(caught.value)
    assert "held in memory only" in str(caught.value)
    [outcome] = paid
    assert len(outcome.unsaved) == 1 and outcome.unsaved[0].data.startswith(b"\x89PNG")
    assert counted().renders == 1


# What the server sends -------------------------------------------------------------------------


async def test_one_garbage_image_among_three_keeps_the_other_two_and_counts_all_three(
    server: FakeOpenAI, tmp_path: Path, library: Library
) -> None:
    server.queue_images(Images(garbage=(1,), output_tokens=500))
    outcome = await render_and_record(
        settings_for(server, tmp_path), checked(n=3), library, keep_prompt=False
    )
    assert len(outcome.images) == 2 and len(pictures(tmp_path)) == 2
    assert any(
        "Image 2 of 3 was not kept" in note and "not valid base64" in note
        for note in outcome.warnings
    )
    [line] = spending.read().spent
    assert line.images == 3
    # Three images drawn and billed, as the server reported: 1,500 tokens at $30 a million.
    assert line.cost == pytest.approx((5 * 5 + 1500 * 30) / 1_000_000, abs=1e-6)
    assert outcome.cost is not None and line.cost == pytest.approx(outcome.cost.dollars)


def test_more_images_than_asked_keeps_what_was_asked_and_says_so(
    cli: RunCli, online: FakeOpenAI
) -> None:
    online.queue_images(Images(extra=4))
    result = cli("image", PROMPT, "--quality", "high")
    assert result.code == 0, result.err
    assert len(result.out.splitlines()) == 1
    assert "sent 5 images where 1 was asked for; the first 1 is kept and 4 were refused" in (
        result.err
    )
    assert len(list(Path(result.out.strip()).parent.iterdir())) == 1


async def test_a_thousand_images_for_one_are_refused_unread_and_billed_as_asked(
    server: FakeOpenAI, tmp_path: Path, library: Library
) -> None:
    """A server that sends 1,000 images for n=1 and bills all of them: one is kept, and the
    record holds what one image can cost, with the server's claim kept beside it."""
    server.queue_images(Images(extra=999, size=(8, 8), output_tokens=7000))
    request = checked(quality="low")
    outcome = await render_and_record(
        settings_for(server, tmp_path), request, library, keep_prompt=False
    )
    assert len(outcome.images) == 1 and len(pictures(tmp_path)) == 1
    assert any("sent 1,000 images where 1 was asked" in note for note in outcome.warnings)
    assert any("more than this request can cost" in note for note in outcome.warnings)
    [line] = spending.read().spent
    estimate = prices.estimate(request.model, request.request)
    assert estimate is not None
    assert line.cost == pytest.approx(estimate.dollars)
    assert line.reported is not None and line.reported > 200
    assert "capped at the estimate" in line.note


async def test_an_absurd_usage_is_capped_and_later_renders_go_on(
    server: FakeOpenAI, tmp_path: Path, library: Library
) -> None:
    """output_tokens = 10^15 would be $30,000,000,000; the record holds the estimate, and a
    limit of $20 still lets the next render through."""
    server.queue_images(Images(output_tokens=10**15))
    settings = settings_for(server, tmp_path, image_monthly_limit=20.0)
    first = await render_and_record(settings, checked(), library, keep_prompt=False)
    assert first.cost is not None and first.cost.dollars < 1
    second = await render_and_record(settings, checked(), library, keep_prompt=False)
    assert second.cost is not None
    assert len(server.image_requests()) == 2
    assert counted().dollars < 1


def test_an_eps_from_the_server_is_refused_and_still_counted(
    cli: RunCli, online: FakeOpenAI
) -> None:
    online.queue_images(Images(content=EPS))
    result = cli("image", PROMPT)
    assert result.code == 1
    assert "sent an image in EPS format; artisan keeps PNG, JPEG and WebP images only" in (
        result.err
    )
    assert "The render is recorded at" in result.err
    assert result.out == ""
    pictures_folder = locations.data_dir().parent / "pictures" / "artisan"
    assert not pictures_folder.exists() or not any(pictures_folder.iterdir())
    assert counted().renders == 1


async def test_an_image_link_that_trickles_is_given_up_at_the_deadline(
    server: FakeOpenAI, tmp_path: Path, library: Library
) -> None:
    """One byte a second: the whole download has the deadline, not each read."""
    server.queue_images(Images(response_format="url", trickle=1.0))
    settings = settings_for(server, tmp_path, timeout=1.0, sources={"timeout": "config.toml"})
    started = time.monotonic()
    with pytest.raises(ApiError) as caught:
        await render_and_record(settings, checked(model="dall-e-2", quality=None), library)
    assert time.monotonic() - started < 10
    assert "did not finish within 1 seconds" in str(caught.value)
    assert "The render is recorded at $0.020" in str(caught.value)
    assert counted().renders == 1


async def test_image_links_to_another_host_are_never_fetched(
    server: FakeOpenAI, tmp_path: Path, library: Library
) -> None:
    with FakeOpenAI() as elsewhere:
        elsewhere.files["img-0-0.png"] = b"not fetched"
        server.queue_images(
            Images(response_format="url", link_base=f"http://127.0.0.1:{elsewhere.port}")
        )
        with pytest.raises(ApiError) as caught:
            await render_and_record(
                settings_for(server, tmp_path), checked(model="dall-e-2", quality=None), library
            )
        assert f"points at 127.0.0.1:{elsewhere.port}, which is neither the image server" in (
            str(caught.value)
        )
        assert elsewhere.requests == []


async def test_a_redirect_to_another_host_is_not_followed(
    server: FakeOpenAI, tmp_path: Path, library: Library
) -> None:
    with FakeOpenAI() as elsewhere:
        server.queue_images(
            Images(response_format="url", redirect_to=f"http://127.0.0.1:{elsewhere.port}")
        )
        with pytest.raises(ApiError, match="does not fetch from other hosts"):
            await render_and_record(
                settings_for(server, tmp_path), checked(model="dall-e-2", quality=None), library
            )
        assert elsewhere.requests == []
        assert len([r for r in server.requests if r.method == "GET"]) == 1


# The monthly limit, as one step -----------------------------------------------------------------


@pytest.mark.by_date
async def test_six_renders_at_once_never_pass_the_limit(server: FakeOpenAI, tmp_path: Path) -> None:
    """Each is estimated at about $0.211 (high quality): with $0.50 a month, two are sent and
    four refused, however they interleave."""
    server.default_images = Images(delay=0.5)
    settings = settings_for(server, tmp_path, image_monthly_limit=0.5)
    request = checked()
    results = await asyncio.gather(
        *(
            render_and_record(
                settings, request, Library(locations.library_dir()), keep_prompt=False
            )
            for _ in range(6)
        ),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, SpendingLimitReached)]
    done = [r for r in results if isinstance(r, RenderOutcome)]
    assert (len(done), len(refused)) == (2, 4), results
    assert len(server.image_requests()) == 2
    assert counted().dollars <= 0.5


@pytest.mark.slow
def test_six_cli_renders_at_once_never_pass_the_limit(online: FakeOpenAI) -> None:
    """Each costs about $0.21 as reported: however the six processes interleave, two fit."""
    online.default_images = Images(delay=0.5, output_tokens=7000)
    config.set_value("image.monthly_limit", "0.5")
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "artisan", "image", PROMPT, "--quality", "high"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    codes = [run.wait(timeout=120) for run in runs]
    for run in runs:
        run.communicate()
    assert sorted(codes) == [0, 0, 1, 1, 1, 1]
    assert len(online.image_requests()) == 2
    assert counted().dollars <= 0.5


# A record that cannot be used -------------------------------------------------------------------


def test_a_folder_in_place_of_the_record_refuses_while_a_limit_is_set(
    cli: RunCli, online: FakeOpenAI
) -> None:
    locations.spending_file().mkdir(parents=True)
    config.set_value("image.monthly_limit", "20")
    result = cli("image", PROMPT)
    assert result.code == 1
    assert f"{locations.spending_file()} is a folder" in result.err
    assert "a render that cannot be counted is not sent" in result.err
    assert online.image_requests() == []
    config.set_value("image.monthly_limit", "")
    result = cli("image", PROMPT)
    assert result.code == 0, result.err
    assert "This render will not be counted by `artisan spend`" in result.err
    assert len(online.image_requests()) == 1


@pytest.fixture
def read_only_record() -> Iterator[str]:
    """The spending record made read-only; yields the shell step that makes it so in a
    child's own mounts (root ignores file modes), or "" when the mode is enough."""
    record = locations.spending_file()
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text("")
    if os.geteuid() != 0:
        record.chmod(0o444)
        yield "true"
        record.chmod(0o644)
        return
    if not CAN_MOUNT:
        pytest.skip("as root, a read-only file needs `unshare -rm`")
    yield f'mount --bind "{record}" "{record}" && mount -o remount,bind,ro "{record}"'


def test_a_read_only_record_refuses_while_a_limit_is_set(
    online: FakeOpenAI, read_only_record: str
) -> None:
    config.set_value("image.monthly_limit", "20")
    if read_only_record == "true":
        done = run_artisan("image", PROMPT)
    else:
        done = run_in_namespace(read_only_record, "image", PROMPT)
    assert done.returncode == 1, done.stderr
    assert "cannot be written" in done.stderr and "Not sent" in done.stderr
    assert online.image_requests() == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
@pytest.mark.parametrize("limit", ["", "20"])
def test_a_named_pipe_in_place_of_the_record_never_blocks(online: FakeOpenAI, limit: str) -> None:
    record = locations.spending_file()
    record.parent.mkdir(parents=True)
    os.mkfifo(record)
    config.set_value("image.monthly_limit", limit)
    done = run_artisan("image", PROMPT, timeout=60)
    assert "is a named pipe" in done.stderr
    if limit:
        assert done.returncode == 1 and online.image_requests() == []
    else:
        assert done.returncode == 0, done.stderr
    spend = run_artisan("spend", timeout=60)
    assert spend.returncode == 1 and "named pipe (FIFO), not a regular file" in spend.stderr


# Stopped mid-way ---------------------------------------------------------------------------------


def wait_for(condition: Any, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.02)


def test_ctrl_c_mid_batch_counts_every_request_sent(online: FakeOpenAI) -> None:
    """Four requests on the wire, then Ctrl-C: all four are in the record, at their estimates."""
    online.default_images = Images(delay=30)
    config.set_value("image.parallel", "4")
    run = subprocess.Popen(
        [sys.executable, "-m", "artisan", "image", "-", "--quality", "low"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert run.stdin is not None
    run.stdin.write("one\ntwo\nthree\nfour\n")
    run.stdin.close()
    run.stdin = None
    try:
        wait_for(lambda: len(online.image_requests()) == 4, "four requests")
        run.send_signal(signal.SIGINT)
        run.wait(timeout=30)
    finally:
        if run.poll() is None:
            run.kill()
        run.communicate()
    assert run.returncode == 130
    month = counted()
    assert (month.renders, month.pending) == (4, 0)
    settled = [line for line in ledger_lines() if line["kind"] == "settled"]
    assert len(settled) == 4
    assert all("stopped after it was sent" in line["note"] for line in settled)


async def test_stopping_after_the_answer_arrived_still_saves_the_images(
    server: FakeOpenAI, tmp_path: Path, library: Library
) -> None:
    """Cancelled while the paid images are being written: they are written all the same."""
    settings = settings_for(server, tmp_path)
    paid: list[RenderOutcome] = []
    task: asyncio.Task[RenderOutcome] | None = None

    def cancel_when_received(progress: RenderProgress) -> None:
        if progress.stage is Stage.RECEIVED and task is not None:
            task.cancel()

    task = asyncio.create_task(
        render_and_record(
            settings, checked(n=2), library, on_progress=cancel_when_received, on_paid=paid.append
        )
    )
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(pictures(tmp_path)) == 2
    [outcome] = paid
    assert {image.path for image in outcome.images} == set(pictures(tmp_path))
    assert counted().renders == 1


# Damaged records --------------------------------------------------------------------------------


def write_record(*lines: str) -> None:
    path = locations.spending_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines))


def good_line(cost: float = 0.25) -> str:
    """A line of this month's spending, the month of the clock the `cli` fixture runs on."""
    when = TEST_CLOCK().isoformat()
    return json.dumps({"when": when, "model": "gpt-image-2", "images": 1, "cost": cost})


@pytest.mark.by_date
def test_a_date_no_calendar_can_place_is_reported_and_skipped(
    cli: RunCli, online: FakeOpenAI
) -> None:
    far = json.dumps({"when": "0001-01-01T00:00:00+14:00", "model": "x", "cost": 0.5})
    write_record(good_line(), far)
    config.set_value("image.monthly_limit", "20")
    for args in (("spend",), ("spend", "--json"), ("image", "a fox", "--dry-run")):
        result = cli(*args)
        assert result.code == 0, (args, result.err)
        assert "1 line (2) could not be read and is not counted" in result.err, args
    result = cli("image", "a fox", "--quality", "low")
    assert result.code == 0, result.err
    assert "1 line (2) could not be read" in result.err


@pytest.mark.by_date
def test_an_absurd_cost_in_the_record_is_capped_flagged_and_json_stays_json(
    cli: RunCli,
) -> None:
    write_record(good_line(1e308), good_line(1e308), good_line(0.5))
    result = cli("spend", "--days", "0")
    assert result.code == 0
    assert "$200.50" in result.out and "inf" not in result.out
    assert "2 lines (1, 2) hold a cost no render could reach; counted as $100.00 each" in (
        result.err
    )
    data = json.loads(cli("spend", "--json").out, parse_constant=_refuse_constant)
    assert data["this_month"]["dollars"] == 200.5


def _refuse_constant(name: str) -> None:
    raise AssertionError(f"{name} is not JSON")


def test_a_line_longer_than_the_limit_is_not_read(cli: RunCli) -> None:
    long = json.dumps({"when": TEST_CLOCK().isoformat(), "model": "m" * 70_000, "cost": 1})
    write_record(good_line(), long)
    result = cli("spend")
    assert "1 line (2) could not be read" in result.err
    assert "$0.250" in result.out


def test_a_record_just_over_its_limit_says_by_how_much(cli: RunCli) -> None:
    path = locations.spending_file()
    path.parent.mkdir(parents=True)
    with path.open("wb") as record:
        record.truncate(64 * 1024 * 1024 + 1)
    result = cli("spend")
    assert result.code == 1
    assert "larger (67,108,865 bytes) than artisan reads for the spending record" in result.err
    assert "(67,108,864 bytes)" in result.err
