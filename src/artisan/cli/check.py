"""`artisan check` and `artisan library check`: hold prompts to their target's rules.

Both print what the checker (`artisan.checker`) finds, one line a problem, and exit 1 when a
rule is broken, so a script can gate on them. Neither imports Textual or the openai SDK.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from artisan import config
from artisan.cli.output import print_json, say, warn
from artisan.errors import TargetError, UsageError
from artisan.targets import Target, TargetCatalog, load_catalog

if TYPE_CHECKING:
    from artisan.checker import Report

EXIT_BROKEN = 1


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "check",
        help="check a prompt against its target's rules",
        description="Check PROMPT (or - for stdin) against the target's rules: CLIP tokens "
        "for Stable Diffusion, length, syntax the target reads, Midjourney parameters, and "
        "(with --idea) exclusions that cancel the idea and quoted words lost. Exits 1 when a "
        "rule is broken.",
    )
    parser.add_argument("prompt", metavar="PROMPT|-", help="the prompt, or - to read stdin")
    parser.add_argument("-t", "--target", metavar="NAME", help="target (default: the setting)")
    parser.add_argument("--idea", default="", help="the idea it was written from")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=run_check)


def register_library(sub: Any) -> None:
    """`artisan library check`, added by the library command group."""
    parser = sub.add_parser(
        "check",
        help="check every saved prompt against its target's rules",
        description="Check saved prompts (all, or the ids given) against their targets' rules "
        "and their ideas. Exits 1 when any breaks a rule.",
    )
    parser.add_argument("ids", metavar="ID", nargs="*", help="only these prompts")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=run_library_check)


def _settings() -> config.Settings:
    loaded = config.load()
    for message in loaded.warnings:
        warn(message)
    return loaded.settings


def run_check(args: argparse.Namespace) -> int:
    from artisan.checker import check

    settings = _settings()
    catalog = load_catalog()
    target = _target(catalog, args.target or settings.target)
    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    if not prompt.strip():
        raise UsageError("There is no prompt to check.")
    report = check(prompt.strip(), target, idea=args.idea, version=_version(settings, target))
    if args.json:
        print_json(report.to_dict())
    else:
        _say_report(report, target)
    return 0 if report.ok else EXIT_BROKEN


def run_library_check(args: argparse.Namespace) -> int:
    from artisan.checker import check
    from artisan.cli.library import loaded_library

    settings = _settings()
    catalog = load_catalog()
    library = loaded_library()
    entries = [library.get(i) for i in args.ids] if args.ids else library.entries()
    results: list[dict[str, Any]] = []
    broken = 0
    for entry in entries:
        name = entry.target or settings.target
        if name not in catalog:
            warn(f"{entry.id}: target `{name}` is unknown here; not checked")
            continue
        target = catalog.get(name)
        report = check(entry.prompt, target, idea=entry.idea, version=_version(settings, target))
        broken += not report.ok
        if args.json:
            results.append({"id": entry.id, "title": entry.title, **report.to_dict()})
        elif not report.ok:
            say(f"{entry.id}  {entry.title}  ({target.label}, {report.count})")
            for problem in report.problems:
                say(f"  {problem.rule}: {problem.message}")
    if args.json:
        print_json(results)
    else:
        checked = len(entries)
        say(f"{checked} prompt{'s' * (checked != 1)} checked: {broken} break a rule.", err=True)
    return EXIT_BROKEN if broken else 0


def _say_report(report: Report, target: Target) -> None:
    say(f"{target.label}: {report.count}")
    for problem in report.problems:
        say(f"  {problem.rule}: {problem.message}")
    if report.ok:
        say("  no problems")


def _target(catalog: TargetCatalog, name: str) -> Target:
    try:
        return catalog.get(name)
    except TargetError as error:
        raise UsageError(str(error)) from None


def _version(settings: config.Settings, target: Target) -> str:
    wanted = settings.midjourney_version
    return wanted if wanted and wanted in target.versions else target.version
