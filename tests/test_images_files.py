"""Saving images: safe names whatever the prompt, no collisions, no partial files, metadata
that reads back from PNG, JPEG and WebP with the pixels untouched."""

from __future__ import annotations

import io
import json
import os
import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from artisan.atomic import write_atomic
from artisan.entry import ImageRecord
from artisan.images import files
from artisan.images.files import (
    ImageFileError,
    NotAnImage,
    read_metadata,
    save_image,
    slugify,
)
from fake_openai import make_png

MOMENT = datetime(2026, 11, 26, 12, 30, 1, tzinfo=timezone(timedelta(hours=1)))
SAFE_NAME = re.compile(r"^\d{8}-\d{6}-[a-z0-9]+(-[a-z0-9]+)*(-\d+)?\.(png|jpg|webp)$")
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
RESERVED = (
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}
)


def metadata(prompt: str = "A lighthouse in a storm", **changes: Any) -> ImageRecord:
    record = ImageRecord(
        path="", prompt=prompt, created=MOMENT, model="gpt-image-2", size="64x64", quality="high"
    )
    return replace(record, **changes)


def encoded(fmt: str, mode: str = "RGB", **options: object) -> bytes:
    """An image as a server would send it, in the given format."""
    image = Image.new(mode, (40, 24), (200, 80, 20, 128) if mode == "RGBA" else (200, 80, 20))
    for x in range(40):
        image.putpixel((x, x % 24), (x * 6, 255 - x * 6, 90, 255)[: len(mode)])
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def pixels(data_or_path: bytes | Path) -> bytes:
    source = io.BytesIO(data_or_path) if isinstance(data_or_path, bytes) else data_or_path
    with Image.open(source) as image:
        return image.convert("RGBA").tobytes()


def everything_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# Names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "slug"),
    [
        ("A beach, at dusk!", "a-beach-at-dusk"),
        ("../../etc/passwd", "etc-passwd"),
        ("..\\..\\Windows\\System32\\cmd.exe", "windows-system32-cmd-exe"),
        ("line one\nline two\r\n\tthree", "line-one-line-two-three"),
        ("\x1b[31mred\x1b[0m \x00nul\x07", "31mred-0m-nul"),
        ("🌅🌊🏄", "image"),
        ("sunset 🌅 surfer 🏄", "sunset-surfer"),
        ("Café crème brûlée", "cafe-creme-brulee"),
        ("!!! ??? ... ---", "image"),
        ("", "image"),
        ("CON", "con-image"),
        ("nul", "nul-image"),
        ("LPT1", "lpt1-image"),
        ("东京の夜", "image"),
    ],
)
def test_slug_of_hostile_prompts(prompt: str, slug: str) -> None:
    assert slugify(prompt) == slug


def test_slug_of_a_very_long_prompt_is_short_and_cut_at_a_word() -> None:
    prompt = "a tranquil beach at sunset with long shadows " * 120  # 5,400 characters
    slug = slugify(prompt)
    assert len(slug) <= 48
    assert slug == "a-tranquil-beach-at-sunset-with-long-shadows-a"
    assert len(slugify("x" * 5000)) == 48


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_slug_is_always_a_safe_file_name(prompt: str) -> None:
    slug = slugify(prompt)
    assert SLUG.match(slug), slug
    assert 1 <= len(slug) <= 48
    assert slug not in RESERVED
    assert slugify(prompt) == slug


@pytest.mark.parametrize(
    "prompt",
    ["../../etc/passwd", "line\nbreak", "🌅" * 50, "x" * 5000, "?!*:|<>\"'", "CON", "/"],
)
def test_hostile_prompts_save_as_one_plain_file_in_the_folder(tmp_path: Path, prompt: str) -> None:
    folder = tmp_path / "pictures"
    path = save_image(make_png(8, 8), metadata(prompt), folder)
    assert path.parent == folder
    assert SAFE_NAME.match(path.name), path.name
    assert path.name.startswith("20261126-123001-")
    assert everything_in(folder) == [path.name]
    assert everything_in(tmp_path) == ["pictures"]
    assert read_metadata(path)["prompt"] == prompt


def test_names_never_collide_and_nothing_is_replaced(tmp_path: Path) -> None:
    first = save_image(make_png(8, 8, "a"), metadata(), tmp_path)
    second = save_image(make_png(8, 8, "b"), metadata(), tmp_path)
    third = save_image(make_png(8, 8, "c"), metadata(), tmp_path)
    stem = "20261126-123001-a-lighthouse-in-a-storm"
    assert [first.name, second.name, third.name] == [
        f"{stem}.png",
        f"{stem}-2.png",
        f"{stem}-3.png",
    ]
    assert pixels(first) == pixels(make_png(8, 8, "a"))
    assert pixels(third) == pixels(make_png(8, 8, "c"))


def test_a_file_someone_else_put_there_is_kept(tmp_path: Path) -> None:
    taken = tmp_path / "cat.png"
    taken.write_bytes(b"my own drawing")
    path = save_image(make_png(8, 8), metadata(), tmp_path, stem="cat")
    assert path.name == "cat-2.png"
    assert taken.read_bytes() == b"my own drawing"


def test_without_hard_links_names_still_do_not_collide(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some filesystems (FAT, network shares) refuse hard links: a rename is used instead."""

    def no_links(source: object, target: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr("artisan.images.files.os.link", no_links)
    first = save_image(make_png(8, 8, "a"), metadata(), tmp_path, stem="cat")
    second = save_image(make_png(8, 8, "b"), metadata(), tmp_path, stem="cat")
    assert everything_in(tmp_path) == ["cat-2.png", "cat.png"]
    assert pixels(first) != pixels(second)


def test_extension_follows_what_the_data_is(tmp_path: Path) -> None:
    assert save_image(encoded("JPEG"), metadata(), tmp_path, stem="a").name == "a.jpg"
    assert save_image(encoded("WEBP"), metadata(), tmp_path, stem="b").name == "b.webp"


# Failures leave nothing behind ----------------------------------------------------------------


def test_data_that_is_not_an_image_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "pictures"
    for junk in (b"", b"<html>Bad gateway</html>", make_png(16, 16)[:60]):
        with pytest.raises(NotAnImage):
            save_image(junk, metadata(), folder)
    assert everything_in(folder) == []


def test_a_folder_that_is_a_file_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "pictures"
    blocker.write_text("not a folder")
    with pytest.raises(ImageFileError, match="it is a file, not a folder"):
        save_image(make_png(8, 8), metadata(), blocker)
    with pytest.raises(ImageFileError, match="Cannot create the images folder"):
        save_image(make_png(8, 8), metadata(), blocker / "inside")
    assert everything_in(tmp_path) == ["pictures"]


def test_a_failed_write_leaves_no_partial_or_empty_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = write_atomic

    def disk_full(path: Path, data: bytes, *, mode: int | None = None) -> None:
        real_write(path, data[: len(data) // 2])  # as if the disk filled up half way...
        os.unlink(path)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files, "write_atomic", disk_full)
    with pytest.raises(ImageFileError, match="No space left on device"):
        save_image(make_png(8, 8), metadata(), tmp_path)
    assert everything_in(tmp_path) == []


def test_a_failed_link_leaves_no_staging_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(source: object, target: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr("artisan.images.files.os.link", broken)
    monkeypatch.setattr("artisan.images.files.os.replace", broken)
    with pytest.raises(ImageFileError, match="Input/output error"):
        save_image(make_png(8, 8), metadata(), tmp_path)
    assert everything_in(tmp_path) == []


# Metadata -------------------------------------------------------------------------------------


def test_png_metadata_reads_back_and_pixels_are_untouched(tmp_path: Path) -> None:
    data = make_png(32, 20, "fox")
    fields = metadata(
        "Un renard roux dans la neige 🦊\nsecond line", revised_prompt="A red fox in snow."
    )
    path = save_image(data, fields, tmp_path)
    found = read_metadata(path)
    assert found["prompt"] == "Un renard roux dans la neige 🦊\nsecond line"
    assert found["revised_prompt"] == "A red fox in snow."
    assert (found["model"], found["size"], found["quality"]) == ("gpt-image-2", "64x64", "high")
    assert found["created"] == "2026-11-26T12:30:01+01:00"
    assert "cost" not in found and "usage" not in found  # not known: not claimed
    assert pixels(path) == pixels(data)
    with Image.open(path) as image:
        assert isinstance(image, PngImagePlugin.PngImageFile)
        # Standard keys, for other tools.
        assert image.text["Description"] == "Un renard roux dans la neige 🦊\nsecond line"
        assert image.text["Source"] == "gpt-image-2"
        assert image.text["Software"].startswith("artisan ")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_cost_and_usage_read_back_from_every_format(tmp_path: Path, fmt: str) -> None:
    """The record's cost and usage are in the file, so a copied image still says its price."""
    record = metadata(
        "A lighthouse",
        cost=0.0421,
        usage={"input_tokens": 12, "output_tokens": 1056, "total_tokens": 1068},
        entry="3f9a2c81d0",
    )
    path = save_image(encoded(fmt), record, tmp_path)
    found = read_metadata(path)
    assert found["cost"] == "0.042100"
    assert "cost_estimated" not in found
    assert json.loads(found["usage"]) == {
        "input_tokens": 12,
        "output_tokens": 1056,
        "total_tokens": 1068,
    }
    assert found["entry"] == "3f9a2c81d0"
    estimated = save_image(encoded(fmt), metadata(cost=0.04, cost_estimated=True), tmp_path)
    assert read_metadata(estimated)["cost_estimated"] == "yes"


def test_png_keeps_a_32000_character_prompt_whole(tmp_path: Path) -> None:
    prompt = "é" * 32000
    path = save_image(make_png(8, 8), metadata(prompt), tmp_path)
    assert read_metadata(path)["prompt"] == prompt
    assert path.stat().st_size < 20_000  # compressed


def test_png_text_the_server_wrote_is_replaced_not_doubled(tmp_path: Path) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Description", "the server's words")
    info.add_text("Author", "server")
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="PNG", pnginfo=info)
    path = save_image(out.getvalue(), metadata("my prompt"), tmp_path)
    with Image.open(path) as image:
        assert isinstance(image, PngImagePlugin.PngImageFile)
        assert image.text["Description"] == "my prompt"
        assert image.text["Author"] == "server"
    assert path.read_bytes().count(b"Description") == 1


@pytest.mark.parametrize(
    ("fmt", "mode", "options"),
    [
        ("JPEG", "RGB", {}),
        ("WEBP", "RGB", {}),
        ("WEBP", "RGB", {"lossless": True}),
        ("WEBP", "RGBA", {"lossless": True}),
        ("WEBP", "RGBA", {"quality": 80}),
    ],
)
def test_jpeg_and_webp_metadata_reads_back(
    tmp_path: Path, fmt: str, mode: str, options: dict[str, object]
) -> None:
    data = encoded(fmt, mode, **options)
    fields = metadata("Neon rain ☔ over Tokyo", revised_prompt="Neon rain, night.")
    path = save_image(data, fields, tmp_path)
    found = read_metadata(path)
    assert found["prompt"] == "Neon rain ☔ over Tokyo"
    assert found["revised_prompt"] == "Neon rain, night."
    assert (found["model"], found["size"], found["quality"]) == ("gpt-image-2", "64x64", "high")
    assert found["created"] == "2026-11-26T12:30:01+01:00"
    assert pixels(path) == pixels(data)
    with Image.open(path) as image:
        exif = image.getexif()
        assert exif[0x0131].startswith("artisan ")
        assert exif[0x0132] == "2026:11:26 12:30:01"


def test_jpeg_metadata_of_a_huge_prompt_is_cut_to_fit(tmp_path: Path) -> None:
    """A JPEG segment holds 64 KB; the library keeps the whole prompt."""
    prompt = "ü" * 32000
    path = save_image(encoded("JPEG"), metadata(prompt, revised_prompt="ö" * 32000), tmp_path)
    found = read_metadata(path)
    assert found["truncated"] == "yes"
    assert found["prompt"].startswith("ü" * 100) and found["prompt"].endswith("…")
    assert pixels(path) == pixels(encoded("JPEG"))


def test_read_metadata_of_other_files(tmp_path: Path) -> None:
    plain = tmp_path / "plain.png"
    plain.write_bytes(make_png(8, 8))
    assert read_metadata(plain) == {}
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    with pytest.raises(ImageFileError, match="not an image"):
        read_metadata(text)
    with pytest.raises(ImageFileError, match="no image at"):
        read_metadata(tmp_path / "missing.png")


def test_metadata_nested_thousands_deep_is_ignored_not_fatal(tmp_path: Path) -> None:
    """An image from elsewhere whose `artisan` text is hostile JSON: its standard fields are
    read, the rest is ignored."""
    import io

    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_itxt("Description", "a plain description")
    info.add_itxt("artisan", "[" * 100_000 + "]" * 100_000)
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "PNG", pnginfo=info)
    path = tmp_path / "hostile.png"
    path.write_bytes(buffer.getvalue())
    assert read_metadata(path) == {"prompt": "a plain description"}
