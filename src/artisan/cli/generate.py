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
    if args.target is None and source is not None and source.target:
        args.target = source.target
    settings, target = _prepare(args)
    import asyncio

    return asyncio.run(
        _generate(args, settings, target, prompt=prompt, instruction=instruction, source=source)
    )


def _prepare(args: argparse.Namespace) -> tuple[config.Settings, Target]:
    loaded = config.load()
    for warning in loaded.warnings:
        warn(warning)
    settings = config.with_overrides(loaded.settings, model=args.model)
    catalog = load_catalog()
    for problem in catalog.problems:
        warn(problem)
    return settings, catalog.get(args.target or settings.target)


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
    import asyncio

    from artisan.engine import Engine

    arrived = _Arrived()
    engine = Engine(
        settings,
        on_retry=lambda notice: warn(
            f"{notice.reason} Retrying in {notice.delay:.1f}s ({notice.attempt}/{notice.of})."
        ),
        on_notice=warn,
        on_restart=arrived.restart,
    )
    writer = ModelTextWriter()

    def stream_text(text: str) -> None:
        arrived.prompt.append(text)
        if not args.json:
            writer.write(text)

    result: Completion | None = None
    variations: dict[int, Completion | ApiError] = {}
    try:
        try:
            if instruction:
                result = await engine.refine(prompt, instruction, target, stream_text)
            else:
                result = await engine.generate(idea, target, stream_text)
        finally:
            writer.finish()
        status = _report_finish(result)
        if getattr(args, "variations", 0) and result.text.strip():
            await _variations(
                engine, result.text, target, args.variations, variations, arrived, args.json
            )
            status = max(status, _report_variations(variations, args.variations))
        saved = None
        if args.save and result.text.strip():
            saved = _save(
                args, result, target, idea=idea or (source.idea if source else ""), source=source
            )
        if args.json:
            print_json(_json_result(result, _in_order(variations), target, saved))
        return status
    except asyncio.CancelledError:
        # Ctrl-C: asyncio cancels the run and raises KeyboardInterrupt once it has unwound
        # (exit status 130). A script asking for JSON still gets what arrived.
        if args.json:
            print_json(_cancelled_json(result, variations, arrived, settings, target))
        raise
    finally:
        await engine.aclose()


class _Arrived:
    """Text streamed so far, kept for a JSON answer if the run is cancelled midway."""

    def __init__(self) -> None:
        self.prompt: list[str] = []
        self.variations: dict[int, list[str]] = {}

    def variation(self, index: int, text: str) -> None:
        self.variations.setdefault(index, []).append(text)

    def restart(self, index: int) -> None:
        self.variations.pop(index, None)


async def _variations(
    engine: Engine,
    prompt: str,
    target: Target,
    count: int,
    done: dict[int, Completion | ApiError],
    arrived: _Arrived,
    as_json: bool,
) -> None:
    """Write variations into `done`; print each, in order, as soon as it and those before it
    are complete."""
    printed = 0

    def finished(index: int, result: Completion | ApiError) -> None:
        nonlocal printed
        done[index] = result
        while printed in done:
            if not as_json:
                _print_variation(printed, done[printed])
            printed += 1

    await engine.variations(prompt, target, count, arrived.variation, on_done=finished)


def _print_variation(index: int, result: Completion | ApiError) -> None:
    """A variation with text under its header; an empty one is left to the warnings."""
    from artisan.engine import ApiError

    text = (result.partial if isinstance(result, ApiError) else result.text).strip()
    if text:
        sys.stdout.write(f"\nVariation {index + 1}:\n{shown(text)}\n")
        sys.stdout.flush()


def _report_finish(result: Completion) -> int:
    """Warn when the prompt is not a whole one; the exit status that goes with it."""
    from artisan.engine import Finish

    if result.ok:
        return 0
    if not result.text.strip():
        warn(f"No prompt was written: {result.note}.")
    elif result.finish is Finish.INTERRUPTED:
        warn(f"The answer was cut off: {result.note}; what arrived is above.")
    else:
        warn(f"The prompt may be incomplete: {result.note}.")
    return 1


def _report_variations(done: dict[int, Completion | ApiError], count: int) -> int:
    """Warn about each variation that is not a whole one, then sum the batch up."""
    from artisan.engine import ApiError, batch_summary

    states = []
    for index in range(count):
        result = done[index]
        if isinstance(result, ApiError):
            warn(f"variation {index + 1} failed: {result}")
            states.append("error")
            continue
        states.append(result.state)
        if not result.ok:
            warn(f"variation {index + 1} is {result.state}: {result.note}.")
    if all(state == "done" for state in states):
        return 0
    warn(f"variations: {batch_summary(states)}.")
    return 1


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

    return {
        **_json_answer(result),
        "target": target.name,
        "variations": [
            {"error": str(v), "prompt": v.partial.strip(), "finish": "error"}
            if isinstance(v, ApiError)
            else _json_answer(v, with_model=False)
            for v in variations
        ],
        "id": saved.id if saved else None,
    }


def _json_answer(completion: Completion, *, with_model: bool = True) -> dict[str, Any]:
    usage = None
    if completion.usage is not None:
        usage = completion.usage.to_dict()
        if completion.usage.estimated:
            usage["note"] = "usage not reported by the server; estimated from the text"
    answer: dict[str, Any] = {
        "prompt": completion.text.strip(),
        "finish": completion.finish.value,
    }
    if with_model:
        answer["model"] = completion.model
    answer.update(usage=usage, note=completion.note, reasoning=completion.reasoning)
    return answer


def _cancelled_json(
    result: Completion | None,
    variations: dict[int, Completion | ApiError],
    arrived: _Arrived,
    settings: config.Settings,
    target: Target,
) -> dict[str, Any]:
    """What arrived before Ctrl-C, as the JSON object a finished run prints."""
    from artisan.engine import ApiError

    if result is None:
        answer: dict[str, Any] = {
            "prompt": "".join(arrived.prompt).strip(),
            "finish": "cancelled",
            "model": settings.model,
            "usage": None,
            "note": "cancelled",
            "reasoning": "",
        }
    else:
        answer = _json_answer(result)
    rows: list[dict[str, Any]] = []
    for index in sorted(set(variations) | set(arrived.variations)):
        done = variations.get(index)
        if done is None:
            text = "".join(arrived.variations.get(index, [])).strip()
            rows.append({"prompt": text, "finish": "cancelled", "usage": None, "note": "cancelled"})
        elif isinstance(done, ApiError):
            rows.append({"error": str(done), "prompt": done.partial.strip(), "finish": "error"})
        else:
            rows.append(_json_answer(done, with_model=False))
    return {**answer, "target": target.name, "variations": rows, "id": None}


def _in_order(done: dict[int, Completion | ApiError]) -> list[Completion | ApiError]:
    return [done[index] for index in sorted(done)]


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
