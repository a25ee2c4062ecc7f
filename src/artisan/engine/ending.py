"""How a chat answer ended, told with the figures: every answer is finished here.

When a stream is over, `finished` turns what arrived (a `Reply`) into the `Completion` the
workshop, the app and the command line receive, with a note that says why an answer is not a
whole one. This is the one place where an ended answer is finished: whatever judges an answer
after it ended belongs here.

A `length` finish has two causes that need different fixes. Either the answer reached the cap
artisan sent (`max_tokens`), or the request filled the server's context (llama.cpp's server
writes a few tokens after a prompt that nearly fills it, then stops with `length` too). They
are told apart by the usage figures against the cap, by the server's context size (`n_ctx`
from `/props`), and by llama.cpp's `truncated` flag where it sends one.
"""

from __future__ import annotations

from dataclasses import dataclass

from artisan.engine.answer import Completion, Usage
from artisan.engine.reply import REPEAT_LIMIT, Reply
from artisan.shorten import shorten
from artisan.state import State

REPEATED_SHOWN = 60
"""Characters of a repeated line quoted in the note."""
CONTEXT_MARGIN = 8
"""Tokens short of the context that still count as a full context (a chat template's last
tokens, a stop token)."""


@dataclass(frozen=True)
class Bounds:
    """The limits an answer ran within, as far as artisan knows them."""

    cap: int | None = None
    """The length cap sent (`max_tokens`); None when none was sent."""
    context: int | None = None
    """Tokens of context the server gives one request (its `n_ctx`), when known."""


def finished(reply: Reply, prompt_chars: int, bounds: Bounds | None = None) -> Completion:
    """The answer as it stands, with a note saying why when it is not a whole one.

    Args:
        reply: What arrived.
        prompt_chars: Characters of the messages sent, for estimating usage when the server
            reported none.
        bounds: The cap sent and the server's context, to tell which one stopped the answer.
    """
    text = reply.text()
    reasoning = reply.reasoning().strip()
    finish = reply.finish or State.INTERRUPTED
    usage = reply.usage or Usage.estimate(prompt_chars, len(text) + len(reasoning))
    return Completion(
        text=text,
        finish=finish,
        model=reply.model,
        usage=usage,
        note=note(reply, finish, usage, bounds or Bounds()),
        reasoning=reasoning,
        thinking_seconds=reply.thinking_seconds,
    )


def note(reply: Reply, finish: State, usage: Usage, bounds: Bounds) -> str:
    """Why the answer is not a whole one, for a person; empty when it is one."""
    text, reasoning = reply.text(), reply.reasoning().strip()
    empty = not text.strip()
    if reply.repeated:
        return repeat_note(reply)
    if empty and reasoning and finish in (State.TRUNCATED, State.INTERRUPTED):
        if finish is State.TRUNCATED and _context_filled(reply, usage, bounds):
            return "the model thought until " + length_note(reply, usage, bounds)
        return (
            "the model used its whole length thinking and wrote no answer; raise "
            "`max_tokens`, or use a model that does not think"
        )
    if finish is State.TRUNCATED:
        return length_note(reply, usage, bounds)
    if finish is State.FILTERED:
        return finish.ending
    odd = odd_note(reply)
    if finish is State.INTERRUPTED:
        if reply.dropped:
            return "the connection dropped before the answer finished"
        if empty and odd:
            return f"nothing usable arrived: {odd}"
        if empty and reply.usage_only:
            return "the server sent only its token counts, and no answer"
        if reply.saw_done:
            return (
                "the server ended the stream ([DONE]) without saying the answer was finished "
                "(llama-cpp-python's server does this to a running answer when another "
                "request arrives)"
            )
        return "the answer ended without finishing (the server stopped sending)"
    if empty and reasoning:
        return "the model thought but wrote no answer"
    if empty and reply.chatter:
        return f"the model wrote only an introduction ({reply.chatter[0]!r}) and no prompt"
    if empty and odd:
        return f"nothing usable arrived: {odd}"
    if empty:
        return State.EMPTY.ending
    return odd


def repeat_note(reply: Reply) -> str:
    """Why a looping answer was stopped."""
    what = "words" if reply.repeated_in_line else "line"
    return (
        f"the model kept repeating the same {what} ({shorten(reply.repeated, REPEATED_SHOWN)!r}, "
        f"{REPEAT_LIMIT} times), so it was stopped"
    )


def odd_note(reply: Reply) -> str:
    """What arrived that could not be used, in words; empty when everything could."""
    if not reply.odd:
        return ""
    parts = [f"{what} ({count}x)" if count > 1 else what for what, count in reply.odd.items()]
    return "the server sent " + "; ".join(parts) + ", which was left out"


def length_note(reply: Reply, usage: Usage, bounds: Bounds) -> str:
    """Which length limit stopped the answer, with the figures when they are known."""
    if _context_filled(reply, usage, bounds):
        used = (
            f"{usage.prompt_tokens:,} for the request and {usage.completion_tokens:,} "
            "for the answer"
        )
        if bounds.context is not None:
            return (
                f"the server's context filled up ({bounds.context:,} tokens: {used}); "
                "shorten the idea, or give the server a larger context"
            )
        return (
            f"the server's context filled up ({used}, before `max_tokens`); "
            "shorten the idea, or give the server a larger context"
        )
    if bounds.cap is None:
        return State.TRUNCATED.ending
    if usage.estimated:
        return (
            f"the answer reached a length limit and may be cut short: `max_tokens` "
            f"({bounds.cap:,}) or the server's context (it reports no token counts to tell)"
        )
    return (
        f"the answer reached the length limit (`max_tokens` = {bounds.cap:,} tokens) and may "
        "be cut short"
    )


def _context_filled(reply: Reply, usage: Usage, bounds: Bounds) -> bool:
    """Whether the context, not the cap, ended the answer."""
    if reply.context_full:
        return True
    if usage.estimated:
        return False
    if bounds.context is not None and (
        usage.prompt_tokens + usage.completion_tokens >= bounds.context - CONTEXT_MARGIN
    ):
        return True
    return bounds.cap is not None and usage.completion_tokens < bounds.cap
