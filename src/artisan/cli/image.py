"""`artisan image`: render prompts with an image model and save the images.

One prompt, one prompt per line of stdin (`-`), or saved prompts (`--from ID ...`): every
prompt is one request, a few at a time (`image.parallel`), with the renderer of `image.provider`
(or `--provider`: OpenAI, AUTOMATIC1111, ComfyUI). `artisan image edit PICTURE INSTRUCTION`
changes a picture instead (see `artisan.cli.image_edit`). Paths of the saved files go to
stdout, one per line, as each render finishes, so `artisan image "a cat" | xargs open` works;
revised prompts, costs, warnings and library ids go to stderr. Everything is checked before
anything is sent: options a model does not offer (exit status 2), ids that match no prompt,
the images folder, and the monthly spending limit. `--dry-run` stops there and shows what
would be sent and what it would cost.

A prompt typed here is saved to the library only with `--save`, as with `artisan prompt`;
`--from` links the images to the saved prompts they came from.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from artisan import config
from artisan.cli.image_report import Reporter, finish
from artisan.cli.output import say, warn
from artisan.errors import UsageError
from artisan.shorten import shorten

if TYPE_CHECKING:
    from artisan.entry import PromptEntry
    from artisan.images.batch import Batch
    from artisan.images.compare import Cell
    from artisan.images.models import CheckedRequest, ImageModelTable
    from artisan.library import Library

MAX_INPUT_CHARS = 50_000
"""Longer input is refused as a paste gone wrong; each model's own limit is checked after."""
MAX_PROMPTS = 100
"""More prompts at once from stdin is almost certainly the wrong file."""
OUTPUT_FORMATS = ("png", "jpeg", "jpg", "webp")


def register(commands: Any) -> None:
    image = commands.add_parser(
        "image",
        help="render prompts with an image model and save the images",
        description="Render PROMPT, each line of stdin (-), or saved prompts (--from ID ...) "
        "with an image model, one request per prompt. The saved files' paths are printed on "
        "stdout. A prompt is kept in the library with --save; --from links the images to "
        "the saved prompts.",
    )
    image.add_argument(
        "prompt",
        metavar="PROMPT",
        nargs="*",
        help="the prompt, or - to read one per line; `edit PICTURE INSTRUCTION` edits a picture",
    )
    image.add_argument(
        "--provider",
        choices=config.IMAGE_PROVIDERS,
        help="who renders: openai, automatic1111 or comfyui (default: image.provider)",
    )
    image.add_argument(
        "--from", dest="entries", nargs="+", metavar="ID", help="render saved prompts"
    )
    image.add_argument(
        "-m", "--model", metavar="M", help="image model (default: the image.model setting)"
    )
    image.add_argument("--size", metavar="S", help="WIDTHxHEIGHT or auto (depends on the model)")
    image.add_argument("--quality", metavar="Q", help="e.g. auto, low, medium, high; hd")
    image.add_argument("--style", metavar="S", help="vivid or natural (dall-e-3 only)")
    image.add_argument(
        "--background", metavar="B", help="auto, opaque or transparent (GPT Image models)"
    )
    image.add_argument("-n", type=int, default=1, metavar="N", help="images per prompt (default 1)")
    image.add_argument(
        "--negative",
        metavar="TEXT",
        help="what to leave out (Stable Diffusion servers; a `Negative prompt:` line does too)",
    )
    image.add_argument("--steps", type=int, metavar="N", help="sampling steps (Stable Diffusion)")
    image.add_argument(
        "--cfg", type=float, dest="cfg_scale", metavar="X", help="CFG scale (Stable Diffusion)"
    )
    image.add_argument("--sampler", metavar="NAME", help="sampler (Stable Diffusion)")
    image.add_argument("--seed", type=int, metavar="N", help="seed (Stable Diffusion)")
    image.add_argument(
        "--preview",
        action="store_true",
        help="show partial images as they stream in (GPT Image models), on a terminal",
    )
    image.add_argument(
        "--mask", metavar="PNG", help="with edit: a PNG whose transparent pixels may change"
    )
    image.add_argument(
        "--ref",
        action="append",
        default=[],
        metavar="PICTURE",
        help="with edit: a picture to refer to (repeatable; 16 pictures in all)",
    )
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
        "--save",
        action="store_true",
        help="keep the prompt in the library (with --from: always linked)",
    )
    image.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="TAG",
        help="tag for a prompt saved with --save (repeatable)",
    )
    image.add_argument(
        "--compare",
        action="append",
        default=[],
        metavar="NAME=V1,V2",
        help="render the same prompt once for each combination: model, quality, size or "
        "provider (repeatable: --compare model=A,B --compare quality=low,high is 4 renders); "
        "the whole grid's estimate is said before anything is sent",
    )
    image.add_argument(
        "--dry-run",
        action="store_true",
        help="check everything and show what would be sent and its estimated cost; send nothing",
    )
    image.add_argument(
        "--open",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="show the image in the system viewer (per the `open` setting; over SSH or with "
        "open = terminal the path is printed only)",
    )
    image.set_defaults(handler=run_image)


@dataclass
class Prompt:
    """One prompt to render, and where its images go."""

    text: str
    entry: PromptEntry | str | None
    inputs: tuple[str, ...] = ()
    """For an edit: the picture to change, then the pictures to refer to."""
    mask: str | None = None


def run_image(args: argparse.Namespace) -> int:
    from artisan import locations
    from artisan.images.models import load_image_models
    from artisan.library import Library

    editing = bool(args.prompt) and args.prompt[0] == "edit"
    if not editing and (args.mask or args.ref):
        raise UsageError("--mask and --ref go with `artisan image edit PICTURE INSTRUCTION`.")
    if not editing and len(args.prompt) > 1:
        raise UsageError('Give the prompt as one argument, in quotes: artisan image "a cat".')
    if bool(args.prompt) == (args.entries is not None):
        raise UsageError(
            "Give a PROMPT, - to read one prompt per line from stdin, or --from ID ... "
            "(one of them)."
        )
    if args.tag and not args.save:
        raise UsageError("--tag needs --save: only a saved prompt has tags.")
    loaded = config.load()
    for warning in loaded.warnings:
        warn(warning)
    settings = loaded.settings
    table = load_image_models(clock=args.clock)
    for problem in table.problems:
        warn(problem)

    library = Library(locations.library_dir())
    folder, stem, suffix_format = _destination(args.output)
    output_format = _output_format(args.output_format, suffix_format, args.output)
    if editing:
        from artisan.cli.image_edit import edit_request

        edit = edit_request(args, library)
        prompts = [Prompt(edit.instruction, edit.entry, edit.inputs, edit.mask)]
    else:
        prompts = _prompts(args, library)
    cells = _compared(args)
    warned: set[str] = set()

    from artisan.images.batch import Batch, BatchItem

    items = [
        BatchItem(
            _checked(_with(args, cell), settings, table, one, output_format, warned),
            entry=one.entry,
            label=_cell_label(one, cell, len(prompts)),
            cell=cell,
        )
        for one in prompts
        for cell in cells
    ]
    batch = Batch(
        settings,
        library,
        items,
        keep_prompts=args.save or args.entries is not None,
        clock=args.clock,
        folder=folder,
        stem=stem,
        on_change=Reporter(
            len(items), suffix_format, args.open, settings.open, preview=args.preview
        ).changed,
    )
    if args.dry_run:
        return _dry_run(batch, settings)
    if len(cells) > 1:
        total = batch.estimate
        cost = total.describe() if total is not None else "unknown (a model has no price)"
        warn(f"Comparing {len(items)} renders, estimated at {cost} in all:")
        for item in items:
            each = item.estimate.describe() if item.estimate is not None else "cost unknown"
            warn(f"  {item.label}: {each}")

    import asyncio

    asyncio.run(batch.run())
    return finish(batch)


def _prompts(args: argparse.Namespace, library: Library) -> list[Prompt]:
    """The prompts to render, each with the entry its images go to."""
    if args.entries is not None:
        # Every id is looked up before anything is sent: a typo costs nothing.
        entries = [library.get(ref) for ref in args.entries]
        return [Prompt(entry.prompt, entry.id) for entry in entries]
    texts = _read_prompts(args.prompt)
    if not args.save:
        return [Prompt(text, None) for text in texts]
    from artisan.entry import PromptEntry

    return [Prompt(text, PromptEntry.create(text, tags=args.tag)) for text in texts]


def _compared(args: argparse.Namespace) -> list[Cell]:
    """The cells `--compare` asks for (one empty cell without it).

    Raises:
        UsageError: an axis that cannot be read, one also chosen by its own flag, or
            `--save` (the grid's renders would each save the prompt again).
    """
    from artisan.images.compare import grid, read_axis

    axes = [read_axis(text) for text in args.compare]
    if not axes:
        return [()]
    for axis in axes:
        if getattr(args, axis.name) is not None:
            raise UsageError(
                f"--compare {axis.name}= and the {axis.name} flag both choose it; keep one."
            )
    if args.save:
        raise UsageError(
            "--compare renders a prompt already saved or none: save it first, then "
            "`artisan image --from ID --compare ...` links every render to it."
        )
    return grid(axes)


def _with(args: argparse.Namespace, cell: Cell) -> argparse.Namespace:
    """The arguments with a cell's values in place of the flags it varies."""
    return argparse.Namespace(**{**vars(args), **dict(cell)})


def _cell_label(prompt: Prompt, cell: Cell, prompts: int) -> str:
    """What a render of a comparison is called: its cell, after its prompt when there are
    several; "" (the prompt) outside a comparison."""
    from artisan.images.compare import label

    if not cell:
        return ""
    return label(cell) if prompts == 1 else f"{shorten(prompt.text, 30)} · {label(cell)}"


def _checked(
    args: argparse.Namespace,
    settings: config.Settings,
    table: ImageModelTable,
    prompt: Prompt,
    output_format: str | None,
    warned: set[str],
) -> CheckedRequest:
    """The request for one prompt, checked; each warning is said once for all the prompts
    (`warned` holds those said already)."""
    from artisan.images.models import build_request, validate

    request, notes = build_request(
        settings,
        prompt.text,
        table,
        provider=args.provider,
        model=args.model,
        n=args.n,
        size=args.size,
        quality=args.quality,
        style=args.style,
        background=args.background,
        output_format=output_format,
        negative_prompt=args.negative,
        steps=args.steps,
        cfg_scale=args.cfg_scale,
        sampler=args.sampler,
        seed=args.seed,
        inputs=prompt.inputs,
        mask=prompt.mask,
        previews=_previews(args, settings, table),
    )
    checked = validate(request, table)
    for note in dict.fromkeys([*notes, *checked.warnings]):
        if note not in warned:
            warned.add(note)
            warn(note)
    return checked


def _previews(args: argparse.Namespace, settings: config.Settings, table: ImageModelTable) -> int:
    """Partial images to ask for: with --preview, `image.previews` (at least one), as far as
    the model streams them."""
    if not args.preview:
        return 0
    provider = args.provider or settings.image_provider
    model = table.get(args.model or table.default_model(provider, settings.image_model))
    if model is None or not model.previews:
        warn("--preview: this model streams no partial images; the finished one is shown.")
        return 0
    return min(settings.image_previews or 1, model.previews)


def _dry_run(batch: Batch, settings: config.Settings) -> int:
    """Say what would be sent and what it would cost; send nothing."""
    from artisan.images.prices import dollars
    from artisan.images.renderers import image_server
    from artisan.images.spending import SpendingLimitReached, SpendingNotRecorded

    count = len(batch.items)
    noun = "request" if count == 1 else "requests"
    first = batch.items[0].checked
    server = image_server(settings, first.request.provider)
    free = first.model is not None and not first.model.costs_money
    where = f"{server.name} (your own server: nothing to pay)" if free else server.name
    say(f"Would send {count} {noun} to {where}; nothing was sent.")
    for number, item in enumerate(batch.items, start=1):
        request = item.checked.request
        images = f"{request.n} image{'s' if request.n != 1 else ''}"
        parts = [f"{request.model} {_options(request)}".strip(), images]
        if not free:
            parts.append(item.estimate.describe() if item.estimate is not None else "cost unknown")
        say(f"{number:>3}. {' · '.join(parts)} · {shorten(item.prompt, 60)}")
        if request.negative_prompt:
            say(f"     negative prompt: {shorten(request.negative_prompt, 60)}")
        if request.inputs:
            say(f"     edits {request.inputs[0]}" + _refs(request.inputs[1:], request.mask))
    if free:
        return 0
    total = batch.estimate
    if total is None:
        say("Estimated total: unknown (a model has no price in the table).")
    else:
        say(f"Estimated total: {total.describe()} ({_basis(batch)})")
    try:
        notes = batch.check_limit()
    except (SpendingLimitReached, SpendingNotRecorded) as error:
        warn(f"This would be refused. {error}")
        return 0
    for note in notes:
        warn(note)
    if settings.image_monthly_limit is not None and batch.estimate is not None:
        warn(f"Within the monthly limit of {dollars(settings.image_monthly_limit)}.")
    return 0


def _options(request: Any) -> str:
    """The options sent, as a person reads them: "1024x1024 high", "832x1216 · 28 steps"."""
    plain = [request.size, request.quality, request.style, request.background]
    words = " ".join(value for value in plain if value)
    extra = []
    if request.steps is not None:
        extra.append(f"{request.steps} steps")
    if request.cfg_scale is not None:
        extra.append(f"CFG {request.cfg_scale:g}")
    if request.sampler:
        extra.append(request.sampler)
    if request.seed is not None:
        extra.append(f"seed {request.seed}")
    return " · ".join([words, *extra]) if extra else words


def _refs(refs: tuple[str, ...], mask: str | None) -> str:
    text = f" with {len(refs)} reference picture{'s' if len(refs) != 1 else ''}" if refs else ""
    return text + (f", mask {mask}" if mask else "")


def _basis(batch: Batch) -> str:
    """Where the estimate comes from, in a few words: published prices with their source."""
    prices = [
        item.checked.model.price
        for item in batch.items
        if item.checked.model is not None and item.checked.model.price is not None
    ]
    bases = list(dict.fromkeys(price.basis() for price in prices))
    if not bases:
        return "prices of the model table"
    if any(price.billing == "tokens" for price in prices):
        bases.append("the tokens an image takes vary")
    return "; ".join(bases)


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


def _read_prompts(words: list[str]) -> list[str]:
    """The prompt given, or each non-empty line of stdin for `-`."""
    value = words[0]
    if value != "-":
        text = value.strip()
        if not text:
            raise UsageError("The prompt from the command line is empty.")
        _check_length(text)
        return [text]
    data = sys.stdin.read()
    if len(data) > MAX_INPUT_CHARS * 4:
        raise UsageError(
            f"stdin holds {len(data):,} characters; artisan reads at most "
            f"{MAX_INPUT_CHARS * 4:,}. Was something else piped by mistake?"
        )
    lines = [line.strip() for line in data.splitlines() if line.strip()]
    if not lines:
        raise UsageError("stdin is empty: give one prompt per line.")
    if len(lines) > MAX_PROMPTS:
        raise UsageError(
            f"stdin holds {len(lines)} prompts; artisan renders at most {MAX_PROMPTS} at once."
        )
    for line in lines:
        _check_length(line)
    return lines


def _check_length(text: str) -> None:
    if len(text) > MAX_INPUT_CHARS:
        raise UsageError(
            f"The prompt is {len(text):,} characters long; the limit is {MAX_INPUT_CHARS:,}. "
            "Was something else pasted by mistake?"
        )
