"""Shared fixtures: an isolated home for every test and the loopback OpenAI server."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
import time_machine

from artisan.clock import fixed_clock
from fake_openai import FakeOpenAI
from llama_server import LlamaServer

TEST_KEY = "sk-test-0123456789abcdefSECRET"
TEST_TIME = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)
"""The moment the tests' apps live in: what they expect of the model table holds on that day,
whatever day the suite runs."""
TEST_CLOCK = fixed_clock(TEST_TIME)
PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock-at",
        metavar="YYYY-MM-DD",
        default=None,
        help="run every test with the wall clock moved to noon UTC on this day, ticking "
        "(the monotonic clock, which timeouts use, is left alone); for example a year ahead, to "
        "show that nothing the suite checks depends on the day it runs",
    )


@pytest.fixture(autouse=True)
def moved_clock(request: pytest.FixtureRequest) -> Iterator[None]:
    """The wall clock as `--clock-at` says, for code in this process (see the option)."""
    day = request.config.getoption("--clock-at")
    if not day:
        yield
        return
    moment = datetime.combine(date.fromisoformat(day), time(12, 0), tzinfo=UTC)
    with time_machine.travel(moment, tick=True):
        yield


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own config and data folders, and no key or server from outside."""
    monkeypatch.setenv("ARTISAN_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("ARTISAN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_PICTURES_DIR", str(tmp_path / "pictures"))
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "OPENAI_ORG_ID",
        "OPENAI_PROJECT_ID",
        "ARTISAN_IMAGE_BASE_URL",
        "ARTISAN_IMAGE_API_KEY",
        *PROXY_VARIABLES,
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    return tmp_path


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    """The loopback OpenAI server, not yet configured as artisan's server."""
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def online(server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> FakeOpenAI:
    """The loopback server, set as artisan's server (chat and images) with a key, as a user
    would."""
    monkeypatch.setenv("OPENAI_BASE_URL", server.url)
    monkeypatch.setenv("ARTISAN_IMAGE_BASE_URL", server.url)
    monkeypatch.setenv("OPENAI_API_KEY", TEST_KEY)
    return server


@dataclass
class Result:
    code: int
    out: str
    err: str


RunCli = Callable[..., Result]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> RunCli:
    """Run `artisan ARGS...` in this process on `TEST_CLOCK`; returns exit status, stdout and
    stderr."""
    from artisan.cli import main

    def run(*args: str, stdin: str = "") -> Result:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        try:
            code = main(list(args), clock=TEST_CLOCK)
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def run_artisan(
    *args: str, stdin: str = "", env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run `python -m artisan ARGS...` in a child process with the test's environment."""
    return subprocess.run(
        [sys.executable, "-m", "artisan", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
        check=False,
    )


# llama.cpp's own server, for the tests marked `real` -------------------------------------------


def _llama(slots: int, context: int, folder: Path) -> Iterator[LlamaServer]:
    from llama_server import CannotRun, NotInstalled, start

    try:
        server = start(slots, context, folder / f"llama-server-{slots}-slots.log")
    except CannotRun as reason:
        pytest.skip(f"llama.cpp's server cannot run here: {reason}")
    except NotInstalled as missing:
        pytest.fail(str(missing), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def llama_one_slot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    """llama-server with one slot of 1,024 tokens (its default: one request at a time)."""
    yield from _llama(1, 1024, tmp_path_factory.mktemp("llama-one"))


@pytest.fixture(scope="session")
def llama_four_slots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    """llama-server with four slots of 512 tokens each."""
    yield from _llama(4, 512, tmp_path_factory.mktemp("llama-four"))
