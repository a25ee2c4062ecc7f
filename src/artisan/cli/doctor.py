"""`artisan doctor`: what works here, what does not, and what to change.

It reports who will write prompts and, when a chat model does, whether its server would write
one now (reached, what kind, its slots and context, the model listed, one token answered); the
local servers found on their usual ports; the effective settings (the key redacted, with its
source); the folders; and what the terminal can do for copying and images; then lists the fixes.
Reaching servers, the configured one and the usual ports alike, has one deadline of a few
seconds. It exits 0 when artisan can write prompts (the offline composer always can) and 1 when
the chosen engine would fail: no key, no server there, a key refused, an unknown model.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any

from artisan import config, locations
from artisan.cli.output import print_json, say
from artisan.clock import Clock, system_clock
from artisan.errors import ConfigError
from artisan.sanitize import visible
from artisan.state import EngineName

if TYPE_CHECKING:
    from artisan.discovery import FoundServer
    from artisan.engine.checkup import ServerCheck

SURVEY_DEADLINE = 3.5
"""Seconds for reaching every server, the configured one and the usual ports together."""


def register(commands: Any) -> None:
    doctor = commands.add_parser(
        "doctor",
        help="check the setup: engine, local servers, settings, folders, terminal",
        description="Check what works here and say what to fix.",
    )
    doctor.add_argument("--json", action="store_true", help="print one JSON object")
    doctor.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    report = gather(clock=args.clock)
    if args.json:
        print_json(report)
    else:
        _print(report)
    return 0 if report["engine"]["ready"] else 1


def gather(deadline: float = SURVEY_DEADLINE, *, clock: Clock = system_clock) -> dict[str, Any]:
    """Everything `artisan doctor` reports, as plain data, as of `clock`'s time (this month's
    spending, the image models still served)."""
    from artisan.engine.choice import chat_is_configured, choose_engine, engine_reason
    from artisan.engine.presets import load_composer_data
    from artisan.terminal import terminal_facts

    fixes: list[str] = []
    try:
        loaded = config.load()
        settings, warnings, path = loaded.settings, loaded.warnings, loaded.path
    except ConfigError as error:
        settings, warnings, path = config.DEFAULTS, [], locations.config_file()
        fixes.append(f"{error} Until then the defaults are used.")
    fixes += warnings
    chosen = choose_engine(settings)
    configured = chat_is_configured(settings)
    servers, check = asyncio.run(
        _survey(settings, chosen is EngineName.CHAT and configured, deadline)
    )
    ready = chosen is not EngineName.CHAT or configured
    if not ready:
        fixes.append(
            "engine = chat, but no API key is set for OpenAI: export OPENAI_API_KEY=sk-..., "
            "run `artisan config set api_key ...`, or `artisan config set engine auto`."
        )
    if check is not None and not check.ok:
        ready = False
        fixes.append(check.problem)
    if not configured:
        fixes.append(_offer(servers))
    fixes += load_composer_data().problems
    folders = [_folder(name, folder) for name, folder in _folders(settings)]
    fixes += [f"{f['name']} folder {f['path']} {f['state']}." for f in folders if not f["usable"]]
    terminal = terminal_facts()
    if terminal.clipboard.fix and terminal.clipboard.works is not True:
        fixes.append(f"Copying: {terminal.clipboard.reason} {terminal.clipboard.fix}")
    key_source = settings.sources.get("api_key", "none") if settings.api_key else "none"
    from artisan.cli.doctor_images import gather_images

    images, image_fixes = gather_images(settings, clock)
    fixes += image_fixes
    return {
        "engine": {
            "name": chosen,
            "reason": engine_reason(settings),
            "ready": ready,
            "model": settings.model if chosen is EngineName.CHAT else EngineName.COMPOSER,
        },
        "server": None if check is None else check.to_dict(),
        "servers": [server.to_dict() for server in servers],
        "config": {
            "file": str(path),
            "exists": path.is_file(),
            "engine": settings.engine,
            "model": settings.model,
            "base_url": settings.base_url,
            "api_key": config.redact(settings.api_key),
            "api_key_source": key_source,
        },
        "folders": folders,
        "images": images,
        "terminal": terminal.to_dict(),
        "fixes": fixes,
    }


async def _survey(
    settings: config.Settings, check_chat: bool, deadline: float
) -> tuple[list[FoundServer], ServerCheck | None]:
    """The local servers on their usual ports and, when a chat model writes the prompts, its
    server: both at once, within `deadline`."""
    from artisan.discovery import PROBE_TIMEOUT, find_local_servers
    from artisan.engine.checkup import check_server

    probing = find_local_servers(timeout=min(PROBE_TIMEOUT, deadline))
    if not check_chat:
        return await probing, None
    servers, check = await asyncio.gather(probing, check_server(settings, deadline))
    return servers, check


def _offer(servers: list[FoundServer]) -> str:
    """The fix that says where prompts come from, and how to use a server found here."""
    if not servers:
        return (
            "Prompts come from the offline composer. For a chat model, set a key "
            "(export OPENAI_API_KEY=sk-...) or start a local server such as Ollama."
        )
    first = servers[0]
    # A model name is the server's text: it goes into a command line quoted, and only when it
    # is one line a person could type.
    names = [name for name in first.models if name.isprintable()]
    model = f" && artisan config set model {shlex.quote(names[0])}" if names else ""
    return (
        f"Prompts come from the offline composer. {first.name} is running here; "
        f"to use it: artisan config set base_url {shlex.quote(first.base_url)}{model}"
    )


def _folders(settings: config.Settings) -> list[tuple[str, Path]]:
    return [
        ("config", locations.config_dir()),
        ("data", locations.data_dir()),
        ("library", locations.library_dir()),
        ("images", settings.images_path()),
    ]


def _folder(name: str, path: Path) -> dict[str, Any]:
    exists = path.is_dir()
    if exists:
        writable = os.access(path, os.W_OK | os.X_OK)
        state = "exists, writable" if writable else "exists, not writable"
    else:
        parent = next((p for p in path.parents if p.exists()), None)
        writable = parent is not None and parent.is_dir() and os.access(parent, os.W_OK | os.X_OK)
        state = "will be created when needed" if writable else "is missing and cannot be created"
    return {"name": name, "path": str(path), "exists": exists, "usable": writable, "state": state}


def _print(report: dict[str, Any]) -> None:
    engine = report["engine"]
    lines = ["Prompts"]
    lines.append(f"  engine      {engine['name']}: {engine['reason']}")
    if report["server"] is not None:
        lines += _server_lines(report["server"])
    lines.append("")
    lines.append("Local servers")
    if report["servers"]:
        for server in report["servers"]:
            models = server["models"]
            listed = _names(models)
            count = f"{len(models)} model{'s' if len(models) != 1 else ''}"
            lines.append(f"  {server['name']:<11} {server['base_url']}  {count}: {listed}")
    else:
        lines.append("  none found (Ollama, LM Studio, llama.cpp, vLLM and Jan were looked for)")
    cfg = report["config"]
    lines += ["", "Settings"]
    lines.append(f"  file        {cfg['file']}{'' if cfg['exists'] else ' (not created yet)'}")
    lines.append(f"  engine      {cfg['engine']}")
    lines.append(f"  model       {cfg['model']}")
    lines.append(f"  base_url    {cfg['base_url'] or '(not set: OpenAI)'}")
    source = "" if cfg["api_key_source"] == "none" else f" (from {cfg['api_key_source']})"
    lines.append(f"  api_key     {cfg['api_key']}{source}")
    from artisan.cli.doctor_images import image_lines

    lines += ["", *image_lines(report["images"])]
    lines += ["", "Folders"]
    for folder in report["folders"]:
        lines.append(f"  {folder['name']:<11} {folder['path']}  {folder['state']}")
    term = report["terminal"]
    lines += ["", "Terminal"]
    facts = [f"TERM={term['term'] or '-'}", f"TERM_PROGRAM={term['term_program'] or '-'}"]
    facts.append(f"COLORTERM={term['colorterm'] or '-'}")
    lines.append("  " + "  ".join(facts))
    where = [name for name in ("tmux", "screen", "ssh") if term[name]]
    lines.append(f"  under       {', '.join(where) if where else 'nothing (a local terminal)'}")
    images = term["images"]
    lines.append(f"  images      {images['protocol']}: {images['reason']}")
    clip = term["clipboard"]
    verdict = {True: "works", False: "does not work", None: "may work"}[clip["works"]]
    lines.append(f"  copying     {verdict}: {clip['reason']}")
    lines += ["", "To fix" if report["fixes"] else "Nothing to fix."]
    lines += [f"  - {fix}" for fix in report["fixes"]]
    say("\n".join(lines))


def _server_lines(server: dict[str, Any]) -> list[str]:
    """What the check of the server in use found, a line each."""
    lines = [f"  server      {server['url']}"]
    kind = server["kind"] or "an OpenAI-compatible server"
    facts = []
    if server["slots"] is not None:
        facts.append(f"{server['slots']} slot{'s' if server['slots'] != 1 else ''}")
    if server["context"] is not None:
        facts.append(f"context {server['context']:,} tokens")
    lines.append(f"  kind        {kind}{': ' + ', '.join(facts) if facts else ''}")
    if server["models"] is not None:
        models = server["models"]
        lines.append(f"  models      {len(models)}: {_names(models)}")
    model = _one_line(server["model"])
    listed = {True: "listed", False: "not listed", None: ""}[server["model_listed"]]
    answered = {True: "answered", False: "failed", None: "not asked"}[server["answered"]]
    if not server["reached"]:
        answered = "not reached"
    lines.append(f"  model       {model}: {', '.join(p for p in (listed, answered) if p)}")
    lines += [f"  note        {note}" for note in server["notes"]]
    return lines


def _names(models: list[str]) -> str:
    shown = ", ".join(_one_line(name) for name in models[:5])
    return shown + (", ..." if len(models) > 5 else "")


def _one_line(name: str) -> str:
    """A server's name for a model, on one line whatever it holds (a newline is shown as ␤)."""
    return visible(name).replace("\n", "\u2424").replace("\t", "\u2409")
