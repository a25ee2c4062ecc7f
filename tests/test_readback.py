"""Prompts read back from pictures: AUTOMATIC1111's `parameters` (PNG chunk, or EXIF
UserComment in JPEG and WebP), ComfyUI's workflow chunks and artisan's own, by `library import`
and `describe`, with nothing sent."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from artisan import locations
from artisan.images.parameters import read_parameters, split_negative, write_parameters
from artisan.images.readback import read_picture
from artisan.library import Library
from conftest import RunCli
from fake_image_servers import FakeComfyUI
from fake_openai import FakeOpenAI

PARAMETERS = (
    "a lighthouse on a cliff, stormy sea, (dramatic light:1.3)\n"
    "Negative prompt: blurry, lowres, watermark\n"
    "Steps: 28, Sampler: DPM++ 2M Karras, CFG scale: 6.5, Seed: 3141592653, Size: 832x1216, "
    'Model hash: 31e35c80fc, Model: sd_xl_base_1.0, Lora hashes: "detail: 1a2b, film: 3c4d", '
    "Version: v1.10.1"
)


def png_with(path: Path, text: dict[str, str], size: tuple[int, int] = (16, 16)) -> Path:
    info = PngInfo()
    for key, value in text.items():
        info.add_text(key, value)
    Image.new("RGB", size, (10, 20, 30)).save(path, pnginfo=info)
    return path


def with_user_comment(path: Path, fmt: str, text: str) -> Path:
    """A JPEG or WebP with the text in EXIF UserComment, as AUTOMATIC1111 writes it (piexif's
    "UNICODE" code: UTF-16, big-endian)."""
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9286] = b"UNICODE\x00" + text.encode("utf-16-be")
    Image.new("RGB", (16, 16), (200, 100, 50)).save(path, format=fmt, exif=exif.tobytes())
    return path


def entries() -> list:  # type: ignore[type-arg]
    library = Library(locations.library_dir())
    library.load()
    return library.entries()


def test_parameters_are_read_and_written_as_the_web_ui_does() -> None:
    found = read_parameters(PARAMETERS)
    assert found is not None
    assert found.prompt == "a lighthouse on a cliff, stormy sea, (dramatic light:1.3)"
    assert found.negative_prompt == "blurry, lowres, watermark"
    assert (found.seed, found.steps, found.cfg_scale) == (3141592653, 28, 6.5)
    assert (found.sampler, found.model, found.size) == (
        "DPM++ 2M Karras",
        "sd_xl_base_1.0",
        "832x1216",
    )
    assert found.settings["Lora hashes"] == "detail: 1a2b, film: 3c4d"
    assert write_parameters(found) == PARAMETERS
    assert read_parameters("just a caption, no settings") is None
    assert split_negative("a cat\nnegative prompt: dog\nSteps: 20") == ("a cat", "dog")


def test_an_automatic1111_png_imports_with_its_negative_and_seed_and_nothing_sent(
    cli: RunCli, online: FakeOpenAI, tmp_path: Path
) -> None:
    """The done-when of issue 22: the entry keeps the prompt, the negative prompt, the model and
    the settings; no request is made."""
    picture = png_with(tmp_path / "00042-3141592653.png", {"parameters": PARAMETERS})
    result = cli("library", "import", str(picture))
    assert result.code == 0, result.err
    assert "AUTOMATIC1111: sd_xl_base_1.0, Steps 28" in result.err
    assert "nothing was sent" in result.err
    [entry] = entries()
    assert entry.prompt == (
        "a lighthouse on a cliff, stormy sea, (dramatic light:1.3)\n"
        "Negative prompt: blurry, lowres, watermark"
    )
    assert (entry.target, entry.model) == ("stable-diffusion", "sd_xl_base_1.0")
    [image] = entry.images
    assert image.path == str(picture.resolve())
    assert (image.seed, image.steps, image.cfg_scale) == (3141592653, 28, 6.5)
    assert (image.sampler, image.negative_prompt, image.size) == (
        "DPM++ 2M Karras",
        "blurry, lowres, watermark",
        "832x1216",
    )
    assert online.requests == []
    again = cli("library", "import", str(picture))
    assert again.code == 0 and "linked to" in again.err
    assert len(entries()) == 1 and len(entries()[0].images) == 1


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP"])
def test_jpeg_and_webp_carry_it_in_exif(cli: RunCli, tmp_path: Path, fmt: str) -> None:
    picture = with_user_comment(tmp_path / f"render.{fmt.lower()}", fmt, PARAMETERS)
    result = cli("library", "import", str(picture))
    assert result.code == 0, result.err
    [entry] = entries()
    assert entry.prompt.endswith("Negative prompt: blurry, lowres, watermark")
    assert entry.images[0].seed == 3141592653


def test_a_comfyui_picture_gives_the_prompt_its_sampler_was_fed(
    cli: RunCli, tmp_path: Path
) -> None:
    workflow = json.loads(
        (locations.PACKAGE_DIR / "data" / "comfyui-text-to-image.json").read_text()
    )
    workflow["6"]["inputs"]["text"] = "a koi pond in autumn"
    workflow["7"]["inputs"]["text"] = "text, watermark"
    workflow["3"]["inputs"]["seed"] = 77
    workflow["4"]["inputs"]["ckpt_name"] = "dreamshaper_8.safetensors"
    picture = png_with(
        tmp_path / "ComfyUI_00001_.png",
        {"prompt": json.dumps(workflow), "workflow": json.dumps({"nodes": []})},
    )
    found = read_picture(picture)
    assert found is not None and found.source == "comfyui"
    assert (found.prompt, found.negative_prompt, found.model) == (
        "a koi pond in autumn",
        "text, watermark",
        "dreamshaper_8.safetensors",
    )
    assert found.settings["Seed"] == "77" and found.settings["Size"] == "1024x1024"
    assert cli("library", "import", str(picture)).code == 0
    [entry] = entries()
    assert entry.prompt == "a koi pond in autumn\nNegative prompt: text, watermark"


def test_a_picture_comfyui_rendered_for_artisan_reads_back_artisans_own_record(
    cli: RunCli, tmp_path: Path
) -> None:
    """artisan's chunk comes first: it also knows the library entry, so importing again adds
    nothing."""
    with FakeComfyUI() as comfy:
        from artisan import config

        config.set_value("image.provider", "comfyui")
        config.set_value("image.base_url", comfy.url)
        rendered = cli("image", "a koi pond\nNegative prompt: text", "--seed", "3", "--save")
        assert rendered.code == 0, rendered.err
    [path] = [Path(line) for line in rendered.out.splitlines()]
    found = read_picture(path)
    assert found is not None and found.source == "artisan" and found.entry
    result = cli("library", "import", str(path))
    assert f"already in the library as {found.entry}" in result.err
    assert len(entries()) == 1


def test_describe_reads_the_picture_before_asking_any_model(
    cli: RunCli, online: FakeOpenAI, tmp_path: Path
) -> None:
    picture = png_with(tmp_path / "render.png", {"parameters": PARAMETERS})
    result = cli("describe", str(picture), "--json")
    assert result.code == 0, result.err
    assert "carries its own prompt" in result.err and "nothing was sent" in result.err
    data = json.loads(result.out)
    assert data["sent"] is False and data["settings"]["Seed"] == "3141592653"
    assert data["prompt"].endswith("Negative prompt: blurry, lowres, watermark")
    assert online.requests == []


def test_a_picture_that_says_nothing_is_named_and_not_imported(cli: RunCli, tmp_path: Path) -> None:
    plain = tmp_path / "photo.png"
    Image.new("RGB", (8, 8)).save(plain)
    result = cli("library", "import", str(plain))
    assert result.code == 1
    assert "says nothing of the prompt that made it; `artisan describe" in result.err
    assert entries() == []


def test_a_huge_picture_is_read_without_decoding_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """13,000 pixels a side: the text chunks come before the pixels, and only they are read;
    not one pixel is decoded."""
    path = tmp_path / "huge.png"
    info = PngInfo()
    info.add_text("parameters", PARAMETERS)
    buffer = io.BytesIO()
    Image.new("1", (13000, 13000)).save(buffer, format="PNG", pnginfo=info)
    path.write_bytes(buffer.getvalue())

    def decoded(self: Image.Image) -> None:
        raise AssertionError("the pixels were decoded")

    monkeypatch.setattr(Image.Image, "load", decoded)
    monkeypatch.setattr(Image, "open", decoded)
    found = read_picture(path)
    assert found is not None and found.settings["Seed"] == "3141592653"
