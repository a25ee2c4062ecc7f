"""Deciding how to show a rendered image, and opening it in the system viewer.

The `open` setting says how: `system` (the desktop's image viewer), `terminal` (a preview inside
the terminal, which the app draws; the command line prints the path), `never`, or `auto`, which
picks the viewer only in a local graphical session: macOS, Windows, or a Linux/BSD desktop with
`DISPLAY` or `WAYLAND_DISPLAY`, and not over SSH (there a viewer would open on the remote
machine's screen, or not at all). Everything else gets the terminal.

`choose_viewer` is a pure function of the mode, the platform and the environment, so every
combination is tested without a display. The viewer runs from an argument list, never through a
shell, so no file name can inject a command; `open_image` takes the launcher as a parameter so
tests record the call instead of opening a window.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from artisan.errors import ArtisanError

SYSTEM = "system"
TERMINAL = "terminal"
NEVER = "never"
AUTO = "auto"
_SSH_VARIABLES = ("SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT")


class ViewerError(ArtisanError):
    """The system image viewer could not be started."""


@dataclass(frozen=True)
class ViewChoice:
    """How to show an image here."""

    how: str
    """"system", "terminal" or "never"."""
    command: tuple[str, ...] = ()
    """For "system": the viewer command, given the file as its last argument. Empty on
    Windows, where the file's associated program is started (`os.startfile`)."""
    reason: str = ""
    """Why, in a few words: "over SSH", "no graphical display", "open = terminal"."""


Launcher = Callable[[Sequence[str], Path], None]
"""Starts `command` with the image (an empty command: the platform's file association)."""


def choose_viewer(mode: str, platform: str, environ: Mapping[str, str]) -> ViewChoice:
    """Decide how to show an image.

    Args:
        mode: The `open` setting: auto, system, terminal or never.
        platform: `sys.platform` ("darwin", "win32", "linux", ...).
        environ: The environment (`DISPLAY`, `WAYLAND_DISPLAY`, `SSH_CONNECTION`, ...).
    """
    if mode == NEVER:
        return ViewChoice(NEVER, reason="open = never")
    if mode == TERMINAL:
        return ViewChoice(TERMINAL, reason="open = terminal")
    if mode == SYSTEM:
        return ViewChoice(SYSTEM, system_command(platform), reason="open = system")
    if mode != AUTO:
        raise ValueError(f"unknown open mode {mode!r}")
    if any(environ.get(name) for name in _SSH_VARIABLES):
        return ViewChoice(TERMINAL, reason="over SSH")
    if platform in ("darwin", "win32"):
        return ViewChoice(SYSTEM, system_command(platform), reason="local desktop")
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return ViewChoice(SYSTEM, system_command(platform), reason="local desktop")
    return ViewChoice(TERMINAL, reason="no graphical display")


def system_command(platform: str) -> tuple[str, ...]:
    """The command that opens a file in its default program."""
    if platform == "darwin":
        return ("open",)
    if platform == "win32":
        return ()
    return ("xdg-open",)


def launch_viewer(command: Sequence[str], path: Path) -> None:
    """Start the viewer without waiting for it, detached from the terminal.

    Raises:
        OSError: FileNotFoundError when the command does not exist, and so on.
    """
    if not command:
        # Windows only: start the program associated with the file type.
        startfile: Callable[[str], None] | None = getattr(os, "startfile", None)
        if startfile is None:
            raise FileNotFoundError("no program to open files with on this system")
        startfile(str(path))
        return
    subprocess.Popen(
        [*command, str(path)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # Its own session: closing the terminal or pressing Ctrl-C in it leaves the viewer open.
        start_new_session=True,
    )


def open_image(path: Path, choice: ViewChoice, *, launch: Launcher | None = None) -> bool:
    """Open an image in the system viewer when `choice` says so.

    Args:
        path: The image.
        choice: From `choose_viewer`.
        launch: Starts the viewer; tests pass a recorder. Default: `launch_viewer`.

    Returns:
        True when a viewer was started; False when the choice is the terminal or never (the
        caller shows a preview or the path).

    Raises:
        ViewerError: the viewer is not installed or could not be started.
    """
    if choice.how != SYSTEM:
        return False
    launcher = launch if launch is not None else launch_viewer
    viewer = choice.command[0] if choice.command else "the default program"
    try:
        launcher(choice.command, path)
    except FileNotFoundError:
        if choice.command:
            hint = " (install xdg-utils)" if viewer == "xdg-open" else ""
            missing = f"the viewer `{viewer}` is not installed{hint}"
        else:
            missing = "no program is set to open image files"
        raise ViewerError(
            f"No viewer: {missing}. The image is at {path} (`artisan config set open "
            "terminal` shows images in the terminal instead)."
        ) from None
    except OSError as error:
        raise ViewerError(
            f"Cannot open the image with `{viewer}`: {error.strerror or error}. "
            f"The image is at {path}."
        ) from None
    return True


def show_image(
    path: Path,
    mode: str,
    *,
    platform: str | None = None,
    environ: Mapping[str, str] | None = None,
    launch: Launcher | None = None,
) -> ViewChoice:
    """Choose how to show `path` here and open it when that means the system viewer.

    Returns:
        The choice, so the caller can draw a terminal preview or print the path instead.

    Raises:
        ViewerError: the system viewer could not be started.
    """
    choice = choose_viewer(
        mode,
        sys.platform if platform is None else platform,
        os.environ if environ is None else environ,
    )
    open_image(path, choice, launch=launch)
    return choice
