"""`artisan library ...`: list, show, search, change, export and import saved prompts.

These commands never import Textual or the openai SDK, so they start in a few tens of
milliseconds and suit scripts.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

from artisan import locations
from artisan.cli.output import clip, escape_c1, print_json, say, terminal_width, warn, write
from artisan.entry import PromptEntry, age, normalize_tags
from artisan.errors import UsageError
from artisan.library import Library


def register(commands: Any) -> None:
    library = commands.add_parser(
        "library",
        help="list, search and manage saved prompts",
        description="Manage the library of saved prompts.",
    )
    sub = library.add_subparsers(
        dest="library_command", metavar="COMMAND", parser_class=type(library)
    )

    listing = sub.add_parser("list", help="list saved prompts, newest first")
    listing.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="T",
        help="only prompts with this tag (repeatable: all must match)",
    )
    listing.add_argument("--favorites", "--favourites", action="store_true", help="only favourites")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=run_list)

    show = sub.add_parser("show", help="show one saved prompt")
    show.add_argument("id", metavar="ID", help="the id, or a unique start of it")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(handler=run_show)

    search = sub.add_parser("search", help="search titles, prompts, tags and ideas")
    search.add_argument("query", metavar="QUERY", nargs="+")
    search.add_argument("--json", action="store_true", help="print JSON")
    search.set_defaults(handler=run_search)

    remove = sub.add_parser("rm", help="move a saved prompt to the trash")
    remove.add_argument("id", metavar="ID")
    remove.set_defaults(handler=run_rm)

    restore = sub.add_parser("restore", help="bring a prompt back from the trash")
    restore.add_argument(
        "id", metavar="ID", nargs="?", help="the id; without it, list what is in the trash"
    )
    restore.set_defaults(handler=run_restore)

    tag = sub.add_parser("tag", help="add tags to a saved prompt (or remove them)")
    tag.add_argument("id", metavar="ID")
    tag.add_argument("tags", metavar="TAG", nargs="+")
    tag.add_argument("--remove", action="store_true", help="remove these tags instead")
    tag.set_defaults(handler=run_tag)

    fav = sub.add_parser("fav", help="mark a saved prompt as a favourite, or unmark it")
    fav.add_argument("id", metavar="ID")
    fav.add_argument("--off", action="store_true", help="unmark instead of toggling")
    fav.set_defaults(handler=run_fav)

    rename = sub.add_parser("rename", help="give a saved prompt a new title")
    rename.add_argument("id", metavar="ID")
    rename.add_argument("title", metavar="TITLE")
    rename.set_defaults(handler=run_rename)

    from artisan.cli import check

    check.register_library(sub)

    export = sub.add_parser("export", help="write the whole library to one file")
    export.add_argument(
        "--format",
        choices=("toml", "json", "md"),
        default=None,
        help="file format (default: from -o's extension, else toml)",
    )
    export.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    export.set_defaults(handler=run_export)

    importing = sub.add_parser(
        "import",
        help="add prompts from a TOML or JSON export, or read back from pictures",
        description="Add the prompts of an export (TOML or JSON), or the prompt each picture "
        "(PNG, JPEG, WebP) carries in its own metadata (AUTOMATIC1111, ComfyUI, artisan): "
        "nothing is sent anywhere.",
    )
    importing.add_argument("file", metavar="FILE", nargs="+")
    importing.set_defaults(handler=run_import)


def open_library() -> Library:
    """The library, saying on stderr when a change has to wait for another program."""
    library = Library(locations.library_dir())
    library.lock.on_wait = warn
    return library


def loaded_library() -> Library:
    library = open_library()
    report = library.load()
    for problem in report.problems:
        warn(problem)
    return library


def tell_notices(library: Library) -> None:
    """Warn about what reading single entries found (an `id` that is not its file's name)."""
    for notice in library.take_notices():
        warn(notice)


def run_list(args: argparse.Namespace) -> int:
    saved = loaded_library().entries()
    entries = saved
    wanted = normalize_tags(args.tag)
    if wanted:
        entries = [e for e in entries if all(tag in e.tags for tag in wanted)]
    if args.favorites:
        entries = [e for e in entries if e.favorite]
    if wanted or args.favorites:
        asked = _has_tags(wanted, args) if wanted else "is a favourite"
        return _print_found(entries, len(saved), asked, args)
    _print_entries(entries, args.json, args.clock())
    return 0


def run_search(args: argparse.Namespace) -> int:
    from artisan.search import SearchIndex

    saved = loaded_library().entries()
    query = " ".join(args.query)
    entries = SearchIndex(saved).search(query)
    return _print_found(entries, len(saved), f"matches “{query}”", args)


def _has_tags(tags: list[str], args: argparse.Namespace) -> str:
    named = " and ".join(f"#{tag}" for tag in tags)
    favourite = "is a favourite and " if args.favorites else ""
    return f"{favourite}has the tag{'s' if len(tags) > 1 else ''} {named}"


def _print_found(
    entries: list[PromptEntry], saved: int, asked: str, args: argparse.Namespace
) -> int:
    """Print what a search or a filter found; exit status 1 when it found nothing, as `grep`
    does, with a line saying so that does not pass for an empty library."""
    if entries or not saved:
        _print_entries(entries, args.json, args.clock())
        return 0 if entries else 1
    if args.json:
        print_json([])
    among = "the saved prompt" if saved == 1 else f"the {saved:,} saved prompts"
    nothing = "Nothing among" if asked.startswith("matches") else "None of"
    say(f"{nothing} {among} {asked}.", err=True)
    return 1


def run_show(args: argparse.Namespace) -> int:
    library = open_library()
    entry = library.get(args.id)
    tell_notices(library)
    if args.json:
        print_json(entry.to_dict())
        return 0
    lines = [
        f"{'★ ' if entry.favorite else ''}{entry.title}",
        f"id       {entry.id}",
        f"target   {entry.target or '-'}",
        f"model    {entry.model or '-'}",
        f"tags     {' '.join('#' + t for t in entry.tags) or '-'}",
        f"saved    {entry.created:%Y-%m-%d %H:%M} ({age(entry.created, args.clock())} ago)",
    ]
    if entry.updated != entry.created:
        lines.append(f"changed  {entry.updated:%Y-%m-%d %H:%M}")
    if entry.idea:
        lines += ["", "Idea:", entry.idea]
    lines += ["", "Prompt:", entry.prompt]
    if entry.notes:
        lines += ["", "Notes:", entry.notes]
    for image in entry.images:
        lines.append(f"\nImage: {image.path} ({image.model} {image.size})")
        if image.revised_prompt:
            lines.append(f"Revised prompt: {image.revised_prompt}")
    say("\n".join(lines))
    return 0


def run_rm(args: argparse.Namespace) -> int:
    library = open_library()
    entry = library.delete(args.id)
    tell_notices(library)
    say(
        f"moved “{entry.title}” ({entry.id}) to the trash; "
        f"`artisan library restore {entry.id}` brings it back",
        err=True,
    )
    return 0


def run_restore(args: argparse.Namespace) -> int:
    library = open_library()
    if args.id is None:
        trashed = library.trashed_titles()
        if not trashed:
            say("The trash is empty.", err=True)
        for entry_id, title in trashed:
            say(f"{entry_id}  {title}")
        return 0
    entry = library.restore(args.id)
    say(f"restored “{entry.title}” ({entry.id})", err=True)
    return 0


def run_tag(args: argparse.Namespace) -> int:
    tags = normalize_tags(args.tags)
    if not tags:
        raise UsageError("No tag given.")

    def change(entry: PromptEntry) -> None:
        if args.remove:
            entry.tags = [t for t in entry.tags if t not in tags]
        else:
            entry.tags = normalize_tags([*entry.tags, *tags])

    library = open_library()
    entry = library.update(args.id, change)
    tell_notices(library)
    say(" ".join("#" + t for t in entry.tags) or "(no tags)")
    return 0


def run_fav(args: argparse.Namespace) -> int:
    def change(entry: PromptEntry) -> None:
        entry.favorite = False if args.off else not entry.favorite

    library = open_library()
    entry = library.update(args.id, change)
    tell_notices(library)
    say("★ favourite" if entry.favorite else "not a favourite")
    return 0


def run_rename(args: argparse.Namespace) -> int:
    title = " ".join(args.title.split())
    if not title:
        raise UsageError("The title is empty.")

    def change(entry: PromptEntry) -> None:
        entry.title = title

    library = open_library()
    library.update(args.id, change)
    tell_notices(library)
    return 0


def run_export(args: argparse.Namespace) -> int:
    from artisan.atomic import write_atomic
    from artisan.transfer import export_entries, format_for_path

    output = Path(args.output) if args.output else None
    fmt = args.format or (format_for_path(output) if output else None) or "toml"
    text = export_entries(loaded_library().entries(), fmt)
    if fmt != "md":
        text = escape_c1(text)
    if output is None:
        write(text)
        return 0
    try:
        write_atomic(output, text.encode("utf-8"))
    except OSError as error:
        from artisan.errors import TransferError

        raise TransferError(f"Cannot write {output}: {error.strerror or error}.") from None
    say(f"exported to {output}", err=True)
    return 0


def run_import(args: argparse.Namespace) -> int:
    from artisan.cli.pictures import import_pictures, is_picture

    paths = [Path(name).expanduser() for name in args.file]
    pictures = [path for path in paths if is_picture(path)]
    exports = [path for path in paths if path not in pictures]
    status = import_pictures(open_library(), pictures) if pictures else 0
    return max([status, *(_import_export(path) for path in exports)])


def _import_export(path: Path) -> int:
    from artisan.transfer import import_file

    report = import_file(open_library(), path)
    for problem in report.problems:
        warn(problem)
    say(
        f"imported {len(report.added)}, skipped {len(report.skipped)} already in the library"
        + (f", {len(report.problems)} unreadable" if report.problems else ""),
        err=True,
    )
    return 1 if report.problems and not report.added else 0


def _print_entries(entries: list[PromptEntry], as_json: bool, moment: datetime) -> None:
    """The entries, one a line, their ages told from `moment` (one clock reading for every
    line), or as JSON."""
    if as_json:
        print_json([entry.to_dict() for entry in entries])
        return
    if not entries:
        say("No saved prompts yet: `artisan prompt IDEA --save` or ctrl+s in the app.", err=True)
        return
    width = terminal_width()
    target_width = min(18, max(len(e.target) for e in entries) or 1)
    tag_width = 22
    title_width = max(20, width - 10 - 2 - 2 - target_width - tag_width - 5 - 6)
    lines = []
    for entry in entries:
        tags = " ".join("#" + t for t in entry.tags)
        lines.append(
            f"{entry.id:<10}  {'★' if entry.favorite else ' '} "
            f"{clip(entry.title, title_width)}  {clip(entry.target, target_width)}  "
            f"{clip(tags, tag_width)}  {age(entry.created, moment):>4}"
        )
    say("\n".join(lines))
