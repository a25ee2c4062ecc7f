"""`artisan config`, `artisan themes` and `artisan targets`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from artisan import config, locations
from artisan.cli.output import say, warn
from artisan.errors import ConfigError, UsageError


def register(commands: Any) -> None:
    cfg = commands.add_parser(
        "config",
        help="show or change settings",
        description="Show the effective settings, or change one.",
    )
    sub = cfg.add_subparsers(dest="config_command", metavar="COMMAND", parser_class=type(cfg))
    cfg.set_defaults(handler=run_show)
    sub.add_parser("show", help="the effective settings (the default)").set_defaults(
        handler=run_show
    )
    sub.add_parser("path", help="the files and folders artisan uses").set_defaults(handler=run_path)
    setter = sub.add_parser("set", help="change one setting (an empty VALUE removes it)")
    setter.add_argument("key", metavar="KEY", help="e.g. model, image.size, keys.generate")
    setter.add_argument("value", metavar="VALUE")
    setter.set_defaults(handler=run_set)

    commands.add_parser("themes", help="list the available colour themes").set_defaults(
        handler=run_themes
    )
    commands.add_parser("targets", help="list the prompt targets").set_defaults(handler=run_targets)


def run_show(args: argparse.Namespace) -> int:
    loaded = config.load()
    for warning in loaded.warnings:
        warn(warning)
    rows = config.effective(loaded.settings)
    width = max(len(key) for key, _, _ in rows)
    for key, value, source in rows:
        note = "" if source == "default" else f"   ({source})"
        say(f"{key:<{width}}  {value}{note}")
    for action, keys in sorted(loaded.settings.keys.items()):
        say(f"{'keys.' + action:<{width}}  {keys}   ({loaded.path.name})")
    if loaded.settings.key_note:
        say()
        say(loaded.settings.key_note)
    say()
    _print_paths(loaded.settings)
    return 0


def run_path(args: argparse.Namespace) -> int:
    try:
        settings = config.load().settings
    except ConfigError as error:
        warn(str(error))  # the paths are worth showing even when the file is broken
        settings = config.DEFAULTS
    _print_paths(settings)
    return 0


def run_set(args: argparse.Namespace) -> int:
    if args.key == "theme" and args.value:
        from textual.theme import BUILTIN_THEMES

        from artisan.themes import theme_name_problem

        problem = theme_name_problem(args.value, BUILTIN_THEMES)
        if problem:
            raise UsageError(problem)
    try:
        value = config.set_value(args.key, args.value)
    except config.SettingError as error:
        raise UsageError(str(error)) from None
    path = locations.config_file()
    if args.key in ("api_key", "image.api_key"):
        shown_value = config.redact(value)
    elif args.key in ("base_url", "image.base_url") and value:
        shown_value = config.redact_url(value)
    else:
        shown_value = value
    if value is None:
        say(f"removed {args.key} from {path}", err=True)
    else:
        say(f"{args.key} = {shown_value}  ({path})", err=True)
    if args.key in ("api_key", "api_key_for", "base_url"):
        _say_where_the_key_goes(path)
    return 0


def _say_where_the_key_goes(path: Path) -> None:
    """After a change to the key or the server: which server the file's key is sent to."""
    from artisan import credentials

    raw, _ = config.read_file(path)
    server = config.key_server(raw)
    if server is None:
        return
    say(f"The API key in {path.name} is sent only to {server}.", err=True)
    base_url = raw.get("base_url")
    in_use = credentials.origin(base_url if isinstance(base_url, str) else None)
    if credentials.server_words(in_use) != server:
        say(
            f"It is not sent to {credentials.server_words(in_use)}: to send a key there, run "
            "`artisan config set api_key ...` now.",
            err=True,
        )


def run_themes(args: argparse.Namespace) -> int:
    from artisan.themes import load_theme_files

    loaded = config.load().settings.theme
    themes, failures = load_theme_files()
    for failure in failures:
        warn(str(failure))
    for theme in themes:
        origin = "shipped" if theme.shipped else str(theme.path)
        mark = "*" if theme.name == loaded else " "
        say(f"{mark} {theme.name:<24} {'dark' if theme.dark else 'light':<6} {origin}")
    from textual.theme import BUILTIN_THEMES

    for name, builtin in BUILTIN_THEMES.items():
        if any(theme.name == name for theme in themes):
            continue
        mark = "*" if name == loaded else " "
        say(f"{mark} {name:<24} {'dark' if builtin.dark else 'light':<6} textual")
    return 0


def run_targets(args: argparse.Namespace) -> int:
    from artisan.targets import load_catalog

    catalog = load_catalog()
    for problem in catalog.problems:
        warn(problem)
    default = config.load().settings.target
    for target in catalog.targets.values():
        mark = "*" if target.name == default or default in target.aliases else " "
        also = f" (also {', '.join(target.aliases)})" if target.aliases else ""
        say(f"{mark} {target.name:<18} {target.label:<18} {target.description}{also}")
    return 0


def _print_paths(settings: config.Settings) -> None:
    say(f"config file   {locations.config_file()}")
    say(f"library       {locations.library_dir()}")
    say(f"draft         {locations.draft_file()}")
    say(f"images        {settings.images_path()}")
    say(f"targets       {locations.user_targets_dir()}")
    say(f"themes        {locations.user_themes_dir()}")
    say(f"log           {locations.log_file()}")
