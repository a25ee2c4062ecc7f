"""Where things are, and the environment every measured artisan process gets."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""The repository root."""
BENCHMARKS = ROOT / "benchmarks"
APPS = BENCHMARKS / "apps"
"""Small scripts run as child processes: baselines and the loopback server."""
DATA = BENCHMARKS / ".data"
"""Generated libraries, cached between runs (git-ignored)."""
DEFAULT_RESULTS = BENCHMARKS / "results.json"

PYTHON = sys.executable
TEST_KEY = "sk-test"

_FOREIGN_VARIABLES = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "COLUMNS",
    "LINES",
    "TERM_PROGRAM",
    "VTE_VERSION",
    "TMUX",
    "STY",
    # No graphical display and no SSH session, whatever machine this runs on: artisan then
    # previews images in the terminal and probes its image protocol at launch, as over SSH.
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "SSH_CONNECTION",
    "SSH_CLIENT",
    "SSH_TTY",
)


def artisan_command() -> list[str]:
    """How a person starts artisan: the installed console script next to this Python."""
    script = Path(PYTHON).parent / "artisan"
    if script.is_file():
        return [str(script)]
    return [PYTHON, "-m", "artisan"]


def child_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a measured child: its own config and data folders, no key or proxy
    from outside, no Textual developer switches."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in _FOREIGN_VARIABLES and not key.startswith("TEXTUAL")
    }
    env.update(
        ARTISAN_CONFIG_DIR=str(home / "config"),
        ARTISAN_DATA_DIR=str(home / "data"),
        XDG_PICTURES_DIR=str(home / "pictures"),
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
    )
    env.update(extra)
    return env


def isolate_this_process(home: Path) -> None:
    """Give in-process app runs the same isolated folders and clean environment."""
    for key in _FOREIGN_VARIABLES:
        os.environ.pop(key, None)
    os.environ.update(child_env(home))
