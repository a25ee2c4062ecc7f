"""Images: the capability table, validation before sending, the request on the wire, answers,
failures, cancel, and the link to the library. All against the loopback server and the real SDK."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from artisan import connection as api
from artisan.clock import fixed_clock
from artisan.config import Settings
from artisan.entry import PromptEntry
from artisan.errors import EntryNotFound
from artisan.images import (
    DownloadFailed,
    ImageModelTable,
    ImageOptionError,
    ImageRequest,
    Stage,
    build_request,
    load_image_models,
    read_metadata,
    render_and_record,
    validate,
)
from artisan.images.gallery import entry_images
from artisan.images.renderers import make_renderer
from artisan.images.renderers.openai import request_body
from artisan.images.rendering import Rendered, download
from artisan.library import Library
from conftest import TEST_KEY
from fake_openai import Error, FakeOpenAI, Images, make_png

TODAY = date(2026, 11, 26)


@pytest.fixture
def table() -> ImageModelTable:
    return load_image_models()


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return Library(tmp_path / "library")


def settings_for(server: FakeOpenAI, tmp_path: Path, **changes: Any) -> Settings:
    settings = Settings(
        base_url=server.url,
        api_key=TEST_KEY,
        image_base_url=server.url,
        image_api_key=TEST_KEY,
        images_dir=str(tmp_path / "pictures"),
        timeout=10,
    )
    return dataclasses.replace(settings, **changes)


def files_in(folder: Path) -> list[str]:
    """Every file a person would find in the folder, hidden ones included."""
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


async def attempt(
    server: FakeOpenAI, tmp_path: Path, table: ImageModelTable, **asked: Any
) -> list[Any]:
    """Check and render like the app does; return the images or the error."""
    settings = settings_for(server, tmp_path)
    prompt = asked.pop("prompt", "a lighthouse in a storm")
    request, _ = build_request(settings, prompt, table, **asked)
    checked = validate(request, table, today=TODAY)
    return (await render(settings, checked)).images


async def render(settings: Settings, checked: Any) -> Rendered:
    """Render with the renderer the settings pick, closed after."""
    renderer = make_renderer(settings)
    try:
        return await renderer.render(checked)
    finally:
        await renderer.close()


# The table -----------------------------------------------------------------------------------


def test_shipped_table_loads_with_every_family(table: ImageModelTable) -> None:
    assert table.problems == []
    for name in (
        "dall-e-2",
        "dall-e-3",
        "gpt-image-1",
        "gpt-image-1-mini",
        "gpt-image-1.5",
        "gpt-image-2",
        "gpt-image-2.5-flare",
        "gpt-image-2.5-sunburst",
        "gpt-image-2.6-flare",
        "gpt-image-2.6-sunburst",
    ):
        assert table.get(name) is not None, name
    dalle3 = table.get("dall-e-3")
    assert dalle3 is not None
    assert (dalle3.prompt_max, dalle3.n_max, dalle3.styles) == (4000, 1, ("vivid", "natural"))
    assert dalle3.response_format == "b64_json"
    newest = table.get("gpt-image-2.6-sunburst")
    assert newest is not None
    assert newest.response_format is None
    assert {"xhigh", "max"} <= set(newest.qualities)
    assert newest.free_sizes is not None and newest.shutdown is None


@pytest.mark.by_date
def test_current_models_leave_out_retired_ones(table: ImageModelTable) -> None:
    names = [model.name for model in table.current(TODAY)]
    assert "gpt-image-2" in names and "gpt-image-1.5" in names
    assert not {"dall-e-2", "dall-e-3", "gpt-image-1"} & set(names)


@pytest.mark.by_date
def test_past_every_shutdown_only_undated_models_are_current() -> None:
    """The table's rules as of a day after every shutdown it lists: what is left is served,
    a retired model is still sent (compatible servers) but says it was retired."""
    later = date(2027, 12, 31)
    table = load_image_models(clock=fixed_clock(datetime(2027, 12, 31, 12, 0, tzinfo=UTC)))
    assert all(m.shutdown is None or m.shutdown < later for m in table.models.values())
    names = [model.name for model in table.current()]
    assert names and all(table.models[name].shutdown is None for name in names)
    checked = validate(ImageRequest(prompt="a fox", model="gpt-image-1.5"), table)
    assert checked.checked_on == later
    assert any("was retired on 2026-12-01" in w for w in checked.warnings)
    assert "gpt-image-2" in names


# Validation before anything is sent ----------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "words"),
    [
        ({"model": "dall-e-2", "size": "1024x1792"}, ["256x256, 512x512, 1024x1024"]),
        ({"model": "dall-e-2", "prompt": "x" * 1001}, ["1,001 characters", "at most 1,000"]),
        ({"model": "dall-e-3", "n": 2}, ["one image per request"]),
        ({"model": "dall-e-3", "quality": "high"}, ["“high”", "allowed: standard, hd"]),
        ({"model": "dall-e-3", "background": "transparent"}, ["no background option"]),
        ({"model": "dall-e-3", "prompt": "x" * 4001}, ["at most 4,000"]),
        ({"model": "dall-e-3", "output_format": "webp"}, ["returns png images only"]),
        ({"model": "gpt-image-1", "size": "1792x1024"}, ["auto, 1024x1024, 1536x1024"]),
        ({"model": "gpt-image-1", "style": "vivid"}, ["no styles", "in the prompt"]),
        ({"model": "gpt-image-1", "quality": "hd"}, ["allowed: auto, low, medium, high"]),
        ({"model": "gpt-image-1-mini", "n": 11}, ["1 to 10 images"]),
        ({"model": "gpt-image-1.5", "output_format": "gif"}, ["allowed: png, jpeg, webp"]),
        ({"model": "gpt-image-2", "size": "1000x1000"}, ["multiples of 16", "try 992x992"]),
        ({"model": "gpt-image-2", "size": "4096x1024"}, ["longer than 3840", "3 times"]),
        ({"model": "gpt-image-2", "size": "3840x3840"}, ["at most 8,294,400 pixels"]),
        ({"model": "gpt-image-2", "size": "512x512"}, ["at least 655,360"]),
        ({"model": "gpt-image-2", "size": "big"}, ["cannot draw `big`", "multiples of 16"]),
        ({"model": "gpt-image-2", "quality": "xhigh"}, ["allowed: auto, low, medium, high"]),
        ({"model": "gpt-image-2", "n": 0}, ["1 to 10 images", "0 were asked"]),
        ({"model": "gpt-image-2", "prompt": "x" * 32001}, ["at most 32,000"]),
        (
            {"model": "gpt-image-2", "background": "transparent", "output_format": "jpeg"},
            ["transparent background", "png or webp"],
        ),
        ({"model": "gpt-image-2.5-flare", "quality": "ultra"}, ["xhigh, max"]),
        ({"model": "gpt-image-2.6-sunburst", "style": "natural"}, ["no styles"]),
    ],
)
async def test_wrong_options_are_refused_before_sending(
    server: FakeOpenAI,
    tmp_path: Path,
    table: ImageModelTable,
    asked: dict[str, Any],
    words: list[str],
) -> None:
    """The message lists what the model allows, and no request leaves the machine."""
    with pytest.raises(ImageOptionError) as caught:
        await attempt(server, tmp_path, table, **asked)
    for word in words:
        assert word in str(caught.value)
    assert server.image_requests() == []


def test_every_problem_is_listed_at_once(table: ImageModelTable) -> None:
    request = ImageRequest("a cat", "dall-e-3", n=3, size="640x480", quality="ultra")
    with pytest.raises(ImageOptionError) as caught:
        validate(request, table)
    message = str(caught.value)
    assert "one image per request" in message
    assert "640x480" in message
    assert "“ultra”" in message


def test_empty_prompt_is_refused(table: ImageModelTable) -> None:
    with pytest.raises(ImageOptionError, match="empty"):
        validate(ImageRequest("  \n", "gpt-image-2"), table)


@pytest.mark.parametrize(
    ("model", "size"),
    [
        ("gpt-image-2", "1536x864"),
        ("gpt-image-2", "1024X1024"),
        ("gpt-image-2", "1024\u00d71536"),
        ("gpt-image-2", "1024x3072"),
        ("gpt-image-2", "2160x3840"),
        ("gpt-image-2.5-sunburst", "2048x1152"),
        ("gpt-image-2.6-flare", "auto"),
        ("gpt-image-1", "auto"),
        ("dall-e-3", "1792x1024"),
        ("dall-e-2", "256x256"),
    ],
)
def test_sizes_each_model_draws(table: ImageModelTable, model: str, size: str) -> None:
    checked = validate(ImageRequest("a cat", model, size=size), table, today=TODAY)
    assert checked.request.size == size.lower().replace("\u00d7", "x")


def test_large_free_sizes_warn_that_they_are_experimental(table: ImageModelTable) -> None:
    checked = validate(ImageRequest("a cat", "gpt-image-2", size="3840x2160"), table, today=TODAY)
    assert any("experimental" in warning for warning in checked.warnings)


def test_unknown_model_is_sent_as_asked_with_a_warning(table: ImageModelTable) -> None:
    checked = validate(ImageRequest("a cat", "gpt-image-2.5", size="640x480"), table)
    assert checked.model is None
    [warning] = checked.warnings
    assert "not in artisan's image model table" in warning
    assert "gpt-image-2.5-flare or gpt-image-2.5-sunburst" in warning
    assert request_body(checked) == {"model": "gpt-image-2.5", "prompt": "a cat", "size": "640x480"}


@pytest.mark.parametrize(
    ("model", "today", "words"),
    [
        ("dall-e-3", TODAY, ["retired on 2026-05-12", "Use gpt-image-2 instead", "sent anyway"]),
        ("dall-e-2", TODAY, ["retired on 2026-05-12"]),
        ("gpt-image-1", TODAY, ["retired on 2026-10-23", "gpt-image-2.5-sunburst"]),
        ("gpt-image-1.5", TODAY, ["shuts down on 2026-12-01 (in 5 days)"]),
        ("gpt-image-1-mini", date(2026, 11, 30), ["(tomorrow)", "gpt-image-2.5-flare"]),
    ],
)
@pytest.mark.by_date
def test_retired_and_retiring_models_warn_but_are_sent(
    table: ImageModelTable, model: str, today: date, words: list[str]
) -> None:
    checked = validate(ImageRequest("a cat", model), table, today=today)
    [warning] = checked.warnings
    for word in words:
        assert word in warning
    assert checked.model is not None


@pytest.mark.by_date
def test_models_far_from_shutdown_do_not_warn(table: ImageModelTable) -> None:
    assert (
        validate(ImageRequest("a cat", "gpt-image-1.5"), table, today=date(2026, 6, 1)).warnings
        == ()
    )
    assert validate(ImageRequest("a cat", "gpt-image-2"), table, today=TODAY).warnings == ()


# Settings and the request -------------------------------------------------------------------


def test_built_in_defaults_that_do_not_fit_are_left_out_quietly(table: ImageModelTable) -> None:
    """quality "auto" is the default for GPT Image; dall-e-3 would refuse it."""
    request, warnings = build_request(Settings(), "a cat", table, model="dall-e-3")
    assert (request.size, request.quality) == ("1024x1024", None)
    assert warnings == []


def test_configured_values_that_do_not_fit_are_left_out_with_a_warning(
    table: ImageModelTable,
) -> None:
    settings = Settings(
        image_quality="hd", image_style="natural", sources={"image_quality": "config.toml"}
    )
    request, warnings = build_request(settings, "a cat", table, model="gpt-image-2")
    assert request.quality is None and request.style is None
    [warning] = warnings
    assert "image.quality = “hd” does not apply to gpt-image-2" in warning
    assert "allowed: auto, low, medium, high" in warning


def test_flags_win_over_settings(table: ImageModelTable) -> None:
    settings = Settings(image_quality="low", sources={"image_quality": "config.toml"})
    request, _ = build_request(settings, "a cat", table, quality="high", size="1536x1024")
    assert (request.model, request.quality, request.size) == ("gpt-image-2", "high", "1536x1024")


def test_unknown_model_gets_only_what_the_person_set(table: ImageModelTable) -> None:
    """A local server may know nothing of quality "auto": built-in defaults are not sent."""
    settings = Settings(image_size="512x512", sources={"image_size": "config.toml"})
    request, _ = build_request(settings, "a cat", table, model="x/flux2-klein")
    assert (request.size, request.quality) == ("512x512", None)


# The user's table ---------------------------------------------------------------------------


def test_user_file_adds_and_changes_models(tmp_path: Path) -> None:
    user = tmp_path / "image-models.toml"
    user.write_text(
        '[models."my-flux"]\ninherits = "gpt-image-2"\nlabel = "My FLUX"\nn_max = 4\n'
        'response_formats = ["url"]\n\n'
        '[models."gpt-image-2"]\nqualities = ["auto", "low", "medium", "high", "xhigh"]\n\n'
        '[models."gpt-image-2".free_sizes]\nmin_pixels = 0\n',
        encoding="utf-8",
    )
    table = load_image_models(user)
    assert table.problems == []
    mine = table.get("my-flux")
    assert mine is not None
    assert (mine.label, mine.n_max, mine.response_format) == ("My FLUX", 4, "url")
    changed = table.get("gpt-image-2")
    assert changed is not None and "xhigh" in changed.qualities
    assert changed.free_sizes is not None and changed.free_sizes.min_pixels == 0
    assert changed.free_sizes.max_edge == 3840
    validate(ImageRequest("a cat", "gpt-image-2", size="512x512", quality="xhigh"), table)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[models\nthis is not toml", ["is not valid TOML", "shipped image model table is used"]),
        ('[models."gpt-image-2"]\nn_max = "ten"\n', ["`n_max` must be a whole number"]),
        ('[models."gpt-image-2"]\nsizse = ["1x1"]\n', ["unknown keys: sizse"]),
        ('[models."mine"]\ninherits = "nope"\n', ["inherits from unknown model 'nope'"]),
        ('[models."mine"]\nlabel = "x"\n', ["needs `prompt_max`"]),
        ("models = 3\n", ["models must be tables"]),
    ],
)
def test_a_broken_user_file_is_a_warning_not_a_crash(
    tmp_path: Path, text: str, words: list[str]
) -> None:
    user = tmp_path / "image-models.toml"
    user.write_text(text, encoding="utf-8")
    table = load_image_models(user)
    assert table.problems
    for word in words:
        assert word in " ".join(table.problems)
    shipped = table.get("gpt-image-2")
    assert shipped is not None and shipped.n_max == 10


# The request on the wire --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "body"),
    [
        (
            {"model": "dall-e-2", "n": 3, "size": "512x512"},
            {"model": "dall-e-2", "n": 3, "size": "512x512", "response_format": "b64_json"},
        ),
        (
            {"model": "dall-e-3", "quality": "hd", "style": "natural", "size": "1792x1024"},
            {
                "model": "dall-e-3",
                "size": "1792x1024",
                "quality": "hd",
                "style": "natural",
                "response_format": "b64_json",
            },
        ),
        (
            {"model": "gpt-image-1", "background": "transparent", "quality": "low"},
            {
                "model": "gpt-image-1",
                "size": "1024x1024",
                "quality": "low",
                "background": "transparent",
            },
        ),
        (
            {"model": "gpt-image-2", "size": "1536x864", "output_format": "webp", "n": 2},
            {
                "model": "gpt-image-2",
                "n": 2,
                "size": "1536x864",
                "quality": "auto",
                "output_format": "webp",
            },
        ),
        (
            {"model": "gpt-image-2.6-sunburst", "quality": "max", "size": "auto"},
            {"model": "gpt-image-2.6-sunburst", "size": "auto", "quality": "max"},
        ),
    ],
)
async def test_request_body_on_the_wire(
    server: FakeOpenAI,
    tmp_path: Path,
    table: ImageModelTable,
    asked: dict[str, Any],
    body: dict[str, Any],
) -> None:
    """GPT Image models get no response_format (they refuse it); DALL-E gets b64_json."""
    images = await attempt(server, tmp_path, table, prompt="a red fox", **asked)
    [request] = server.image_requests()
    assert request.body == {"prompt": "a red fox", **body}
    assert request.headers["authorization"] == f"Bearer {TEST_KEY}"
    assert len(images) == asked.get("n", 1)
    assert images[0].format == asked.get("output_format", "png")


async def test_base64_answer_and_revised_prompt(
    server: FakeOpenAI, tmp_path: Path, table: ImageModelTable
) -> None:
    server.queue_images(Images(revised_prompt="A red fox in fresh snow, at dawn.", size=(48, 32)))
    [image] = await attempt(server, tmp_path, table, model="dall-e-3")
    assert image.record.revised_prompt == "A red fox in fresh snow, at dawn."
    assert (image.format, image.size, image.url) == ("png", "48x32", None)
    assert image.data.startswith(b"\x89PNG")


async def test_url_answer_is_downloaded_without_the_key(
    server: FakeOpenAI, tmp_path: Path, table: ImageModelTable
) -> None:
    server.queue_images(Images(response_format="url"))
    images = await attempt(server, tmp_path, table, model="dall-e-2", n=2)
    assert [image.data[:4] for image in images] == [b"\x89PNG"] * 2
    downloads = [r for r in server.requests if r.method == "GET"]
    assert len(downloads) == 2
    assert all("authorization" not in r.headers for r in downloads)
    assert all(image.url and "/files/" in image.url for image in images)


async def test_failing_download_is_an_error_and_leaves_no_file(
    server: FakeOpenAI, tmp_path: Path, table: ImageModelTable, library: Library
) -> None:
    server.queue_images(Images(response_format="url", broken_download=True))
    settings = settings_for(server, tmp_path)
    checked = validate(ImageRequest("a cat", "dall-e-3"), table)
    with pytest.raises(DownloadFailed) as caught:
        await render_and_record(settings, checked, library)
    assert f"127.0.0.1:{server.port}" in str(caught.value)
    assert "404" in str(caught.value)
    assert "/files/" not in str(caught.value)
    assert files_in(tmp_path / "pictures") == []
    library.load()
    assert library.entries() == []


async def test_an_answer_that_is_not_an_image_leaves_no_file(
    server: FakeOpenAI, tmp_path: Path, table: ImageModelTable, library: Library
) -> None:
    server.queue_images(Images(content=b"<html><body>Service unavailable</body></html>"))
    settings = settings_for(server, tmp_path)
    checked = validate(ImageRequest("a cat", "gpt-image-2"), table)
    with pytest.raises(api.ProtocolError, match="not an image"):
        await render_and_record(settings, checked, library)
    assert files_in(tmp_path / "pictures") == []


# Failures -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "kind", "words", "attempts"),
    [
        (
            Error(
                400,
                "Your request was rejected by the safety system. safety_violations=[violence].",
                type="image_generation_user_error",
                code="moderation_blocked",
            ),
            api.ContentRefused,
            ["refused this prompt (moderation_blocked)", "safety_violations=[violence]"],
            1,
        ),
        (
            Error(
                400,
                "Your request was rejected as a result of our safety system.",
                code="content_policy_violation",
            ),
            api.ContentRefused,
            ["(content_policy_violation)", "rejected as a result of our safety system"],
            1,
        ),
        (
            Error(401, f"Incorrect API key provided: {TEST_KEY}", code="invalid_api_key"),
            api.AuthenticationFailed,
            ["API key was rejected (401)"],
            1,
        ),
        (
            Error(429, "You exceeded your current quota", code="insufficient_quota"),
            api.QuotaExceeded,
            ["out of credit", "Retrying will not help"],
            1,
        ),
        (
            Error(400, "Billing hard limit has been reached", code="billing_hard_limit_reached"),
            api.QuotaExceeded,
            ["out of credit (billing_hard_limit_reached)"],
            1,
        ),
        (
            Error(429, "Rate limit reached for images", headers={"retry-after-ms": "1"}),
            api.RateLimited,
            ["rate limiting"],
            3,
        ),
        (Error(500, "The server had an error"), api.ServerFailed, ["(500)"], 3),
        (
            Error(404, "The model `gpt-image-9` does not exist", code="model_not_found"),
            api.ModelNotFound,
            ["`gpt-image-2` was not found", "image.model"],
            1,
        ),
    ],
)
async def test_server_failures_become_clear_errors(
    server: FakeOpenAI,
    tmp_path: Path,
    table: ImageModelTable,
    reply: Error,
    kind: type,
    words: list[str],
    attempts: int,
) -> None:
    server.queue_images(*[reply] * 3)
    with pytest.raises(api.ApiError) as caught:
        await attempt(server, tmp_path, table)
    assert type(caught.value) is kind
    for word in words:
        assert word in str(caught.value)
    assert TEST_KEY not in str(caught.value)
    assert len(server.image_requests()) == attempts


@pytest.mark.by_date
async def test_retired_model_the_server_no_longer_knows(
    server: FakeOpenAI, tmp_path: Path, table: ImageModelTable
) -> None:
    server.queue_images(Error(404, "The model `dall-e-3` does not exist", code="model_not_found"))
    with pytest.raises(api.ModelNotFound) as caught:
        await attempt(server, tmp_path, table, model="dall-e-3")
    assert "dall-e-3 was retired on 2026-05-12" in str(caught.value)
    assert "Use gpt-image-2 instead (--model gpt-image-2" in str(caught.value)


async def test_timeout_is_reported_and_not_retried(
    server: FakeOpenAI, tmp_path: Path, table: ImageModelTable
) -> None:
    """The server may still be drawing (and billing): a second request would double both."""
    server.queue_images(Images(delay=10))
    settings = settings_for(server, tmp_path, timeout=0.5, sources={"timeout": "config.toml"})
    checked = validate(ImageRequest("a cat", "gpt-image-2"), table)
    with pytest.raises(api.RequestTimedOut) as caught:
        await render(settings, checked)
    assert "did not finish the image within 0.5 seconds" in str(caught.value)
    assert "artisan config set timeout" in str(caught.value)
    assert len(server.image_requests()) == 1


def test_images_wait_longer_unless_the_timeout_was_set() -> None:
    assert api.image_timeout(Settings(timeout=60)) == api.IMAGE_TIMEOUT
    assert api.image_timeout(Settings(timeout=20, sources={"timeout": "config.toml"})) == 20


async def test_no_key_for_openai_sends_nothing(tmp_path: Path, table: ImageModelTable) -> None:
    checked = validate(ImageRequest("a cat", "gpt-image-2"), table)
    with pytest.raises(api.MissingKeyError) as caught:
        await render(Settings(images_dir=str(tmp_path)), checked)
    assert "`artisan config set image.api_key" in str(caught.value)
    assert "base_url" not in str(caught.value)  # chat's server has nothing to do with it


async def test_cancel_stops_the_request_and_writes_nothing(
    server: FakeOpenAI, tmp_path: Path, table: ImageModelTable, library: Library
) -> None:
    server.queue_images(Images(delay=30))
    settings = settings_for(server, tmp_path, timeout=60)
    checked = validate(ImageRequest("a cat", "gpt-image-2"), table)
    task = asyncio.create_task(render_and_record(settings, checked, library))
    assert await asyncio.to_thread(wait_for_image_request, server)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(server.wait_for_hang_up)
    assert files_in(tmp_path / "pictures") == []
    library.load()
    assert library.entries() == []


def wait_for_image_request(server: FakeOpenAI, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.image_requests():
            return True
        time.sleep(0.01)
    return False


async def test_progress_is_reported(
    server: FakeOpenAI, tmp_path: Path, table: ImageModelTable, library: Library
) -> None:
    server.queue_images(
        Error(503, "Busy", headers={"retry-after-ms": "1"}), Images(response_format="url")
    )
    steps: list[Any] = []
    settings = settings_for(server, tmp_path)
    checked = validate(ImageRequest("a cat", "dall-e-2", n=2), table)
    await render_and_record(settings, checked, library, on_progress=steps.append)
    assert [step.stage for step in steps] == [
        Stage.REQUESTING,
        Stage.RETRYING,
        Stage.REQUESTING,
        Stage.DOWNLOADING,
        Stage.DOWNLOADING,
        Stage.RECEIVED,
        Stage.SAVING,
        Stage.SAVING,
    ]
    assert steps[0].message == "Rendering 2 images with dall-e-2…"
    assert "Retrying in" in steps[1].message
    assert (steps[4].done, steps[4].total) == (1, 2)


# The library link ---------------------------------------------------------------------------


async def test_an_unsaved_prompt_is_saved_and_lists_every_image(
    server: FakeOpenAI, tmp_path: Path, table: ImageModelTable, library: Library
) -> None:
    server.queue_images(Images(revised_prompt="A calmer sea."))
    settings = settings_for(server, tmp_path)
    checked = validate(ImageRequest("A quiet harbour at dawn", "dall-e-2", n=3), table)
    outcome = await render_and_record(settings, checked, library)
    assert outcome.saved_entry and outcome.entry is not None
    saved = library.get(outcome.entry.id)
    assert saved.prompt == "A quiet harbour at dawn"
    assert [image.path for image in saved.images] == [str(i.path) for i in outcome.images]
    assert len(saved.images) == 3
    assert all(Path(image.path).is_file() for image in saved.images)
    assert saved.images[0].model == "dall-e-2"
    assert saved.images[0].size == "64x64"
    assert saved.images[0].revised_prompt == "A calmer sea."
    assert saved.images[0].created is not None
    for image in outcome.images:
        assert read_metadata(image.path)["entry"] == saved.id
    toml = (library.folder / f"{saved.id}.toml").read_text(encoding="utf-8")
    assert toml.count("[[images]]") == 3


async def test_rendering_a_saved_prompt_again_adds_to_its_entry(
    server: FakeOpenAI, tmp_path: Path, table: ImageModelTable, library: Library
) -> None:
    entry = library.add(PromptEntry.create("A quiet harbour at dawn", idea="harbour"))
    settings = settings_for(server, tmp_path)
    checked = validate(ImageRequest("A quiet harbour at dawn", "gpt-image-2"), table)
    first = await render_and_record(settings, checked, library)
    second = await render_and_record(settings, checked, library, entry=entry.id[:4])
    assert not first.saved_entry and not second.saved_entry
    library.load()
    [only] = library.entries()
    assert only.id == entry.id
    assert len(only.images) == 2
    listed = entry_images(only)
    assert [item.exists for item in listed] == [True, True]
    assert [item.record.prompt for item in listed] == ["A quiet harbour at dawn"] * 2
    listed[0].path.unlink()
    assert [item.exists for item in entry_images(only)] == [False, True]


async def test_a_draft_entry_is_saved_with_its_details(
    server: FakeOpenAI, tmp_path: Path, table: ImageModelTable, library: Library
) -> None:
    draft = PromptEntry.create("Neon rain over a city", idea="neon city", target="dalle")
    settings = settings_for(server, tmp_path)
    checked = validate(ImageRequest(draft.prompt, "gpt-image-2"), table)
    outcome = await render_and_record(settings, checked, library, entry=draft)
    saved = library.get(draft.id)
    assert outcome.saved_entry
    assert (saved.idea, saved.target, len(saved.images)) == ("neon city", "dalle", 1)


async def test_an_unknown_entry_id_sends_nothing(
    server: FakeOpenAI, tmp_path: Path, table: ImageModelTable, library: Library
) -> None:
    checked = validate(ImageRequest("a cat", "gpt-image-2"), table)
    with pytest.raises(EntryNotFound):
        await render_and_record(settings_for(server, tmp_path), checked, library, entry="nope")
    assert server.image_requests() == []


def test_a_configured_size_another_model_cannot_draw_is_left_out(table: ImageModelTable) -> None:
    settings = Settings(image_size="2048x2048", sources={"image_size": "config.toml"})
    request, warnings = build_request(settings, "a cat", table, model="dall-e-3")
    assert request.size is None
    assert warnings == [
        "The setting image.size = “2048x2048” does not apply to dall-e-3 (sizes: 1024x1024, "
        "1792x1024, 1024x1792); the model's default is used."
    ]


async def test_data_links_are_decoded_and_other_schemes_refused() -> None:
    """Some compatible servers put the image itself in `url`; file: links are never read."""
    png = make_png(4, 4)
    link = "data:image/png;base64," + base64.b64encode(png).decode()
    assert await download(link, 5) == png
    with pytest.raises(DownloadFailed, match="cannot be decoded"):
        await download("data:image/png;base64,@@@", 5)
    with pytest.raises(DownloadFailed, match="file: link"):
        await download("file:///etc/passwd", 5)
