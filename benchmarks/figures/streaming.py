"""Streaming figures: the real app against the cheapest honest reader of the same streams.

The app runs in this process, painting every frame to terminal bytes as on a real terminal
(`harness.Frames`), against the loopback server in its own process, sending as fast as it can.
Its engine and HTTP client are made before the clock starts, as the baseline's are. A timed run
starts just before the key is sent (`app.simulate_key`, which does not wait for the screen) and
ends on the first painted frame that shows the end of the answer: the answer ends with a word
found nowhere else, so the first frame holding it is the one that shows the answer whole. With
variations (the Variations pane shows the start of each), on the first frame painted once all
five answers are complete.

The baseline reads the same streams from the same server with artisan's own engine
(`Engine.complete`, the SSE reader the app uses, with a callback that does nothing), timed from
the request to the end of the last stream; in the same process and event loop, alternating with
the app runs. The ratio is the cost of everything the app adds to reading: the session, the
panes, the painting.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from benchmarks import budgets, data
from benchmarks.context import Context
from benchmarks.harness import Frames, Moment, make_app, running, served
from benchmarks.paths import TEST_KEY
from benchmarks.results import Row

IDEA = "a lonely surfer at dusk"
TIMEOUT = 300.0
LAST_WORD = "zenithquay"
"""The last word of every streamed answer: no generated text holds it."""


def answer(words: int, seed: int) -> str:
    """A streamed answer of `words` words ending with LAST_WORD."""
    return data.long_text(words - 1, seed=seed) + " " + LAST_WORD


def seed_draft(home: Path, prompt: str) -> None:
    """A draft holding a finished prompt, so the app starts with something to vary."""
    from artisan.draft import Draft, PromptVersion, save_draft

    draft = Draft(idea=IDEA, target="dalle", versions=[PromptVersion(text=prompt)], current=0)
    save_draft(home / "data" / "draft.json", draft)


async def engine_reads(url: str, expected: str, streams: int) -> float:
    """The baseline: artisan's engine reading `streams` answers at once, doing nothing with
    the text; seconds from the requests to the end of the last answer."""
    from artisan.config import Settings
    from artisan.engine.chat import Engine
    from artisan.targets import load_catalog

    engine = Engine(Settings(base_url=url, api_key=TEST_KEY, timeout=60.0, max_retries=0))
    target = load_catalog().get("dalle")
    messages = engine.messages(target, target.generate_message(IDEA))
    engine.client()  # set-up, as the app's engine is made before its clock starts

    def ignore(text: str) -> None:
        return None

    try:
        started = time.perf_counter()
        results = await asyncio.gather(
            *(
                engine.complete(messages, ignore, max_tokens=target.max_tokens)
                for _ in range(streams)
            )
        )
        finished = time.perf_counter()
    finally:
        await engine.aclose()
    if any(result.text != expected for result in results):
        raise RuntimeError("the engine baseline received a different answer")
    return finished - started


async def app_streams(ctx: Context, url: str, expected: str, *, variations: bool) -> float:
    """One app run: ctrl+j (and ctrl+n first when `variations`) until a painted frame shows
    the end of every answer."""
    home = ctx.home()
    seed_draft(home, "A quiet harbour at dawn, fishing boats, soft mist, muted colours.")
    app = make_app(url, home)
    frames = Frames()
    async with running(app, frames) as pilot:
        await pilot.pause()
        engine = app.workshop.engine
        if hasattr(engine, "client"):
            engine.client()  # the HTTP client, made before the clock starts as the baseline's

        def finished() -> bool:
            if app.generating_prompt or app.generating_variations:
                return False
            if app.prompt_pane.shown_text != expected:
                return False
            if not variations:
                return True
            # The variations belong to the seeded version they were written from.
            items = app.workshop.versions[0].variations
            return len(items) == 4 and all(
                item.state == "done" and item.text == expected for item in items
            )

        done = Moment(app, [(app, "generating_prompt"), (app, "generating_variations")], finished)
        shown = frames.painted(LAST_WORD)
        started = time.perf_counter()
        if variations:
            app.simulate_key("ctrl+n")
        app.simulate_key("ctrl+j")
        completed = await done.wait(TIMEOUT)  # every answer whole (checked), not only its end
        if variations:
            # The Variations pane shows the start of each variation only: the frame that counts
            # is the first one painted once every answer is complete.
            await pilot.pause()
            after = frames.first_after(completed)
            if after is None:
                raise RuntimeError("no frame was painted after the answers were complete")
            return after - started
        try:
            ended = await asyncio.wait_for(shown, 10.0)
        except TimeoutError:
            raise RuntimeError(
                "the answer is complete, but no frame showed its end (the Prompt pane did not "
                "follow it)"
            ) from None
    return ended - started


async def alternate(
    ctx: Context,
    label: str,
    runs: int,
    subject: Callable[[], Awaitable[float]],
    baseline: Callable[[], Awaitable[float]],
) -> tuple[list[float], list[float]]:
    """One warm-up of each, then `runs` pairs, alternating which goes first."""
    await subject()
    await baseline()
    values: list[float] = []
    reference: list[float] = []
    for run in range(runs):
        ctx.log(f"{label}: pair {run + 1}/{runs}")
        if run % 2:
            reference.append(await baseline())
            values.append(await subject())
        else:
            values.append(await subject())
            reference.append(await baseline())
    return values, reference


def measure_stream_single(ctx: Context) -> list[Row]:
    words = ctx.profile.stream_words
    text = answer(words, seed=1)
    with served(text, ctx.work) as url:
        values, reference = asyncio.run(
            alternate(
                ctx,
                f"{words}-word stream",
                ctx.profile.runs,
                lambda: app_streams(ctx, url, text, variations=False),
                lambda: engine_reads(url, text, 1),
            )
        )
    return [
        Row(
            id="tui.stream",
            figure=f"TUI: {words:,}-word prompt at full speed, until painted whole",
            values=values,
            baseline=reference,
            baseline_label="engine reading it",
            budget=budgets.STREAM,
            note="key to the first painted frame showing the last word; baseline: "
            "Engine.complete on the same stream, callback doing nothing",
        )
    ]


def measure_stream_five(ctx: Context) -> list[Row]:
    words = ctx.profile.multi_words
    text = answer(words, seed=2)
    with served(text, ctx.work) as url:
        values, reference = asyncio.run(
            alternate(
                ctx,
                "5 streams",
                ctx.profile.runs,
                lambda: app_streams(ctx, url, text, variations=True),
                lambda: engine_reads(url, text, 5),
            )
        )
    return [
        Row(
            id="tui.stream_five",
            figure=f"TUI: prompt + 4 variations at full speed, {words:,} words each",
            values=values,
            baseline=reference,
            baseline_label="engine reading 5 at once",
            budget=budgets.STREAM_FIVE,
            note="keys to the first painted frame once all five are complete; baseline: "
            "five Engine.complete at once on the same streams",
        )
    ]
