"""`artisan prompt` and `artisan refine`: stream a prompt to stdout.

Both drive a `Workshop`, the same session object as the app, so a prompt written here follows
the same rules as one written on screen.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from artisan import config
from artisan.cli.output import ModelTextWriter, print_json, say, warn
from artisan.draft import PromptVersion
from artisan.engine.answer import check_input
from artisan.errors import ArtisanError, LibraryError, TargetError, UsageError
from artisan.state import State
from artisan.targets import load_catalog
from artisan.wildcards import has_wildcards

if TYPE_CHECKING:
    from collections.abc import Sequence

    from artisan.draft import Variation
    from artisan.entry import PromptEntry
    from artisan.refinement.styles import Style
    from artisan.targets import TargetCatalog
    from artisan.workshop import Event, Workshop


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
        help="also write N variations of the prompt (for an idea with wildcards: write N "
        "of its expansions)",
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
        "-e",
        "--engine",
        choices=config.ENGINES,
        help="who writes the prompt: a chat model, or the offline composer "
        "(default: the engine setting; auto uses the composer when no key or server is set)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        metavar="N",
        help="make the composer and wildcard expansions reproducible",
    )
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
        "--style",
        action="append",
        default=[],
        metavar="NAME",
        help="apply a style template to the prompt (repeatable: applied in order; "
        "`artisan styles` lists them)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object instead of the text"
    )


def run_prompt(args: argparse.Namespace) -> int:
    idea = _read_text(args.idea, "idea")
    if not 0 <= args.variations <= 12:
        raise UsageError("--variations must be between 0 and 12.")
    settings, catalog = _prepare(args)
    styles = _styles(args)
    import asyncio

    return asyncio.run(_run(args, settings, catalog, idea=idea, styles=styles))


def run_refine(args: argparse.Namespace) -> int:
    instruction = args.instruction.strip()
    if not instruction:
        raise UsageError("The instruction is empty: say how to change the prompt.")
    source: PromptEntry | None = None
    prompt = ""
    if args.source == "-":
        prompt = _read_text("-", "prompt")
    else:
        from artisan import locations
        from artisan.library import Library

        source = Library(locations.library_dir()).get(args.source)
    if args.target is None and source is not None and source.target:
        args.target = source.target
    settings, catalog = _prepare(args)
    styles = _styles(args)
    import asyncio

    return asyncio.run(
        _run(
            args,
            settings,
            catalog,
            prompt=prompt,
            instruction=instruction,
            source=source,
            styles=styles,
        )
    )


def _prepare(args: argparse.Namespace) -> tuple[config.Settings, TargetCatalog]:
    loaded = config.load()
    for warning in loaded.warnings:
        warn(warning)
    settings = config.with_overrides(loaded.settings, model=args.model, engine=args.engine)
    catalog = load_catalog()
    for problem in catalog.problems:
        warn(problem)
    name = args.target or settings.target
    try:
        catalog.get(name)
    except TargetError as error:
        if args.target is not None:
            raise UsageError(str(error)) from None  # a mistake on the command line
        raise
    settings = config.with_overrides(settings, target=name)
    return settings, catalog


def _styles(args: argparse.Namespace) -> list[Style]:
    """The styles named with --style, checked before anything is sent."""
    if not args.style:
        return []
    from artisan.refinement.styles import StyleError, load_style_book

    book = load_style_book()
    for problem in book.problems:
        warn(problem)
    try:
        return book.pick(args.style)
    except StyleError as error:
        raise UsageError(str(error)) from None


async def _run(
    args: argparse.Namespace,
    settings: config.Settings,
    catalog: TargetCatalog,
    *,
    idea: str = "",
    prompt: str = "",
    instruction: str = "",
    source: PromptEntry | None = None,
    styles: Sequence[Style] = (),
) -> int:
    import asyncio

    from artisan.workshop import Workshop

    # With styles, the prompt is printed once styled, not as it streams in.
    printer = _Printer(show_text=not args.json and not styles)
    workshop = Workshop(settings, catalog, listener=printer.event, seed=args.seed)
    result: PromptVersion | None = None
    try:
        try:
            if instruction:
                if source is not None:
                    workshop.load_entry(source)
                else:
                    workshop.edit(prompt)
                result = await workshop.refine(instruction)
            else:
                workshop.idea = idea
                if has_wildcards(idea):
                    printer.expansions = True
                    printer.variations_from = _ANY_VERSION  # the version is not known yet
                    printer.first_idea = lambda: (
                        workshop.streaming.idea if workshop.streaming else ""
                    )
                result = await workshop.generate(count=max(1, args.variations))
        finally:
            printer.writer.finish()
        status = _report_finish(result)
        if styles and result.text.strip():
            result, notes = workshop.apply_styles(styles)
            for note in notes:
                warn(note)
            if not args.json:
                say(result.text)
        variations: list[Variation] = list(result.variations)
        wanted = getattr(args, "variations", 0)
        if wanted and result.text.strip() and not printer.expansions:
            printer.variations_from = result
            variations = await workshop.vary(wanted)
        if variations:
            status = max(status, _report_variations(variations, printer.expansions))
        saved = None
        if args.save and result.text.strip():
            try:
                saved = _save(args, workshop, source)
            except LibraryError as error:
                # The answer is on stdout already (and in --json below): only the saving failed.
                warn(f"Not saved: {error}")
                status = max(status, 1)
        if args.json:
            print_json(_json_result(result, variations, saved))
        return status
    except asyncio.CancelledError:
        # Ctrl-C: asyncio cancels the run and raises KeyboardInterrupt once it has unwound
        # (exit status 130). A script asking for JSON still gets what arrived.
        if args.json:
            shown = result or workshop.version or workshop.snapshot().version
            if shown is not None:
                print_json(_json_result(shown, list(shown.variations), None))
        raise
    finally:
        await workshop.aclose()


class _Printer:
    """Turns the workshop's events into output: the prompt as it streams, each variation
    whole and in order once it is complete, and the engine's notices and retries."""

    def __init__(self, *, show_text: bool) -> None:
        self.writer = ModelTextWriter()
        self.show_text = show_text
        self.variations_from: object = None
        """The version whose variations are printed (`_ANY_VERSION`: any version's)."""
        self.expansions = False
        """The variations are the other expansions of a wildcard idea."""
        self.first_idea: Callable[[], str] | None = None
        """The idea the prompt streaming now was written for (with `expansions`): it heads
        the prompt as the other expansions head theirs."""
        self._printed = 0

    def event(self, event: Event) -> None:
        from artisan.workshop import JobChanged, Notice, TextArrived, VariationsChanged

        if isinstance(event, TextArrived) and event.index is None and self.show_text:
            if self.first_idea is not None:
                say(f"Prompt 1 ({self.first_idea()}):")
                self.first_idea = None
            self.writer.write(event.text)
        elif isinstance(event, JobChanged) and event.job.retry is not None:
            notice = event.job.retry
            warn(f"{notice.reason} Retrying in {notice.delay:.1f}s ({notice.attempt}/{notice.of}).")
        elif isinstance(event, VariationsChanged) and self.variations_from in (
            event.version,
            _ANY_VERSION,
        ):
            if event.index is None:
                self._printed = 0
            self._print_ready(event.version.variations)
        elif isinstance(event, Notice):
            self.writer.finish()
            warn(event.message)

    def _print_ready(self, items: list[Variation]) -> None:
        while self._printed < len(items) and not items[self._printed].state.running:
            if self.show_text:
                self.writer.finish()  # the prompt above ends with its line
                _print_variation(self._printed, items[self._printed], self.expansions)
            self._printed += 1


def _print_variation(index: int, item: Variation, expansion: bool) -> None:
    """A variation with text under its header; an empty one is left to the warnings."""
    text = item.text.strip()
    if not text:
        return
    if expansion:
        # The first expansion was the prompt printed above: this is the next idea's prompt.
        say(f"\nPrompt {index + 2} ({item.idea}):")
    else:
        say(f"\nVariation {index + 1}:")
    say(text)


_ANY_VERSION = object()


def _report_finish(result: PromptVersion) -> int:
    """Warn when the prompt is not a whole one; the exit status that goes with it."""
    if result.state is State.DONE and result.text.strip():
        if result.note:
            warn(f"Note: {result.note}.")  # whole, but something the server sent was left out
        return 0
    note = result.state.reason(result.note) or result.state
    if not result.text.strip():
        warn(f"No prompt was written: {note}.")
    elif result.state is State.INTERRUPTED:
        warn(f"The answer was cut off: {note}; what arrived is above.")
    else:
        warn(f"The prompt may be incomplete: {note}.")
    return 1


def _report_variations(items: list[Variation], expansions: bool) -> int:
    """Warn about each variation that is not a whole one, then sum the batch up."""
    from artisan.engine import batch_summary

    what = "prompt" if expansions else "variation"
    for index, item in enumerate(items):
        number = index + 2 if expansions else index + 1
        if item.state is State.ERROR:
            warn(f"{what} {number} failed: {item.error}")
        elif item.state is not State.DONE or not item.text.strip():
            warn(f"{what} {number} is {item.state.with_reason(item.note)}.")
    states = [item.state for item in items]
    if all(state is State.DONE for state in states):
        return 0
    warn(f"{what}s: {batch_summary(states)}.")
    return 1


def _save(args: argparse.Namespace, workshop: Workshop, source: PromptEntry | None) -> PromptEntry:
    from artisan.cli.library import open_library
    from artisan.entry import normalize_tags
    from artisan.library import SaveOutcome

    plan = workshop.save_plan()
    entry = plan.new_entry()
    entry.tags = normalize_tags([*(source.tags if source else []), *args.tag])
    version = workshop.version
    if version is not None and version.state is not State.DONE:
        entry.notes = f"Saved while {version.state}: the prompt may be incomplete."
    if source is not None:
        entry.title = f"{source.title} (refined)"
    saved = open_library().save_prompt(entry)
    workshop.linked(plan, saved.entry)
    if saved.outcome is SaveOutcome.FOUND:
        say(f"already saved as {saved.entry.id} (the same prompt for the same target)", err=True)
    else:
        say(f"saved as {saved.entry.id}", err=True)
    return saved.entry


def _json_result(
    result: PromptVersion, variations: list[Variation], saved: PromptEntry | None
) -> dict[str, Any]:
    def answer(item: PromptVersion | Variation) -> dict[str, Any]:
        data: dict[str, Any] = {
            "prompt": item.text.strip(),
            "finish": State.DONE if item.state is State.EMPTY else item.state,
            "usage": _usage(item),
            "note": item.note,
            "reasoning": item.reasoning,
        }
        if not isinstance(item, PromptVersion):
            if item.state is State.ERROR:
                data["error"] = item.error
            if item.idea:
                data["idea"] = item.idea
        return data

    return {
        **answer(result),
        "idea": result.idea,
        "engine": result.engine,
        "model": result.model,
        "target": result.target,
        "variations": [answer(item) for item in variations],
        "styles": list(result.styles),
        "id": saved.id if saved else None,
    }


def _usage(item: PromptVersion | Variation) -> dict[str, Any] | None:
    if item.usage is None:
        return None
    usage: dict[str, Any] = {
        "prompt_tokens": item.prompt_tokens,
        "completion_tokens": item.completion_tokens,
        "total_tokens": item.usage,
        "estimated": item.usage_estimated,
    }
    if item.usage_estimated:
        usage["note"] = "usage not reported by the server; estimated from the text"
    return usage


def _read_text(value: str, what: str) -> str:
    text = sys.stdin.read() if value == "-" else value
    if not text.strip():
        source = "stdin" if value == "-" else "the command line"
        raise UsageError(f"The {what} from {source} is empty.")
    try:
        return check_input(text, what)
    except ArtisanError as error:
        raise UsageError(str(error)) from None
