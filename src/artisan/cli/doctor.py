"""`artisan doctor`: what works here, what does not, and what to change.

It reports who will write prompts, the local servers found on their usual ports, the effective
settings (the key redacted, with its source), the folders, and what the terminal can do for
copying and images, then lists the fixes. It exits 0 when artisan can write prompts (the offline
composer always can) and 1 when the chosen engine cannot work as configured.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path
from typing import Any

from artisan import config, locations
from artisan.cli.output import print_json, say
from artisan.errors import ConfigError


def register(commands: Any) -> None:
    doctor = commands.add_parser(
        "doctor",
        help="check the setup: engine, local servers, settings, folders, terminal",
        description="Check what works here and say what to fix.",
    )
    doctor.add_argument("--json", action="store_true", help="print one JSON object")
    doctor.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    report = gather()
    if args.json:
        print_json(report)
    else:
        _print(report)
    return 0 if report["engine"]["ready"] else 1


def gather() -> dict[str, Any]:
    """Everything `artisan doctor` reports, as plain data."""
    from artisan.discovery import find_local_servers
    from artisan.engine.choice import CHAT, chat_is_configured, choose_engine, engine_reason
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
    servers = asyncio.run(find_local_servers())
    chosen = choose_engine(settings)
    ready = chosen != CHAT or chat_is_configured(settings)
    if not ready:
        fixes.append(
            "engine = chat, but no API key is set for OpenAI: export OPENAI_API_KEY=sk-..., "
            "run `artisan config set api_key ...`, or `artisan config set engine auto`."
        )
    if not chat_is_configured(settings):
        if servers:
            first = servers[0]
            model = f" && artisan config set model {first.models[0]}" if first.models else ""
            fixes.append(
                f"Prompts come from the offline composer. {first.name} is running here; "
                f"to use it: artisan config set base_url {first.base_url}{model}"
            )
        else:
            fixes.append(
                "Prompts come from the offline composer. For a chat model, set a key "
                "(export OPENAI_API_KEY=sk-...) or start a local server such as Ollama."
            )
    fixes += load_composer_data().problems
    folders = [_folder(name, folder) for name, folder in _folders(settings)]
    fixes += [f"{f['name']} folder {f['path']} {f['state']}." for f in folders if not f["usable"]]
    terminal = terminal_facts()
    if terminal.clipboard.fix and terminal.clipboard.works is not True:
        fixes.append(f"Copying: {terminal.clipboard.reason} {terminal.clipboard.fix}")
    key_source = settings.sources.get("api_key", "none") if settings.api_key else "none"
    from artisan.cli.doctor_images import gather_images

    images, image_fixes = gather_images(settings)
    fixes += image_fixes
    return {
        "engine": {
            "name": chosen,
            "reason": engine_reason(settings),
            "ready": ready,
            "model": settings.model if chosen == CHAT else "composer",
        },
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
    lines.append("")
    lines.append("Local servers")
    if report["servers"]:
        for server in report["servers"]:
            models = server["models"]
            listed = ", ".join(models[:5]) + (", ..." if len(models) > 5 else "")
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
