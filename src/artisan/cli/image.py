"""`artisan image`: render a prompt with an image model, save the images and link them.

Paths of the saved files go to stdout, one per line, so `artisan image "a cat" | xargs open`
works; revised prompts, warnings and the library id go to stderr. Options a model does not offer
are refused before anything is sent (exit status 2).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from artisan import config
from artisan.cli.output import say, warn
from artisan.errors import UsageError

if TYPE_CHECKING:
    from artisan.images.models import CheckedRequest
    from artisan.images.rendering import RenderProgress
    from artisan.images.workflow import RenderOutcome
    from artisan.library import Library

MAX_INPUT_CHARS = 50_000
"""Longer input is refused as a paste gone wrong; each model's own limit is checked after."""
OUTPUT_FORMATS = ("png", "jpeg", "jpg", "webp")


def register(commands: Any) -> None:
    image = commands.add_parser(
        "image",
        help="render a prompt with an image model and save the image",
        description="Render PROMPT (or a saved prompt) with an image model. The saved files' "
        "paths are printed on stdout; the images are linked to the prompt's library entry, "
        "which is saved first if needed.",
    )
    image.add_argument(
        "prompt", metavar="PROMPT", nargs="?", help="the prompt, or - to read it from stdin"
    )
    image.add_argument("--from", dest="entry", metavar="ID", help="render a saved prompt")
    image.add_argument(
        "-m", "--model", metavar="M", help="image model (default: the image.model setting)"
    )
    image.add_argument("--size", metavar="S", help="WIDTHxHEIGHT or auto (depends on the model)")
    image.add_argument("--quality", metavar="Q", help="e.g. auto, low, medium, high; hd")
    image.add_argument("--style", metavar="S", help="vivid or natural (dall-e-3 only)")
    image.add_argument(
        "--background", metavar="B", help="auto, opaque or transparent (GPT Image models)"
    )
    image.add_argument("-n", type=int, default=1, metavar="N", help="how many images (default 1)")
    image.add_argument(
        "--format",
        dest="output_format",
        metavar="F",
        help="png, jpeg or webp (GPT Image models; default: from -o, else png)",
    )
    image.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="save here instead of the images folder: a folder, or a file name",
    )
    image.add_argument(
        "--open",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="show the image in the system viewer (per the `open` setting; over SSH or with "
        "open = terminal the path is printed only)",
    )
    image.set_defaults(handler=run_image)


def run_image(args: argparse.Namespace) -> int:
    from artisan import locations
    from artisan.images.models import build_request, load_image_models, validate
    from artisan.library import Library

    if (args.prompt is None) == (args.entry is None):
        raise UsageError("Give a PROMPT, - to read it from stdin, or --from ID (one of them).")
    loaded = config.load()
    for warning in loaded.warnings:
        warn(warning)
    settings = loaded.settings
    table = load_image_models()
    for problem in table.problems:
        warn(problem)

    library = Library(locations.library_dir())
    if args.entry is not None:
        entry = library.get(args.entry)
        prompt, entry_id = entry.prompt, entry.id
    else:
        prompt, entry_id = _read_prompt(args.prompt), None

    folder, stem, suffix_format = _destination(args.output)
    output_format = _output_format(args.output_format, suffix_format, args.output)
    request, notes = build_request(
        settings,
        prompt,
        table,
        model=args.model,
        n=args.n,
        size=args.size,
        quality=args.quality,
        style=args.style,
        background=args.background,
        output_format=output_format,
    )
    for note in notes:
        warn(note)
    checked = validate(request, table)
    for warning in checked.warnings:
        warn(warning)

    import asyncio

    outcome = asyncio.run(_render(settings, checked, library, entry_id, folder, stem))
    _report(outcome, suffix_format)
    if args.open:
        _open(outcome, settings.open)
    return 0


async def _render(
    settings: config.Settings,
    checked: CheckedRequest,
    library: Library,
    entry_id: str | None,
    folder: Path | None,
    stem: str | None,
) -> RenderOutcome:
    from artisan.images.workflow import render_and_record

    return await render_and_record(
        settings,
        checked,
        library,
        entry=entry_id,
        folder=folder,
        stem=stem,
        on_progress=_progress,
    )


def _progress(step: RenderProgress) -> None:
    from artisan.images.rendering import Stage

    # Retries always deserve a line; the other steps only help someone watching a terminal.
    if step.stage is Stage.RETRYING or _isatty(sys.stderr):
        warn(step.message)


def _report(outcome: RenderOutcome, suffix_format: str | None) -> None:
    from artisan.images.files import FORMATS_BY_SUFFIX

    many = len(outcome.images) > 1
    for number, image in enumerate(outcome.images, start=1):
        say(str(image.path))
        revised = image.record.revised_prompt
        if revised:
            label = f"revised prompt {number}" if many else "revised prompt"
            say(f"{label}: {revised}", err=True)
        actual = FORMATS_BY_SUFFIX.get(image.path.suffix.lower())
        if suffix_format is not None and actual != suffix_format:
            warn(
                f"The server sent a {actual or image.path.suffix} image rather than "
                f"{suffix_format}, so it was saved as {image.path.name}."
            )
    if outcome.saved_entry:
        say(f"saved the prompt as {outcome.entry.id}", err=True)
    else:
        say(f"linked to saved prompt {outcome.entry.id}", err=True)


def _open(outcome: RenderOutcome, mode: str) -> None:
    from artisan.images.opener import SYSTEM, ViewerError, show_image

    for image in outcome.images:
        try:
            choice = show_image(image.path, mode)
        except ViewerError as error:
            warn(str(error))
            return
        if choice.how != SYSTEM:
            warn(f"Not opening a viewer ({choice.reason}); the path is above.")
            return


def _destination(output: str | None) -> tuple[Path | None, str | None, str | None]:
    """Folder, file name stem and format asked for by `-o`."""
    from artisan.images.files import FORMATS_BY_SUFFIX

    if output is None:
        return None, None, None
    if not output.strip():
        raise UsageError("-o needs a folder or a file name.")
    path = Path(output).expanduser()
    if output.endswith(("/", os.sep)) or path.is_dir():
        return path, None, None
    suffix = path.suffix.lower()
    if suffix and suffix not in FORMATS_BY_SUFFIX:
        raise UsageError(
            f"-o {output}: artisan saves .png, .jpg or .webp files (or give a folder, ending in /)."
        )
    stem = path.stem if suffix else path.name
    return path.parent, stem, FORMATS_BY_SUFFIX.get(suffix)


def _output_format(asked: str | None, from_suffix: str | None, output: str | None) -> str | None:
    if asked is None:
        return from_suffix
    fmt = asked.strip().lower()
    if fmt not in OUTPUT_FORMATS:
        raise UsageError(f"--format must be png, jpeg or webp, not “{asked}”.")
    fmt = "jpeg" if fmt == "jpg" else fmt
    if from_suffix is not None and from_suffix != fmt:
        raise UsageError(f"--format {fmt} does not match the file name -o {output}.")
    return fmt


def _read_prompt(value: str) -> str:
    text = sys.stdin.read() if value == "-" else value
    if not text.strip():
        source = "stdin" if value == "-" else "the command line"
        raise UsageError(f"The prompt from {source} is empty.")
    if len(text) > MAX_INPUT_CHARS:
        raise UsageError(
            f"The prompt is {len(text):,} characters long; the limit is {MAX_INPUT_CHARS:,}. "
            "Was something else pasted by mistake?"
        )
    return text.strip()


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
