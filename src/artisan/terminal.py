"""What the terminal can do, told from the environment alone (no escape sequences sent).

Copying uses OSC 52, which most terminals honour even over SSH, but not all: Terminal.app and
VTE-based terminals (GNOME Terminal, Tilix) ignore it, iTerm2 asks for a setting first, and under
tmux it reaches the outer terminal only when tmux's `set-clipboard` is `on`. `clipboard_support`
says which case this is, so the app never claims a copy that did not happen. The image protocol
is guessed the same way, for `artisan doctor`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

TMUX_TIMEOUT = 1.0
TMUX_FIX = (
    "Add `set -g set-clipboard on` to ~/.tmux.conf, then run `tmux source-file ~/.tmux.conf`."
)
MOUSE_FIX = "Select the text with the mouse and copy it from the terminal instead."


@dataclass(frozen=True)
class ClipboardSupport:
    """Whether a copy sent with OSC 52 reaches the clipboard."""

    works: bool | None
    """True: it does; False: it does not; None: it depends on something artisan cannot see."""
    reason: str
    fix: str = ""


@dataclass(frozen=True)
class ImageSupport:
    """The image protocol a preview will most likely use."""

    protocol: str
    """`kitty`, `sixel` or `half-blocks`."""
    reason: str


@dataclass(frozen=True)
class TerminalFacts:
    term: str
    term_program: str
    colorterm: str
    tmux: bool
    screen: bool
    ssh: bool
    truecolor: bool
    clipboard: ClipboardSupport
    images: ImageSupport

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


TmuxQuery = Callable[[], str | None]


def terminal_facts(
    environ: Mapping[str, str] | None = None, *, tmux_setting: TmuxQuery | None = None
) -> TerminalFacts:
    """Everything artisan can tell about the terminal from its environment."""
    env = os.environ if environ is None else environ
    colorterm = env.get("COLORTERM", "")
    return TerminalFacts(
        term=env.get("TERM", ""),
        term_program=env.get("TERM_PROGRAM", ""),
        colorterm=colorterm,
        tmux=in_tmux(env),
        screen=in_screen(env),
        ssh=over_ssh(env),
        truecolor=colorterm.lower() in ("truecolor", "24bit"),
        clipboard=clipboard_support(env, tmux_setting=tmux_setting),
        images=image_support(env),
    )


def in_tmux(env: Mapping[str, str]) -> bool:
    """Under tmux: by `$TMUX`, or by the terminal itself when `$TMUX` did not come along (after
    `ssh` from a tmux pane, `TERM` is still tmux's)."""
    return (
        bool(env.get("TMUX"))
        or env.get("TERM_PROGRAM") == "tmux"
        or env.get("TERM", "").startswith("tmux")
    )


def in_screen(env: Mapping[str, str]) -> bool:
    """Under GNU screen (or tmux with its `screen` terminal type, which is the same to us)."""
    return not in_tmux(env) and (bool(env.get("STY")) or env.get("TERM", "").startswith("screen"))


def under_multiplexer(env: Mapping[str, str]) -> bool:
    """Under tmux or GNU screen, told by the environment or by the terminal type."""
    return in_tmux(env) or in_screen(env)


def over_ssh(env: Mapping[str, str]) -> bool:
    return any(env.get(name) for name in ("SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"))


def clipboard_support(
    environ: Mapping[str, str] | None = None, *, tmux_setting: TmuxQuery | None = None
) -> ClipboardSupport:
    """Whether copying with OSC 52 works here, why, and what would make it work."""
    env = os.environ if environ is None else environ
    outer = _outer_terminal_refuses(env)
    if outer is not None:
        return outer
    if in_tmux(env):
        setting = (tmux_setting or tmux_set_clipboard)()
        if setting == "on":
            return ClipboardSupport(
                True, "tmux passes OSC 52 on to the terminal (set-clipboard on)."
            )
        if setting in ("external", "off"):
            return ClipboardSupport(
                False,
                f"tmux's set-clipboard is `{setting}`: tmux drops OSC 52 sent by programs "
                "inside it, so a copy never reaches your terminal.",
                TMUX_FIX,
            )
        return ClipboardSupport(
            None, "Running under tmux, whose set-clipboard setting could not be read.", TMUX_FIX
        )
    if in_screen(env):
        return ClipboardSupport(
            None,
            "GNU screen passes OSC 52 on only in some setups.",
            "Run artisan outside screen, or " + MOUSE_FIX[0].lower() + MOUSE_FIX[1:],
        )
    program = env.get("TERM_PROGRAM", "")
    if program == "iTerm.app":
        return ClipboardSupport(
            None,
            "iTerm2 accepts OSC 52 only when allowed in its settings.",
            "In iTerm2: Settings > General > Selection, tick "
            '"Applications in terminal may access clipboard".',
        )
    known = _known_good(env)
    if known:
        return ClipboardSupport(True, f"{known} accepts OSC 52.")
    return ClipboardSupport(
        None, "OSC 52 works in most terminals, but this one could not be identified.", ""
    )


def image_support(environ: Mapping[str, str] | None = None) -> ImageSupport:
    """The image protocol a preview will most likely get, from the environment alone."""
    env = os.environ if environ is None else environ
    term = env.get("TERM", "")
    program = env.get("TERM_PROGRAM", "")
    if in_tmux(env):
        return ImageSupport("half-blocks", "tmux does not pass graphics through by default.")
    if in_screen(env):
        return ImageSupport("half-blocks", "GNU screen does not pass graphics through.")
    if env.get("KITTY_WINDOW_ID") or term == "xterm-kitty":
        return ImageSupport("kitty", "kitty speaks its own graphics protocol.")
    if program.lower() == "ghostty" or term == "xterm-ghostty":
        return ImageSupport("kitty", "Ghostty speaks the kitty graphics protocol.")
    sixel = {
        "WezTerm": "WezTerm",
        "iTerm.app": "iTerm2",
        "mlterm": "mlterm",
    }.get(program)
    if sixel is None and term.startswith("foot"):
        sixel = "foot"
    if sixel is None and env.get("WT_SESSION"):
        sixel = "Windows Terminal"
    if sixel is None and env.get("KONSOLE_VERSION"):
        sixel = "Konsole"
    if sixel is not None:
        return ImageSupport("sixel", f"{sixel} shows Sixel images.")
    return ImageSupport(
        "half-blocks", "No terminal with an image protocol was recognised from the environment."
    )


def tmux_set_clipboard(timeout: float = TMUX_TIMEOUT) -> str | None:
    """tmux's `set-clipboard` option (`on`, `external` or `off`), or None when unknown."""
    tmux = shutil.which("tmux")
    if tmux is None:
        return None
    try:
        done = subprocess.run(
            [tmux, "show", "-gv", "set-clipboard"],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    value = done.stdout.strip()
    return value if done.returncode == 0 and value in ("on", "external", "off") else None


def _outer_terminal_refuses(env: Mapping[str, str]) -> ClipboardSupport | None:
    # Checked before tmux: these variables come from the terminal tmux runs in.
    if env.get("TERM_PROGRAM") == "Apple_Terminal":
        return ClipboardSupport(False, "Terminal.app ignores OSC 52.", MOUSE_FIX)
    if env.get("VTE_VERSION"):
        return ClipboardSupport(
            False, "VTE-based terminals (GNOME Terminal, Tilix, ...) ignore OSC 52.", MOUSE_FIX
        )
    return None


def _known_good(env: Mapping[str, str]) -> str | None:
    term = env.get("TERM", "")
    program = env.get("TERM_PROGRAM", "")
    if env.get("KITTY_WINDOW_ID") or term == "xterm-kitty":
        return "kitty"
    if program == "WezTerm":
        return "WezTerm"
    if program.lower() == "ghostty" or term == "xterm-ghostty":
        return "Ghostty"
    if term.startswith("foot"):
        return "foot"
    if env.get("ALACRITTY_WINDOW_ID") or term == "alacritty":
        return "Alacritty"
    if env.get("WT_SESSION"):
        return "Windows Terminal"
    return None
