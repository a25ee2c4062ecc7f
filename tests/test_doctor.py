"""The `engine` setting, the engine it builds, and `artisan doctor`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

import artisan.discovery
from artisan import config, locations
from artisan.config import Settings
from artisan.discovery import KnownServer
from artisan.engine.chat import Engine
from artisan.engine.choice import choose_engine, engine_reason, make_engine
from artisan.engine.composer import Composer
from conftest import TEST_KEY, Result, RunCli
from fake_openai import Error, FakeOpenAI
from test_discovery import free_port


@pytest.fixture(autouse=True)
def plain_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """A known terminal, and no real local server probed: the ports table is emptied."""
    for name in ("TMUX", "STY", "VTE_VERSION", "KITTY_WINDOW_ID", "SSH_CONNECTION", "SSH_TTY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("TERM_PROGRAM", "WezTerm")
    monkeypatch.setattr(artisan.discovery, "WELL_KNOWN", ())


@pytest.mark.parametrize(
    ("settings", "engine"),
    [
        (Settings(), "composer"),
        (Settings(api_key="sk-x"), "chat"),
        (Settings(base_url="http://127.0.0.1:11434/v1"), "chat"),
        (Settings(base_url="https://api.openai.com/v1"), "composer"),
        (Settings(engine="composer", api_key="sk-x"), "composer"),
        (Settings(engine="chat"), "chat"),
    ],
)
def test_which_engine_writes(settings: Settings, engine: str) -> None:
    assert choose_engine(settings) == engine
    built = make_engine(settings, seed=1)
    assert built.name == engine
    assert isinstance(built, Composer if engine == "composer" else Engine)


def test_the_reason_is_said() -> None:
    assert "no key and no server" in engine_reason(Settings())
    assert "engine = chat" in engine_reason(Settings(engine="chat"))


def test_the_engine_setting_is_read_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('engine = "composer"\n')
    assert config.load(path, environ={}).settings.engine == "composer"
    path.write_text('engine = "robot"\n')
    loaded = config.load(path, environ={})
    assert loaded.settings.engine == "auto"
    assert "one of auto, chat, composer" in loaded.warnings[0]


def test_config_set_engine(cli: RunCli) -> None:
    assert cli("config", "set", "engine", "composer").code == 0
    assert 'engine = "composer"' in locations.config_file().read_text()
    bad = cli("config", "set", "engine", "robot")
    assert bad.code == 2 and "auto, chat, composer" in bad.err


def test_doctor_on_a_fresh_machine(cli: RunCli) -> None:
    result = cli("doctor")
    assert result.code == 0, result.err
    out = result.out
    assert "engine      composer: no key and no server are set" in out
    assert "none found (Ollama, LM Studio, llama.cpp, vLLM and Jan were looked for)" in out
    assert f"file        {locations.config_file()} (not created yet)" in out
    assert "api_key     (not set)" in out
    assert f"library     {locations.library_dir()}  will be created when needed" in out
    assert "copying     works: WezTerm accepts OSC 52." in out
    assert "Prompts come from the offline composer." in out


def test_doctor_redacts_the_key_and_names_its_source(cli: RunCli, online: FakeOpenAI) -> None:
    result = cli("doctor")
    assert result.code == 0
    assert TEST_KEY not in result.out
    assert f"api_key     {config.redact(TEST_KEY)} (from OPENAI_API_KEY)" in result.out
    assert "engine      chat: a key or a server is set" in result.out


def test_doctor_offers_a_server_it_found(
    cli: RunCli, server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.models = ["llama3.2", "qwen3"]
    monkeypatch.setattr(artisan.discovery, "WELL_KNOWN", (KnownServer("Ollama", server.port),))
    result = cli("doctor")
    assert result.code == 0
    assert f"Ollama      {server.url}  2 models: llama3.2, qwen3" in result.out
    fix = f"artisan config set base_url {server.url} && artisan config set model llama3.2"
    assert fix in result.out


def test_doctor_fails_when_the_chosen_engine_cannot_work(cli: RunCli) -> None:
    cli("config", "set", "engine", "chat")
    result = cli("doctor")
    assert result.code == 1
    assert "engine = chat, but no API key is set for OpenAI" in result.out


def test_doctor_says_what_to_change_in_tmux(
    cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "tmux").write_text("#!/bin/sh\necho external\n")
    (folder / "tmux").chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("TMUX", "/tmp/tmux-0/default,1,0")
    result = cli("doctor")
    assert "copying     does not work: tmux's set-clipboard is `external`" in result.out
    assert "set -g set-clipboard on" in result.out
    assert "images      half-blocks: tmux does not pass graphics through" in result.out


def test_doctor_reports_a_broken_preset_file_and_a_broken_config(cli: RunCli) -> None:
    locations.user_composer_dir().mkdir(parents=True)
    (locations.user_composer_dir() / "bad.toml").write_text("[[preset]\n")
    locations.config_file().write_text("engine = \n")
    result = cli("doctor")
    assert result.code == 0
    assert "bad.toml is not valid TOML" in result.out
    assert "config.toml is not valid TOML" in result.out


def test_doctor_json(cli: RunCli) -> None:
    result = cli("doctor", "--json")
    assert result.code == 0
    report = json.loads(result.out)
    assert report["engine"] == {
        "name": "composer",
        "reason": "no key and no server are set (engine = auto)",
        "ready": True,
        "model": "composer",
    }
    assert report["servers"] == []
    assert [f["name"] for f in report["folders"]] == ["config", "data", "library", "images"]
    assert report["terminal"]["clipboard"]["works"] is True
    assert report["config"]["api_key_source"] == "none"


def test_new_core_modules_stay_light() -> None:
    code = (
        "import sys\n"
        "import artisan.discovery, artisan.terminal, artisan.wildcards, artisan.engine.choice, "
        "artisan.engine.composer\n"
        "heavy = ('textual', 'openai', 'httpx2', 'dynamicprompts')\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# The server in use ------------------------------------------------------------------------------


def test_doctor_reaches_the_server_in_use_and_asks_for_one_token(
    cli: RunCli, online: FakeOpenAI
) -> None:
    online.props = {"total_slots": 1, "default_generation_settings": {"n_ctx": 4096}}
    result = cli("doctor")
    assert result.code == 0, result.out
    assert f"  server      {online.url}" in result.out
    assert "  kind        llama.cpp's server: 1 slot, context 4,096 tokens" in result.out
    assert "  model       gpt-5.4-mini: listed, answered" in result.out
    [asked] = online.chat_requests()
    assert asked.body["max_tokens"] == 1
    assert asked.headers["authorization"] == f"Bearer {TEST_KEY}"
    assert "Nothing to fix." in result.out


def test_doctor_fails_on_a_base_url_where_nothing_listens(
    cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    result = cli("doctor")
    assert result.code == 1
    assert "Cannot connect to http://127.0.0.1:" in result.out
    assert "Nothing to fix" not in result.out
    assert "model       gpt-5.4-mini: not reached" in result.out


def test_doctor_fails_when_the_key_is_refused(cli: RunCli, online: FakeOpenAI) -> None:
    online.queue_chat(Error(401, "Incorrect API key provided.", code="invalid_api_key"))
    result = cli("doctor", "--json")
    assert result.code == 1
    report = json.loads(result.out)
    assert report["engine"]["ready"] is False
    assert report["server"]["answered"] is False
    assert "key" in report["server"]["problem"]
    assert report["server"]["problem"] in report["fixes"]


def test_doctor_fails_when_the_model_is_unknown(cli: RunCli, online: FakeOpenAI) -> None:
    online.models = ["llama3.2"]
    online.queue_chat(Error(404, "model 'gpt-5.4-mini' not found", code="model_not_found"))
    result = cli("doctor")
    assert result.code == 1
    assert "model       gpt-5.4-mini: not listed, failed" in result.out
    assert "not found" in result.out


def finishes_within(seconds: float, run: Callable[[], object]) -> object:
    """`run()` in a thread; its result, or a failure once `seconds` pass without one."""
    results: list[object] = []
    worker = threading.Thread(target=lambda: results.append(run()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert results, f"still running after {seconds:g} s"
    return results[0]


def test_doctor_ends_with_a_server_trickling_on_a_usual_port(
    cli: RunCli, server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One byte every 0.2 s never trips a per-read timeout: the survey's deadline ends it."""
    server.models = [f"model-{n}" for n in range(40)]
    server.models_trickle = 0.2
    monkeypatch.setattr(artisan.discovery, "WELL_KNOWN", (KnownServer("Ollama", server.port),))
    result = finishes_within(20, lambda: cli("doctor"))
    assert isinstance(result, Result) and result.code == 0
    assert "none found" in result.out


def test_doctor_ends_with_the_server_in_use_trickling(cli: RunCli, online: FakeOpenAI) -> None:
    online.models_trickle = 0.2
    result = finishes_within(20, lambda: cli("doctor"))
    assert isinstance(result, Result) and result.code == 1
    assert "did not answer within 3.5 seconds" in result.out


def test_doctor_survives_a_model_list_nested_100000_deep(
    cli: RunCli, server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.models_answer = b"[" * 100_000 + b"]" * 100_000
    monkeypatch.setattr(artisan.discovery, "WELL_KNOWN", (KnownServer("Ollama", server.port),))
    result = cli("doctor")
    assert result.code == 0
    assert "none found" in result.out


def test_doctor_quotes_a_model_name_it_offers_as_a_command(
    cli: RunCli, server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.models = ["llama; curl 127.0.0.1:9/x | sh #"]
    monkeypatch.setattr(artisan.discovery, "WELL_KNOWN", (KnownServer("Ollama", server.port),))
    result = cli("doctor")
    assert "artisan config set model 'llama; curl 127.0.0.1:9/x | sh #'" in result.out


def test_a_model_name_with_a_newline_keeps_to_its_line(
    cli: RunCli, server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.models = ["evil\n  - Nothing wrong here", "llama3.2"]
    monkeypatch.setattr(artisan.discovery, "WELL_KNOWN", (KnownServer("Ollama", server.port),))
    result = cli("doctor")
    assert f"Ollama      {server.url}  2 models: evil\u2424  - Nothing wrong here, llama3.2" in (
        result.out
    )
    assert "\n  - Nothing wrong here" not in result.out
    assert "artisan config set model llama3.2" in result.out
