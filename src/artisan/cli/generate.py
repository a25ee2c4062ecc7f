"""`artisan prompt` and `artisan refine`: stream a prompt from the chat model to stdout."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from artisan import config
from artisan.cli.output import ModelTextWriter, print_json, shown, warn
from artisan.errors import ArtisanError, UsageError
from artisan.targets import load_catalog

if TYPE_CHECKING:
    from artisan.engine import ApiError, Completion, Engine
    from artisan.entry import PromptEntry
    from artisan.targets import Target


def register(commands: Any) -> None:
    prompt = commands.add_parser(
        "prompt",
        help="write a prompt for an idea and print it",
        description="Stream a refined image prompt for IDEA to stdout.",
    )
    prompt.add_argument("idea", metavar="IDEA", help="the idea, or - to read it from stdin")
    _add_generation_options(prompt)
    prompt.add_argument(
        "-n",
        "--variations",
        type=int,
        metavar="N",
        default=0,
        help="also write N variations of the prompt",
    )
    prompt.set_defaults(handler=run_prompt)

    refine = commands.add_parser(
        "refine",
        help="rewrite a saved or piped prompt with an instruction",
        description='Rewrite a prompt with INSTRUCTION ("moodier, shot on 35mm").',
    )
    refine.add_argument("source", metavar="ID|-", help="a saved prompt's id, or - for stdin")
    refine.add_argument("instruction", metavar="INSTRUCTION")
    _add_generation_options(refine)
    refine.set_defaults(handler=run_refine)


def _add_generation_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-t",
        "--target",
        metavar="NAME",
        help="prompt target: dalle, midjourney, stable-diffusion, runway, flux, "
        "generic, or one of yours",
    )
    parser.add_argument("-m", "--model", metavar="M", help="chat model to use")
    parser.add_argument(
        "--save",
        action="store_true",
        help="save the prompt to the library (its id is printed on stderr)",
    )
    parser.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="TAG",
        help="tag for the saved prompt (repeatable)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object instead of the text"
    )


def run_prompt(args: argparse.Namespace) -> int:
    idea = _read_text(args.idea, "idea")
    if not 0 <= args.variations <= 12:
        raise UsageError("--variations must be between 0 and 12.")
    settings, target = _prepare(args)
    import asyncio

    return asyncio.run(_generate(args, settings, target, idea=idea))


def run_refine(args: argparse.Namespace) -> int:
    instruction = args.instruction.strip()
    if not instruction:
        raise UsageError("The instruction is empty: say how to change the prompt.")
    source: PromptEntry | None = None
    if args.source == "-":
        prompt = _read_text("-", "prompt")
    else:
        from artisan import locations
        from artisan.library import Library

        source = Library(locations.library_dir()).get(args.source)
        prompt = source.prompt
    settings, target = _prepare(args, source.target if source is not None else None)
    import asyncio

    return asyncio.run(
        _generate(args, settings, target, prompt=prompt, instruction=instruction, source=source)
    )


def _prepare(
    args: argparse.Namespace, saved_target: str | None = None
) -> tuple[config.Settings, Target]:
    loaded = config.load()
    for warning in loaded.warnings:
        warn(warning)
    settings = config.with_overrides(loaded.settings, model=args.model)
    catalog = load_catalog()
    for problem in catalog.problems:
        warn(problem)
    if args.target is not None and args.target not in catalog.targets:
        # Named on the command line: a usage error (exit 2), like any other bad option.
        raise UsageError(catalog.unknown(args.target))
    return settings, catalog.get(args.target or saved_target or settings.target)


async def _generate(
    args: argparse.Namespace,
    settings: config.Settings,
    target: Target,
    *,
    idea: str = "",
    prompt: str = "",
    instruction: str = "",
    source: PromptEntry | None = None,
) -> int:
    from artisan.engine import ApiError, Engine

    engine = Engine(
        settings,
        on_retry=lambda notice: warn(
            f"{notice.reason} Retrying in {notice.delay:.1f}s ({notice.attempt}/{notice.of})."
        ),
    )
    writer = ModelTextWriter()
    stream_text = (lambda text: None) if args.json else writer.write
    try:
        try:
            if instruction:
                result = await engine.refine(prompt, instruction, target, stream_text)
            else:
                result = await engine.generate(idea, target, stream_text)
        except ApiError:
            writer.finish()
            raise
        writer.finish()
        status = _report_finish(result)
        variations: list[Completion | ApiError] = []
        if getattr(args, "variations", 0) and result.text.strip():
            variations = await _variations(
                engine, result.text, target, args.variations, print_text=not args.json
            )
        saved = None
        if args.save and result.text.strip():
            saved = _save(
                args, result, target, idea=idea or (source.idea if source else ""), source=source
            )
        if args.json:
            print_json(_json_result(result, variations, target, saved))
        return status
    finally:
        await engine.aclose()


async def _variations(
    engine: Engine, prompt: str, target: Target, count: int, *, print_text: bool
) -> list[Completion | ApiError]:
    """Stream variations concurrently; print each, in order, as soon as it is complete."""
    from artisan.engine import ApiError

    done: dict[int, Completion | ApiError] = {}
    printed = 0

    async def one(index: int) -> None:
        nonlocal printed
        try:
            done[index] = await engine.variation(prompt, target, index, count, _ignore)
        except ApiError as error:
            done[index] = error
        while printed in done:
            if print_text:
                _print_variation(printed, done[printed])
            printed += 1

    import asyncio

    await asyncio.gather(*(one(i) for i in range(count)))
    return [done[i] for i in range(count)]


def _ignore(text: str) -> None:
    """Variations are printed whole, in order, once complete."""


def _print_variation(index: int, result: Completion | ApiError) -> None:
    from artisan.engine import ApiError

    sys.stdout.write(f"\nVariation {index + 1}:\n")
    if isinstance(result, ApiError):
        sys.stdout.flush()
        warn(f"variation {index + 1} failed: {result}")
        return
    sys.stdout.write(shown(result.text.strip()) + "\n")
    sys.stdout.flush()


def _report_finish(result: Completion) -> int:
    from artisan.engine import Finish

    if result.finish is Finish.TRUNCATED:
        warn("The model stopped at its length limit; the prompt may be cut short.")
    elif result.finish is Finish.FILTERED:
        warn("The model's content filter stopped the answer.")
        return 1
    elif result.finish is Finish.INTERRUPTED:
        warn(
            "The answer was cut off before it finished (the connection dropped); "
            "what arrived is above."
        )
        return 1
    return 0


def _save(
    args: argparse.Namespace,
    result: Completion,
    target: Target,
    *,
    idea: str,
    source: PromptEntry | None,
) -> PromptEntry:
    from artisan import locations
    from artisan.engine import Finish
    from artisan.entry import PromptEntry
    from artisan.library import Library

    tags = list(source.tags) if source else []
    tags.extend(args.tag)
    notes = ""
    if result.finish is not Finish.DONE:
        notes = f"Saved while {result.finish.value}: the prompt may be incomplete."
    entry = PromptEntry.create(
        result.text.strip(),
        idea=idea,
        target=target.name,
        model=result.model,
        tags=tags,
        notes=notes,
        title=f"{source.title} (refined)" if source else "",
    )
    Library(locations.library_dir()).add(entry)
    print(f"saved as {entry.id}", file=sys.stderr)
    return entry


def _json_result(
    result: Completion,
    variations: list[Completion | ApiError],
    target: Target,
    saved: PromptEntry | None,
) -> dict[str, Any]:
    from artisan.engine import ApiError

    def usage(completion: Completion) -> dict[str, int] | None:
        return completion.to_dict()["usage"]  # type: ignore[no-any-return]

    return {
        "prompt": result.text.strip(),
        "finish": result.finish.value,
        "model": result.model,
        "target": target.name,
        "usage": usage(result),
        "variations": [
            {"error": str(v)}
            if isinstance(v, ApiError)
            else {"prompt": v.text.strip(), "finish": v.finish.value, "usage": usage(v)}
            for v in variations
        ],
        "id": saved.id if saved else None,
    }


def _read_text(value: str, what: str) -> str:
    from artisan.engine.answer import check_input

    text = sys.stdin.read() if value == "-" else value
    if not text.strip():
        source = "stdin" if value == "-" else "the command line"
        raise UsageError(f"The {what} from {source} is empty.")
    try:
        return check_input(text, what)
    except ArtisanError as error:
        raise UsageError(str(error)) from None
