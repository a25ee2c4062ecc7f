"""`artisan styles`: the style templates, and importing AUTOMATIC1111 or SDXL styler files."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from artisan.cli.output import clip, print_json, say, terminal_width, warn
from artisan.errors import UsageError


def register(commands: Any) -> None:
    styles = commands.add_parser(
        "styles",
        help="list the style templates, or import a styles file",
        description="List the style templates that `prompt --style NAME` and the app apply, "
        "or import AUTOMATIC1111's styles.csv or an SDXL prompt-styler JSON file.",
    )
    styles.add_argument("--json", action="store_true", help="print the styles as JSON")
    styles.set_defaults(handler=run_list)
    sub = styles.add_subparsers(dest="styles_command", metavar="COMMAND", parser_class=type(styles))
    listing = sub.add_parser("list", help="the styles (the default)")
    listing.add_argument("--json", action="store_true", help="print the styles as JSON")
    listing.set_defaults(handler=run_list)
    importer = sub.add_parser(
        "import",
        help="import AUTOMATIC1111's styles.csv or an SDXL styler JSON file",
        description="Copy the styles of FILE into <config dir>/styles/<FILE's name>.toml; "
        "importing the same file again replaces them.",
    )
    importer.add_argument("file", metavar="FILE", type=Path)
    importer.set_defaults(handler=run_import)


def run_list(args: argparse.Namespace) -> int:
    from artisan.refinement.styles import load_style_book

    book = load_style_book()
    for problem in book.problems:
        warn(problem)
    styles = list(book.styles.values())
    if args.json:
        print_json(
            [
                {
                    "name": s.name,
                    "prompt": s.prompt,
                    "negative": s.negative,
                    "source": str(s.source) if s.source else "shipped",
                }
                for s in styles
            ]
        )
        return 0
    width = max(len(s.name) for s in styles)
    room = max(20, terminal_width() - width - 2)
    for style in styles:
        say(clip(f"{style.name:<{width}}  {style.prompt}", width + 2 + room).rstrip())
    return 0


def run_import(args: argparse.Namespace) -> int:
    from artisan.refinement.styles import StyleError, import_styles

    try:
        imported = import_styles(args.file)
    except StyleError as error:
        raise UsageError(str(error)) from None
    for reason in imported.skipped:
        warn(f"skipped {reason}")
    count = len(imported.styles)
    verb = "replaced the styles in" if imported.replaced else "wrote"
    say(f"Imported {count} style{'s' if count != 1 else ''}; {verb} {imported.path}.")
    for style in imported.styles:
        say(f"  {style.name}")
    return 0
