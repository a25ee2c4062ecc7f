"""What describe is given: a file that is not a picture, a picture far too large, a named pipe."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import pytest
from textual.widgets import Input

from artisan.tui.screens.describe import DescribeScreen
from conftest import RunCli
from fake_openai import FakeOpenAI
from test_tui_images import image_app
from tui_helpers import notifications, wait_until


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that says it is `width` x `height` and holds one row of pixels: a picture whose
    header is read at once, and whose decoding would need width * height * 3 bytes."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    row = zlib.compress(b"\x00" + b"\x80" * (width * 3))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", row) + chunk(b"IEND", b"")


def test_a_file_that_is_not_a_picture_is_named_not_pillows_buffer(
    cli: RunCli, online: FakeOpenAI, tmp_path: Path
) -> None:
    path = tmp_path / "notes.png"
    path.write_text("not a picture at all")
    result = cli("describe", str(path))
    assert result.code == 2
    assert "notes.png is not an image artisan can read (it reads PNG" in result.err
    assert "BytesIO" not in result.err and " at 0x" not in result.err
    assert online.requests == []


def test_a_picture_far_too_large_is_refused_before_it_is_decoded(
    cli: RunCli, online: FakeOpenAI, tmp_path: Path
) -> None:
    """13000x13000 would take half a gigabyte decoded; the header is enough to refuse it."""
    path = tmp_path / "poster.png"
    path.write_bytes(png_header_only(13000, 13000))
    result = cli("describe", str(path))
    assert result.code == 2
    assert "poster.png is 13000x13000 pixels (169 megapixels)" in result.err
    assert "truncated" not in result.err  # it was never decoded
    assert online.requests == []


@pytest.mark.skipif(os.name != "posix", reason="named pipes are POSIX")
async def test_a_named_pipe_typed_in_the_app_is_called_what_it_is(
    server: FakeOpenAI, tmp_path: Path
) -> None:
    pipe = tmp_path / "picture.png"
    os.mkfifo(pipe)
    app = image_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: isinstance(app.screen, DescribeScreen), "the dialog")
        app.screen.query_one("#describe-path", Input).value = str(pipe)
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: any("named pipe" in n for n in notifications(app)), "the notice"
        )
        assert not any("There is no file" in n for n in notifications(app))
        assert isinstance(app.screen, DescribeScreen)  # open, to type another path
    assert server.requests == []
