"""Streaming figures, with the real app running headless in this process against the loopback
server (in its own process).

A timed run starts just before the key is sent (`app.simulate_key`, which does not wait for the
screen) and ends at the moment the app shows the finished state: `generating_prompt` (and
`generating_variations`) back to False, with the whole answer in the Prompt pane (and every
variation complete). That moment is caught by a watcher on those attributes, not by polling.

The baseline consumes the same stream from the same server with the raw SDK
(`openai.AsyncOpenAI(...).chat.completions.create(..., stream=True)`), in the same process and
event loop, alternating with the app runs.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks import data
from benchmarks.context import Context
from benchmarks.harness import Moment, make_app, running, served
from benchmarks.paths import TEST_KEY
from benchmarks.results import Budget, Row

if TYPE_CHECKING:
    from artisan.tui.app import ArtisanApp

IDEA = "a lonely surfer at dusk"
TIMEOUT = 300.0


def seed_draft(home: Path, prompt: str) -> None:
    """A draft holding a finished prompt, so the app starts with something to vary."""
    from artisan.draft import Draft, PromptVersion, save_draft

    draft = Draft(idea=IDEA, target="dalle", versions=[PromptVersion(text=prompt)], current=0)
    save_draft(home / "data" / "draft.json", draft)


def messages() -> list[dict[str, str]]:
    """Messages like the ones artisan sends for IDEA (the answer does not depend on them)."""
    try:
        from artisan.targets import load_catalog

        target = load_catalog().get("dalle")
        return [
            {"role": "system", "content": target.system_message()},
            {"role": "user", "content": target.generate_message(IDEA)},
        ]
    except Exception:  # the core API changed: any similar request will do
        return [
            {"role": "system", "content": "You write prompts."},
            {"role": "user", "content": IDEA},
        ]


async def sdk_stream(url: str, expected: str) -> float:
    """The baseline: the raw SDK consuming one stream to its end."""
    from openai import AsyncOpenAI

    started = time.perf_counter()
    client = AsyncOpenAI(base_url=url, api_key=TEST_KEY, max_retries=0, timeout=60.0)
    request: dict[str, Any] = {
        "model": "gpt-5.4-mini",
        "messages": messages(),
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    stream: Any = await client.chat.completions.create(**request)
    parts: list[str] = []
    async for chunk in stream:
        for choice in chunk.choices:
            if choice.delta and choice.delta.content:
                parts.append(choice.delta.content)
    finished = time.perf_counter()
    await client.close()
    if "".join(parts) != expected:
        raise RuntimeError("the SDK baseline received a different answer")
    return finished - started


def prompt_shown(app: ArtisanApp) -> str:
    """The text the Prompt pane shows (its stream view, or its editor once handed over)."""
    return app.prompt_pane.shown_text


async def app_streams(ctx: Context, url: str, expected: str, *, variations: bool) -> float:
    """One app run: ctrl+j (and ctrl+n first when `variations`) until all is shown."""
    home = ctx.home()
    seed_draft(home, "A quiet harbour at dawn, fishing boats, soft mist, muted colours.")
    app = make_app(url, home)
    async with running(app) as pilot:
        await pilot.pause()

        def finished() -> bool:
            if app.generating_prompt or app.generating_variations:
                return False
            if prompt_shown(app) != expected:
                return False
            if not variations:
                return True
            # The variations belong to the seeded version they were written from.
            items = app.workshop.versions[0].variations
            return len(items) == 4 and all(
                item.state == "done" and item.text == expected.strip() for item in items
            )

        done = Moment(app, [(app, "generating_prompt"), (app, "generating_variations")], finished)
        started = time.perf_counter()
        if variations:
            app.simulate_key("ctrl+n")
        app.simulate_key("ctrl+j")
        ended = await done.wait(TIMEOUT)
    return ended - started


async def alternate(
    ctx: Context, label: str, runs: int, subject: Any, baseline: Any
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
    text = data.long_text(words, seed=1)
    with served(text, ctx.work, delay=0.0) as url:
        values, reference = asyncio.run(
            alternate(
                ctx,
                f"{words}-word stream",
                ctx.profile.runs,
                lambda: app_streams(ctx, url, text, variations=False),
                lambda: sdk_stream(url, text),
            )
        )
    return [
        Row(
            id="tui.stream",
            figure=f"TUI: {words:,}-word prompt at full speed, until fully shown",
            values=values,
            baseline=reference,
            baseline_label="raw SDK stream",
            budget=Budget("ratio", 1.15),
        )
    ]


def measure_stream_five(ctx: Context) -> list[Row]:
    profile = ctx.profile
    words = profile.multi_words
    text = data.long_text(words, seed=2)
    rate = 1 / profile.multi_delay
    with served(text, ctx.work, delay=profile.multi_delay) as url:
        values, reference = asyncio.run(
            alternate(
                ctx,
                "5 streams",
                profile.runs,
                lambda: app_streams(ctx, url, text, variations=True),
                lambda: app_streams(ctx, url, text, variations=False),
            )
        )
    return [
        Row(
            id="tui.stream_five",
            figure=f"TUI: prompt + 4 variations, {words} words each at {rate:.0f} chunks/s",
            values=values,
            baseline=reference,
            baseline_label="one stream alone",
            budget=Budget("ratio", 1.5),
        )
    ]
