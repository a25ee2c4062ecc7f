"""Crash safety: processes killed at random moments never leave a damaged file behind."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from artisan import locations
from artisan.library import Library
from fake_openai import Chat, FakeOpenAI

SAVER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from artisan.entry import PromptEntry
    from artisan.library import Library

    library = Library(Path(sys.argv[1]))
    first = library.add(PromptEntry.create("first " * 200, idea="first"))
    print("ready", flush=True)
    index = 0
    while True:
        index += 1
        library.add(PromptEntry.create(f"prompt {index} " + "word " * 150, idea=str(index)))
        library.update(first.id, lambda e, i=index: setattr(e, "notes", f"note {i} " * 50))
        if index % 10 == 0:
            library.load()
""")


@pytest.mark.slow
def test_sigkill_during_saves_never_corrupts(tmp_path: Path) -> None:
    """50 runs of a save loop, each killed with SIGKILL at a random moment."""
    script = tmp_path / "saver.py"
    script.write_text(SAVER)
    folder = tmp_path / "library"
    rng = random.Random(1234)
    for _ in range(50):
        child = subprocess.Popen(
            [sys.executable, str(script), str(folder)], stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.15))
        child.send_signal(signal.SIGKILL)
        child.wait()
    library = Library(folder)
    report = library.load()
    assert report.problems == []
    assert not (folder / ".corrupt").exists()
    assert len(library) > 50
    for path in folder.glob("*.toml"):
        assert path.read_bytes().startswith(b"version = 1\n")
    leftovers = [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]
    # A kill between creating and renaming a temporary file can leave it; it is never read.
    assert all(name.startswith(".") for name in leftovers)


@pytest.mark.slow
def test_draft_survives_a_killed_app(server: FakeOpenAI) -> None:
    """The app killed mid-stream: the draft on disk is whole and holds the text so far."""
    import pty

    server.queue_chat(Chat(text=" ".join(f"w{i}" for i in range(3000)), delay=0.005))
    env = {
        **os.environ,
        "OPENAI_BASE_URL": server.url,
        "OPENAI_API_KEY": "sk-test-killed",
        "TERM": "xterm-256color",
        "COLUMNS": "100",
        "LINES": "30",
    }
    pid, fd = pty.fork()
    if pid == 0:  # the child: run the app
        os.execvpe(sys.executable, [sys.executable, "-m", "artisan"], env)
    try:
        _read_until(fd, b"Idea", timeout=30)
        os.write(fd, b"a killed sunset")
        _read_until(fd, b"killed sunset", timeout=30)  # the idea is on screen
        os.write(fd, b"\n")  # ctrl+j
        deadline = time.monotonic() + 30
        draft_path = locations.draft_file()
        text = ""
        while time.monotonic() < deadline:
            _drain(fd)
            if draft_path.exists():
                data = json.loads(draft_path.read_text())
                versions = data.get("versions") or []
                text = versions[-1]["text"] if versions else ""
                if len(text.split()) > 50:
                    break
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)
    finally:
        os.waitpid(pid, 0)
        os.close(fd)
    data = json.loads(locations.draft_file().read_text())
    assert data["idea"] == "a killed sunset"
    assert data["versions"][-1]["text"].startswith("w0 w1 w2")
    assert len(data["versions"][-1]["text"].split()) > 50


def _read_until(fd: int, marker: bytes, timeout: float) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while marker not in seen and time.monotonic() < deadline:
        seen += _drain(fd, wait=0.1)
    assert marker in seen, seen[-500:]
    return seen


def _drain(fd: int, wait: float = 0.0) -> bytes:
    import select

    out = b""
    while True:
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            return out
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return out
        if not chunk:
            return out
        out += chunk
        wait = 0.0
