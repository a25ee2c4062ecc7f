"""`artisan describe`: a picture, scaled down, sent to a model that can see, and the prompts
that would draw it again; a model that cannot see, and the composer, get a clear message."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest
from PIL import Image

from artisan import config
from artisan.images.vision import UnreadableImage, prepare_bytes, prepare_image
from conftest import RunCli
from fake_openai import Chat, Error, FakeOpenAI


def photo(path: Path, size: tuple[int, int] = (2000, 1500), mode: str = "RGB") -> Path:
    colour = (200, 40, 40, 128) if mode == "RGBA" else (200, 40, 40)
    Image.new(mode, size, colour).save(path)
    return path


def sent_picture(body: dict) -> Image.Image:  # type: ignore[type-arg]
    [part] = [
        part
        for message in body["messages"]
        if isinstance(message["content"], list)
        for part in message["content"]
        if part["type"] == "image_url"
    ]
    header, data = part["image_url"]["url"].split(",", 1)
    assert header in ("data:image/jpeg;base64", "data:image/png;base64")
    return Image.open(io.BytesIO(base64.b64decode(data)))


def test_describes_a_picture_in_the_targets_format(
    cli: RunCli, online: FakeOpenAI, tmp_path: Path
) -> None:
    picture = photo(tmp_path / "harbour.jpg")
    result = cli("describe", str(picture), "-n", "3", "-t", "midjourney")
    assert result.code == 0, result.err
    assert (
        "sending harbour.jpg as 1024x768 JPEG" in result.err
        and "(scaled down from 2000x1500)" in result.err
    )
    assert result.out.count("Prompt ") == 3
    assert "A picture 1024x768, mostly rgb(200,40,40)" in result.out
    requests = online.chat_requests()
    assert len(requests) == 3
    for request in requests:
        assert sent_picture(request.body).size == (1024, 768)
        system = request.body["messages"][0]["content"]
        assert "Midjourney" in system
    asked = sorted(
        part["text"]
        for request in requests
        for part in request.body["messages"][1]["content"]
        if part["type"] == "text"
    )
    assert [text.split("Write prompt ")[1][:6] for text in asked] == ["1 of 3", "2 of 3", "3 of 3"]


def test_the_vision_model_setting_and_the_flag(
    cli: RunCli, online: FakeOpenAI, tmp_path: Path
) -> None:
    picture = photo(tmp_path / "a.png", (64, 48))
    config.set_value("vision_model", "llava:13b")
    assert cli("describe", str(picture)).code == 0
    assert cli("describe", str(picture), "-m", "gemma3").code == 0
    assert [r.body["model"] for r in online.chat_requests()] == ["llava:13b", "gemma3"]
    # A small picture is sent as it is (re-encoded, so its own metadata stays behind).
    assert sent_picture(online.chat_requests()[0].body).size == (64, 48)


def test_a_model_that_refuses_pictures_gets_a_clear_message(
    cli: RunCli, online: FakeOpenAI, tmp_path: Path
) -> None:
    online.vision = False
    result = cli("describe", str(photo(tmp_path / "a.jpg")), "-n", "2")
    assert result.code == 1
    assert result.out == ""
    assert "The model `gpt-5.4-mini`" in result.err and "cannot see images" in result.err
    assert "image_url is only supported by certain models" in result.err
    assert "artisan config set vision_model" in result.err


def test_a_model_that_answers_blind_is_not_taken_at_its_word(
    cli: RunCli, online: FakeOpenAI, tmp_path: Path
) -> None:
    """A local server that drops the picture: the model says it sees none, and that answer
    is not printed as a prompt."""
    online.vision = False
    online.blind = "ignore"
    result = cli("describe", str(photo(tmp_path / "a.jpg")))
    assert result.code == 1
    assert result.out == ""
    assert "cannot see images (it said: “I'm sorry, but I can't see images." in result.err


def test_an_answer_of_no_image_is_caught(cli: RunCli, online: FakeOpenAI, tmp_path: Path) -> None:
    online.queue_chat(Chat(text="NO IMAGE"))
    result = cli("describe", str(photo(tmp_path / "a.jpg")))
    assert result.code == 1
    assert "cannot see images (it said: “NO IMAGE”)" in result.err


def test_the_composer_cannot_describe_and_sends_nothing(
    cli: RunCli, server: FakeOpenAI, tmp_path: Path
) -> None:
    result = cli("describe", str(photo(tmp_path / "a.jpg")))
    assert result.code == 1
    assert "The offline composer cannot see images" in result.err
    assert server.requests == []


def test_one_failure_among_several_is_reported_and_the_rest_printed(
    cli: RunCli, online: FakeOpenAI, tmp_path: Path
) -> None:
    config.set_value("variations_parallel", "1")
    config.set_value("max_retries", "0")
    online.queue_chat(Chat(), Error(500, "The model crashed."), Chat())
    result = cli("describe", str(photo(tmp_path / "a.jpg")), "-n", "3")
    assert result.code == 1
    assert result.out.count("A picture 1024x768") == 2
    assert "prompt 2 failed:" in result.err and "The model crashed." in result.err


def test_json_says_what_was_sent(cli: RunCli, online: FakeOpenAI, tmp_path: Path) -> None:
    picture = photo(tmp_path / "glass.png", (3000, 1000), mode="RGBA")
    result = cli("describe", str(picture), "-n", "2", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["sent"]["type"] == "image/png"  # transparency kept
    assert (data["sent"]["width"], data["sent"]["height"]) == (1024, 341)
    assert data["sent"]["scaled_from"] == [3000, 1000]
    assert [item["finish"] for item in data["prompts"]] == ["done", "done"]
    assert data["model"] == "gpt-5.4-mini" and data["target"] == "dalle"


@pytest.mark.parametrize(
    ("content", "words"),
    [(b"<html>not a picture</html>", "is not an image artisan can read"), (None, "no file")],
)
def test_what_is_not_a_picture_is_a_usage_error(
    cli: RunCli, online: FakeOpenAI, tmp_path: Path, content: bytes | None, words: str
) -> None:
    path = tmp_path / "x.png"
    if content is not None:
        path.write_bytes(content)
    result = cli("describe", str(path))
    assert result.code == 2
    assert words in result.err.lower() or words in result.err
    assert online.requests == []


def test_prepare_keeps_a_phone_photo_upright(tmp_path: Path) -> None:
    """A portrait photo stored sideways with an EXIF orientation is sent the right way up."""
    image = Image.new("RGB", (400, 300), (10, 120, 200))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° to view
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    prepared = prepare_bytes(out.getvalue(), "phone.jpg")
    assert prepared.sent == (300, 400)
    with Image.open(io.BytesIO(prepared.data)) as sent:
        assert not sent.getexif()


def test_prepare_refuses_a_folder(tmp_path: Path) -> None:
    with pytest.raises(UnreadableImage):
        prepare_image(tmp_path)
