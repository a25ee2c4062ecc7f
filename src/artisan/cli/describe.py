"""`artisan describe`: from a picture to the prompts that would draw it again.

A picture that carries its own prompt (AUTOMATIC1111's `parameters`, ComfyUI's workflow,
artisan's metadata) is read back instead, and nothing is sent. Otherwise it drives the same
`Workshop` as the app: the picture is scaled down and sent to the vision model
(`vision_model`, else `model`) once per prompt asked for, each prompt leaning on another angle,
written for the target's image model. Each prompt is printed whole, in order, once it has
arrived; what was sent (its size, and that it was scaled down) is said on stderr.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from artisan import config
from artisan.cli.output import print_json, say, warn
from artisan.errors import TargetError, UsageError
from artisan.state import State

if TYPE_CHECKING:
    from artisan.draft import PromptVersion, Variation
    from artisan.images.vision import PreparedImage
    from artisan.workshop import Event


def register(commands: Any) -> None:
    describe = commands.add_parser(
        "describe",
        help="write prompts that would recreate a picture (needs a vision model)",
        description="Send IMAGE (scaled down) to a chat model that can see, and print N "
        "prompts in the target's format that would make the image model draw it again.",
    )
    describe.add_argument("image", metavar="IMAGE", help="a PNG, JPEG, WebP or GIF file")
    describe.add_argument(
        "-t", "--target", metavar="NAME", help="prompt target (default: the target setting)"
    )
    describe.add_argument(
        "-n", type=int, default=1, metavar="N", help="how many prompts, 1-12 (default 1)"
    )
    describe.add_argument(
        "-m",
        "--model",
        metavar="M",
        help="vision model (default: the vision_model setting, else model)",
    )
    describe.add_argument("--json", action="store_true", help="print one JSON object")
    describe.set_defaults(handler=run_describe)


def run_describe(args: argparse.Namespace) -> int:
    from artisan.images.vision import UnreadableImage, prepare_image
    from artisan.targets import load_catalog

    if not 1 <= args.n <= 12:
        raise UsageError("-n must be between 1 and 12.")
    loaded = config.load()
    for warning in loaded.warnings:
        warn(warning)
    settings = config.with_overrides(loaded.settings, vision_model=args.model)
    catalog = load_catalog()
    for problem in catalog.problems:
        warn(problem)
    if args.target is not None:
        try:
            catalog.get(args.target)
        except TargetError as error:
            raise UsageError(str(error)) from None
        settings = config.with_overrides(settings, target=args.target)
    path = Path(args.image).expanduser()
    found = _read_back(path)
    if found is not None:
        return _print_read_back(found, path, args)
    try:
        image = prepare_image(path)
    except UnreadableImage as error:
        raise UsageError(str(error)) from None

    import asyncio

    from artisan.workshop import Workshop

    printer = _Printer(show=not args.json, many=args.n > 1)
    workshop = Workshop(settings, catalog, listener=printer.event)
    return asyncio.run(_run(workshop, image, args, settings))


async def _run(
    workshop: Any, image: PreparedImage, args: argparse.Namespace, settings: config.Settings
) -> int:
    from artisan.connection import server_name

    try:
        describer = workshop.describer  # the composer cannot: said before anything is sent
        model = settings.vision_model or settings.model
        warn(
            f"sending {image.name} as {image.describe()} to {model} on {server_name(settings)} "
            f"({describer.name} engine)"
        )
        version: PromptVersion = await workshop.describe(image, args.n)
    finally:
        await workshop.aclose()
    status = _report(version.variations)
    if args.json:
        print_json(_json(version, image))
    return status


def _read_back(path: Path) -> Any:
    """The prompt the picture carries in its own metadata, or None (also when the file cannot
    be read: preparing it says why)."""
    from artisan import files
    from artisan.images.readback import read_picture

    try:
        return read_picture(path)
    except (OSError, files.FileProblem):
        return None


def _print_read_back(found: Any, path: Path, args: argparse.Namespace) -> int:
    """A picture that says what made it: its prompt, and nothing sent."""
    warn(
        f"{path.name} carries its own prompt ({found.describe()}): read from its metadata; "
        "nothing was sent."
    )
    if args.n > 1:
        warn(f"It holds one prompt, not {args.n}.")
    if args.json:
        print_json(
            {
                "image": str(path),
                "source": found.source,
                "prompt": found.full_prompt(),
                "negative_prompt": found.negative_prompt,
                "model": found.model,
                "settings": found.settings,
                "sent": False,
            }
        )
    else:
        say(found.full_prompt())
    return 0


class _Printer:
    """Prints each described prompt whole, in order, once it has arrived."""

    def __init__(self, *, show: bool, many: bool) -> None:
        self.show = show
        self.many = many
        self.printed = 0

    def event(self, event: Event) -> None:
        from artisan.workshop import JobChanged, Notice, VariationsChanged

        if isinstance(event, VariationsChanged):
            items = event.version.variations
            while self.printed < len(items) and not items[self.printed].state.running:
                self._print(self.printed, items[self.printed])
                self.printed += 1
        elif isinstance(event, JobChanged) and event.job.retry is not None:
            notice = event.job.retry
            warn(f"{notice.reason} Retrying in {notice.delay:.1f}s ({notice.attempt}/{notice.of}).")
        elif isinstance(event, Notice):
            warn(event.message)

    def _print(self, index: int, item: Variation) -> None:
        text = item.text.strip()
        if not self.show or item.state is State.ERROR or not text:
            return
        if self.many:
            if index:
                say()
            say(f"Prompt {index + 1}:")
        say(text)


def _report(items: list[Variation]) -> int:
    """Warn about each prompt that is not a whole one; exit status 1 if any is not."""
    status = 0
    for number, item in enumerate(items, start=1):
        if item.state is State.ERROR:
            warn(f"prompt {number} failed: {item.error}")
            status = 1
        elif item.state is not State.DONE or not item.text.strip():
            warn(f"prompt {number} is {item.state.with_reason(item.note)}.")
            status = 1
    return status


def _json(version: PromptVersion, image: PreparedImage) -> dict[str, Any]:
    return {
        "image": image.name,
        "sent": {
            "width": image.sent[0],
            "height": image.sent[1],
            "type": image.mime,
            "bytes": len(image.data),
            "scaled_from": list(image.original) if image.scaled else None,
        },
        "model": version.model,
        "target": version.target,
        "prompts": [
            {
                "prompt": item.text.strip() if item.state is not State.ERROR else "",
                "finish": item.state,
                "note": item.note,
                **({"error": item.error} if item.state is State.ERROR else {}),
            }
            for item in version.variations
        ],
    }
