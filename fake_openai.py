"""A loopback stand-in for the OpenAI HTTP API.

A real HTTP/1.1 server on 127.0.0.1 that speaks the wire format the `openai` SDK expects:
server-sent `chat.completion.chunk` events with a usage chunk and `[DONE]`, OpenAI error bodies,
and image responses (`b64_json` or a `url` it serves itself). Tests queue behaviours to make it
fail in every way a real server or proxy can: error statuses, a stream cut mid-way, a stream that
stalls, an error event inside a 200 stream, a malformed chunk, an HTML page from a proxy.

It can also behave like the local servers and proxies people use (see `LocalServer` and the
`Chat` fields): one slot that interrupts the running answer when a new request arrives (as
llama-cpp-python's server does), queues requests with `: ping` keep-alives, or holds them
sending nothing (as llama.cpp's own server does, which also says its slots at `/props`), a
model list trickled one byte at a time, no usage chunk, reasoning
fields and `<think>` tags, a whole JSON completion answering a stream request, an event whose
JSON spans several `data:` lines, `event: error`, a trickle of one byte at a time, an empty 200
body for a prompt longer than the context, and a length cap (`max_tokens`) that it honours.

Every request is recorded (path, headers, JSON body), with whether the client hung up before the
answer was complete, so tests assert on what went over the wire.

The test suite and the benchmarks both import it (it sits at the repository root, which pytest's
`pythonpath` and `python -m benchmarks` put on the import path). Run it by hand to try the app
against it:

    python fake_openai.py --port 8089 --delay 0.03 [--slots 1]
    OPENAI_BASE_URL=http://127.0.0.1:8089/v1 OPENAI_API_KEY=sk-test artisan
"""

from __future__ import annotations

import argparse
import base64
import json
import socket
import struct
import sys
import threading
import time
import zlib
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CHAT_PATH = "/v1/chat/completions"
IMAGES_PATH = "/v1/images/generations"
EDITS_PATH = "/v1/images/edits"
FILES_PREFIX = "/files/"


@dataclass
class Chat:
    """A streamed chat answer, and the ways it can go wrong."""

    text: str | None = None
    """The answer; None makes one up from the request (see `FakeOpenAI.default_text`)."""
    chunk_words: int = 1
    """Words per streamed chunk."""
    delay: float = 0.0
    """Seconds between chunks (0: as fast as possible)."""
    finish: str | None = "stop"
    """`finish_reason` of the last chunk; None sends none."""
    usage: bool = True
    model: str | None = None
    honour_n: bool = False
    """Answer `n` choices, interleaved by index, like OpenAI does."""
    cut_after: int | None = None
    """Close the socket abruptly after this many chunks (no final chunk, no [DONE])."""
    end_after: int | None = None
    """End the response cleanly after this many chunks, without finish_reason or [DONE]."""
    stall_after: int | None = None
    """Stop sending after this many chunks for `stall_seconds`."""
    stall_seconds: float = 5.0
    error_event_after: int | None = None
    """Send `data: {"error": ...}` after this many chunks (as OpenRouter does)."""
    malformed_after: int | None = None
    """Send a chunk that is not JSON after this many chunks."""
    error_as_event: bool = False
    """Send the error of `error_event_after` as `event: error` (its data without `error`)."""
    pieces: list[str] | None = None
    """Send exactly these content deltas (instead of `text` cut into words)."""
    reasoning: str | None = None
    """Reasoning sent before the answer, word by word, in `reasoning_field`."""
    reasoning_field: str = "reasoning_content"
    """`reasoning_content` (DeepSeek, llama.cpp) or `reasoning` (Ollama, OpenRouter)."""
    as_json: bool = False
    """Answer the stream request with one whole `chat.completion` (application/json)."""
    multiline: bool = False
    """Spread each event's JSON over several `data:` lines (indented JSON)."""
    comments: tuple[str, ...] = ()
    """Comment lines (without the colon) sent before the first event."""
    trickle: float | None = None
    """Send the whole event stream one byte at a time, this many seconds apart."""
    events: list[Any] | None = None
    """Send these JSON values as the data events, then `[DONE]` (nothing else)."""


@dataclass
class Raw:
    """Answer with these bytes as they are: a web page with 200, an empty body, anything."""

    body: bytes = b""
    content_type: str = "text/event-stream"
    status: int = 200


@dataclass
class LocalServer:
    """How a local server shares itself between requests (set as `FakeOpenAI.local`)."""

    slots: int = 1
    """Chat answers it writes at once."""
    when_busy: str = "interrupt"
    """`interrupt`: a new request ends the running answer with `[DONE]` and no finish reason
    (llama-cpp-python's server by default); `queue`: the new request waits, with keep-alive
    pings; `hold`: it waits sent nothing at all, not even its headers (llama.cpp's own
    server)."""
    ping_every: float = 15.0
    """Seconds between `: ping` lines while a request waits in the queue."""
    honour_max_tokens: bool = True
    """Stop at `max_tokens` words with finish `length`."""
    context_words: int | None = None
    """A longer prompt (in words) gets 200 with an empty body when streamed (400 otherwise)."""


@dataclass
class Error:
    """An HTTP error answer with an OpenAI error body (or an HTML page)."""

    status: int
    message: str = "Something went wrong."
    type: str = "invalid_request_error"
    code: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    html: str | None = None
    """Answer with this HTML instead of JSON, as a proxy would."""


@dataclass
class Drop:
    """Close the connection without answering."""


@dataclass
class Images:
    """An images.generate answer."""

    response_format: str | None = None
    """Force "url" or "b64_json"; None follows the request (b64_json when not asked)."""
    revised_prompt: str | None = None
    size: tuple[int, int] = (64, 64)
    broken_download: bool = False
    """Give urls that answer 404."""
    delay: float = 0.0
    """Seconds before answering; a client that hangs up meanwhile is noticed at once."""
    content: bytes | None = None
    """Send these bytes as every image instead of a made-up PNG (e.g. something not an image)."""
    usage: bool = True
    """Report token usage as GPT Image models do (a word of the prompt counts as a token);
    False answers as DALL-E and local servers do, with none."""
    output_tokens: int = 272
    """Image tokens reported per image drawn."""
    garbage: tuple[int, ...] = ()
    """Indexes of images whose `b64_json` is not base64 at all."""
    extra: int = 0
    """Images sent beyond those asked for (and reported in the usage)."""
    trickle: float = 0.0
    """Seconds between the bytes of a downloaded image (0: all at once)."""
    link_base: str | None = None
    """Put the image links on this server instead (`http://host:port`): another host."""
    redirect_to: str | None = None
    """Answer each image link with a redirect to this base URL (where the file is not)."""
    stream_delay: float = 0.0
    """Seconds between the events of a streamed answer (partial images, then the images)."""


Behaviour = Chat | Error | Drop | Images | Raw


@dataclass
class Request:
    """A request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    started: float
    finished: float | None = None
    client_hung_up: bool = False
    """The client closed the connection before the answer was complete."""
    chunks_sent: int = 0
    """Pieces of a streamed body written so far (events, pings, bytes of a trickle)."""


class FakeOpenAI:
    """The server; use as a context manager or call `close()`."""

    def __init__(self, port: int = 0) -> None:
        self.requests: list[Request] = []
        self.files: dict[str, bytes] = {}
        self.redirects: dict[str, str] = {}
        """Files answered with a 302 to another address."""
        self.file_trickle: dict[str, float] = {}
        """Files sent a byte at a time, with this many seconds between bytes."""
        self._chat_queue: deque[Behaviour] = deque()
        self._image_queue: deque[Behaviour] = deque()
        self.image_rules: list[tuple[str, Behaviour]] = []
        """Answer every image request whose prompt contains the text with its behaviour,
        before the queue: concurrent requests get the answer meant for their prompt."""
        self.default_chat = Chat()
        self.default_images = Images()
        self.models: list[str] = ["gpt-5.4-mini"]
        """The model ids `GET /v1/models` lists."""
        self.models_answer: bytes | None = None
        """Answer `GET /v1/models` with these bytes instead (a proxy's page, a wrong API)."""
        self.models_delay = 0.0
        """Seconds to wait before answering `GET /v1/models` (a server that hangs)."""
        self.models_trickle: float | None = None
        """Send the model list one byte at a time, this many seconds apart (a server that
        never trips a per-read timeout)."""
        self.props: dict[str, Any] | None = None
        """Answer `GET /props` with this, as llama.cpp's server does; None: 404."""
        self._lock = threading.Lock()
        self._active_streams = 0
        self.max_concurrent_streams = 0
        self.vision = True
        """Whether the chat model sees the pictures sent to it (it tells their size and
        colour)."""
        self.blind = "refuse"
        """How a model that cannot see answers a picture: "refuse" with 400, as OpenAI does
        for a text-only model, or "ignore" it and answer that there is no image, as a local
        server that drops the picture does."""
        self.local: LocalServer | None = None
        """Behave like a local server with few slots; None: as many answers at once as asked."""
        self._arrivals = 0
        self._slots: threading.Semaphore | None = None
        self.interrupted = 0
        """Answers ended early because another request arrived (`LocalServer` interrupt)."""
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.daemon_threads = True
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The base URL to give the SDK (ends in /v1)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def queue_chat(self, *behaviours: Behaviour) -> None:
        """Answer the next chat requests with these, in order; then with `default_chat`."""
        with self._lock:
            self._chat_queue.extend(behaviours)

    def queue_images(self, *behaviours: Behaviour) -> None:
        with self._lock:
            self._image_queue.extend(behaviours)

    def clear_queues(self) -> None:
        """Forget behaviours queued but not used; later requests get the defaults."""
        with self._lock:
            self._chat_queue.clear()
            self._image_queue.clear()

    def chat_requests(self) -> list[Request]:
        return [r for r in self.requests if r.path == CHAT_PATH]

    def image_requests(self) -> list[Request]:
        """Requests for images: generations and edits."""
        return [r for r in self.requests if r.path in (IMAGES_PATH, EDITS_PATH)]

    def wait_for_chunks(self, count: int, timeout: float = 10.0) -> bool:
        """Wait until some chat answer has streamed `count` pieces."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(r.chunks_sent >= count for r in self.chat_requests()):
                return True
            time.sleep(0.01)
        return False

    def wait_for_hang_up(self, timeout: float = 5.0) -> bool:
        """Wait until some request saw the client hang up mid-answer."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(r.client_hung_up for r in self.requests):
                return True
            time.sleep(0.01)
        return False

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeOpenAI:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def default_text(self, body: dict[str, Any]) -> str:
        """A made-up answer that shows which request it answers."""
        messages = body.get("messages") or [{}]
        last, pictures = _text_and_pictures(messages[-1].get("content", ""))
        if pictures:
            if not self.vision:
                return "I'm sorry, but I can't see images. Could you describe the picture?"
            number = last.split("Write prompt", 1)[-1].split()[0] if "Write prompt" in last else "1"
            return (
                f"A picture {pictures[0]}, drawn in loose watercolour, soft morning light "
                f"(description {number})."
            )
        if "Write variation" in last:
            number = last.split("Write variation", 1)[1].split()[0]
            return (
                f"Variation {number}: the same scene at blue hour, seen from a low angle, "
                "painted in loose watercolour, with soft edges, pale washes of cobalt and rose, "
                "a quiet, wide sky and the first lights coming on along the shore."
            )
        if "Rewrite it with this change:" in last:
            change = last.split("Rewrite it with this change:", 1)[1].splitlines()[0].strip()
            return (
                f"Refined ({change}): a beach at sunset, long shadows, warm light, the tide "
                "drawing silver lines across the sand and a lone figure walking at the water's "
                "edge under a sky of peach and violet."
            )
        idea = " ".join(last.strip().splitlines()[-1].split()) if last.strip() else "nothing"
        return (
            f"A vivid picture of {idea}, in warm golden light, with soft shadows and a "
            "calm sea, shot on 35mm film. The frame is wide and balanced, the horizon low, "
            "and the mood quiet and unhurried."
        )

    def _next(self, path: str, body: Any = None) -> Behaviour:
        with self._lock:
            if path in (IMAGES_PATH, EDITS_PATH) and isinstance(body, dict):
                prompt = str(body.get("prompt", ""))
                for text, behaviour in self.image_rules:
                    if text in prompt:
                        return behaviour
            if path == CHAT_PATH:
                return self._chat_queue.popleft() if self._chat_queue else self.default_chat
            return self._image_queue.popleft() if self._image_queue else self.default_images

    def _stream_started(self) -> None:
        with self._lock:
            self._active_streams += 1
            self.max_concurrent_streams = max(self.max_concurrent_streams, self._active_streams)

    def _stream_ended(self) -> None:
        with self._lock:
            self._active_streams -= 1


class _Cut(Exception):
    """Raised inside an answer to close the socket where `Chat.cut_after` says."""


class _Server(ThreadingHTTPServer):
    fake: FakeOpenAI
    """The fake whose behaviours the handlers follow."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up on a kept-alive connection is normal, not worth a traceback.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-openai/1"

    def log_message(self, format: str, *args: Any) -> None:
        return  # keep test output quiet; requests are recorded instead

    server: _Server

    @property
    def fake(self) -> FakeOpenAI:
        return self.server.fake

    def do_GET(self) -> None:
        record = self._record(None)
        if self.path.startswith(FILES_PREFIX):
            name = self.path[len(FILES_PREFIX) :]
            data = self.fake.files.get(name)
            moved = self.fake.redirects.get(name)
            if moved is not None:
                self._send_bytes(302, b"", "text/plain", {"Location": moved})
            elif data is None:
                self._send_json(404, {"error": {"message": "No such file", "type": "not_found"}})
            elif name in self.fake.file_trickle:
                self._current = record
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                try:
                    self._trickle(data, self.fake.file_trickle[name])
                    self._end_body()
                except (BrokenPipeError, ConnectionResetError):
                    record.client_hung_up = True
                    self.close_connection = True
            else:
                self._send_bytes(200, data, "image/png")
        elif self.path == "/v1/models":
            if self.fake.models_delay and self._client_left_within(self.fake.models_delay):
                record.client_hung_up = True
            elif self.fake.models_answer is not None:
                self._send_bytes(200, self.fake.models_answer, "text/html")
            else:
                models = [
                    {"id": name, "object": "model", "created": 0, "owned_by": "fake"}
                    for name in self.fake.models
                ]
                body = json.dumps({"object": "list", "data": models}).encode()
                if self.fake.models_trickle is not None:
                    self._trickle_body(body, self.fake.models_trickle, record)
                else:
                    self._send_bytes(200, body, "application/json")
        elif self.path == "/props" and self.fake.props is not None:
            self._send_json(200, self.fake.props)
        else:
            self._send_json(404, {"error": {"message": "Unknown path", "type": "not_found"}})
        record.finished = time.monotonic()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body: Any
        if self.headers.get("Content-Type", "").startswith("multipart/form-data"):
            body = _form(self.headers["Content-Type"], raw)
        else:
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                body = raw.decode("utf-8", "replace")
        record = self._record(body)
        self._current = record
        try:
            if self.path not in (CHAT_PATH, IMAGES_PATH, EDITS_PATH):
                self._send_json(
                    404,
                    {
                        "error": {
                            "message": f"Unknown path {self.path}",
                            "type": "invalid_request_error",
                        }
                    },
                )
                return
            behaviour = self.fake._next(self.path, body)
            if isinstance(behaviour, Error):
                self._send_error(behaviour)
            elif isinstance(behaviour, Drop):
                self._drop()
            elif isinstance(behaviour, Raw):
                self._send_bytes(behaviour.status, behaviour.body, behaviour.content_type)
            elif isinstance(behaviour, Chat):
                self._answer_chat(behaviour, body if isinstance(body, dict) else {}, record)
            else:
                self._send_images(behaviour, body if isinstance(body, dict) else {}, record)
        except (BrokenPipeError, ConnectionResetError):
            record.client_hung_up = True
            self.close_connection = True
        finally:
            record.finished = time.monotonic()

    def _record(self, body: Any) -> Request:
        record = Request(
            self.command,
            self.path,
            {k.lower(): v for k, v in self.headers.items()},
            body,
            time.monotonic(),
        )
        with self.fake._lock:
            self.fake.requests.append(record)
        return record

    # Answers ---------------------------------------------------------------------------------

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send_bytes(status, json.dumps(payload).encode(), "application/json", headers)

    def _send_bytes(
        self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _send_error(self, error: Error) -> None:
        if error.html is not None:
            self._send_bytes(error.status, error.html.encode(), "text/html", error.headers)
            return
        payload = {
            "error": {
                "message": error.message,
                "type": error.type,
                "param": None,
                "code": error.code,
            }
        }
        self._send_json(error.status, payload, error.headers)

    def _client_left_within(self, seconds: float) -> bool:
        """Wait up to `seconds`; True as soon as the client closes the connection."""
        import select

        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            readable, _, _ = select.select([self.connection], [], [], min(left, 0.05))
            if readable:
                try:
                    if not self.connection.recv(1, socket.MSG_PEEK):
                        return True
                except OSError:
                    return True
                time.sleep(0.01)  # data, not a hang-up: keep waiting without spinning
        return False

    def _drop(self) -> None:
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def _answer_chat(self, chat: Chat, body: dict[str, Any], record: Request) -> None:
        fake = self.fake
        local = fake.local
        with fake._lock:
            fake._arrivals += 1
            ticket = fake._arrivals
        streamed = bool(body.get("stream"))
        sees = any(_text_and_pictures(m.get("content", ""))[1] for m in body.get("messages", []))
        if sees and not fake.vision and fake.blind == "refuse":
            self._send_error(
                Error(
                    400,
                    "Invalid content type. image_url is only supported by certain models.",
                    type="invalid_request_error",
                )
            )
            return
        if local is not None and local.context_words is not None:
            words = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
            if words > local.context_words:
                if streamed:
                    self._begin_stream()
                    self._end_body()  # llama.cpp's answer to a streamed over-long request
                else:
                    self._send_error(
                        Error(
                            400, "the request exceeds the context", code="context_length_exceeded"
                        )
                    )
                return
        if chat.as_json or not streamed:
            self._send_json(200, self._completion(chat, body))
            return
        queued = local is not None and local.when_busy in ("queue", "hold")
        if local is not None and local.when_busy == "hold" and not self._hold_for_slot(local):
            record.client_hung_up = True
            return
        self._begin_stream()
        if local is not None and local.when_busy == "queue" and not self._wait_for_slot(local):
            record.client_hung_up = True
            return
        fake._stream_started()
        streaming = True

        def ending() -> None:
            # A stream ends, for `max_concurrent_streams`, before its last bytes are sent (the
            # [DONE] event, or the end of the body): a client that waits for them before its
            # next request never overlaps with it, however late this thread runs again.
            nonlocal streaming
            if streaming:
                streaming = False
                fake._stream_ended()

        try:
            events = self._chat_events(chat, body, ticket)
            if chat.trickle is not None:
                self._trickle(b"".join(events), chat.trickle)
            else:
                for event in events:
                    if event.startswith(b"data: [DONE]"):
                        ending()
                    self._write_chunk(event)
            ending()
            self._end_body()
        except _Cut:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)  # abruptly: no final chunk, no [DONE]
        finally:
            ending()
            if queued and fake._slots is not None:
                fake._slots.release()

    def _begin_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()

    def _wait_for_slot(self, local: LocalServer) -> bool:
        """Wait for a free slot, sending `: ping` meanwhile; False if the client left."""
        slots = self._slot_gate(local)
        while not slots.acquire(timeout=local.ping_every):
            self._write_chunk(b": ping\n\n")
        return True

    def _hold_for_slot(self, local: LocalServer) -> bool:
        """Wait for a free slot sending nothing, not even the headers (llama.cpp's server);
        False if the client left meanwhile."""
        slots = self._slot_gate(local)
        while not slots.acquire(timeout=0.02):
            if self._client_left_within(0.001):
                return False
        return True

    def _slot_gate(self, local: LocalServer) -> threading.Semaphore:
        with self.fake._lock:
            if self.fake._slots is None:
                self.fake._slots = threading.Semaphore(local.slots)
            return self.fake._slots

    def _interrupted(self, ticket: int) -> bool:
        """Whether a newer request arrived at a one-slot server that interrupts."""
        local = self.fake.local
        if local is None or local.when_busy != "interrupt" or local.slots > 1:
            return False
        return self.fake._arrivals != ticket

    def _chat_events(self, chat: Chat, body: dict[str, Any], ticket: int) -> Iterator[bytes]:
        """The encoded events of a streamed answer, stopping where the behaviour says."""
        for comment in chat.comments:
            yield f":{comment}\n\n".encode()
        if chat.events is not None:
            for value in chat.events:
                yield _encode(json.dumps(value), chat.multiline)
            yield b"data: [DONE]\n\n"
            return
        model = chat.model or str(body.get("model") or "gpt-5.4-mini")
        choices = int(body.get("n") or 1) if chat.honour_n else 1
        pieces, finish = self._pieces(chat, body)

        def event(payload: dict[str, Any]) -> bytes:
            return _encode(json.dumps(payload), chat.multiline)

        def deltas(delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
            return event(
                _chunk(
                    model,
                    [
                        {"index": i, "delta": delta, "finish_reason": finish_reason}
                        for i in range(choices)
                    ],
                )
            )

        if self._interrupted(ticket):
            self.fake.interrupted += 1
            yield b"data: [DONE]\n\n"
            return
        yield deltas({"role": "assistant", "content": ""})
        for word in (chat.reasoning or "").split(" ") if chat.reasoning else ():
            if chat.delay:
                time.sleep(chat.delay)
            yield deltas({"content": "", chat.reasoning_field: word + " "})
        for count, piece in enumerate(pieces):
            if self._interrupted(ticket):
                self.fake.interrupted += 1
                yield b"data: [DONE]\n\n"
                return
            if count == chat.cut_after:
                raise _Cut
            if count == chat.end_after:
                return
            if count == chat.stall_after:
                time.sleep(chat.stall_seconds)
            if count == chat.error_event_after:
                error = {
                    "message": "The upstream model crashed.",
                    "type": "server_error",
                    "code": "upstream_error",
                }
                if chat.error_as_event:
                    yield f"event: error\ndata: {json.dumps(error)}\n\n".encode()
                else:
                    yield event({"error": error})
                return
            if count == chat.malformed_after:
                yield b"data: {this is not json\n\n"
                return
            if chat.delay:
                time.sleep(chat.delay)
            yield deltas({"content": piece})
        yield deltas({}, finish)
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        if include_usage and chat.usage:
            yield event({**_chunk(model, []), "usage": _usage(body, pieces, choices, finish)})
        yield b"data: [DONE]\n\n"

    def _pieces(self, chat: Chat, body: dict[str, Any]) -> tuple[list[str], str | None]:
        """The content deltas, and the finish reason (`length` when the cap cut them)."""
        if chat.pieces is not None:
            pieces = list(chat.pieces)
        else:
            text = chat.text if chat.text is not None else self.fake.default_text(body)
            words = text.split(" ")
            pieces = [
                " ".join(words[i : i + chat.chunk_words]) + " "
                for i in range(0, len(words), chat.chunk_words)
            ]
            pieces[-1] = pieces[-1][:-1]
        local = self.fake.local
        cap = body.get("max_tokens") or body.get("max_completion_tokens")
        if local is not None and local.honour_max_tokens and isinstance(cap, int):
            kept: list[str] = []
            count = 0
            for piece in pieces:
                count += len(piece.split())
                if count > cap:
                    return kept, "length"
                kept.append(piece)
        return pieces, chat.finish

    def _completion(self, chat: Chat, body: dict[str, Any]) -> dict[str, Any]:
        """A whole, non-streamed `chat.completion`."""
        pieces, finish = self._pieces(chat, body)
        message: dict[str, Any] = {"role": "assistant", "content": "".join(pieces)}
        if chat.reasoning:
            message[chat.reasoning_field] = chat.reasoning
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": chat.model or str(body.get("model") or "gpt-5.4-mini"),
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            **({"usage": _usage(body, pieces, 1, finish)} if chat.usage else {}),
        }

    def _trickle_body(self, data: bytes, interval: float, record: Request) -> None:
        """A whole answer with its length announced, one byte at a time."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            for byte in data:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                record.chunks_sent += 1
                time.sleep(interval)
        except (BrokenPipeError, ConnectionResetError):
            record.client_hung_up = True
            self.close_connection = True

    def _trickle(self, data: bytes, interval: float) -> None:
        for byte in data:
            self._write_chunk(bytes([byte]))
            time.sleep(interval)

    def _write_chunk(self, data: bytes) -> None:
        """One piece of a chunked body."""
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()
        self._current.chunks_sent += 1

    def _end_body(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _stream_images(self, images: Images, body: dict[str, Any]) -> None:
        """A streamed answer: `partial_images` partial pictures, then each image, as GPT Image
        models stream them (`image_generation.partial_image`, `.completed` with the usage)."""
        if images.delay and self._client_left_within(images.delay):
            self._current.client_hung_up = True
            self.close_connection = True
            return
        kind = "image_edit" if self.path == EDITS_PATH else "image_generation"
        prompt = str(body.get("prompt", ""))
        count = int(body.get("n") or 1)
        partials = int(body.get("partial_images") or 0)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for index in range(partials):
            png = make_png(*images.size, seed=f"{prompt}partial{index}")
            self._write_chunk(
                _image_event(f"{kind}.partial_image", png, body, partial_image_index=index)
            )
            time.sleep(images.stream_delay)
        words = len(prompt.split())
        for index in range(count):
            png = make_png(*images.size, seed=f"{prompt}{index}")
            usage = {
                "input_tokens": words,
                "input_tokens_details": {"text_tokens": words, "image_tokens": 0},
                "output_tokens": images.output_tokens,
                "total_tokens": words + images.output_tokens,
            }
            self._write_chunk(_image_event(f"{kind}.completed", png, body, usage=usage))
            time.sleep(images.stream_delay)
        self._end_body()

    def _send_images(self, images: Images, body: dict[str, Any], record: Request) -> None:
        if images.delay and self._client_left_within(images.delay):
            record.client_hung_up = True
            self.close_connection = True
            return
        if body.get("stream") in (True, "true"):
            self._stream_images(images, body)
            return
        count = int(body.get("n") or 1) + images.extra
        fmt = images.response_format or body.get("response_format") or "b64_json"
        prompt = str(body.get("prompt", ""))
        data = []
        for index in range(count):
            png = make_png(*images.size, seed=f"{prompt}{index}")
            if images.content is not None:
                png = images.content
            elif body.get("output_format") in ("jpeg", "webp"):
                png = _convert(png, str(body["output_format"]))
            item: dict[str, Any] = {}
            if fmt == "url":
                name = f"img-{len(self.fake.files)}-{index}.png"
                if not images.broken_download:
                    self.fake.files[name] = png
                if images.trickle:
                    self.fake.file_trickle[name] = images.trickle
                if images.redirect_to is not None:
                    self.fake.redirects[name] = f"{images.redirect_to}{FILES_PREFIX}{name}"
                base = images.link_base or f"http://127.0.0.1:{self.fake.port}"
                item["url"] = f"{base}{FILES_PREFIX}{name}"
            elif index in images.garbage:
                item["b64_json"] = "this is @ not base64 !"
            else:
                item["b64_json"] = base64.b64encode(png).decode()
            if images.revised_prompt is not None:
                item["revised_prompt"] = images.revised_prompt
            data.append(item)
        answer: dict[str, Any] = {"created": int(time.time()), "data": data}
        if images.usage:
            words = len(prompt.split())
            drawn = images.output_tokens * count
            answer["usage"] = {
                "input_tokens": words,
                "input_tokens_details": {"text_tokens": words, "image_tokens": 0},
                "output_tokens": drawn,
                "total_tokens": words + drawn,
            }
        self._send_json(200, answer)


def _form(content_type: str, raw: bytes) -> dict[str, Any]:
    """A multipart form (as `images.edit` sends it): its text fields by name, and its files as
    `files`: {field name: [(file name, size, content type), ...]}."""
    from email import policy
    from email.message import EmailMessage
    from email.parser import BytesParser

    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=policy.HTTP).parsebytes(head + raw)
    form: dict[str, Any] = {"files": {}}
    parts = list(message.iter_parts()) if isinstance(message, EmailMessage) else []
    for part in parts:
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if filename is None:
            text = data.decode("utf-8", "replace")
            form[str(name)] = int(text) if text.isdigit() and name == "n" else text
        else:
            form["files"].setdefault(str(name), []).append(
                (filename, len(data), part.get_content_type())
            )
    return form


def _text_and_pictures(content: Any) -> tuple[str, list[str]]:
    """A message's text, and what each picture in it looks like ("64x48, mostly rgb(...)")."""
    if not isinstance(content, list):
        return str(content), []
    text = " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    pictures = []
    for part in content:
        if isinstance(part, dict) and part.get("type") == "image_url":
            url = str((part.get("image_url") or {}).get("url", ""))
            pictures.append(_looks_like(url))
    return text, pictures


def _looks_like(url: str) -> str:
    """The size and average colour of a picture sent as a data: URL."""
    import io

    from PIL import Image, ImageStat

    try:
        data = base64.b64decode(url.split(",", 1)[1])
        with Image.open(io.BytesIO(data)) as image:
            mean = ImageStat.Stat(image.convert("RGB")).mean
            width, height = image.size
    except Exception:
        return "that cannot be read"
    r, g, b = (round(value) for value in mean)
    return f"{width}x{height}, mostly rgb({r},{g},{b})"


def _image_event(kind: str, png: bytes, body: dict[str, Any], **extra: Any) -> bytes:
    payload = {
        "type": kind,
        "b64_json": base64.b64encode(png).decode(),
        "created_at": int(time.time()),
        "size": body.get("size") or "1024x1024",
        "quality": body.get("quality") or "auto",
        "background": body.get("background") or "auto",
        "output_format": body.get("output_format") or "png",
        **extra,
    }
    return f"event: {kind}\ndata: {json.dumps(payload)}\n\n".encode()


def _convert(png: bytes, fmt: str) -> bytes:
    """The image in another format, as GPT Image models honour `output_format`."""
    import io

    from PIL import Image

    out = io.BytesIO()
    with Image.open(io.BytesIO(png)) as image:
        image.save(out, format=fmt.upper())
    return out.getvalue()


def _encode(data: str, multiline: bool) -> bytes:
    """One `data:` event; with `multiline`, its JSON spread over several `data:` lines."""
    if multiline:
        data = json.dumps(json.loads(data), indent=1)
    return ("".join(f"data: {line}\n" for line in data.split("\n")) + "\n").encode()


def _usage(
    body: dict[str, Any], pieces: list[str], choices: int, finish: str | None = None
) -> dict[str, int]:
    """Token counts, a word standing for a token; an answer the length cap stopped used all of
    the cap (its thinking counts too), as a real server reports it."""
    prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
    completion_tokens = sum(len(piece.split()) for piece in pieces) * choices
    cap = body.get("max_tokens") or body.get("max_completion_tokens")
    if finish == "length" and isinstance(cap, int):
        completion_tokens = max(completion_tokens, cap * choices)
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def _chunk(model: str, choices: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": None,
        "choices": choices,
    }


def make_png(width: int, height: int, seed: str = "") -> bytes:
    """A small valid PNG: a two-colour gradient derived from `seed`."""
    digest = zlib.crc32(seed.encode())
    r, g, b = digest & 0xFF, (digest >> 8) & 0xFF, (digest >> 16) & 0xFF
    rows = []
    for y in range(height):
        shade = y * 255 // max(1, height - 1)
        left = [r, g, shade] * (width // 2)
        right = [shade, b, g] * (width - width // 2)
        row = bytes([0, *left, *right])
        rows.append(row)
    raw = b"".join(rows)

    def block(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + block(b"IHDR", header)
        + block(b"IDAT", zlib.compress(raw))
        + block(b"IEND", b"")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--delay", type=float, default=0.02, help="seconds between chunks")
    parser.add_argument(
        "--slots",
        type=int,
        help="behave like a local server with this many slots (1: like llama-cpp-python's)",
    )
    parser.add_argument(
        "--when-busy",
        choices=("interrupt", "queue", "hold"),
        default="interrupt",
        help="with --slots: end the running answer for a new request, or make it wait",
    )
    args = parser.parse_args()
    server = FakeOpenAI(port=args.port)
    server.default_chat = Chat(delay=args.delay)
    if args.slots:
        server.local = LocalServer(slots=args.slots, when_busy=args.when_busy)
    print(f"fake OpenAI server on {server.url} (Ctrl-C stops it)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.close()


if __name__ == "__main__":
    main()
