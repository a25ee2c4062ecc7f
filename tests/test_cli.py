"""Every CLI command, its output and its exit status."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from artisan import __version__, locations
from artisan.entry import PromptEntry
from artisan.library import Library
from conftest import TEST_KEY, RunCli, run_artisan
from fake_openai import Chat, Error, FakeOpenAI


def saved_entries() -> list[PromptEntry]:
    library = Library(locations.library_dir())
    library.load()
    return library.entries()


def test_version() -> None:
    result = run_artisan("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"artisan {__version__}"


def test_prompt_streams_to_stdout(cli: RunCli, online: FakeOpenAI) -> None:
    result = cli("prompt", "a beach sunset")
    assert result.code == 0
    assert result.out == (
        "A vivid picture of a beach sunset, in warm golden light, with soft "
        "shadows and a calm sea, shot on 35mm film. The frame is wide and balanced, the "
        "horizon low, and the mood quiet and unhurried.\n"
    )
    assert result.err == ""


def test_prompt_from_stdin_with_target_and_model(cli: RunCli, online: FakeOpenAI) -> None:
    result = cli("prompt", "-", "-t", "midjourney", "-m", "llama3.2", stdin="neon rain city\n")
    assert result.code == 0
    body = online.chat_requests()[0].body
    assert body["model"] == "llama3.2"
    assert "Midjourney" in body["messages"][0]["content"]
    assert body["messages"][1]["content"].endswith("neon rain city")


def test_prompt_save_prints_id_and_library_lists_it(cli: RunCli, online: FakeOpenAI) -> None:
    result = cli("prompt", "a beach sunset", "--save", "--tag", "Beach")
    assert result.code == 0
    [entry] = saved_entries()
    assert result.err.strip() == f"saved as {entry.id}"
    assert entry.idea == "a beach sunset"
    assert entry.target == "dalle"
    assert entry.model == "gpt-5.4-mini"
    assert entry.tags == ["beach"]
    assert entry.prompt == result.out.strip()
    listing = cli("library", "list")
    assert listing.code == 0
    assert entry.id in listing.out
    assert "a beach sunset" in listing.out
    assert "#beach" in listing.out


def test_prompt_json_with_variations(cli: RunCli, online: FakeOpenAI) -> None:
    result = cli("prompt", "a cat", "-n", "3", "--json", "--save")
    assert result.code == 0
    data = json.loads(result.out)
    assert data["prompt"].startswith("A vivid picture of a cat")
    assert data["model"] == "gpt-5.4-mini"
    assert data["target"] == "dalle"
    assert data["finish"] == "done"
    assert data["usage"]["total_tokens"] > 0
    assert [v["prompt"].split(":")[0] for v in data["variations"]] == [
        "Variation 1",
        "Variation 2",
        "Variation 3",
    ]
    assert data["id"] == saved_entries()[0].id


def test_prompt_variations_as_text(cli: RunCli, online: FakeOpenAI) -> None:
    result = cli("prompt", "a cat", "-n", "2")
    assert result.code == 0
    assert "\nVariation 1:\nVariation 1: the same scene" in result.out
    assert result.out.index("Variation 1:") < result.out.index("Variation 2:")


def test_refine_saved_prompt(cli: RunCli, online: FakeOpenAI) -> None:
    cli("prompt", "a beach", "--save", "-t", "flux", "--tag", "sea")
    [original] = saved_entries()
    result = cli("refine", original.id[:6], "moodier, shot on 35mm", "--save")
    assert result.code == 0
    assert result.out.startswith("Refined (moodier, shot on 35mm)")
    sent = online.chat_requests()[-1].body["messages"]
    assert original.prompt in sent[1]["content"]
    assert "FLUX" in sent[0]["content"]  # the saved prompt's target is kept
    refined = next(e for e in saved_entries() if e.id != original.id)
    assert refined.title == "a beach (refined)"
    assert refined.tags == ["sea"]
    assert refined.target == "flux"


def test_refine_from_stdin(cli: RunCli, online: FakeOpenAI) -> None:
    result = cli("refine", "-", "warmer", stdin="A cold beach.")
    assert result.code == 0
    assert "A cold beach." in online.chat_requests()[0].body["messages"][1]["content"]


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("prompt", "   "), "", "The idea from the command line is empty"),
        (("prompt", "-"), "\n\n", "The idea from stdin is empty"),
        (("prompt", "x", "-n", "99"), "", "--variations must be between 0 and 12"),
        (("prompt", "x", "-t", "dall-e"), "", "Unknown target `dall-e`"),
        (("refine", "-", "  "), "A prompt", "The instruction is empty"),
        (("library", "show"), "", "the following arguments are required: ID"),
        (("frobnicate",), "", "invalid choice: 'frobnicate'"),
    ],
)
def test_usage_errors_exit_2(
    cli: RunCli, online: FakeOpenAI, args: tuple[str, ...], stdin: str, message: str
) -> None:
    result = cli(*args, stdin=stdin)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err
    assert online.chat_requests() == []


def test_huge_idea_is_refused_before_sending(cli: RunCli, online: FakeOpenAI) -> None:
    result = cli("prompt", "-", stdin="x" * 1_000_000)
    assert result.code == 2
    assert "1,000,000 characters" in result.err
    assert online.chat_requests() == []


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (Error(401, "Incorrect API key provided", code="invalid_api_key"), "rejected (401)"),
        (Error(404, "no such model", code="model_not_found"), "not found"),
        (Error(429, "quota", code="insufficient_quota"), "out of credit"),
    ],
)
def test_api_errors_exit_1_with_one_line(
    cli: RunCli, online: FakeOpenAI, reply: Error, words: str
) -> None:
    online.queue_chat(reply)
    result = cli("prompt", "a cat")
    assert result.code == 1
    assert words in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert TEST_KEY not in result.err
    assert result.out == ""


def test_missing_key_explains_what_to_do(cli: RunCli) -> None:
    result = cli("prompt", "a cat", "--engine", "chat")
    assert result.code == 1
    assert "OPENAI_API_KEY" in result.err
    assert "http://localhost:11434/v1" in result.err


def test_no_key_and_no_server_writes_with_the_composer(cli: RunCli) -> None:
    """A fresh machine: no key, no server; the offline composer writes the prompt at once."""
    result = cli("prompt", "a lonely surfer at dusk", "-t", "midjourney", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["engine"] == "composer" and data["model"] == "composer"
    assert "lonely surfer at dusk" in data["prompt"]
    assert data["prompt"].rstrip().endswith("--v 8.1")


def test_interrupted_stream_keeps_partial_output(cli: RunCli, online: FakeOpenAI) -> None:
    online.queue_chat(Chat(cut_after=5))
    result = cli("prompt", "a cat", "--save")
    assert result.code == 1
    assert result.out == "A vivid picture of a \n"
    assert "cut off" in result.err
    [entry] = saved_entries()
    assert entry.prompt == "A vivid picture of a"
    assert "may be incomplete" in entry.notes


def test_error_after_partial_text_keeps_it(cli: RunCli, online: FakeOpenAI) -> None:
    online.queue_chat(Chat(error_event_after=3))
    result = cli("prompt", "a cat")
    assert result.code == 1
    assert result.out == "A vivid picture \n"
    assert "The upstream model crashed." in result.err


def test_truncated_answer_warns_and_exits_1(cli: RunCli, online: FakeOpenAI) -> None:
    """A prompt cut at the length limit is printed, but is not a success (see the README)."""
    online.queue_chat(Chat(finish="length"))
    result = cli("prompt", "a cat")
    assert result.code == 1
    assert result.out.startswith("A vivid picture of a cat")
    assert "length limit" in result.err


def test_ctrl_c_exits_130_and_keeps_output(online: FakeOpenAI, tmp_path: Path) -> None:
    online.queue_chat(Chat(text=" ".join(f"w{i}" for i in range(400)), delay=0.02))
    child = subprocess.Popen(
        [sys.executable, "-m", "artisan", "prompt", "a cat"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    assert child.stdout is not None
    first = child.stdout.read(12)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=30)
    assert child.returncode == 130
    assert (first + out).startswith("w0 w1 w2 w3")
    assert "Traceback" not in err
    assert online.wait_for_hang_up()


def test_model_escape_sequences_stripped_on_a_terminal(online: FakeOpenAI) -> None:
    """On a terminal, escape sequences from the model are removed; the library stores the text
    without them too (text enters a record clean)."""
    import pty

    hostile = "Red \x1b[31mtext\x1b[0m and \x1b]52;c;SGVsbG8=\x07 clipboard \x1b]0;pwned\x07 done"
    online.queue_chat(Chat(text=hostile, chunk_words=1))
    main, child_end = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-m", "artisan", "prompt", "x", "--save"],
        stdout=child_end,
        stderr=subprocess.PIPE,
        env=os.environ.copy(),
    )
    os.close(child_end)
    output = b""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            chunk = os.read(main, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    child.wait(timeout=30)
    os.close(main)
    assert child.returncode == 0
    text = output.decode()
    assert "\x1b" not in text and "\x07" not in text
    assert "Red text and  clipboard  done" in text
    assert saved_entries()[0].prompt == "Red text and  clipboard  done"


def test_library_commands(cli: RunCli) -> None:
    from artisan.entry import PromptEntry

    library = Library(locations.library_dir())
    first = library.add(
        PromptEntry.create(
            "Neon rain over a city", idea="neon city", target="midjourney", tags=["city"]
        )
    )
    second = library.add(PromptEntry.create("A calm beach", idea="beach", target="dalle"))

    shown = cli("library", "show", first.id[:5])
    assert shown.code == 0
    assert "Neon rain over a city" in shown.out and "#city" in shown.out

    assert cli("library", "fav", first.id).out.strip() == "★ favourite"
    assert cli("library", "list", "--favorites", "--json").out.count('"id"') == 1
    assert cli("library", "tag", first.id, "Rain", "night").out.strip() == "#city #rain #night"
    assert cli("library", "tag", first.id, "night", "--remove").out.strip() == "#city #rain"
    tagged = json.loads(cli("library", "list", "--tag", "rain", "--json").out)
    assert [e["id"] for e in tagged] == [first.id]

    assert cli("library", "rename", second.id, "Beach, calm").code == 0
    assert library.get(second.id).title == "Beach, calm"

    found = cli("library", "search", "neon")
    assert found.code == 0 and first.id in found.out and second.id not in found.out
    typo = cli("library", "search", "nieon")
    assert first.id in typo.out
    nothing = cli("library", "search", "zebra")
    assert nothing.code == 1

    removed = cli("library", "rm", second.id)
    assert removed.code == 0 and "trash" in removed.err
    assert second.id not in cli("library", "list").out
    assert cli("library", "restore").out == f"{second.id}  Beach, calm\n"
    assert cli("library", "restore", second.id).code == 0
    assert second.id in cli("library", "list").out

    missing = cli("library", "show", "nothere")
    assert missing.code == 1
    assert "No saved prompt has the id `nothere`" in missing.err


def test_export_and_import_round_trip(cli: RunCli, tmp_path: Path) -> None:
    from artisan.entry import PromptEntry

    library = Library(locations.library_dir())
    entries = [
        library.add(PromptEntry.create(f"Prompt {i}", idea=f"idea {i}", tags=["t"]))
        for i in range(3)
    ]
    for fmt in ("toml", "json"):
        out = tmp_path / f"export.{fmt}"
        assert cli("library", "export", "-o", str(out)).code == 0
        assert out.exists()
    markdown = cli("library", "export", "--format", "md")
    assert "## Prompt 0" not in markdown.out and "idea 0" in markdown.out
    assert "```text\nPrompt 1\n```" in markdown.out

    for entry in entries:
        cli("library", "rm", entry.id)
    result = cli("library", "import", str(tmp_path / "export.json"))
    assert result.code == 0
    assert "imported 3, skipped 0" in result.err
    again = cli("library", "import", str(tmp_path / "export.toml"))
    assert "imported 0, skipped 3" in again.err
    assert sorted(e.id for e in saved_entries()) == sorted(e.id for e in entries)


def test_import_of_garbage_is_one_clear_error(cli: RunCli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    result = cli("library", "import", str(bad))
    assert result.code == 1
    assert "neither a TOML nor a JSON export" in result.err
    assert cli("library", "import", str(tmp_path / "absent.toml")).code == 1


def test_themes_and_targets(cli: RunCli) -> None:
    themes = cli("themes")
    assert themes.code == 0
    for name in ("artisan-dark", "artisan-light", "darkroom", "textual-dark"):
        assert name in themes.out
    targets = cli("targets")
    for name in ("dalle", "midjourney", "stable-diffusion", "runway", "flux", "generic"):
        assert name in targets.out


def test_library_list_output_is_pipe_safe() -> None:
    """`artisan library list | head -1` ends quietly even when head closes the pipe early."""
    from artisan.entry import PromptEntry

    library = Library(locations.library_dir())
    for index in range(3000):
        library.add(PromptEntry.create(f"Prompt number {index}"))
    shell = subprocess.run(
        f"'{sys.executable}' -m artisan library list | head -1",
        shell=True,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=60,
    )
    assert shell.stdout.count("\n") == 1
    assert "Traceback" not in shell.stderr
    assert "Broken pipe" not in shell.stderr


def test_python_dash_m_and_group_help() -> None:
    result = run_artisan("library")
    assert result.returncode == 0
    assert "list" in result.stdout and "export" in result.stdout


def test_a_seed_gives_the_same_prompt_in_any_process() -> None:
    """`--seed` reaches the composer, and nothing it decides hangs on Python's per-process
    hash order: two processes with different hash seeds write the same prompt and variations."""
    outputs = [
        run_artisan(
            "prompt",
            "a lighthouse in a storm",
            "-e",
            "composer",
            "--seed",
            "7",
            "-t",
            "midjourney",
            "-n",
            "2",
            env={"PYTHONHASHSEED": hash_seed},
        )
        for hash_seed in ("1", "2")
    ]
    assert all(output.returncode == 0 for output in outputs), [o.stderr for o in outputs]
    assert outputs[0].stdout == outputs[1].stdout
    assert "lighthouse" in outputs[0].stdout
