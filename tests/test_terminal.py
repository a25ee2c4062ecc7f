"""What the terminal can do, from controlled environments (and a stand-in `tmux` on PATH)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from artisan.terminal import (
    TMUX_FIX,
    clipboard_support,
    image_support,
    terminal_facts,
    tmux_set_clipboard,
)


def fake_tmux(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> Path:
    """Put a `tmux` that runs `script` first on PATH; it records its arguments."""
    folder = tmp_path / "bin"
    folder.mkdir(exist_ok=True)
    tmux = folder / "tmux"
    tmux.write_text(f'#!/bin/sh\necho "$@" > "{folder}/args"\n{script}\n')
    tmux.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")
    return folder


TMUX_ENV = {"TMUX": "/tmp/tmux-0/default,123,0", "TERM": "tmux-256color", "TERM_PROGRAM": "tmux"}


@pytest.mark.parametrize("setting", ["external", "off"])
def test_tmux_that_drops_osc52_is_reported_with_the_fix(
    setting: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = fake_tmux(tmp_path, monkeypatch, f"echo {setting}")
    support = clipboard_support(TMUX_ENV)
    assert support.works is False
    assert f"`{setting}`" in support.reason
    assert support.fix == TMUX_FIX and "set -g set-clipboard on" in support.fix
    assert (folder / "args").read_text().split() == ["show", "-gv", "set-clipboard"]


def test_tmux_with_set_clipboard_on_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_tmux(tmp_path, monkeypatch, "echo on")
    assert clipboard_support(TMUX_ENV).works is True


def test_a_tmux_that_does_not_answer_in_time_is_unknown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_tmux(tmp_path, monkeypatch, "sleep 5; echo on")
    assert tmux_set_clipboard(timeout=0.3) is None


def test_a_tmux_that_fails_is_unknown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_tmux(tmp_path, monkeypatch, "echo 'no server running' >&2; exit 1")
    support = clipboard_support(TMUX_ENV)
    assert support.works is None and "could not be read" in support.reason
    assert support.fix == TMUX_FIX


def test_the_outer_terminal_is_judged_even_under_tmux(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_tmux(tmp_path, monkeypatch, "echo on")
    support = clipboard_support({**TMUX_ENV, "VTE_VERSION": "7600"})
    assert support.works is False and "VTE" in support.reason


@pytest.mark.parametrize(
    ("environ", "works", "said"),
    [
        ({"TERM_PROGRAM": "Apple_Terminal", "TERM": "xterm-256color"}, False, "Terminal.app"),
        ({"VTE_VERSION": "6800", "TERM": "xterm-256color"}, False, "VTE"),
        ({"KITTY_WINDOW_ID": "1", "TERM": "xterm-kitty"}, True, "kitty"),
        ({"TERM_PROGRAM": "WezTerm", "TERM": "xterm-256color"}, True, "WezTerm"),
        ({"TERM": "foot"}, True, "foot"),
        ({"TERM_PROGRAM": "iTerm.app", "TERM": "xterm-256color"}, None, "iTerm2"),
        ({"TERM": "xterm-256color"}, None, "could not be identified"),
        ({"STY": "1234.pts-0", "TERM": "screen"}, None, "screen"),
    ],
)
def test_clipboard_by_terminal(environ: dict[str, str], works: bool | None, said: str) -> None:
    support = clipboard_support(environ)
    assert support.works is works and said in support.reason
    if works is False:
        assert support.fix


@pytest.mark.parametrize(
    ("environ", "protocol"),
    [
        ({"KITTY_WINDOW_ID": "1", "TERM": "xterm-kitty"}, "kitty"),
        ({"TERM_PROGRAM": "ghostty", "TERM": "xterm-ghostty"}, "kitty"),
        ({"TERM_PROGRAM": "WezTerm"}, "sixel"),
        ({"TERM": "foot-extra"}, "sixel"),
        ({"TERM_PROGRAM": "iTerm.app"}, "sixel"),
        ({**TMUX_ENV, "KITTY_WINDOW_ID": "1"}, "half-blocks"),
        ({"TERM": "xterm-256color"}, "half-blocks"),
    ],
)
def test_image_protocol_from_the_environment(environ: dict[str, str], protocol: str) -> None:
    assert image_support(environ).protocol == protocol


def test_terminal_facts_over_ssh_in_tmux() -> None:
    facts = terminal_facts(
        {**TMUX_ENV, "SSH_CONNECTION": "10.0.0.2 5000 10.0.0.1 22", "COLORTERM": "truecolor"},
        tmux_setting=lambda: "external",
    )
    assert facts.tmux and facts.ssh and not facts.screen and facts.truecolor
    assert facts.clipboard.works is False and facts.images.protocol == "half-blocks"
    assert facts.to_dict()["clipboard"]["fix"] == TMUX_FIX
