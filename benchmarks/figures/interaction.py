"""Interaction figures with the big library loaded in the real app (headless, in this process):
key latency while five answers stream, search per keystroke, saving a prompt.

Each sample is timed from posting the key event (as the terminal driver does) to the moment the
app has handled it: the list's `cursor` changed (a watcher), the list was re-filtered (the
Library pane's `refresh_list` returned) or the saved entry was shown (`entry_saved` returned).
Those two methods are wrapped on the instance for the measurement; nothing in `src/` changes.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks import budgets, data
from benchmarks.context import Context
from benchmarks.figures.streaming import IDEA, seed_draft
from benchmarks.harness import make_app, running, served, wait_for
from benchmarks.queries import QUERIES, keystrokes
from benchmarks.results import Row
from benchmarks.stats import Summary

if TYPE_CHECKING:
    from artisan.tui.app import ArtisanApp


TYPING_GAP = 0.06
"""Seconds between keystrokes in the search box: a fast typist (the app gets the time to paint
between keys, as it does with a person)."""


def key_event(character: str) -> Any:
    """The key event a terminal driver posts for a typed character."""
    from textual import events

    return events.Key("space" if character == " " else character, character)


class Stamp:
    """Time stamps of an event that happens once per sample."""

    def __init__(self) -> None:
        self.at = 0.0
        self.event = asyncio.Event()

    def arm(self) -> None:
        self.event.clear()

    def hit(self, *_: object) -> None:
        self.at = time.perf_counter()
        self.event.set()

    async def wait(self, timeout: float = 30.0) -> float:
        await asyncio.wait_for(self.event.wait(), timeout)
        return self.at


def wrap(obj: object, name: str, stamp: Stamp) -> None:
    """Make `obj.name(...)` stamp the moment it returns (on this instance only)."""
    original: Callable[..., Any] = getattr(obj, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        stamp.hit()
        return result

    setattr(obj, name, wrapper)


async def library_ready(app: ArtisanApp, size: int) -> None:
    pane = app.library_pane
    await wait_for(lambda: pane.index is not None and len(pane.list.entries) == size, 120)


# Key latency ---------------------------------------------------------------------------------


async def key_latencies(
    app: ArtisanApp, count: int, rng: random.Random, *, while_streaming: bool
) -> list[tuple[float, int]]:
    """Press down `count` times, 10-40 ms apart. For each press: seconds from the key to the
    cursor change, and how many words the Prompt pane held then."""
    listing = app.library_pane.list
    stamp = Stamp()
    app.watch(listing, "cursor", stamp.hit, init=False)
    samples: list[tuple[float, int]] = []
    for _ in range(count):
        if while_streaming and not (app.generating_prompt or app.generating_variations):
            break
        if listing.cursor >= len(listing.entries) - 2:
            listing.cursor = 0
            await asyncio.sleep(0.01)
        stamp.arm()
        started = time.perf_counter()
        app.simulate_key("down")
        latency = await stamp.wait() - started
        samples.append((latency, len(app.prompt_pane.text.split())))
        await asyncio.sleep(rng.uniform(0.01, 0.04))
    return samples


def trend(samples: list[tuple[float, int]]) -> str:
    """Median latency in each third of the presses, with the answer's length at the time."""
    parts = []
    third = max(1, len(samples) // 3)
    for start in range(0, len(samples), third):
        chunk = samples[start : start + third]
        if len(chunk) < max(1, third // 2):
            break
        latency = Summary.of([value for value, _ in chunk]).median
        words = Summary.of([float(count) for _, count in chunk]).median
        parts.append(f"{latency * 1000:.0f} ms at ~{words:,.0f} words")
    return "p50 by progress: " + ", ".join(parts)


def measure_keys(ctx: Context) -> list[Row]:
    profile = ctx.profile
    size = profile.library_size
    library = ctx.library(size)
    words = profile.key_stream_words
    text = data.long_text(words, seed=3)
    delay = 0.002

    async def run() -> tuple[list[tuple[float, int]], list[tuple[float, int]]]:
        home = ctx.home(library)
        seed_draft(home, text)
        with served(text, ctx.work, delay=delay) as url:
            app = make_app(url, home)
            async with running(app) as pilot:
                await library_ready(app, size)
                app.library_pane.list.focus()
                await pilot.pause()
                rng = random.Random(5)
                ctx.log("keys: idle")
                idle = await key_latencies(app, profile.key_samples, rng, while_streaming=False)
                ctx.log("keys: while a prompt and 4 variations stream")
                app.action_variations()
                app.action_generate()
                await wait_for(streaming_started(app), 30)
                busy = await key_latencies(app, profile.key_samples, rng, while_streaming=True)
                app.action_stop()
                await pilot.pause()
        return idle, busy

    idle, busy = asyncio.run(run())
    note = trend(busy)
    if len(busy) < profile.key_samples:
        note += f"; the streams ended after {len(busy)} of {profile.key_samples} presses"
    return [
        Row(
            id="tui.key_idle",
            figure=f"key press handled (list cursor moves), idle, {size:,} prompts",
            values=[latency for latency, _ in idle],
        ),
        Row(
            id="tui.key_streaming",
            figure=f"key press handled while 5 streams of {words:,} words run "
            f"({1 / delay:.0f} chunks/s each), p95",
            values=[latency for latency, _ in busy],
            budget=budgets.KEYS_WHILE_STREAMING,
            note=note,
        ),
    ]


def streaming_started(app: ArtisanApp) -> Callable[[], bool]:
    """Both workers running and the new answer already arriving in the Prompt pane."""

    def started() -> bool:
        return (
            app.generating_prompt
            and app.generating_variations
            and len(app.prompt_pane.text.split()) > 20
        )

    return started


# Search --------------------------------------------------------------------------------------


def measure_search(ctx: Context) -> list[Row]:
    profile = ctx.profile
    size = profile.library_size
    library = ctx.library(size)
    passes = 2 if profile.name == "full" else 1

    async def run() -> list[float]:
        app = make_app(None, ctx.home(library))
        samples: list[float] = []
        async with running(app) as pilot:
            await library_ready(app, size)
            pane = app.library_pane
            pane.search_box.focus()
            await pilot.pause()
            stamp = Stamp()
            wrap(pane, "refresh_list", stamp)
            for _ in range(passes):
                for query in QUERIES:
                    for character in query:
                        stamp.arm()
                        started = time.perf_counter()
                        app.post_message(key_event(character))
                        samples.append(await stamp.wait() - started)
                        await asyncio.sleep(TYPING_GAP)
                    if pane.search_box.value != query:
                        raise RuntimeError(
                            f"typed {query!r}, the box holds {pane.search_box.value!r}"
                        )
                    stamp.arm()
                    pane.search_box.value = ""
                    await stamp.wait()
                    await pilot.pause()
        return samples

    ctx.log(f"search: typing {len(QUERIES)} queries x{passes} into the Library pane")
    tui = asyncio.run(run())
    core = core_search_times(library, passes)
    return [
        Row(
            id="tui.search_keystroke",
            figure=f"library search per keystroke, {size:,} prompts (TUI)",
            cache="warm",
            values=tui,
            budget=budgets.SEARCH_KEYSTROKE,
            note="key event to list re-filtered (Library pane refresh_list returned)",
        ),
        Row(
            id="core.search_keystroke",
            figure=f"SearchIndex.search per keystroke, {size:,} prompts (core only)",
            values=core,
        ),
    ]


def core_search_times(library: Path, passes: int) -> list[float]:
    """The same keystrokes against the core search index alone."""
    from artisan.library import Library
    from artisan.search import SearchIndex

    loaded = Library(library)
    loaded.load()
    index = SearchIndex(loaded.entries())
    index.warm()
    samples: list[float] = []
    for _ in range(passes):
        for typed in keystrokes():
            started = time.perf_counter()
            index.search(typed)
            samples.append(time.perf_counter() - started)
        index.search("")
    return samples


# Saving --------------------------------------------------------------------------------------


def measure_save(ctx: Context) -> list[Row]:
    profile = ctx.profile
    size = profile.library_size
    scratch = data.scratch_copy(ctx.library(size), ctx.work / "save-library" / "library")
    answer = data.make_prompt(random.Random(11))

    async def run() -> list[float]:
        samples: list[float] = []
        with served(answer, ctx.work) as url:
            app = make_app(url, ctx.home(scratch))
            async with running(app) as pilot:
                await library_ready(app, size)
                pane = app.library_pane
                stamp = Stamp()
                wrap(pane, "entry_saved", stamp)
                app.idea_pane.idea = IDEA
                for number in range(profile.save_samples):
                    app.action_generate()  # a new, unsaved version: ctrl+s adds an entry
                    await pilot.pause()
                    await wait_for(lambda: not app.generating_prompt, 30)
                    # The same text for the same target is the same entry: each sample's
                    # prompt is made new by an edit, as a person would before saving again.
                    app.workshop.edit(f"{answer} Take {number + 1}.")
                    await pilot.pause()
                    stamp.arm()
                    started = time.perf_counter()
                    app.simulate_key("ctrl+s")
                    samples.append(await stamp.wait() - started)
                    if len(app.library_pane.index or ()) != size + number + 1:
                        raise RuntimeError("the saved prompt is not in the library index")
                    await pilot.pause()
        return samples

    ctx.log(f"save: {profile.save_samples} prompts into a {size:,}-prompt library")
    tui = asyncio.run(run())
    core = core_add_times(scratch, profile.save_samples, answer)
    return [
        Row(
            id="tui.save",
            figure=f"saving one prompt into a {size:,}-prompt library (TUI, ctrl+s)",
            values=tui,
            budget=budgets.SAVE,
            note="key to the entry shown in the list; includes the write and its fsync",
        ),
        Row(
            id="core.save",
            figure=f"Library.add of one prompt, {size:,}-prompt library (core only)",
            values=core,
        ),
    ]


def core_add_times(folder: Path, count: int, prompt: str) -> list[float]:
    from artisan.entry import PromptEntry
    from artisan.library import Library

    library = Library(folder)
    library.load()
    samples: list[float] = []
    for _ in range(count):
        entry = PromptEntry.create(prompt, idea=IDEA, target="dalle", model="gpt-5.4-mini")
        started = time.perf_counter()
        library.add(entry)
        samples.append(time.perf_counter() - started)
    return samples
