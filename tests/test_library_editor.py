"""`e` in the Library list hands the prompt to the person's editor and keeps what comes back.

The app runs as `artisan` in a real pseudo-terminal: handing the terminal over to an editor
(leaving the alternate screen, running the editor on the real terminal, coming back) cannot
happen in a headless test app.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from artisan import locations
from artisan.library import Library
from artisan.tui.setup import WELCOMED
from benchmarks.terminal import PtyProcess
from tui_helpers import fill_library

CTRL_L = b"\x0c"
ENTER = b"\r"
SEARCH_BOX_FOCUSED = re.compile(rb"S\x1b\[0m(?:\x1b\[[0-9;]*m)*earch  \(ctrl\+l\)")
"""The search box drawn with its cursor on the first letter of its placeholder: it has focus."""
LEAVE_SCREEN = b"\x1b[?1049l"
ENTER_SCREEN = b"\x1b[?1049h"
DEADLINE = 60.0
"""Seconds for each step; generous, for a machine under load (a step that works is quick)."""


def scripted_editor(folder: Path, body: str) -> Path:
    """An editor that says on the terminal that it ran, then does `body` to the file ($1)."""
    script = folder / "editor.sh"
    script.write_text(f'#!/bin/sh\nprintf "EDITOR RAN ON %s\\n" "$1"\n{body}\n')
    script.chmod(0o755)
    return script


def start_artisan(editor: Path) -> PtyProcess:
    """artisan as someone who has been here before: no welcome in the way."""
    locations.data_dir().mkdir(parents=True, exist_ok=True)
    (locations.data_dir() / WELCOMED).touch()
    env = {key: value for key, value in os.environ.items() if key != "VISUAL"}
    env["EDITOR"] = str(editor)
    return PtyProcess([sys.executable, "-m", "artisan"], env, columns=120, rows=40).start()


def edit_first_entry(app: PtyProcess) -> None:
    """Wait for the library, go to its list and press e, as a person does: each key once the
    screen shows the last one took effect (focus moves after the keys already typed are
    handled). Then wait until the editor has run and the app has taken the screen back."""
    app.wait_for(b" 1 saved", timeout=DEADLINE)
    app.send(CTRL_L)
    app.wait_for(SEARCH_BOX_FOCUSED, timeout=DEADLINE)
    app.send(ENTER)  # from the search box to the list: the key bar shows the list's keys
    app.wait_for(b"Rename", timeout=DEADLINE)
    app.send(b"e")
    app.wait_for(LEAVE_SCREEN, b"EDITOR RAN ON ", ENTER_SCREEN, timeout=DEADLINE)


def test_the_edited_prompt_is_saved(tmp_path: Path) -> None:
    [entry] = fill_library(1)
    editor = scripted_editor(tmp_path, 'printf "Edited in the editor.\\n" > "$1"')
    with start_artisan(editor) as app:
        edit_first_entry(app)
        app.wait_for(b"Prompt saved", timeout=DEADLINE)
    assert Library(locations.library_dir()).get(entry.id).prompt == "Edited in the editor."


def test_the_editor_gets_the_prompt_and_a_failing_editor_changes_nothing(
    tmp_path: Path,
) -> None:
    [entry] = fill_library(1)
    seen = tmp_path / "seen.txt"
    editor = scripted_editor(tmp_path, f'cat "$1" > "{seen}"\nprintf "half" > "$1"\nexit 3')
    with start_artisan(editor) as app:
        edit_first_entry(app)
        app.wait_for(b"exited with status 3", timeout=DEADLINE)
    assert seen.read_text(encoding="utf-8") == entry.prompt
    assert Library(locations.library_dir()).get(entry.id).prompt == entry.prompt
