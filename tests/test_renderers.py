"""Rendering anywhere: the image connection apart from chat's, and the AUTOMATIC1111 and ComfyUI
renderers against loopback stand-ins that speak their APIs (`fake_image_servers.py`)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from artisan import config, locations
from artisan.config import Settings
from artisan.connection import ApiError
from artisan.credentials import OPENAI_ORIGIN, ScopedKey
from artisan.errors import ArtisanError
from artisan.images import ImageRequest, Stage, load_image_models, read_metadata, spending
from artisan.images.models import build_request, validate
from artisan.images.renderers import image_server, make_renderer
from artisan.images.rendering import RenderProgress
from artisan.images.workflow import render_and_record
from artisan.library import Library
from conftest import TEST_KEY, RunCli
from fake_image_servers import FakeAutomatic1111, FakeComfyUI
from fake_openai import FakeOpenAI

SD_PROMPT = "a castle on a hill at golden hour, (masterpiece:1.2)\nNegative prompt: blurry, lowres"


@pytest.fixture
def a1111() -> Iterator[FakeAutomatic1111]:
    with FakeAutomatic1111() as fake:
        yield fake


@pytest.fixture
def comfy() -> Iterator[FakeComfyUI]:
    with FakeComfyUI() as fake:
        yield fake


def use(provider: str, url: str) -> None:
    config.set_value("image.provider", provider)
    config.set_value("image.base_url", url)


def pictures() -> list[Path]:
    folder = locations.data_dir().parent / "pictures" / "artisan"
    return sorted(folder.glob("*.png")) if folder.exists() else []


def settings_for(provider: str, url: str, tmp_path: Path, **changes: Any) -> Settings:
    settings = Settings(
        image_provider=provider, image_base_url=url, images_dir=str(tmp_path / "out"), timeout=10
    )
    return dataclasses.replace(settings, **changes)


def checked_for(settings: Settings, prompt: str = SD_PROMPT, **asked: Any) -> Any:
    table = load_image_models()
    request, _ = build_request(settings, prompt, table, **asked)
    return validate(request, table)


# The image connection ----------------------------------------------------------------------------


def test_images_go_to_openai_with_the_openai_key_whatever_chat_uses() -> None:
    """Chat on a local server with its own key: images still go to OpenAI, with the OpenAI key
    only; a key set for another chat server never goes to OpenAI."""
    from_env = Settings(
        base_url="http://127.0.0.1:11434/v1",
        scoped_keys=(ScopedKey("sk-openai", OPENAI_ORIGIN, "OPENAI_API_KEY"),),
    )
    server = image_server(from_env)
    assert (server.name, server.base_url, server.api_key) == (
        "OpenAI",
        "https://api.openai.com/v1",
        "sk-openai",
    )
    for_ollama = Settings(
        base_url="http://127.0.0.1:11434/v1",
        api_key="ollama-key",
        scoped_keys=(ScopedKey("ollama-key", "http://127.0.0.1:11434", "config.toml"),),
    )
    assert image_server(for_ollama).api_key is None
    local = Settings(image_provider="automatic1111", api_key="sk-openai")
    assert image_server(local).base_url == "http://127.0.0.1:7860"
    assert image_server(local).api_key is None  # never the OpenAI key to a local server
    assert image_server(local, "comfyui").base_url == "http://127.0.0.1:8188"


def test_chat_on_a_local_server_and_images_on_openai_work_together(
    cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeOpenAI() as chat, FakeOpenAI() as images:
        config.set_value("base_url", chat.url)
        config.set_value("model", "llama3.2")
        # The stand-in plays OpenAI's images at another address, so its key is set for it:
        # OPENAI_API_KEY itself goes to OpenAI's own address only.
        config.set_value("image.base_url", images.url)
        config.set_value("image.api_key", TEST_KEY)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-for-openai-only")
        written = cli("prompt", "a lighthouse", "--save")
        assert written.code == 0, written.err
        entry_id = written.err.split("saved as ")[1].split()[0]
        rendered = cli("image", "--from", entry_id)
        assert rendered.code == 0, rendered.err
        assert len(chat.chat_requests()) == 1 and chat.image_requests() == []
        [request] = images.image_requests()
        assert images.chat_requests() == []
        assert request.headers["authorization"] == f"Bearer {TEST_KEY}"
        assert request.body["model"] == "gpt-image-2"
        [asked] = chat.chat_requests()
        assert "sk-for-openai-only" not in asked.headers.get("authorization", "")


def test_the_image_server_setting_refuses_what_can_never_work(cli: RunCli) -> None:
    for bad in ("ftp://host", "localhost:7860", "http://[::1", "http://host:99999"):
        result = cli("config", "set", "image.base_url", bad)
        assert result.code == 2, bad
        assert "http://" in result.err and "Setting `image.base_url`" in result.err
    assert cli("config", "set", "image.base_url", "http://127.0.0.1:7860").code == 0
    assert cli("config", "set", "image.provider", "midjourney").code == 2


# AUTOMATIC1111 ---------------------------------------------------------------------------------


def test_automatic1111_gets_the_negative_prompt_apart(
    cli: RunCli, a1111: FakeAutomatic1111
) -> None:
    """The done-when of issue 22: a Stable Diffusion prompt with a `Negative prompt:` line,
    rendered with --provider automatic1111, saves a PNG whose request had the negative in
    `negative_prompt`; seed, steps and sampler are in its metadata; nothing is paid."""
    use("automatic1111", a1111.url)
    result = cli(
        "image",
        SD_PROMPT,
        "--provider",
        "automatic1111",
        "--steps",
        "28",
        "--seed",
        "1234",
        "--sampler",
        "DPM++ 2M",
        "--cfg",
        "6.5",
        "--size",
        "832x1216",
    )
    assert result.code == 0, result.err
    [request] = a1111.txt2img_requests()
    assert request.body["prompt"] == "a castle on a hill at golden hour, (masterpiece:1.2)"
    assert request.body["negative_prompt"] == "blurry, lowres"
    assert (request.body["width"], request.body["height"]) == (832, 1216)
    assert (request.body["steps"], request.body["seed"], request.body["cfg_scale"]) == (
        28,
        1234,
        6.5,
    )
    assert request.body["sampler_name"] == "DPM++ 2M"
    assert "override_settings" not in request.body  # the checkpoint loaded
    [path] = [Path(line) for line in result.out.splitlines()]
    assert path.suffix == ".png" and path.is_file()
    found = read_metadata(path)
    assert (found["seed"], found["steps"], found["sampler"]) == ("1234", "28", "DPM++ 2M")
    assert found["negative_prompt"] == "blurry, lowres"
    assert found["provider"] == "automatic1111" and found["model"] == "sd_xl_base_1"
    assert "cost: nothing (rendered on your own server)" in result.err
    assert not locations.spending_file().exists()


def test_a_checkpoint_is_asked_for_by_name_and_a_wrong_one_explained(
    cli: RunCli, a1111: FakeAutomatic1111
) -> None:
    use("automatic1111", a1111.url)
    good = cli("image", "a fox", "-m", "dreamshaper_8.safetensors")
    assert good.code == 0, good.err
    assert a1111.txt2img_requests()[-1].body["override_settings"] == {
        "sd_model_checkpoint": "dreamshaper_8.safetensors"
    }
    bad = cli("image", "a fox", "-m", "nosuch.safetensors")
    assert bad.code == 1
    assert f"AUTOMATIC1111 at 127.0.0.1:{a1111.port} refused the request (404)" in bad.err
    assert "Model not found" in bad.err
    assert "gpt-image-2 takes" not in bad.err


def test_options_of_stable_diffusion_are_refused_for_openai_models(cli: RunCli) -> None:
    result = cli("image", "a fox", "--steps", "20", "--dry-run")
    assert result.code == 2
    assert "gpt-image-2 takes no steps: an option of Stable Diffusion servers" in result.err


def test_dry_run_on_ones_own_server_shows_no_price(cli: RunCli, a1111: FakeAutomatic1111) -> None:
    use("automatic1111", a1111.url)
    result = cli("image", SD_PROMPT, "--seed", "7", "--dry-run")
    assert result.code == 0, result.err
    assert f"AUTOMATIC1111 at 127.0.0.1:{a1111.port} (your own server: nothing to pay)" in (
        result.out
    )
    assert "negative prompt: blurry, lowres" in result.out
    assert "$" not in result.out and "Estimated" not in result.out
    assert a1111.requests == []


def test_basic_authentication_and_a_wrong_password(cli: RunCli) -> None:
    with FakeAutomatic1111(auth="artist:s3cret") as a1111:
        use("automatic1111", a1111.url)
        config.set_value("image.api_key", "artist:wrong")
        refused = cli("image", "a fox")
        assert refused.code == 1
        assert "refused the request (401): set `image.api_key`" in refused.err
        assert "wrong" not in refused.err
        config.set_value("image.api_key", "artist:s3cret")
        assert cli("image", "a fox").code == 0


def test_a_server_that_is_not_running_is_named(cli: RunCli) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    use("automatic1111", f"http://127.0.0.1:{port}")
    result = cli("image", "a fox")
    assert result.code == 1
    assert f"Cannot connect to AUTOMATIC1111 at 127.0.0.1:{port}: is it running with --api?" in (
        result.err
    )


async def test_the_progress_is_told_and_esc_interrupts_the_server(
    a1111: FakeAutomatic1111, tmp_path: Path
) -> None:
    a1111.delay = 30
    settings = settings_for("automatic1111", a1111.url, tmp_path)
    renderer = make_renderer(settings)
    steps: list[RenderProgress] = []
    task = asyncio.create_task(renderer.render(checked_for(settings), on_progress=steps.append))
    deadline = asyncio.get_running_loop().time() + 20
    while not any(step.stage is Stage.DRAWING for step in steps):
        assert asyncio.get_running_loop().time() < deadline, "no progress told"
        await asyncio.sleep(0.05)
    drawing = [step for step in steps if step.stage is Stage.DRAWING]
    assert drawing[-1].message.startswith("Drawing… ") and drawing[-1].total == 100
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await renderer.close()
    assert a1111.interrupted == 1


async def test_checkpoints_and_samplers_are_offered(
    a1111: FakeAutomatic1111, comfy: FakeComfyUI, tmp_path: Path
) -> None:
    for provider, fake, models, sampler in (
        ("automatic1111", a1111, a1111.checkpoints, "DPM++ 2M"),
        ("comfyui", comfy, comfy.checkpoints, "dpmpp_2m"),
    ):
        renderer = make_renderer(settings_for(provider, fake.url, tmp_path))
        choices = await renderer.choices()
        await renderer.close()
        assert list(choices.models) == models and sampler in choices.samplers
        assert choices.problem == ""


# ComfyUI ----------------------------------------------------------------------------------------


def test_comfyui_renders_artisans_workflow_with_the_negative_apart(
    cli: RunCli, comfy: FakeComfyUI
) -> None:
    use("comfyui", comfy.url)
    result = cli("image", SD_PROMPT, "--seed", "99", "--size", "832x1216", "-n", "2")
    assert result.code == 0, result.err
    [workflow] = comfy.prompts()
    assert workflow["6"]["inputs"]["text"] == "a castle on a hill at golden hour, (masterpiece:1.2)"
    assert workflow["7"]["inputs"]["text"] == "blurry, lowres"
    assert workflow["3"]["inputs"]["seed"] == 99
    assert workflow["5"]["inputs"] == {"width": 832, "height": 1216, "batch_size": 2}
    assert workflow["4"]["inputs"]["ckpt_name"] == comfy.checkpoints[0]
    paths = [Path(line) for line in result.out.splitlines()]
    assert len(paths) == 2 and all(path.is_file() for path in paths)
    found = read_metadata(paths[0])
    assert (found["seed"], found["provider"], found["model"]) == (
        "99",
        "comfyui",
        comfy.checkpoints[0],
    )


def test_comfyui_renders_the_persons_own_workflow(
    cli: RunCli, comfy: FakeComfyUI, tmp_path: Path
) -> None:
    mine = {
        "10": {
            "class_type": "CheckpointLoaderSimple",
            "inputs": {"ckpt_name": comfy.checkpoints[1]},
        },
        "11": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["10", 1]}},
        "12": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["10", 1]}},
        "13": {"class_type": "EmptySD3LatentImage", "inputs": {"width": 512, "height": 512}},
        "14": {"class_type": "KSamplerAdvanced", "inputs": {"noise_seed": 0, "steps": 4}},
        "15": {"class_type": "SaveImage", "inputs": {"filename_prefix": "mine"}},
    }
    path = tmp_path / "flux.json"
    path.write_text(json.dumps(mine))
    use("comfyui", comfy.url)
    config.set_value("image.workflow", str(path))
    config.set_value("image.workflow_positive", "11")
    config.set_value("image.workflow_negative", "12")
    config.set_value("image.workflow_seed", "14")
    config.set_value("image.workflow_size", "13")
    result = cli("image", SD_PROMPT, "--seed", "5", "--size", "1024x768")
    assert result.code == 0, result.err
    [sent] = comfy.prompts()
    assert sent["11"]["inputs"]["text"].startswith("a castle on a hill")
    assert sent["12"]["inputs"]["text"] == "blurry, lowres"
    assert sent["14"]["inputs"] == {"noise_seed": 5, "steps": 4}  # the rest as it was
    assert sent["13"]["inputs"] == {"width": 1024, "height": 768, "batch_size": 1}
    assert sent["10"]["inputs"]["ckpt_name"] == comfy.checkpoints[1]
    config.set_value("image.workflow_seed", "99")
    missing = cli("image", "a fox")
    assert missing.code == 1
    assert "The workflow has no node '99'" in missing.err
    assert len(comfy.prompts()) == 1  # nothing sent


def test_a_workflow_that_fails_on_the_server_says_why(cli: RunCli, comfy: FakeComfyUI) -> None:
    use("comfyui", comfy.url)
    comfy.fail_run = "CUDA out of memory"
    result = cli("image", "a fox")
    assert result.code == 1
    assert "could not run the workflow: CUDA out of memory" in result.err
    assert pictures() == []


async def test_stopping_a_comfyui_render_takes_it_off_the_queue(
    comfy: FakeComfyUI, tmp_path: Path
) -> None:
    comfy.delay = 30
    settings = settings_for("comfyui", comfy.url, tmp_path)
    task = asyncio.create_task(
        render_and_record(settings, checked_for(settings), Library(tmp_path / "library"))
    )
    deadline = asyncio.get_running_loop().time() + 20
    while not comfy.prompts():
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert comfy.interrupted == 1 and len(comfy.deleted) == 1
    assert spending.read().spent == []  # one's own server: nothing to count


async def test_a_local_render_needs_no_reservation_even_with_a_broken_record(
    a1111: FakeAutomatic1111, tmp_path: Path
) -> None:
    """A monthly limit and a spending record that is a folder: one's own server renders
    anyway, since it costs nothing."""
    locations.spending_file().mkdir(parents=True)
    settings = settings_for("automatic1111", a1111.url, tmp_path, image_monthly_limit=1.0)
    outcome = await render_and_record(
        settings, checked_for(settings), Library(tmp_path / "library"), keep_prompt=False
    )
    assert outcome.free and outcome.cost is None and len(outcome.images) == 1


def test_the_other_provider_is_found_at_its_usual_port(cli: RunCli, comfy: FakeComfyUI) -> None:
    """`image.base_url` is the configured provider's; --provider another looks for that one at
    its usual address (here, nothing is there)."""
    use("comfyui", comfy.url)
    try:
        with FakeAutomatic1111(port=7860) as on_its_port:
            result = cli("image", "a fox", "--provider", "automatic1111")
            assert result.code == 0, result.err
            assert len(on_its_port.txt2img_requests()) == 1
    except OSError:
        pytest.skip("port 7860 is taken here")
    assert comfy.prompts() == []


def test_render_errors_are_artisan_errors(a1111: FakeAutomatic1111, tmp_path: Path) -> None:
    a1111.fail = (500, "Traceback: torch.cuda.OutOfMemoryError")
    settings = settings_for("automatic1111", a1111.url, tmp_path)

    async def attempt() -> None:
        renderer = make_renderer(settings)
        try:
            await renderer.render(checked_for(settings))
        finally:
            await renderer.close()

    with pytest.raises(ApiError) as caught:
        asyncio.run(attempt())
    assert isinstance(caught.value, ArtisanError)
    assert "failed (500)" in str(caught.value) and "OutOfMemoryError" in str(caught.value)


def test_a_request_for_one_provider_is_not_sent_to_another(tmp_path: Path) -> None:
    settings = Settings(image_provider="automatic1111")
    table = load_image_models()
    request = ImageRequest("a fox", "gpt-image-2", provider="automatic1111")
    with pytest.raises(ArtisanError, match="gpt-image-2 is rendered by openai, not automatic1111"):
        validate(request, table)
    built, _ = build_request(settings, "a fox", table)
    assert (built.provider, built.model) == ("automatic1111", "automatic1111")
