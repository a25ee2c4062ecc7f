"""`artisan image` end to end: files on disk, what is printed, exit statuses, the wire."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from artisan import config, locations
from artisan.entry import PromptEntry
from artisan.images import opener, read_metadata
from artisan.library import Library
from conftest import TEST_KEY, RunCli
from fake_openai import Error, FakeOpenAI, Images, make_png


def images_folder() -> Path:
    return config.load().settings.images_path()


def entries() -> list[PromptEntry]:
    library = Library(locations.library_dir())
    library.load()
    return library.entries()


def printed_paths(out: str) -> list[Path]:
    return [Path(line) for line in out.splitlines()]


def test_renders_and_prints_the_path_without_saving_the_prompt(
    cli: RunCli, online: FakeOpenAI
) -> None:
    """As with `artisan prompt`, a typed prompt is kept in the library only with --save."""
    result = cli("image", "a lighthouse in a storm")
    assert result.code == 0, result.err
    [path] = printed_paths(result.out)
    assert path.parent == images_folder()
    assert path.is_file() and path.name.endswith("-a-lighthouse-in-a-storm.png")
    assert entries() == []
    # 5 prompt tokens at $5 and 272 image tokens at $30 a million, as the server reported.
    assert result.err == "cost: $0.0082 (from the reported usage)\n"
    found = read_metadata(path)
    assert (found["prompt"], found["model"]) == ("a lighthouse in a storm", "gpt-image-2")
    assert "entry" not in found
    [request] = online.image_requests()
    assert request.body == {
        "model": "gpt-image-2",
        "prompt": "a lighthouse in a storm",
        "size": "1024x1024",
        "quality": "auto",
    }


def test_save_keeps_the_prompt_with_its_tags_and_links_the_image(
    cli: RunCli, online: FakeOpenAI
) -> None:
    result = cli("image", "a lighthouse in a storm", "--save", "--tag", "Sea")
    assert result.code == 0, result.err
    [path] = printed_paths(result.out)
    [entry] = entries()
    assert f"saved the prompt as {entry.id}\n" in result.err
    assert (entry.prompt, entry.tags) == ("a lighthouse in a storm", ["sea"])
    assert [image.path for image in entry.images] == [str(path)]
    found = read_metadata(path)
    assert (found["prompt"], found["model"], found["entry"]) == (
        "a lighthouse in a storm",
        "gpt-image-2",
        entry.id,
    )
    [request] = online.image_requests()
    assert request.body == {
        "model": "gpt-image-2",
        "prompt": "a lighthouse in a storm",
        "size": "1024x1024",
        "quality": "auto",
    }


def test_prompt_from_stdin_and_several_images(cli: RunCli, online: FakeOpenAI) -> None:
    """-n 3 makes one request and one entry holding all three images."""
    result = cli("image", "-", "-n", "3", "--quality", "low", "--save", stdin="a red fox\n")
    assert result.code == 0, result.err
    paths = printed_paths(result.out)
    assert len(paths) == 3 and len(set(paths)) == 3
    assert all(path.is_file() for path in paths)
    [entry] = entries()
    assert len(entry.images) == 3
    assert online.image_requests()[0].body["n"] == 3


@pytest.mark.by_date
def test_from_a_saved_prompt_links_to_it(cli: RunCli, online: FakeOpenAI) -> None:
    online.queue_chat()
    cli("prompt", "a harbour", "--save")
    [entry] = entries()
    result = cli("image", "--from", entry.id[:4], "-m", "dall-e-3", "--style", "natural")
    assert result.code == 0, result.err
    assert f"linked to saved prompt {entry.id}" in result.err
    assert "dall-e-3 was retired on 2026-05-12" in result.err
    body = online.image_requests()[0].body
    assert body["prompt"] == entry.prompt
    assert (body["style"], body["response_format"]) == ("natural", "b64_json")
    [again] = entries()
    assert len(again.images) == 1


def test_revised_prompt_goes_to_stderr(cli: RunCli, online: FakeOpenAI) -> None:
    online.queue_images(Images(revised_prompt="A red fox, curled up in fresh snow."))
    result = cli("image", "a fox", "--model", "dall-e-3", "--save")
    assert result.code == 0
    assert "revised prompt: A red fox, curled up in fresh snow.\n" in result.err
    assert "curled up" not in result.out
    assert [image.revised_prompt for image in entries()[0].images] == [
        "A red fox, curled up in fresh snow."
    ]


def test_url_answers_are_downloaded(cli: RunCli, online: FakeOpenAI) -> None:
    online.queue_images(Images(response_format="url"))
    result = cli("image", "a fox", "--model", "dall-e-2", "-n", "2", "--size", "256x256")
    assert result.code == 0, result.err
    assert [p.suffix for p in printed_paths(result.out)] == [".png", ".png"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--model", "dall-e-3", "--size", "512x512"], ["1024x1024, 1792x1024, 1024x1792"]),
        (["--model", "dall-e-3", "-n", "2"], ["one image per request"]),
        (["--quality", "ultra"], ["allowed: auto, low, medium, high"]),
        (["--style", "vivid"], ["no styles"]),
        (["--size", "1000x1000"], ["multiples of 16", "try 992x992"]),
        (["-n", "0"], ["1 to 10 images"]),
        (["--background", "transparent", "-o", "out.jpg"], ["png or webp"]),
        (["--model", "dall-e-2", "--background", "opaque"], ["no background option"]),
        (["--format", "tiff"], ["--format must be png, jpeg or webp"]),
        (["--format", "webp", "-o", "cat.png"], ["does not match"]),
        (["-o", "cat.gif"], [".png, .jpg or .webp"]),
    ],
)
def test_invalid_options_are_usage_errors_and_send_nothing(
    cli: RunCli, online: FakeOpenAI, args: list[str], words: list[str]
) -> None:
    result = cli("image", "a fox", *args)
    assert result.code == 2
    assert result.out == ""
    for word in words:
        assert word in result.err
    assert online.image_requests() == []
    assert entries() == []


def test_a_prompt_too_long_for_the_model_sends_nothing(cli: RunCli, online: FakeOpenAI) -> None:
    result = cli("image", "-", "--model", "dall-e-3", stdin="x" * 4500)
    assert result.code == 2
    assert "4,500 characters long; dall-e-3 reads at most 4,000" in result.err
    assert online.image_requests() == []


@pytest.mark.parametrize("args", [[], ["a fox", "--from", "abc"]])
def test_exactly_one_source_of_prompt(cli: RunCli, online: FakeOpenAI, args: list[str]) -> None:
    result = cli("image", *args)
    assert result.code == 2
    assert "Give a PROMPT, - to read one prompt per line from stdin, or --from ID" in result.err


def test_unknown_saved_prompt_sends_nothing(cli: RunCli, online: FakeOpenAI) -> None:
    result = cli("image", "--from", "nope")
    assert result.code == 1
    assert "No saved prompt has the id `nope`" in result.err
    assert online.image_requests() == []


def test_unknown_model_is_sent_with_a_warning(cli: RunCli, online: FakeOpenAI) -> None:
    result = cli("image", "a fox", "--model", "x/flux2-klein")
    assert result.code == 0
    assert "`x/flux2-klein` is not in artisan's image model table" in result.err
    assert online.image_requests()[0].body == {"model": "x/flux2-klein", "prompt": "a fox"}


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (
            Error(
                400,
                "Your request was rejected by the safety system. safety_violations=[sexual].",
                code="moderation_blocked",
            ),
            "The image model refused this prompt (moderation_blocked): Your request was "
            "rejected by the safety system. safety_violations=[sexual]. Rephrase the prompt",
        ),
        (Error(401, f"Incorrect API key provided: {TEST_KEY}"), "API key was rejected (401)"),
        (Error(429, "Quota", code="insufficient_quota"), "out of credit"),
    ],
)
def test_server_errors_exit_1_with_one_line(
    cli: RunCli, online: FakeOpenAI, reply: Error, words: str
) -> None:
    online.queue_images(reply)
    result = cli("image", "a fox")
    assert result.code == 1
    assert result.out == ""
    assert result.err.count("\n") == 1
    assert result.err.startswith("artisan: ")
    assert words in result.err
    assert TEST_KEY not in result.err
    assert entries() == []
    assert not images_folder().exists() or list(images_folder().iterdir()) == []


def test_no_key_explains_what_to_do(cli: RunCli) -> None:
    result = cli("image", "a fox")
    assert result.code == 1
    assert "Images render with OpenAI, and no OpenAI key is set" in result.err
    assert "Nothing was sent" in result.err


# -o ------------------------------------------------------------------------------------------


def test_output_to_a_folder(cli: RunCli, online: FakeOpenAI, tmp_path: Path) -> None:
    folder = tmp_path / "renders" / "today"
    result = cli("image", "a fox", "-o", f"{folder}/")
    assert result.code == 0, result.err
    [path] = printed_paths(result.out)
    assert path.parent == folder and path.name.endswith("-a-fox.png")


def test_output_to_a_file_name_never_replaces(
    cli: RunCli, online: FakeOpenAI, tmp_path: Path
) -> None:
    target = tmp_path / "out" / "fox.png"
    first = cli("image", "a fox", "-o", str(target), "-n", "2", "--save")
    second = cli("image", "a fox", "-o", str(target), "--save")
    assert first.code == second.code == 0
    assert printed_paths(first.out) == [target, target.with_name("fox-2.png")]
    assert printed_paths(second.out) == [target.with_name("fox-3.png")]
    [entry] = entries()
    assert len(entry.images) == 3


def test_output_file_type_picks_the_format(cli: RunCli, online: FakeOpenAI, tmp_path: Path) -> None:
    result = cli("image", "a fox", "-o", str(tmp_path / "fox.jpg"))
    assert result.code == 0, result.err
    assert printed_paths(result.out) == [tmp_path / "fox.jpg"]
    assert online.image_requests()[0].body["output_format"] == "jpeg"
    assert (tmp_path / "fox.jpg").read_bytes()[:3] == b"\xff\xd8\xff"
    assert read_metadata(tmp_path / "fox.jpg")["prompt"] == "a fox"


def test_a_different_format_from_the_server_keeps_its_own_extension(
    cli: RunCli, online: FakeOpenAI, tmp_path: Path
) -> None:
    """A local server that ignores `output_format`: the file says what it really is."""
    online.queue_images(Images(content=make_png(16, 16)))
    result = cli("image", "a fox", "-m", "x/local", "-o", str(tmp_path / "fox.webp"))
    assert online.image_requests()[0].body["output_format"] == "webp"
    assert result.code == 0
    assert printed_paths(result.out) == [tmp_path / "fox.png"]
    assert "sent a png image rather than webp, so it was saved as fox.png" in result.err


# --open ---------------------------------------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[tuple[str, ...], Path]] = []

    def __call__(self, command: Sequence[str], path: Path) -> None:
        self.calls.append((tuple(command), path))


@pytest.fixture
def viewer(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    monkeypatch.setattr(opener, "launch_viewer", recorder)
    monkeypatch.setattr(sys, "platform", "linux")
    for name in ("SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    return recorder


def test_open_starts_the_viewer_on_a_local_desktop(
    cli: RunCli, online: FakeOpenAI, viewer: Recorder
) -> None:
    result = cli("image", "a fox", "-n", "2", "--open")
    assert result.code == 0
    assert viewer.calls == [(("xdg-open",), path) for path in printed_paths(result.out)]


def test_open_over_ssh_only_prints_the_path(
    cli: RunCli, online: FakeOpenAI, viewer: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.2 51000 10.0.0.1 22")
    result = cli("image", "a fox", "--open")
    assert result.code == 0
    assert viewer.calls == []
    assert len(printed_paths(result.out)) == 1
    assert "Not opening a viewer (over SSH)" in result.err


def test_open_with_open_terminal_only_prints_the_path(
    cli: RunCli, online: FakeOpenAI, viewer: Recorder
) -> None:
    cli("config", "set", "open", "terminal")
    result = cli("image", "a fox", "--open")
    assert result.code == 0
    assert viewer.calls == []
    assert "open = terminal" in result.err


def test_no_open_by_default(cli: RunCli, online: FakeOpenAI, viewer: Recorder) -> None:
    assert cli("image", "a fox").code == 0
    assert cli("image", "a fox", "--no-open").code == 0
    assert viewer.calls == []


def test_a_missing_viewer_is_a_warning(
    cli: RunCli, online: FakeOpenAI, viewer: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing(command: Sequence[str], path: Path) -> None:
        raise FileNotFoundError(2, "No such file or directory")

    monkeypatch.setattr(opener, "launch_viewer", missing)
    result = cli("image", "a fox", "--open")
    assert result.code == 0
    [path] = printed_paths(result.out)
    assert path.is_file()
    assert "`xdg-open` is not installed" in result.err


# Ctrl-C ---------------------------------------------------------------------------------------


def test_ctrl_c_exits_130_and_leaves_nothing(online: FakeOpenAI) -> None:
    online.queue_images(Images(delay=30))
    child = subprocess.Popen(
        [sys.executable, "-m", "artisan", "image", "a fox"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    deadline = time.monotonic() + 30
    while not online.image_requests() and time.monotonic() < deadline:
        time.sleep(0.01)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=30)
    assert child.returncode == 130
    assert out == ""
    assert "interrupted" in err and "Traceback" not in err
    assert online.wait_for_hang_up()
    assert entries() == []
    assert not images_folder().exists() or list(images_folder().iterdir()) == []


def test_image_command_and_core_do_not_import_textual() -> None:
    code = (
        "import sys\n"
        "import artisan.images\n"
        "from artisan.cli import build_parser\n"
        "build_parser().parse_args(['image', 'x'])\n"
        "print(sorted(m for m in ('textual', 'openai', 'PIL', 'httpx2') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
