"""The text fields of the app: Textual's editor and input, with keys taken in the order typed.

Textual's `TextArea` and `Input` insert a typed character as soon as it reaches them, but run
their own key bindings (Backspace, Delete, the arrows, ctrl+k, ...) only after the key has
travelled up to the app and back. When several keys arrive in one read (fast typing over a
slow link, a paste of keystrokes, a chording keyboard), the characters after a Backspace are
inserted before the Backspace runs: `7f 41 42` typed into "abc" gave "abcA" instead of "abAB".
These fields run their own bindings as soon as the key reaches them, so every key is handled
in the order it was typed. What a key does is unchanged: the same binding runs, only sooner.
"""

from __future__ import annotations

from textual import events
from textual.widget import Widget
from textual.widgets import Input, TextArea


async def run_own_binding(widget: Widget, event: events.Key) -> bool:
    """Run the binding of `widget` itself for this key, at once; whether there was one.

    A printable key is no binding of a text field; a key that a priority binding takes never
    reaches the field; a key bound further up (the app's ctrl+j) is left to travel on.
    """
    if event.is_printable:
        return False
    active = widget.screen.active_bindings.get(event.key)
    if active is None or active.node is not widget or not active.enabled:
        return False
    event.stop()
    event.prevent_default()
    await widget.run_action(active.binding.action)
    return True


class Editor(TextArea):
    """A multi-line editor whose editing keys keep their order with the typed text."""

    async def _on_key(self, event: events.Key) -> None:
        # Textual calls the `_on_key` of every class up the line until one prevents the
        # default: a key bound here stops there, any other goes on to Textual's own.
        await run_own_binding(self, event)


class Field(Input):
    """A one-line input whose editing keys keep their order with the typed text."""

    async def _on_key(self, event: events.Key) -> None:
        # Textual calls the `_on_key` of every class up the line until one prevents the
        # default: a key bound here stops there, any other goes on to Textual's own.
        await run_own_binding(self, event)
