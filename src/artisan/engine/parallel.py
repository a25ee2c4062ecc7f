"""Variations, as many at once as the server can take.

OpenAI and most servers answer many requests at once. Two local servers with one slot do not,
each in its own way:

- llama.cpp's own server (llama-server) has `--parallel` slots (one unless started with more)
  and queues the requests beyond them, sending the waiting ones nothing at all, not even their
  headers, so their wait for the first bytes runs out. It says how many slots it has at
  `GET /props` (`total_slots`): variations then run as many at once as that, in turn with one
  slot, each request sent when its turn comes, so its timeout starts only then.
- llama-cpp-python's server has one slot and, when a new request arrives, ends the running
  answer with `[DONE]` and no finish reason: of four variations sent together, three come back
  cut short. It has no `/props`; when answers are cut as soon as a sibling starts, those are
  written again one at a time and the server is remembered as a one-slot server, so the next
  batch runs in turn from the start.

The `variations_parallel` setting, when a number, decides instead of either.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from artisan.connection import ApiError, server_name
from artisan.engine.answer import Completion
from artisan.state import State

if TYPE_CHECKING:
    from artisan.config import Settings
    from artisan.connection import ServerMemory
    from artisan.discovery import ServerProps

ResultCallback = Callable[[int, "Completion | ApiError"], None]


@dataclass
class Attempt:
    """One answer with what the engine saw of it, to tell how the server behaved."""

    result: Completion | ApiError
    started: float
    ended: float
    ended_by_server: bool = False
    """The server closed the answer with `[DONE]` before finishing it: what a one-slot server
    does to the running answer when another request arrives."""


_Run = Callable[[int], Awaitable[Attempt]]
_Finished = Callable[[int, "Completion | ApiError"], None]


def parallel_setting(value: str) -> int | None:
    """The `variations_parallel` setting as a number, or None for `auto`."""
    return int(value) if value.isdigit() and int(value) > 0 else None


async def run_variations(
    one: _Run,
    count: int,
    settings: Settings,
    memory: ServerMemory,
    *,
    props: ServerProps | None = None,
    notice: Callable[[str], None],
    restart: Callable[[int], None],
    on_done: ResultCallback | None,
) -> list[Completion | ApiError]:
    """Write `count` variations, each by `one(index)` (see `Engine.variations`).

    Args:
        one: Writes variation `index` and says how the server behaved.
        count: How many.
        settings: The `variations_parallel` setting and the server.
        memory: What is known of servers (one slot or many), read and written.
        props: What the server said of itself (its slots), when it did.
        notice: Told, in words, what was decided about running in turn.
        restart: Told that a variation starts again from nothing.
        on_done: Told each variation's final result as soon as it is known.
    """
    results: list[Completion | ApiError | None] = [None] * count

    def finished(index: int, result: Completion | ApiError) -> None:
        results[index] = result
        if on_done is not None:
            on_done(index, result)

    parallel = parallel_setting(settings.variations_parallel)
    if parallel is None and props is not None:
        if props.slots == 1 and count > 1:
            notice(
                f"{server_name(settings)} has one slot, so variations are written in turn "
                "(start llama-server with `--parallel 4` to write four at once)."
            )
        await _limited(one, range(count), props.slots, finished)
        return _all(results)
    learnt = memory.parallel(settings) if parallel is None else None
    if parallel is None and learnt is not None:
        parallel = learnt
        if learnt == 1 and count > 1:
            notice(
                f"{server_name(settings)} runs one request at a time, so variations run in "
                "turn (the `variations_parallel` setting changes this)."
            )
    if parallel is not None:
        await _limited(one, range(count), parallel, finished)
        return _all(results)

    attempts = await _together(one, range(count), finished)
    cut = _cut_by_siblings(attempts)
    for index, attempt in attempts.items():
        if attempt.ended_by_server and index not in cut:
            finished(index, attempt.result)
    if cut:
        memory.remember_parallel(settings, 1)
        notice(
            f"{server_name(settings)} runs one request at a time; variations now run in turn "
            "(remembered for this server; the `variations_parallel` setting changes it)."
        )
        for index in cut:
            restart(index)
            finished(index, (await one(index)).result)
    return _all(results)


async def _limited(one: _Run, indices: range, limit: int, finished: _Finished) -> None:
    """Run at most `limit` at once, in order."""
    gate = asyncio.Semaphore(limit)

    async def gated(index: int) -> None:
        async with gate:
            finished(index, (await one(index)).result)

    await asyncio.gather(*(gated(index) for index in indices))


async def _together(one: _Run, indices: range, finished: _Finished) -> dict[int, Attempt]:
    """Run all at once; report each as it ends, except those the server ended unfinished,
    which are kept for a second look."""
    attempts: dict[int, Attempt] = {}

    async def run(index: int) -> None:
        attempt = await one(index)
        attempts[index] = attempt
        if not attempt.ended_by_server:
            finished(index, attempt.result)

    await asyncio.gather(*(run(index) for index in indices))
    return attempts


def _cut_by_siblings(attempts: dict[int, Attempt]) -> list[int]:
    """The variations a sibling cut short: each ended by the server without finishing while a
    sibling was under way, when another variation ran to its end.

    Any overlap counts, not only a sibling that started later: the requests leave together, and
    the order in which they reach the server (which decides whose arrival ends whose answer) is
    not the order in which they left.
    """
    if not any(
        isinstance(a.result, Completion) and a.result.finish is not State.INTERRUPTED
        for a in attempts.values()
    ):
        return []  # nothing ran to its end: a broken server, not a busy one
    cut = []
    for index, attempt in attempts.items():
        if not attempt.ended_by_server:
            continue
        if any(
            other is not attempt
            and other.started <= attempt.ended
            and attempt.started <= other.ended
            for other in attempts.values()
        ):
            cut.append(index)
    return sorted(cut)


def _all(results: list[Completion | ApiError | None]) -> list[Completion | ApiError]:
    done = [result for result in results if result is not None]
    assert len(done) == len(results), "every variation has a result"
    return done
