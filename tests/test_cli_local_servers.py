"""`artisan prompt` against servers that behave like local ones and proxies do.

What a person sees on stdout and stderr, and the exit status, for each finding about real
servers (the engine's side is in test_local_servers.py).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys

import pytest

from conftest import RunCli
from fake_openai import Chat, FakeOpenAI, LocalServer, Raw

IN_TURN = "runs one request at a time; variations now run in turn"


def variation_texts(out: str) -> list[str]:
    """The text under each `Variation N:` header line of the prompt command's output."""
    blocks = re.split(r"^Variation \d+:$", out, flags=re.MULTILINE)[1:]
    return [block.strip() for block in blocks]


# 1 and 2: the length cap and one-slot servers (the whole story of a single-slot stand-in) ------


def test_single_slot_server_gives_every_variation_in_turn_within_the_cap(
    cli: RunCli, online: FakeOpenAI
) -> None:
    online.local = LocalServer(slots=1, when_busy="interrupt")
    online.default_chat = Chat(delay=0.01)
    result = cli("prompt", "a fox at dusk", "-n", "4")
    assert result.code == 0, result.err
    texts = variation_texts(result.out)
    assert [t.split(":")[0] for t in texts] == [f"Variation {n}" for n in range(1, 5)]
    assert all(len(t.split()) > 5 for t in texts)
    assert online.interrupted >= 1
    assert IN_TURN in result.err
    assert all(r.body["max_tokens"] == 600 for r in online.chat_requests())
    assert all(len(t.split()) <= 600 for t in texts)

    again = cli("prompt", "a fox at dusk", "-n", "2")
    assert again.code == 0
    assert "runs one request at a time, so variations run in turn" in again.err
    assert len(variation_texts(again.out)) == 2


def test_max_tokens_setting_caps_every_answer(cli: RunCli, online: FakeOpenAI) -> None:
    online.local = LocalServer(slots=4)
    online.default_chat = Chat(text=" ".join(f"w{i}" for i in range(200)))
    assert cli("config", "set", "max_tokens", "40").code == 0
    result = cli("prompt", "a fox", "-n", "2")
    assert [r.body["max_tokens"] for r in online.chat_requests()] == [40, 40, 40]
    assert len(result.out.split("\n")[0].split()) == 40
    assert all(len(t.split()) == 40 for t in variation_texts(result.out))
    assert result.code == 1
    assert "length limit" in result.err
    assert "variations: 2 finished: 2 truncated." in result.err


def test_a_looping_model_is_stopped(cli: RunCli, online: FakeOpenAI) -> None:
    online.queue_chat(Chat(text="A red fox in snow.\n" * 300))
    result = cli("prompt", "a fox")
    assert result.code == 1
    assert result.out.count("A red fox in snow.") == 6
    assert "kept repeating the same line" in result.err


def test_variations_parallel_setting(cli: RunCli, online: FakeOpenAI) -> None:
    online.default_chat = Chat(delay=0.01)
    assert cli("config", "set", "variations_parallel", "1").code == 0
    result = cli("prompt", "a fox", "-n", "3")
    assert result.code == 0
    assert online.max_concurrent_streams == 1
    assert IN_TURN not in result.err
    bad = cli("config", "set", "variations_parallel", "many")
    assert bad.code == 2 and "one of auto, 1, 2" in bad.err


# 3. Empty, interrupted or truncated variations are not success -----------------------------------


def test_an_empty_variation_is_a_warning_and_exit_1(cli: RunCli, online: FakeOpenAI) -> None:
    online.queue_chat(Chat(), Chat(pieces=[]), Chat(delay=0.01), Chat(delay=0.01))
    result = cli("prompt", "a fox", "-n", "3")
    assert result.code == 1
    assert len(variation_texts(result.out)) == 2
    # Which variation's request met the empty answer depends on which reached the server first.
    assert re.search(r"variation \d is empty: the model answered with nothing\.", result.err)
    assert "variations: 3 finished: 2 done, 1 empty." in result.err


def test_an_interrupted_variation_is_a_warning_and_exit_1(cli: RunCli, online: FakeOpenAI) -> None:
    online.queue_chat(Chat(), Chat(end_after=3), Chat(delay=0.01))
    result = cli("prompt", "a fox", "-n", "2")
    assert result.code == 1
    assert re.search(r"variation \d is interrupted: the answer ended without finishing", result.err)
    assert "variations: 2 finished: 1 done, 1 interrupted." in result.err


def test_an_empty_prompt_is_not_success(cli: RunCli, online: FakeOpenAI) -> None:
    online.queue_chat(Chat(pieces=[]))
    result = cli("prompt", "a fox", "-n", "2")
    assert result.code == 1
    assert result.out == ""
    assert "No prompt was written: the model answered with nothing." in result.err
    assert len(online.chat_requests()) == 1  # nothing to vary


# 4. Misleading errors --------------------------------------------------------------------------


def test_an_empty_200_body_is_not_called_a_dropped_connection(
    cli: RunCli, online: FakeOpenAI
) -> None:
    online.local = LocalServer(context_words=30)
    result = cli("prompt", " ".join(["fox"] * 40))
    assert result.code == 1
    assert "sent nothing (is the prompt longer than its context?)" in result.err
    assert "connection" not in result.err
    assert len(result.err.strip().splitlines()) == 1


# 5. Usage missing ------------------------------------------------------------------------------


def test_json_marks_estimated_usage(cli: RunCli, online: FakeOpenAI) -> None:
    online.default_chat = Chat(usage=False)
    result = cli("prompt", "a fox", "-n", "1", "--json")
    assert result.code == 0
    data = json.loads(result.out)
    for answer in (data, data["variations"][0]):
        assert answer["usage"]["estimated"] is True
        assert answer["usage"]["completion_tokens"] > 0
        assert "usage not reported" in answer["usage"]["note"]
    online.default_chat = Chat()
    reported = json.loads(cli("prompt", "a fox", "--json").out)
    assert reported["usage"]["estimated"] is False
    assert "note" not in reported["usage"]


# 6. Thinking models ----------------------------------------------------------------------------


def test_reasoning_never_reaches_the_prompt(cli: RunCli, online: FakeOpenAI) -> None:
    online.queue_chat(
        Chat(pieces=["<think>", "The user wants", " a fox.</thi", "nk>\n\n", "A red fox."]),
        Chat(text="A grey fox.", reasoning="Make it grey."),
    )
    result = cli("prompt", "a fox", "--save")
    assert result.code == 0
    assert result.out == "A red fox.\n"
    data = json.loads(cli("prompt", "a fox", "--json").out)
    assert data["prompt"] == "A grey fox."
    assert data["reasoning"] == "Make it grey."
    listed = cli("library", "list", "--json").out
    assert "The user wants" not in listed


def test_a_model_that_thinks_to_the_limit_says_so(cli: RunCli, online: FakeOpenAI) -> None:
    online.queue_chat(Chat(pieces=[], reasoning="Hmm. " * 50, finish="length"))
    result = cli("prompt", "a fox")
    assert result.code == 1
    assert result.out == ""
    assert "used its whole length thinking" in result.err


# 7. Proxies and odd servers --------------------------------------------------------------------


FOX = (
    "A red fox asleep in deep snow, low winter sun, its tail curled over its nose, the pines "
    "behind it blue with shadow and the sky pale gold above a quiet, frozen valley."
)
"""A whole prompt, long enough for every rule of the GPT Image target."""


@pytest.mark.parametrize(
    "chat",
    [
        Chat(text=FOX, as_json=True),
        Chat(text=FOX, multiline=True),
        Chat(text=FOX, comments=(" OPENROUTER PROCESSING",) * 3),
    ],
    ids=["json-completion", "multi-line-data", "comments"],
)
def test_odd_but_valid_answers_are_used(cli: RunCli, online: FakeOpenAI, chat: Chat) -> None:
    online.queue_chat(chat)
    result = cli("prompt", "a fox")
    assert result.code == 0
    assert result.out == FOX + "\n"
    assert result.err == ""


def test_a_web_page_is_named(cli: RunCli, online: FakeOpenAI) -> None:
    page = b"<html><head><title>Sign in to Guest Wi-Fi</title></head><body>...</body></html>"
    online.queue_chat(Raw(page, "text/html; charset=utf-8"))
    result = cli("prompt", "a fox")
    assert result.code == 1
    assert 'a web page titled "Sign in to Guest Wi-Fi"' in result.err


def test_an_error_event_shows_the_servers_words(cli: RunCli, online: FakeOpenAI) -> None:
    online.queue_chat(Chat(error_event_after=3, error_as_event=True))
    result = cli("prompt", "a fox")
    assert result.code == 1
    assert result.out == "A vivid picture \n"
    assert "The upstream model crashed." in result.err


# 8. Deadlines ----------------------------------------------------------------------------------


def test_a_trickle_ends_at_the_answer_deadline(cli: RunCli, online: FakeOpenAI) -> None:
    online.queue_chat(Chat(text="A red fox.", trickle=0.02))
    assert cli("config", "set", "answer_timeout", "1").code == 0
    result = cli("prompt", "a fox")
    assert result.code == 1
    assert "the `answer_timeout` setting" in result.err
    assert "config set answer_timeout" in result.err


def test_ctrl_c_with_json_prints_what_arrived(online: FakeOpenAI) -> None:
    online.queue_chat(Chat(text=" ".join(f"w{i}" for i in range(400)), delay=0.02))
    child = subprocess.Popen(
        [sys.executable, "-m", "artisan", "prompt", "a fox", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    assert online.wait_for_chunks(10, timeout=30)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=30)
    assert child.returncode == 130
    data = json.loads(out)
    assert data["finish"] == "cancelled"
    words = data["prompt"].split()
    assert words and words == [f"w{i}" for i in range(len(words))]
    assert len(words) < 400
    assert "Traceback" not in err
    assert online.wait_for_hang_up()


# 9. System prompts dropped by chat templates ---------------------------------------------------


def test_system_mode_merge(cli: RunCli, online: FakeOpenAI) -> None:
    assert cli("config", "set", "system_mode", "merge").code == 0
    assert cli("prompt", "a fox").code == 0
    [user] = online.chat_requests()[0].body["messages"]
    assert user["role"] == "user"
    assert user["content"].startswith("Act as a prompt generator")
