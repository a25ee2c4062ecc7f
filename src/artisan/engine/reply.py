"""What has arrived of one answer, chunk by chunk, whatever the server sends.

`Reply` takes the events of a streamed answer (or a whole completion from a server that did not
stream) and keeps the text, the reasoning, how it finished and its usage. It accepts any JSON:
fields of an unexpected type are skipped, never trusted, so a strange server ends in a clear
`ApiError` or a plain result, never a traceback.

Thinking models put their reasoning before the answer, in `delta.reasoning_content` or
`delta.reasoning`, or in a `<think>...</think>` block at the head of the content. The reasoning
is kept apart and never reaches `on_text`, even when a tag is split across chunks. Only the head
of the content is examined: once the answer has begun, each piece costs one comparison. The
answer then passes through `tidy.Tidier`, which takes off the chatter and quotes some models
wrap around a prompt, and past two watches for a model that loops: a line seen again and again,
and the same words over and over within a line.

Whatever the server sent that could not be used (a `content` that is a number, a `delta` that
is a list) is counted, so the note can say what arrived instead of guessing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from artisan.connection.errors import not_the_api, stream_error
from artisan.engine.answer import TextCallback, Usage
from artisan.engine.tidy import Tidier
from artisan.shorten import shorten
from artisan.state import State

if TYPE_CHECKING:
    from artisan.config import Settings

FINISH_REASONS = {
    "stop": State.DONE,
    "length": State.TRUNCATED,
    "content_filter": State.FILTERED,
    "tool_calls": State.DONE,
    "function_call": State.DONE,
}
"""`finish_reason` values; any other text (servers have their own: "eos") means done."""
REPEAT_LIMIT = 6
"""A line seen this many times means the model is looping: the answer is stopped there."""
MAX_COUNT = 10**9
"""Token counts above this are not believed."""
OPEN_TAG = "<think>"
CLOSE_TAG = "</think>"
_MAX_MODEL_NAME = 200

ThinkingCallback = Callable[[bool, float], None]
"""Told `(True, 0)` when the model starts thinking and `(False, seconds)` when it stops."""

# Where the head of the content stands: before any text, inside <think>, just after </think>
# (whitespace still to drop), or in the answer.
_HEAD, _THINK, _AFTER, _ANSWER = range(4)


class Reply:
    """One answer as it arrives.

    Args:
        settings: For error messages (the server's name, the key to keep out of them).
        on_text: Called with each piece of the answer (never the reasoning).
        on_thinking: Called when thinking starts and ends.
    """

    def __init__(
        self,
        settings: Settings,
        on_text: TextCallback,
        on_thinking: ThinkingCallback | None = None,
    ) -> None:
        self.settings = settings
        self.on_text = on_text
        self.on_thinking = on_thinking
        self.model = settings.model
        self.parts: list[str] = []
        self.reasoning_parts: list[str] = []
        self.finish: State | None = None
        self.usage: Usage | None = None
        self.events = 0
        """Data events taken (chunks, `[DONE]`, a whole completion)."""
        self.saw_done = False
        """The server ended the stream with `[DONE]` (rather than the connection ending)."""
        self.dropped = False
        """The connection dropped mid-answer."""
        self.repeated = ""
        """The line the model kept repeating, when that stopped the answer."""
        self.repeated_in_line = False
        """The repeats were within one line (a sentence over and over), not whole lines."""
        self.context_full = False
        """The server said the context filled up (llama.cpp's `truncated`)."""
        self.odd: dict[str, int] = {}
        """What arrived that could not be used, by description, with how many times."""
        self.usage_only = False
        """Events arrived, but none with a choice: only token counts."""
        self.thinking_seconds = 0.0
        self._thinking_since: float | None = None
        self._mode = _HEAD
        self._held = ""
        self._tidy = Tidier(self._out)
        self._answer_lines = _LineRepeats()
        self._answer_tail = _TailRepeats()
        self._reasoning_lines = _LineRepeats()
        self._reasoning_tail = _TailRepeats()
        self._choices = 0

    def text(self) -> str:
        return "".join(self.parts)

    def reasoning(self) -> str:
        return "".join(self.reasoning_parts)

    @property
    def stopped(self) -> bool:
        """The answer was stopped here because the model kept repeating a line."""
        return bool(self.repeated)

    @property
    def chatter(self) -> list[str]:
        """The lines of chatter taken off the head of the answer ("Here is your prompt:")."""
        return self._tidy.dropped

    # Events ----------------------------------------------------------------------------------

    def take_event(self, kind: str, data: str) -> bool:
        """One server-sent event; True when the answer is over (`[DONE]`, or stopped).

        Raises:
            ServerFailed: an error event (`event: error`, or a chunk holding `error`).
            ProtocolError: data that is not a JSON object.
        """
        if data == "[DONE]":
            self.saw_done = True
            self.events += 1
            return True
        if kind == "error":
            raise stream_error(self.settings, _error_payload(data))
        try:
            event = json.loads(data)
        except (ValueError, RecursionError):
            if data.strip() == "[DONE]":
                return self.take_event(kind, "[DONE]")
            if "\n" in data:
                # A server that does not end each event with a blank line: its `data:` lines,
                # joined as the spec says, are really one event each.
                return any(self.take_event(kind, line) for line in data.split("\n") if line)
            raise not_the_api(self.settings) from None
        if type(event) is not dict:
            raise not_the_api(self.settings)
        error = event.get("error")
        if error:
            raise stream_error(self.settings, error)
        self.events += 1
        self.take(event)
        return self.stopped

    def take(self, event: dict[str, Any]) -> None:
        """One `chat.completion.chunk`, as parsed JSON of any shape."""
        model = event.get("model")
        if type(model) is str and model:
            self.model = shorten(model, _MAX_MODEL_NAME)
        usage = event.get("usage")
        if type(usage) is dict:
            self.usage = _usage(usage) or self.usage
        if event.get("truncated") is True:
            self.context_full = True  # llama.cpp: the context filled up
        choices = event.get("choices")
        if type(choices) is not list:
            if choices is not None:
                self._odd(f"`choices` as {_kind(choices)}")
            self.usage_only = self.usage is not None and not self._choices
            return
        if not choices:
            self.usage_only = self.usage is not None and not self._choices
        for choice in choices:
            if type(choice) is not dict:
                self._odd(f"a choice as {_kind(choice)}")
                continue
            index = choice.get("index")
            if index is not None and (type(index) is not int or index != 0):
                continue  # a server that honours `n` anyway: keep the first answer
            self._choices += 1
            self.usage_only = False
            delta = choice.get("delta")
            if type(delta) is dict:
                reasoning = delta.get("reasoning_content")
                if type(reasoning) is not str:
                    reasoning = delta.get("reasoning")
                if type(reasoning) is str and reasoning:
                    self._reason(reasoning)
                content = delta.get("content")
                if type(content) is str:
                    if content:
                        self._content(content)
                elif content is not None:
                    self._odd(f"a `content` that is {_kind(content)}, not text")
            elif delta is not None:
                self._odd(f"a `delta` that is {_kind(delta)}")
            reason = choice.get("finish_reason")
            if type(reason) is str and reason and not self.stopped:
                self.finish = FINISH_REASONS.get(reason, State.DONE)
            if self.stopped:
                return

    def take_completion(self, body: Any) -> None:
        """A whole `chat.completion` (a server or proxy that ignored `stream: true`).

        Raises:
            ServerFailed: the body is an error.
            ProtocolError: the body is not a chat completion.
        """
        if type(body) is not dict:
            raise not_the_api(self.settings)
        if body.get("error"):
            raise stream_error(self.settings, body["error"])
        choices = body.get("choices")
        if type(choices) is not list:
            raise not_the_api(self.settings)
        self.events += 1
        self.take(
            {
                "model": body.get("model"),
                "usage": body.get("usage"),
                "choices": [
                    {
                        "index": choice.get("index"),
                        "delta": choice.get("message", choice.get("delta")),
                        "finish_reason": choice.get("finish_reason"),
                    }
                    for choice in choices
                    if type(choice) is dict
                ],
            }
        )
        if self.finish is None and self.parts:
            self.finish = State.DONE  # the whole body arrived: nothing was cut

    def end(self) -> None:
        """The stream is over: let go of text held back while looking for a tag, or for the
        end of what may wrap the prompt."""
        held, self._held = self._held, ""
        if self._mode == _THINK and held:
            self.reasoning_parts.append(held)
        elif self._mode == _HEAD and held.strip():
            self._emit(held)  # the start of "<think>" that was only text after all
        self._stop_thinking()
        if not self.stopped:
            self._tidy.close()

    # The head of the content -----------------------------------------------------------------

    def _content(self, piece: str) -> None:
        mode = self._mode
        if mode == _ANSWER:
            self._emit(piece)
            return
        if mode == _HEAD:
            held = self._held + piece
            start = held.lstrip()
            if not start or (OPEN_TAG.startswith(start) and start != OPEN_TAG):
                self._held = held  # whitespace, or what may become "<think>"
                return
            self._held = ""
            if not start.startswith(OPEN_TAG):
                self._mode = _ANSWER
                self._emit(start if self.reasoning_parts else held)
                return
            self._start_thinking()
            self._mode = mode = _THINK
            piece = start[len(OPEN_TAG) :]
        if mode == _THINK:
            held = self._held + piece
            end = held.find(CLOSE_TAG)
            if end < 0:
                # Keep back a tail that may be the beginning of a split "</think>".
                cut = max(0, len(held) - (len(CLOSE_TAG) - 1))
                if cut:
                    self._reason(held[:cut])
                self._held = held[cut:]
                return
            if end:
                self._reason(held[:end])
            self._held = ""
            self._mode = _AFTER
            piece = held[end + len(CLOSE_TAG) :]
        piece = piece.lstrip()
        if piece:
            self._mode = _ANSWER
            self._emit(piece)

    def _emit(self, text: str) -> None:
        if self._thinking_since is not None:
            self._stop_thinking()
        self._tidy.feed(text)

    def _out(self, text: str) -> None:
        """A piece of the prompt itself, past the tidier."""
        if self.stopped:
            return
        self.parts.append(text)
        self.on_text(text)
        self._watch(text, self._answer_lines, self._answer_tail)

    def _reason(self, text: str) -> None:
        if self._thinking_since is None and not self.reasoning_parts:
            self._start_thinking()
        self.reasoning_parts.append(text)
        self._watch(text, self._reasoning_lines, self._reasoning_tail)

    def _watch(self, text: str, lines: _LineRepeats, tail: _TailRepeats) -> None:
        """Stop the answer once the model loops, by whole lines or within one."""
        if self.stopped:
            return
        if lines.feed(text):
            self.repeated = lines.repeated
        elif tail.feed(text):
            self.repeated = tail.repeated
            self.repeated_in_line = True
        else:
            return
        self.finish = State.TRUNCATED

    def _odd(self, what: str) -> None:
        if what in self.odd or len(self.odd) < 5:
            self.odd[what] = self.odd.get(what, 0) + 1

    def _start_thinking(self) -> None:
        if self._thinking_since is not None:
            return
        self._thinking_since = time.monotonic()
        if self.on_thinking is not None:
            self.on_thinking(True, 0.0)

    def _stop_thinking(self) -> None:
        if self._thinking_since is None:
            return
        self.thinking_seconds = time.monotonic() - self._thinking_since
        self._thinking_since = None
        if self.on_thinking is not None:
            self.on_thinking(False, self.thinking_seconds)


class _LineRepeats:
    """Counts the complete lines of a text arriving in pieces, to catch a model that loops."""

    MAX_LINE = 1000
    """Longer lines are not counted: a loop repeats short lines."""

    def __init__(self) -> None:
        self._line: list[str] = []
        self._length = 0
        self._seen: dict[str, int] = {}
        self.repeated = ""

    def feed(self, text: str) -> bool:
        """Take a piece; True once some line has been seen `REPEAT_LIMIT` times."""
        if "\n" not in text:
            if self._length <= self.MAX_LINE:
                self._line.append(text)
                self._length += len(text)
            return False
        first, *middle, last = text.split("\n")
        self._line.append(first)
        lines = ["".join(self._line) if self._length <= self.MAX_LINE else "", *middle]
        self._line = [last]
        self._length = len(last)
        seen = self._seen
        for line in lines:
            line = line.strip()
            if len(line) < 2 or len(line) > self.MAX_LINE:
                continue
            count = seen.get(line, 0) + 1
            seen[line] = count
            if count >= REPEAT_LIMIT:
                self.repeated = line
                return True
        return False


class _TailRepeats:
    """Catches the same words repeated back to back within a line ("a red fox in snow. a red
    fox in snow. ..."), which `_LineRepeats` never sees end.

    The last stretch of the text is kept; every `CHECK_EVERY` characters, each earlier place
    where its last `MIN_UNIT` characters occur gives a candidate length of a repeating unit, and
    the tail is checked for being that unit `REPEAT_LIMIT` times over. The search is a few
    C-level string scans, so watching costs little however long the answer.
    """

    MIN_UNIT = 12
    """Shorter units are not counted: "ha ha ha" or a row of dashes is no loop worth a stop."""
    MAX_UNIT = 600
    CHECK_EVERY = 48

    def __init__(self) -> None:
        self._tail = ""
        self._since = 0
        self.repeated = ""

    def feed(self, text: str) -> bool:
        """Take a piece; True once the text ends in one unit `REPEAT_LIMIT` times over."""
        self._tail = (self._tail + text)[-self.MAX_UNIT * REPEAT_LIMIT :]
        self._since += len(text)
        if self._since < self.CHECK_EVERY:
            return False
        self._since = 0
        tail = self._tail
        size = self.MIN_UNIT
        last = len(tail) - size
        if last < size * (REPEAT_LIMIT - 1):
            return False
        probe = tail[last:]
        # Candidate lengths come shortest first: the first that repeats is the unit itself
        # ("Hmm. " repeats, and so does "Hmm. Hmm. Hmm. ", which is no unit of its own).
        start = tail.rfind(probe, 0, last + size - 1)
        while start >= 0:
            unit = last - start
            if unit * REPEAT_LIMIT > len(tail):
                return False
            if tail[-unit * REPEAT_LIMIT : -unit] == tail[-unit * (REPEAT_LIMIT - 1) :]:
                words = tail[-unit:]
                if unit < size or len(words.split()) < 2:
                    return False
                self.repeated = " ".join(_from_a_start(words).split())
                return True
            start = tail.rfind(probe, 0, start + size - 1)
        return False


def _from_a_start(unit: str) -> str:
    """A repeating unit turned to begin where a sentence or phrase begins (the loop was caught
    at any point of it): "dusk. A red fox in" becomes "A red fox in dusk."."""
    for mark in (". ", "! ", "? ", "; ", ", "):
        at = unit.find(mark)
        if at >= 0:
            return unit[at + len(mark) :] + unit[: at + len(mark)]
    return unit


def _kind(value: object) -> str:
    """A JSON value's kind, in words, with the value when it is short: "a number (42)"."""
    kinds = {bool: "true or false", int: "a number", float: "a number", list: "a list"}
    kind = kinds.get(type(value), "an object" if isinstance(value, dict) else "something else")
    shown = json.dumps(value) if type(value) in (bool, int, float) else ""
    return f"{kind} ({shown})" if shown and len(shown) <= 20 else kind


def _usage(raw: dict[str, Any]) -> Usage | None:
    """Usage from a chunk, or None when any count is not a believable whole number."""
    counts: list[int | None] = []
    for name in ("prompt_tokens", "completion_tokens", "total_tokens"):
        value = raw.get(name)
        if value is not None and (type(value) is not int or not 0 <= value <= MAX_COUNT):
            return None
        counts.append(value)
    prompt, completion, total = counts
    if prompt is None and completion is None and total is None:
        return None
    prompt, completion = prompt or 0, completion or 0
    return Usage(prompt, completion, prompt + completion if total is None else total)


def _error_payload(data: str) -> object:
    """What an `event: error` carries: its `error` object, the object, or the text."""
    try:
        payload = json.loads(data)
    except (ValueError, RecursionError):
        return data
    if type(payload) is dict and payload.get("error"):
        return payload["error"]
    return payload
