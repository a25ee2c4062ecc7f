"""Text cut to a length, one way everywhere: on one line, ending (or broken in the middle) with
an ellipsis, so a reader always sees that something was left out.
"""

from __future__ import annotations

from collections.abc import Callable

ELLIPSIS = "…"


def shorten(
    text: str,
    limit: int,
    *,
    middle: bool = False,
    at_word: bool = False,
    one_line: bool = True,
    measure: Callable[[str], int] = len,
) -> str:
    """`text` in at most `limit` (as `measure` counts: characters, or terminal cells).

    Args:
        text: Any text.
        limit: The longest result.
        middle: Cut in the middle instead of at the end: titles often differ only at their end
            ("harbour at dawn, number 1"), so both ends stay in sight.
        at_word: Cut at the last whole word (and a comma or stop before it).
        one_line: Runs of white space, line breaks included, become one space first.
        measure: How long a text is: `len`, or a count of terminal cells.

    Returns:
        `text` itself when it fits, else its start (and with `middle` its end), an ellipsis
        between or after.
    """
    if one_line:
        text = " ".join(text.split())
    if measure(text) <= limit:
        return text
    if limit <= 0:
        return ""
    if middle and limit >= 12:
        tail = _fit_end(text, (limit - 1) * 2 // 5, measure).lstrip()
        head = _fit_start(text, limit - 1 - measure(tail), measure).rstrip()
        return f"{head}{ELLIPSIS}{tail}"
    head = _fit_start(text, limit - 1, measure)
    if at_word and " " in head:
        head = head.rsplit(" ", 1)[0].rstrip(",.;:")
    return head.rstrip() + ELLIPSIS


def _fit_start(text: str, limit: int, measure: Callable[[str], int]) -> str:
    """The longest start of `text` that measures at most `limit`."""
    head = text[: max(0, limit)]
    while head and measure(head) > limit:
        head = head[:-1]
    return head


def _fit_end(text: str, limit: int, measure: Callable[[str], int]) -> str:
    """The longest end of `text` that measures at most `limit`."""
    tail = text[-limit:] if limit > 0 else ""
    while tail and measure(tail) > limit:
        tail = tail[1:]
    return tail
