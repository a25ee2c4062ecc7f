"""OpenAI, further: streamed partial previews, edits (`artisan image edit`), and true prices.
Against the loopback server, which streams and takes multipart edits as OpenAI does."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from artisan import locations
from artisan.images import read_metadata
from artisan.library import Library
from conftest import RunCli
from fake_openai import EDITS_PATH, FakeOpenAI, Images, make_png


def entries() -> list:  # type: ignore[type-arg]
    library = Library(locations.library_dir())
    library.load()
    return library.entries()


def test_dry_run_of_1536x1024_high_is_within_5_percent_of_openais_calculator(
    cli: RunCli, online: FakeOpenAI
) -> None:
    result = cli(
        "image",
        "a fox",
        "-m",
        "gpt-image-2",
        "--size",
        "1536x1024",
        "--quality",
        "high",
        "--dry-run",
    )
    assert result.code == 0, result.err
    calculator = 5488 * 30 / 1_000_000  # $0.1646
    line = next(text for text in result.out.splitlines() if text.startswith("Estimated total"))
    shown = float(line.split("~$")[1].split()[0])
    assert calculator <= shown <= calculator * 1.05
    assert "published prices" in line and "cost calculator" in line
    assert online.requests == []


def test_preview_streams_partial_images_before_the_final_one(
    cli: RunCli, online: FakeOpenAI
) -> None:
    online.default_images = Images(output_tokens=380)  # 200 drawn, 2 x 90 previews
    result = cli("image", "a lighthouse in a storm", "--preview", "--quality", "low")
    assert result.code == 0, result.err
    [request] = online.image_requests()
    assert request.body["stream"] is True and request.body["partial_images"] == 2
    lines = result.err.splitlines()
    previews = [n for n, line in enumerate(lines) if "preview" in line and "arrived" in line]
    cost = next(n for n, line in enumerate(lines) if line.startswith("cost:"))
    assert len(previews) == 2 and max(previews) < cost
    [path] = [Path(line) for line in result.out.splitlines()]
    assert path.is_file()
    # The usage of the finished image came with the stream.
    assert "cost: $0.011 (from the reported usage)" in result.err


def test_preview_on_a_model_that_cannot_stream_says_so(cli: RunCli, online: FakeOpenAI) -> None:
    result = cli("image", "a fox", "-m", "dall-e-3", "--preview")
    assert result.code == 0, result.err
    assert "this model streams no partial images" in result.err
    assert "stream" not in online.image_requests()[0].body


def picture(path: Path, size: tuple[int, int] = (32, 32), *, alpha: bool = False) -> Path:
    mode = "RGBA" if alpha else "RGB"
    Image.new(mode, size, (200, 40, 40, 0) if alpha else (200, 40, 40)).save(path)
    return path


def test_an_edit_is_linked_to_the_same_entry_with_its_instruction(
    cli: RunCli, online: FakeOpenAI, tmp_path: Path
) -> None:
    """Render a prompt (saved), then edit the picture with a reference and a mask: one
    multipart request with both pictures and the mask; a second image in the same entry,
    which keeps the instruction and the picture it came from."""
    first = cli("image", "a red barn in a field", "--save")
    assert first.code == 0, first.err
    [original] = [Path(line) for line in first.out.splitlines()]
    ref = picture(tmp_path / "style.png")
    mask = picture(tmp_path / "mask.png", alpha=True)
    edited = cli(
        "image",
        "edit",
        str(original),
        "make it night, add snow",
        "--ref",
        str(ref),
        "--mask",
        str(mask),
    )
    assert edited.code == 0, edited.err
    [request] = [r for r in online.requests if r.path == EDITS_PATH]
    assert request.body["prompt"] == "make it night, add snow"
    assert request.body["model"] == "gpt-image-2"
    files = request.body["files"]
    assert [name for name, _, _ in files["image[]"]] == [original.name, "style.png"]
    assert [name for name, _, _ in files["mask"]] == ["mask.png"]
    [result] = [Path(line) for line in edited.out.splitlines()]
    [entry] = entries()
    assert [Path(image.path) for image in entry.images] == [original, result]
    second = entry.images[1]
    assert second.instruction == "make it night, add snow"
    assert second.edited_from == str(original)
    assert read_metadata(result)["instruction"] == "make it night, add snow"
    assert f"linked to saved prompt {entry.id}" in edited.err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["-m", "dall-e-3"], "dall-e-3 does not edit pictures"),
        (["--mask", "MASK_JPG"], "must be a PNG"),
        (["--ref", "NOT_A_PICTURE"], "cannot be sent"),
    ],
)
def test_an_edit_that_cannot_work_sends_nothing(
    cli: RunCli, online: FakeOpenAI, tmp_path: Path, args: list[str], words: str
) -> None:
    original = picture(tmp_path / "barn.png")
    Image.new("RGB", (8, 8)).save(tmp_path / "mask.jpg")
    (tmp_path / "notes.txt").write_text("not a picture")
    swapped = [
        {"MASK_JPG": str(tmp_path / "mask.jpg"), "NOT_A_PICTURE": str(tmp_path / "notes.txt")}.get(
            arg, arg
        )
        for arg in args
    ]
    result = cli("image", "edit", str(original), "make it night", *swapped)
    assert result.code == 2, result.err
    assert words in result.err
    assert online.requests == []


def test_an_edit_streams_its_previews_too(cli: RunCli, online: FakeOpenAI, tmp_path: Path) -> None:
    original = picture(tmp_path / "barn.png")
    result = cli("image", "edit", str(original), "make it night", "--preview")
    assert result.code == 0, result.err
    [request] = online.image_requests()
    assert request.path == EDITS_PATH and request.body["stream"] == "true"
    assert result.err.count("arrived") == 2


def test_partial_images_add_to_the_estimate(cli: RunCli, online: FakeOpenAI) -> None:
    plain = cli("image", "a fox", "--quality", "low", "--dry-run")
    streamed = cli("image", "a fox", "--quality", "low", "--dry-run", "--preview")
    assert "~$0.0060" in plain.out
    assert "~$0.012" in streamed.out  # two partial images: 200 more image tokens


def test_the_fake_streams_what_the_sdk_reads() -> None:
    """The stand-in's stream is what the SDK parses: partial images, then the image."""
    import asyncio

    from openai import AsyncOpenAI

    async def stream(url: str) -> list[str]:
        client = AsyncOpenAI(api_key="sk-test", base_url=url, max_retries=0)
        try:
            events = await client.images.generate(
                model="gpt-image-2", prompt="a fox", stream=True, partial_images=3
            )
            return [event.type async for event in events]
        finally:
            await client.close()

    with FakeOpenAI() as fake:
        kinds = asyncio.run(stream(fake.url))
    assert kinds == ["image_generation.partial_image"] * 3 + ["image_generation.completed"]
    assert Image.open(io.BytesIO(make_png(4, 4))).size == (4, 4)
