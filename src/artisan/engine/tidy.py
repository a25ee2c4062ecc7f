"""What a chat model wraps around a prompt, taken off as the answer streams.

Small models rarely answer with the prompt alone: they introduce it ("Here is your prompt:",
"Sure! I'll create a prompt that..."), label it (`Prompt: ...`), or wrap all of it in quotes or
a code fence. None of that belongs in a prompt sent to an image model, so it is removed before
anyone sees it: on screen, on stdout and in the library the prompt is the same text.

Only the head of an answer is held back, and only while it may still be such a wrapping: an
answer that starts like a prompt streams at once; one that starts with an opening word of
chatter waits for the end of its first line; one that starts with a quote or a fence waits
until its closing one shows whether it wraps everything. Once decided, each piece passes
straight through.

Titles and answers that are not prompts at all (parameters alone, a negative prompt with no
positive one) are left as they are: judging a prompt is the prompt checker's work.
"""

from __future__ import annotations

import re
from collections.abc import Callable

Emit = Callable[[str], None]

CHATTER_OPENERS = (
    "here",
    "sure",
    "certainly",
    "of course",
    "okay",
    "ok,",
    "ok!",
    "absolutely",
    "great",
    "i'll",
    "i will",
    "i've",
    "i have",
    "below",
    "this prompt",
    "the prompt",
    "a variation",
    "variation",
    "the variation",
    "this variation",
    "a new prompt",
    "the revised",
    "the refined",
    "prompt",
    "image prompt",
    "**prompt",
    "**image prompt",
)
"""How a line of chatter starts (lower case): a line that starts otherwise streams at once."""
MAX_CHATTER = 200
"""A longer first line is the answer, whatever its first word."""
MAX_CHATTER_LINES = 3
WRAPPERS = (("```", "```"), ('"', '"'), ("“", "”"))
"""Openings that may wrap a whole answer, with their closings."""
_LABEL = re.compile(r"\**(?:image\s+)?prompt\**\s*:\s*\**\s*", re.IGNORECASE)
_INTERJECTION = re.compile(
    r"(?:sure|certainly|of course|okay|ok|absolutely|great)[!.,]*", re.IGNORECASE
)

# Where the answer stands: its head still undecided, held inside a possible wrapping, or
# decided (everything passes).
_HEAD, _WRAPPED, _PASS = range(3)


class Tidier:
    """Takes the answer's pieces as they arrive and passes on the prompt inside them.

    Args:
        emit: Told each piece of the prompt, in order; together they are the whole prompt.
    """

    def __init__(self, emit: Emit) -> None:
        self.emit = emit
        self.dropped: list[str] = []
        """The lines of chatter taken off, for a note when nothing else came."""
        self._mode = _HEAD
        self._held = ""
        self._closing = ""

    def feed(self, piece: str) -> None:
        if self._mode == _PASS:
            self.emit(piece)
            return
        self._held += piece
        if self._mode == _HEAD:
            self._decide_head(final=False)
        if self._mode == _WRAPPED:
            self._look_for_closing()

    def close(self) -> None:
        """The answer is over: let go of what was held, unwrapped when it was wrapped."""
        if self._mode == _HEAD:
            self._decide_head(final=True)
        if self._mode == _WRAPPED:
            held, self._held = self._held, ""
            self._mode = _PASS
            inner = _unwrapped(held, self._closing)
            self._pass(held if inner is None else inner)

    # The head ------------------------------------------------------------------------------

    def _decide_head(self, *, final: bool) -> None:
        while self._mode == _HEAD:
            head = self._held.lstrip()
            if not head:
                return
            label = _LABEL.match(head)
            if label and (label.end() < len(head) or final):
                self.dropped.append(head[: label.end()].strip())
                self._held = head[label.end() :]
                continue
            wrapper = _opening(head)
            if wrapper is not None:
                self._held = head
                self._closing = wrapper
                self._mode = _WRAPPED
                return
            if _may_open(head) and not final:
                return  # an opening quote or fence still arriving
            line, newline, rest = head.partition("\n")
            if len(self.dropped) >= MAX_CHATTER_LINES or not _may_be_chatter(line):
                self._pass_head(head)
                return
            if not newline and not final and len(line) <= MAX_CHATTER:
                return  # the line may still end as chatter
            if _is_chatter(line):
                self.dropped.append(line.strip())
                self._held = rest
                continue
            self._pass_head(head)
            return

    def _pass_head(self, head: str) -> None:
        """The head is the prompt's: it passes, with its leading whitespace unless chatter
        came before it."""
        self._mode = _PASS
        held, self._held = self._held, ""
        self._pass(held if not self.dropped else head)

    # A possible wrapping -------------------------------------------------------------------

    def _look_for_closing(self) -> None:
        """Hold while the closing may still be the last thing; pass all once text follows it."""
        held, closing = self._held, self._closing
        if closing == "```":
            newline = held.find("\n")
            if newline < 0:
                return
            end = held.find(closing, newline + 1)
        else:
            end = held.find(closing, 1)
        if end < 0:
            return
        if held[end + len(closing) :].strip():
            self._mode = _PASS
            self._held = ""
            self._pass(held)

    def _pass(self, text: str) -> None:
        if text:
            self.emit(text)


def _opening(head: str) -> str | None:
    """The closing of the wrapping `head` opens with, if it opens with one."""
    for opening, closing in WRAPPERS:
        if head.startswith(opening):
            return closing
    return None


def _may_open(head: str) -> bool:
    """Whether `head` is the start of an opening still arriving (a fence's first backticks)."""
    return any(opening.startswith(head) for opening, _ in WRAPPERS)


def _may_be_chatter(line: str) -> bool:
    start = line.lstrip().lower()
    return any(start.startswith(opener) or opener.startswith(start) for opener in CHATTER_OPENERS)


def _is_chatter(line: str) -> bool:
    """An introduction: a short line starting like chatter and ending in a colon, or a lone
    "Sure!"."""
    text = line.strip().strip("*").strip()
    if not text or len(text) > MAX_CHATTER:
        return False
    return text.endswith(":") or bool(_INTERJECTION.fullmatch(text))


def _unwrapped(held: str, closing: str) -> str | None:
    """What is inside a wrapping that holds the whole answer, or None when it does not."""
    text = held.strip()
    if closing == "```":
        if not text.endswith("```") or len(text) < 6:
            return None
        first_line, _, body = text[3:].partition("\n")
        if " " in first_line.strip():
            return None  # prose on the fence's line: not a fence around the answer
        inner = body[:-3] if body.endswith("```") else None
    else:
        opening = next(o for o, c in WRAPPERS if c == closing)
        if len(text) < 2 or not text.endswith(closing):
            return None
        inner = text[len(opening) : -len(closing)]
        if closing in inner or (opening != closing and opening in inner):
            return None  # quotes inside: the answer is not one quoted text
    if inner is None or not inner.strip():
        return None
    return inner.strip()
