"""Loopback stand-ins for the Stable Diffusion servers artisan renders on.

- `FakeAutomatic1111` speaks AUTOMATIC1111's API (also Forge's and SD.Next's), as its
  `modules/api/api.py` and `models.py` define it: `POST /sdapi/v1/txt2img` answers
  `{"images": [base64 PNG...], "parameters": {...}, "info": "<JSON string>"}`, each PNG carrying
  the `parameters` text chunk the web UI writes; `GET /sdapi/v1/progress`, `/sd-models`,
  `/samplers`, `/options`; `POST /sdapi/v1/interrupt`; FastAPI's error bodies
  (`{"error": ..., "detail": ..., "body": ..., "errors": ...}`); HTTP basic authentication
  when started with `auth` (the web UI's `--api-auth user:password`).
- `FakeComfyUI` speaks ComfyUI's (its `server.py`): `POST /prompt` queues a workflow in API
  format and answers `{"prompt_id", "number", "node_errors"}`, or 400 with `error` and
  `node_errors`; the workflow "runs" in a thread, after which `GET /history/{id}` lists its
  output images and `GET /view` serves them (PNGs with the `prompt` and `workflow` chunks
  ComfyUI's SaveImage writes); `GET /object_info/{node}`, `GET /queue`, `POST /queue`,
  `POST /interrupt`.

Both listen on 127.0.0.1, record every request (path, headers, JSON body), and draw small
made-up pictures of the size asked. Tests and the benchmarks import them, as `fake_openai`.
"""

from __future__ import annotations

import base64
import io
import json
import random
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fake_openai import make_png

MAX_SIDE = 64
"""Pictures are drawn at most this large (the size asked, scaled down), to stay quick."""


@dataclass
class Request:
    """A request a stand-in received."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


def picture(width: int, height: int, seed: str, text: dict[str, str]) -> bytes:
    """A small PNG of the shape asked, with these text chunks."""
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    scale = min(1.0, MAX_SIDE / max(width, height, 1))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    with Image.open(io.BytesIO(make_png(*size, seed=seed))) as image:
        info = PngInfo()
        for key, value in text.items():
            info.add_text(key, value)
        out = io.BytesIO()
        image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: Any


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        owner = self.server.owner
        record = Request(method, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        with owner.lock:
            owner.requests.append(record)
        try:
            status, payload, kind = owner.answer(method, self.path, record)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class _Stand:
    """What both stand-ins share: the server thread, the request log, the lock."""

    def __init__(self, port: int = 0) -> None:
        self.requests: list[Request] = []
        self.lock = threading.Lock()
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def paths(self, method: str | None = None) -> list[str]:
        return [r.path for r in self.requests if method is None or r.method == method]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def answer(self, method: str, path: str, request: Request) -> tuple[int, Any, str]:
        raise NotImplementedError


class FakeAutomatic1111(_Stand):
    """AUTOMATIC1111's web UI API, started with `--api`."""

    def __init__(self, port: int = 0, *, auth: str | None = None) -> None:
        super().__init__(port)
        self.checkpoints = [
            "sd_xl_base_1.0.safetensors [31e35c80fc]",
            "dreamshaper_8.safetensors [879db523c3]",
        ]
        self.loaded = self.checkpoints[0]
        self.samplers = ["Euler a", "Euler", "DPM++ 2M", "DPM++ 2M Karras", "DDIM"]
        self.auth = auth
        """user:password, as --api-auth takes it; None: no authentication."""
        self.delay = 0.0
        """Seconds each render takes (the progress goes from 0 to 1 meanwhile)."""
        self.fail: tuple[int, str] | None = None
        """Answer txt2img with this status and detail instead."""
        self.interrupted = 0
        self._progress = 0.0
        self._stop = threading.Event()

    def txt2img_requests(self) -> list[Request]:
        return [r for r in self.requests if r.path == "/sdapi/v1/txt2img"]

    def answer(self, method: str, path: str, request: Request) -> tuple[int, Any, str]:
        if self.auth is not None and not self._authorized(request):
            return _fastapi_error(401, "Incorrect username or password")
        route = urlsplit(path).path
        if method == "GET" and route == "/sdapi/v1/sd-models":
            return 200, [self._model(title) for title in self.checkpoints], "application/json"
        if method == "GET" and route == "/sdapi/v1/samplers":
            samplers = [{"name": name, "aliases": [], "options": {}} for name in self.samplers]
            return 200, samplers, "application/json"
        if method == "GET" and route == "/sdapi/v1/options":
            return 200, {"sd_model_checkpoint": self.loaded}, "application/json"
        if method == "GET" and route == "/sdapi/v1/progress":
            state = {"job_count": 1 if self._progress else 0, "interrupted": False}
            return (
                200,
                {
                    "progress": self._progress,
                    "eta_relative": 1.0,
                    "state": state,
                    "current_image": None,
                    "textinfo": None,
                },
                "application/json",
            )
        if method == "POST" and route == "/sdapi/v1/interrupt":
            self.interrupted += 1
            self._stop.set()
            return 200, {}, "application/json"
        if method == "POST" and route == "/sdapi/v1/txt2img":
            return self._txt2img(request.body if isinstance(request.body, dict) else {})
        return 404, {"detail": "Not Found"}, "application/json"

    def _txt2img(self, body: dict[str, Any]) -> tuple[int, Any, str]:
        if self.fail is not None:
            return _fastapi_error(*self.fail)
        sampler = body.get("sampler_name") or body.get("sampler_index") or "Euler"
        if sampler not in self.samplers:
            return _fastapi_error(404, "Sampler not found")
        override = (body.get("override_settings") or {}).get("sd_model_checkpoint")
        model = self.loaded
        if override is not None:
            found = [t for t in self.checkpoints if t == override or t.split(" [")[0] == override]
            if not found:
                return _fastapi_error(404, "Model not found")
            model = found[0]
        self._draw()
        width, height = int(body.get("width", 512)), int(body.get("height", 512))
        seed = int(body.get("seed", -1))
        seed = random.randrange(2**32) if seed == -1 else seed
        count = int(body.get("batch_size", 1)) * int(body.get("n_iter", 1))
        seeds = [seed + index for index in range(count)]
        steps = int(body.get("steps", 20))
        cfg = float(body.get("cfg_scale", 7.0))
        name = model.split(".")[0]
        infotexts, images = [], []
        for each in seeds:
            text = body.get("prompt", "")
            if body.get("negative_prompt"):
                text += f"\nNegative prompt: {body['negative_prompt']}"
            text += (
                f"\nSteps: {steps}, Sampler: {sampler}, CFG scale: {cfg:g}, Seed: {each}, "
                f"Size: {width}x{height}, Model hash: 31e35c80fc, Model: {name}, Version: v1.10.1"
            )
            infotexts.append(text)
            png = picture(width, height, f"{text}", {"parameters": text})
            images.append(base64.b64encode(png).decode())
        info = {
            "prompt": body.get("prompt", ""),
            "negative_prompt": body.get("negative_prompt", ""),
            "seed": seeds[0],
            "all_seeds": seeds,
            "width": width,
            "height": height,
            "sampler_name": sampler,
            "cfg_scale": cfg,
            "steps": steps,
            "sd_model_name": name,
            "infotexts": infotexts,
        }
        return (
            200,
            {"images": images, "parameters": body, "info": json.dumps(info)},
            ("application/json"),
        )

    def _draw(self) -> None:
        """Take `delay` seconds, with the progress rising, unless interrupted."""
        self._stop.clear()
        started = time.monotonic()
        while (elapsed := time.monotonic() - started) < self.delay:
            self._progress = max(0.01, min(0.99, elapsed / self.delay))
            if self._stop.wait(0.02):
                break
        self._progress = 0.0

    def _model(self, title: str) -> dict[str, Any]:
        name = title.split(" [")[0]
        return {
            "title": title,
            "model_name": name.rsplit(".", 1)[0],
            "hash": title[-11:-1],
            "sha256": None,
            "filename": f"/models/Stable-diffusion/{name}",
            "config": None,
        }

    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        expected = base64.b64encode(str(self.auth).encode()).decode()
        return header == f"Basic {expected}"


class FakeComfyUI(_Stand):
    """ComfyUI's HTTP API."""

    def __init__(self, port: int = 0) -> None:
        super().__init__(port)
        self.checkpoints = ["sd_xl_base_1.0.safetensors", "flux1-schnell-fp8.safetensors"]
        self.samplers = ["euler", "euler_ancestral", "dpmpp_2m", "ddim"]
        self.delay = 0.0
        """Seconds a workflow takes to run."""
        self.history: dict[str, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}
        self.interrupted = 0
        self.deleted: list[str] = []
        self.fail_run: str | None = None
        """Make the next run fail with this exception message."""

    def prompts(self) -> list[dict[str, Any]]:
        """The workflows queued, in order."""
        return [
            r.body["prompt"]
            for r in self.requests
            if r.method == "POST" and r.path == "/prompt" and isinstance(r.body, dict)
        ]

    def answer(self, method: str, path: str, request: Request) -> tuple[int, Any, str]:
        parts = urlsplit(path)
        route = parts.path.removeprefix("/api")
        if method == "GET" and route.startswith("/object_info/"):
            return 200, self._object_info(route.rsplit("/", 1)[1]), "application/json"
        if method == "POST" and route == "/prompt":
            return self._queue(request.body if isinstance(request.body, dict) else {})
        if method == "GET" and route.startswith("/history/"):
            prompt_id = route.rsplit("/", 1)[1]
            with self.lock:
                run = self.history.get(prompt_id)
            return 200, ({prompt_id: run} if run else {}), "application/json"
        if method == "GET" and route == "/view":
            query = parse_qs(parts.query)
            data = self.files.get(query.get("filename", [""])[0])
            if data is None or query.get("type", ["output"])[0] != "output":
                return 404, b"", "text/plain"
            return 200, data, "image/png"
        if method == "GET" and route == "/queue":
            return 200, {"queue_running": [], "queue_pending": []}, "application/json"
        if method == "POST" and route == "/queue":
            body = request.body if isinstance(request.body, dict) else {}
            self.deleted.extend(str(item) for item in body.get("delete", []))
            return 200, b"", "text/plain"
        if method == "POST" and route == "/interrupt":
            self.interrupted += 1
            return 200, b"", "text/plain"
        return 404, b"404: Not Found", "text/plain"

    def _object_info(self, node: str) -> dict[str, Any]:
        if node == "CheckpointLoaderSimple":
            inputs = {"ckpt_name": [list(self.checkpoints), {"tooltip": "checkpoint"}]}
        elif node == "KSampler":
            inputs = {"sampler_name": [list(self.samplers), {}], "seed": ["INT", {}]}
        else:
            return {}
        return {node: {"input": {"required": inputs}, "output": [], "name": node}}

    def _queue(self, body: dict[str, Any]) -> tuple[int, Any, str]:
        workflow = body.get("prompt")
        if not isinstance(workflow, dict) or not all(
            isinstance(node, dict) and "class_type" in node for node in workflow.values()
        ):
            return (
                400,
                {
                    "error": {
                        "type": "invalid_prompt",
                        "message": "Cannot execute "
                        "because a node is missing the class_type property.",
                        "details": "",
                        "extra_info": {},
                    },
                    "node_errors": {},
                },
                ("application/json"),
            )
        for node_id, node in workflow.items():
            if node["class_type"] == "CheckpointLoaderSimple":
                name = node.get("inputs", {}).get("ckpt_name")
                if name not in self.checkpoints:
                    details = f"ckpt_name: '{name}' not in {self.checkpoints}"
                    return (
                        400,
                        {
                            "error": {
                                "type": "prompt_outputs_failed_validation",
                                "message": "Prompt outputs failed validation",
                                "details": details,
                                "extra_info": {},
                            },
                            "node_errors": {node_id: {"errors": [{"details": details}]}},
                        },
                        "application/json",
                    )
        prompt_id = str(uuid.uuid4())
        threading.Thread(target=self._run, args=(prompt_id, workflow), daemon=True).start()
        return (
            200,
            {"prompt_id": prompt_id, "number": len(self.history), "node_errors": {}},
            ("application/json"),
        )

    def _run(self, prompt_id: str, workflow: dict[str, Any]) -> None:
        time.sleep(self.delay)
        if self.fail_run is not None:
            message, self.fail_run = self.fail_run, None
            status = {
                "status_str": "error",
                "completed": False,
                "messages": [
                    ["execution_error", {"prompt_id": prompt_id, "exception_message": message}]
                ],
            }
            with self.lock:
                self.history[prompt_id] = {
                    "prompt": [0, prompt_id, workflow],
                    "outputs": {},
                    "status": status,
                }
            return
        size: dict[str, Any] = next(
            (n["inputs"] for n in workflow.values() if n["class_type"] == "EmptyLatentImage"), {}
        )
        width, height = int(size.get("width", 512)), int(size.get("height", 512))
        count = int(size.get("batch_size", 1))
        outputs: dict[str, Any] = {}
        for node_id, node in workflow.items():
            if node["class_type"] != "SaveImage":
                continue
            images = []
            prefix = node.get("inputs", {}).get("filename_prefix", "ComfyUI")
            for index in range(count):
                name = f"{prefix}_{len(self.files) + 1:05}_.png"
                chunks = {"prompt": json.dumps(workflow), "workflow": json.dumps({"nodes": []})}
                self.files[name] = picture(width, height, f"{prompt_id}{index}", chunks)
                images.append({"filename": name, "subfolder": "", "type": "output"})
            outputs[node_id] = {"images": images}
        status = {"status_str": "success", "completed": True, "messages": []}
        with self.lock:
            self.history[prompt_id] = {
                "prompt": [0, prompt_id, workflow],
                "outputs": outputs,
                "status": status,
            }


def _fastapi_error(status: int, detail: str) -> tuple[int, Any, str]:
    """An error as AUTOMATIC1111's API middleware words it."""
    body = {"error": "HTTPException", "detail": detail, "body": "", "errors": detail}
    return status, body, "application/json"
