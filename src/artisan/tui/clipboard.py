"""Copying from the app: send the text with OSC 52, then say what became of it.

OSC 52 asks the terminal to put text on the clipboard; whether it arrives depends on the
terminal and on tmux between them (see `artisan.terminal.clipboard_support`). The notice never
claims a copy that cannot arrive, and says what to change when it cannot. Finding out may ask
tmux (a short subprocess), so it happens in a thread.
"""

from __future__ import annotations

from typing import Any

from textual.app import App


def copy_and_tell(app: App[Any], text: str, what: str) -> None:
    """Put `text` on the clipboard and tell what happened to it.

    Args:
        app: The app (its clipboard, its notifications).
        text: What to copy.
        what: What it is, for the notice: "the prompt", "the path".
    """
    app.copy_to_clipboard(text)
    app.run_worker(lambda: _tell(app, what, len(text)), thread=True, group="clipboard")


def copy_notice(what: str, length: int) -> tuple[str, bool]:
    """The notice after a copy, and whether it is a warning."""
    from artisan.terminal import clipboard_support

    support = clipboard_support()
    fix = f" {support.fix}" if support.fix else ""
    if support.works:
        return f"Copied {what} ({length:,} characters) to the clipboard (OSC 52).", False
    if support.works is None:
        alternative = fix or " select the text with the mouse instead."
        return (
            f"Sent {what} ({length:,} characters) to the clipboard with OSC 52. "
            f"{support.reason} If pasting gives nothing:{alternative}"
        ), True
    return f"Not copied: {support.reason}{fix}", True


def _tell(app: App[Any], what: str, length: int) -> None:
    message, warning = copy_notice(what, length)
    severity = "warning" if warning else "information"
    app.call_from_thread(app.notify, message, severity=severity, timeout=10)
