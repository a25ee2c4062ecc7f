"""Typing with completions on, with the big library loaded in the real app (headless, in this
process): how long each key takes until its completions are looked up and shown.

Each sample is timed from posting the key event (as the terminal driver does) to the moment the
Idea editor's completion behaviour returned from handling the change the key made (its
`changed` method, wrapped on the instance: the completions found and the list under the cursor
updated, or closed). The core lookup alone, and the time to build the vocabulary of the
library in its thread, are reported beside it. Nothing in `src/` changes.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from benchmarks import budgets
from benchmarks.context import Context
from benchmarks.figures.interaction import TYPING_GAP, Stamp, key_event, library_ready, wrap
from benchmarks.harness import make_app, running, wait_for
from benchmarks.results import Row

TYPED = (
    "a lighthouse keeper at golden hour, cinematic photograph, shallow depth of field",
    "watercolour harbour with neon reflections, moody fog, __time_of_day__",
    "samurai in the rain, dramatic rim light, muted earth tones, highly detailed",
)
"""What a person types into the Idea pane: words of the library, phrases of the composer and
the phrase book, a wildcard name, and commas and spaces that close the list."""


def measure_completions(ctx: Context) -> list[Row]:
    profile = ctx.profile
    size = profile.library_size
    library = ctx.library(size)
    texts = TYPED if profile.name == "full" else TYPED[:2]
    passes = 2 if profile.name == "full" else 1

    async def run() -> tuple[list[float], int, float]:
        app = make_app(None, ctx.home(library), engine="composer")
        samples: list[float] = []
        shown = 0
        async with running(app) as pilot:
            await library_ready(app, size)
            started = time.perf_counter()
            await wait_for(lambda: app.refining.ready, 120)
            learnt = time.perf_counter() - started
            editor = app.idea_pane.editor
            editor.focus()
            await pilot.pause()
            stamp = Stamp()
            wrap(editor.completing, "changed", stamp)
            for _ in range(passes):
                for text in texts:
                    for character in text:
                        stamp.arm()
                        started = time.perf_counter()
                        app.post_message(key_event(character))
                        samples.append(await stamp.wait() - started)
                        menu = editor.completing.menu
                        shown += bool(menu is not None and menu.shown)
                        await asyncio.sleep(TYPING_GAP)
                    if not editor.text.endswith(text):
                        raise RuntimeError(f"typed {text!r}, the idea holds {editor.text!r}")
                    editor.load_text("")
                    await pilot.pause()
        return samples, shown, learnt

    ctx.log(f"completions: typing {len(texts)} ideas x{passes} into the Idea pane")
    tui, shown, learnt = asyncio.run(run())
    if shown < len(tui) // 3:
        raise RuntimeError(f"completions were shown after only {shown} of {len(tui)} keys")
    core, build = core_completion_times(library, texts, passes)
    return [
        Row(
            id="tui.completion_keystroke",
            figure=f"typing with completions on, per key, {size:,} prompts (TUI), p95",
            cache="warm",
            values=tui,
            budget=budgets.COMPLETION_KEYSTROKE,
            note=f"key event to completions shown (after {shown} of {len(tui)} keys); "
            f"vocabulary learnt {learnt:.1f} s after the library was listed",
        ),
        Row(
            id="core.completion_keystroke",
            figure=f"Completer.complete per key, {size:,} prompts (core only)",
            values=core,
        ),
        Row(
            id="core.completion_build",
            figure=f"building the completion vocabulary of {size:,} prompts (core only)",
            values=[build],
        ),
    ]


def core_completion_times(
    library_folder: Path, texts: tuple[str, ...], passes: int
) -> tuple[list[float], float]:
    """The same keys against the core completer alone, and the time to build it."""
    from artisan.engine.presets import load_composer_data
    from artisan.library import Library
    from artisan.refinement.completions import Completer
    from artisan.refinement.phrases import load_phrase_book
    from artisan.refinement.vocabulary import build_vocabulary, composer_phrases

    loaded = Library(library_folder)
    loaded.load()
    entries = loaded.entries()
    started = time.perf_counter()
    phrases = composer_phrases(load_composer_data())
    phrases += [phrase.text for phrase in load_phrase_book().phrases()]
    completer = Completer(build_vocabulary(phrases, entries, len(entries)), ["time_of_day"])
    build = time.perf_counter() - started
    samples: list[float] = []
    for _ in range(passes):
        for text in texts:
            for end in range(1, len(text) + 1):
                started = time.perf_counter()
                completer.complete(text[:end])
                samples.append(time.perf_counter() - started)
    return samples, build
