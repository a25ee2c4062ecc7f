"""Reading a streamed answer: server-sent events as the spec defines them, and what else a
server may send in their place.

The events are read here rather than by the SDK, which builds a pydantic object for every chunk:
reading them directly costs a tenth of that, and with five answers streaming at once that is the
difference between an app that keeps up and one that lags. Lines end at LF, CR LF or CR only (a
JSON string may hold U+2028 or U+0085, which general line splitters break on); an event's data
may span several `data:` lines, joined with newlines; comment lines (`: ping`,
`: OPENROUTER PROCESSING`) are skipped.

A server that answers a stream request with something else is recognised by what it sent: a
whole `chat.completion` (some proxies ignore `stream: true`) is used, a web page is named, and
an empty body is reported as what it usually means.
"""

from __future__ import annotations

import asyncio
import codecs
import json
import time
from typing import TYPE_CHECKING, Any

from artisan.connection.errors import looks_like_html, not_the_api, nothing_sent, web_page

if TYPE_CHECKING:
    from artisan.engine.reply import Reply

YIELD_EVERY = 0.008
"""Longest stretch, in seconds, that reading a stream keeps the event loop to itself."""
MAX_STRAY = 1 << 20
"""Characters of a body that is not an event stream kept to make sense of it."""

Event = tuple[str, str]
"""An event's type ("" when none was given) and its data."""


class EventDecoder:
    """Server-sent events from text that arrives in pieces of any size."""

    def __init__(self) -> None:
        self._pending = ""
        self._after_cr = False
        self._data: list[str] = []
        self._event = ""
        self._stray: list[str] = []
        self.stray_chars = 0
        """Characters of lines that are no event field (a web page, a JSON body)."""
        self.received = 0
        """Characters received in all."""
        self._first = True

    def feed(self, text: str) -> list[Event]:
        """The events completed by `text`."""
        if not text:
            return []
        self.received += len(text)
        if self._first:
            self._first = False
            if text[0] == "\ufeff":
                text = text[1:]
        if self._after_cr:
            self._after_cr = False
            if text[:1] == "\n":
                text = text[1:]  # the LF of a CR LF split across two pieces
        if "\r" in text:
            self._after_cr = text.endswith("\r")
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        lines = text.split("\n")
        if self._pending:
            lines[0] = self._pending + lines[0]
        self._pending = lines.pop()
        return self._lines(lines) if lines else []

    def close(self) -> list[Event]:
        """The events still pending when the body ends (a last event without its blank line
        is taken rather than dropped)."""
        lines = [self._pending, ""] if self._pending else [""]
        self._pending = ""
        return self._lines(lines)

    def stray_text(self) -> str:
        return "\n".join(self._stray)

    def _lines(self, lines: list[str]) -> list[Event]:
        events: list[Event] = []
        data = self._data
        for line in lines:
            if not line:
                if data:
                    events.append((self._event, data[0] if len(data) == 1 else "\n".join(data)))
                    data.clear()
                self._event = ""
            elif line.startswith("data:"):
                value = line[5:]
                data.append(value[1:] if value[:1] == " " else value)
            elif line[0] == ":":
                continue  # a comment: keep-alive pings, "OPENROUTER PROCESSING"
            elif line.startswith("event:"):
                self._event = line[6:].strip()
            elif line == "data":
                data.append("")
            elif self.stray_chars <= MAX_STRAY and not _is_field(line):
                self._stray.append(line)
                self.stray_chars += len(line) + 1
        return events


def _is_field(line: str) -> bool:
    """Whether a line is one of the event fields artisan has no use for (`id`, `retry`)."""
    return line.startswith(("id:", "retry:")) or line in ("id", "retry", "event")


class ReplyReader:
    """Feeds the text of a response body into a `Reply`, event by event.

    Args:
        reply: Where the answer goes.
    """

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.decoder = EventDecoder()
        self.over = False
        """The answer is over (`[DONE]`, or stopped): the rest of the body does not matter."""

    def feed(self, text: str) -> bool:
        """A piece of the body; True once the answer is over."""
        take = self.reply.take_event
        for kind, data in self.decoder.feed(text):
            if take(kind, data):
                self.over = True
                break
        return self.over

    @property
    def hopeless(self) -> bool:
        """So much that is no event stream has arrived that reading on would not help."""
        return self.decoder.stray_chars > MAX_STRAY and not self.reply.events

    def close(self) -> None:
        """The body has ended: take the last event, then make sense of a body without any."""
        if not self.over:
            take = self.reply.take_event
            for kind, data in self.decoder.close():
                if take(kind, data):
                    break
        self.reply.end()
        if not self.reply.events:
            self._not_a_stream()

    def _not_a_stream(self) -> None:
        """A body that held no events: a whole completion, a web page, or nothing."""
        settings = self.reply.settings
        stray = self.decoder.stray_text()
        if not stray.strip():
            raise nothing_sent(settings)
        if looks_like_html(stray):
            raise web_page(settings, stray)
        try:
            body = json.loads(stray)
        except (ValueError, RecursionError):
            raise not_the_api(settings) from None
        self.reply.take_completion(body)
        self.reply.end()


async def read_reply(response: Any, reply: Reply) -> None:
    """Read the body of a streamed answer into `reply`.

    Raises:
        ServerFailed: an error event in the stream.
        ProtocolError: the body is neither an event stream nor a chat completion (a web page
            is named by its title).
        EmptyResponse: the body was empty.
        httpx2 errors: the connection timed out or dropped mid-stream.
    """
    reader = ReplyReader(reply)
    decode = codecs.getincrementaldecoder("utf-8")(errors="replace").decode
    clock = time.monotonic
    yielded = clock()
    async for raw in response.iter_bytes():
        if reader.feed(decode(raw)) or reader.hopeless:
            break
        if clock() - yielded > YIELD_EVERY:
            # Bytes already in the socket buffer are read without the event loop ever running;
            # a pause now and then keeps the app answering keys.
            await asyncio.sleep(0)
            yielded = clock()
    else:
        reader.feed(decode(b"", True))
    reader.close()
