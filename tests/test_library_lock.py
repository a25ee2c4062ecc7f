"""Changing the library: a program holding its lock is waited for with a deadline, named, and
never blocks quitting; an entry the library could not read back is never written."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from artisan import library_lock, locations
from artisan.entry import PromptEntry
from artisan.library import Library
from conftest import Result, RunCli
from fake_openai import Chat, FakeOpenAI
from tui_helpers import make_app, notifications, wait_until

HOLD = """
import fcntl, os, sys
lock = open(sys.argv[1], "a+")
fcntl.flock(lock, fcntl.LOCK_EX)
lock.seek(0); lock.truncate(); lock.write(f"{os.getpid()}\\n"); lock.flush()
print("held", flush=True)
sys.stdin.read()  # until the test closes it
"""
"""Another program that takes the lock and, as artisan does, writes its process id into it."""


@pytest.fixture
def entry() -> PromptEntry:
    return Library(locations.library_dir()).add(PromptEntry.create("A red fox in the snow."))


@pytest.fixture
def holder(entry: PromptEntry, tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    script = tmp_path / "holding_the_lock.py"
    script.write_text(HOLD)
    process = subprocess.Popen(
        [sys.executable, str(script), str(locations.library_dir() / ".lock")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline() == "held\n"
    yield process
    assert process.stdin is not None
    process.stdin.close()
    process.wait(timeout=30)


def within(seconds: float, run: RunCli, *args: str) -> Result:
    """`artisan ARGS` in a thread, given `seconds` to return."""
    results: list[Result] = []
    thread = threading.Thread(target=lambda: results.append(run(*args)), daemon=True)
    thread.start()
    thread.join(seconds)
    assert results, f"`artisan {' '.join(args)}` was still waiting after {seconds:g} s"
    return results[0]


@pytest.mark.skipif(os.name != "posix", reason="the holder uses flock")
def test_a_change_gives_up_after_the_deadline_and_names_the_holder(
    cli: RunCli,
    entry: PromptEntry,
    holder: subprocess.Popen[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(library_lock, "LOCK_WAIT", 1.0, raising=False)
    result = within(60, cli, "library", "tag", entry.id, "winter")
    assert result.code == 1
    assert f"in use by process {holder.pid}" in result.err
    assert "holding_the_lock.py" in result.err  # its command, as the system shows it
    assert "nothing was changed" in result.err
    assert Library(locations.library_dir()).get(entry.id).tags == []


@pytest.mark.skipif(os.name != "posix", reason="the holder uses flock")
async def test_the_app_says_who_holds_the_library_and_quits_while_waiting(
    holder: subprocess.Popen[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(library_lock, "LOCK_WAIT", 600.0, raising=False)
    app = make_app(engine="composer")
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        app.idea_pane.editor.focus()
        await pilot.press(*"a fox", "ctrl+j")
        await wait_until(pilot, lambda: app.workshop.version is not None, "a prompt")
        await pilot.press("ctrl+s")
        await wait_until(
            pilot,
            lambda: any(f"process {holder.pid}" in n for n in notifications(app)),
            "the holder named",
        )
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: app.return_code is not None, "the app quit")


@pytest.mark.skipif(os.name != "posix", reason="FIFOs are POSIX")
@pytest.mark.parametrize(("make", "kind"), [(os.mkfifo, "named pipe"), (os.mkdir, "folder")])
def test_a_lock_that_is_not_a_file_is_called_what_it_is(
    cli: RunCli, entry: PromptEntry, make: object, kind: str
) -> None:
    path = locations.library_dir() / ".lock"
    path.unlink(missing_ok=True)
    assert callable(make)
    make(path)
    result = within(60, cli, "library", "tag", entry.id, "winter")
    assert result.code == 1
    assert f"is not a regular file (it is a {kind}" in result.err
    assert "symbolic link" not in result.err


def test_a_lock_file_naming_a_process_that_is_gone_names_nobody(tmp_path: Path) -> None:
    lock = library_lock.LibraryLock(tmp_path / ".lock")
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    (tmp_path / ".lock").write_text(finished.stdout)
    assert lock.holder() == "another program"


def test_a_prompt_too_large_for_a_library_file_is_not_saved_and_said(
    cli: RunCli, online: FakeOpenAI
) -> None:
    """Written, it would be set aside as unreadable at the next `library list`."""
    # 1.1 MB of words that never repeat: more than a library file may hold.
    answer = " ".join(f"fox{number}" for number in range(140_000))
    online.queue_chat(Chat(text=answer))
    result = cli("prompt", "a fox", "--save")
    assert result.code == 1
    assert answer.strip() in result.out  # the answer itself is kept where it was printed
    assert "Not saved:" in result.err and "too large to keep in the library" in result.err
    assert "saved as" not in result.err
    assert list(locations.library_dir().glob("*.toml")) == []
    listed = cli("library", "list")
    assert listed.code == 0 and ".corrupt" not in listed.err
