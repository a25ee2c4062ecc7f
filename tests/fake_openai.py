"""A loopback stand-in for the OpenAI HTTP API.

A real HTTP/1.1 server on 127.0.0.1 that speaks the wire format the `openai` SDK expects:
server-sent `chat.completion.chunk` events with a usage chunk and `[DONE]`, OpenAI error bodies,
and image responses (`b64_json` or a `url` it serves itself). Tests queue behaviours to make it
fail in every way a real server or proxy can: error statuses, a stream cut mid-way, a stream that
stalls, an error event inside a 200 stream, a malformed chunk, an HTML page from a proxy.

Every request is recorded (path, headers, JSON body), with whether the client hung up before the
answer was complete, so tests assert on what went over the wire.

Run it by hand to try the app against it:

    python tests/fake_openai.py --port 8089 --delay 0.03
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
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CHAT_PATH = "/v1/chat/completions"
IMAGES_PATH = "/v1/images/generations"
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


Behaviour = Chat | Error | Drop | Images


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


class FakeOpenAI:
    """The server; use as a context manager or call `close()`."""

    def __init__(self, port: int = 0) -> None:
        self.requests: list[Request] = []
        self.files: dict[str, bytes] = {}
        self._chat_queue: deque[Behaviour] = deque()
        self._image_queue: deque[Behaviour] = deque()
        self.default_chat = Chat()
        self.default_images = Images()
        self.models: list[str] = ["gpt-5.4-mini"]
        """The model ids `GET /v1/models` lists."""
        self.models_answer: bytes | None = None
        """Answer `GET /v1/models` with these bytes instead (a proxy's page, a wrong API)."""
        self.models_delay = 0.0
        """Seconds to wait before answering `GET /v1/models` (a server that hangs)."""
        self._lock = threading.Lock()
        self._active_streams = 0
        self.max_concurrent_streams = 0
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
        return [r for r in self.requests if r.path == IMAGES_PATH]

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

    @staticmethod
    def default_text(body: dict[str, Any]) -> str:
        """A made-up answer that shows which request it answers."""
        messages = body.get("messages") or [{}]
        last = str(messages[-1].get("content", ""))
        if "Write variation" in last:
            number = last.split("Write variation", 1)[1].split()[0]
            return (
                f"Variation {number}: the same scene at blue hour, seen from a low angle, "
                "painted in loose watercolour."
            )
        if "Rewrite it with this change:" in last:
            change = last.split("Rewrite it with this change:", 1)[1].splitlines()[0].strip()
            return f"Refined ({change}): a beach at sunset, long shadows, warm light."
        idea = " ".join(last.strip().splitlines()[-1].split()) if last.strip() else "nothing"
        return (
            f"A vivid picture of {idea}, in warm golden light, with soft shadows and a "
            "calm sea, shot on 35mm film."
        )

    def _next(self, path: str) -> Behaviour:
        with self._lock:
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


class _Server(ThreadingHTTPServer):
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

    @property
    def fake(self) -> FakeOpenAI:
        return self.server.fake

    def do_GET(self) -> None:
        record = self._record(None)
        if self.path.startswith(FILES_PREFIX):
            data = self.fake.files.get(self.path[len(FILES_PREFIX) :])
            if data is None:
                self._send_json(404, {"error": {"message": "No such file", "type": "not_found"}})
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
                self._send_json(200, {"object": "list", "data": models})
        else:
            self._send_json(404, {"error": {"message": "Unknown path", "type": "not_found"}})
        record.finished = time.monotonic()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = raw.decode("utf-8", "replace")
        record = self._record(body)
        try:
            if self.path not in (CHAT_PATH, IMAGES_PATH):
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
            behaviour = self.fake._next(self.path)
            if isinstance(behaviour, Error):
                self._send_error(behaviour)
            elif isinstance(behaviour, Drop):
                self._drop()
            elif isinstance(behaviour, Chat):
                self._stream_chat(behaviour, body if isinstance(body, dict) else {}, record)
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

    def _stream_chat(self, chat: Chat, body: dict[str, Any], record: Request) -> None:
        text = chat.text if chat.text is not None else self.fake.default_text(body)
        model = chat.model or str(body.get("model") or "gpt-5.4-mini")
        choices = int(body.get("n") or 1) if chat.honour_n else 1
        words = text.split(" ")
        pieces = [
            " ".join(words[i : i + chat.chunk_words]) + " "
            for i in range(0, len(words), chat.chunk_words)
        ]
        pieces[-1] = pieces[-1][:-1]
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))

        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self.fake._stream_started()
        try:
            self._event(
                _chunk(
                    model,
                    [
                        {
                            "index": i,
                            "delta": {"role": "assistant", "content": ""},
                            "finish_reason": None,
                        }
                        for i in range(choices)
                    ],
                )
            )
            for count, piece in enumerate(pieces):
                if count == chat.cut_after:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if count == chat.end_after:
                    self._end_body()
                    return
                if count == chat.stall_after:
                    time.sleep(chat.stall_seconds)
                if count == chat.error_event_after:
                    self._raw_event(
                        json.dumps(
                            {
                                "error": {
                                    "message": "The upstream model crashed.",
                                    "type": "server_error",
                                    "code": "upstream_error",
                                }
                            }
                        )
                    )
                    self._end_body()
                    return
                if count == chat.malformed_after:
                    self._raw_event("{this is not json")
                    self._end_body()
                    return
                if chat.delay:
                    time.sleep(chat.delay)
                self._event(
                    _chunk(
                        model,
                        [
                            {"index": i, "delta": {"content": piece}, "finish_reason": None}
                            for i in range(choices)
                        ],
                    )
                )
            self._event(
                _chunk(
                    model,
                    [
                        {"index": i, "delta": {}, "finish_reason": chat.finish}
                        for i in range(choices)
                    ],
                )
            )
            if include_usage and chat.usage:
                prompt_tokens = sum(
                    len(str(m.get("content", "")).split()) for m in body.get("messages", [])
                )
                completion_tokens = len(words) * choices
                self._event(
                    {
                        **_chunk(model, []),
                        "usage": {
                            "prompt_tokens": prompt_tokens,
                            "completion_tokens": completion_tokens,
                            "total_tokens": prompt_tokens + completion_tokens,
                        },
                    }
                )
            self._raw_event("[DONE]")
            self._end_body()
        finally:
            self.fake._stream_ended()

    def _event(self, payload: dict[str, Any]) -> None:
        self._raw_event(json.dumps(payload))

    def _raw_event(self, data: str) -> None:
        encoded = f"data: {data}\n\n".encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(encoded), encoded))
        self.wfile.flush()

    def _end_body(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _send_images(self, images: Images, body: dict[str, Any], record: Request) -> None:
        if images.delay and self._client_left_within(images.delay):
            record.client_hung_up = True
            self.close_connection = True
            return
        count = int(body.get("n") or 1)
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
                item["url"] = f"http://127.0.0.1:{self.fake.port}{FILES_PREFIX}{name}"
            else:
                item["b64_json"] = base64.b64encode(png).decode()
            if images.revised_prompt is not None:
                item["revised_prompt"] = images.revised_prompt
            data.append(item)
        self._send_json(
            200,
            {
                "created": int(time.time()),
                "data": data,
                "usage": {"input_tokens": 10, "output_tokens": 100, "total_tokens": 110},
            },
        )


def _convert(png: bytes, fmt: str) -> bytes:
    """The image in another format, as GPT Image models honour `output_format`."""
    import io

    from PIL import Image

    out = io.BytesIO()
    with Image.open(io.BytesIO(png)) as image:
        image.save(out, format=fmt.upper())
    return out.getvalue()


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
    args = parser.parse_args()
    server = FakeOpenAI(port=args.port)
    server.default_chat = Chat(delay=args.delay)
    print(f"fake OpenAI server on {server.url} (Ctrl-C stops it)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.close()


if __name__ == "__main__":
    main()
