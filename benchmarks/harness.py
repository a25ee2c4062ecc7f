"""Driving the real app in this process, and the loopback server it talks to.

The app runs with a driver that takes every frame Textual paints (`Frames`): each frame is
rendered to the bytes a terminal would get, exactly as on a real terminal, and the moment it is
written is recorded, so a figure can end on the first frame that shows something. (A headless
app skips that last step of painting.)

The server runs in a process of its own (`apps/fake_server.py`), as a real server would: in this
process its threads would take the interpreter lock from the app being measured, and from the
baseline.
"""

from __future__ import annotations

import asyncio
import bisect
import os
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.paths import PYTHON, ROOT, TEST_KEY, child_env

if TYPE_CHECKING:
    from textual.dom import DOMNode
    from textual.driver import Driver
    from textual.pilot import Pilot

    from artisan.tui.app import ArtisanApp

SIZE = (120, 40)


@contextmanager
def served(text: str, work: Path, *, delay: float = 0.0, chunk_words: int = 1) -> Iterator[str]:
    """A loopback OpenAI server in its own process answering every chat request with `text`;
    yields its base URL."""
    text_file = work / f"answer-{time.monotonic_ns()}.txt"
    text_file.write_text(text, encoding="utf-8")
    process = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "benchmarks.apps.fake_server",
            str(text_file),
            "--delay",
            str(delay),
            "--chunk-words",
            str(chunk_words),
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        if not url.startswith("http"):
            raise RuntimeError(f"the fake server did not start: {url!r}")
        yield url
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def make_app(url: str | None, home: Path, **settings: Any) -> ArtisanApp:
    """The app as `artisan` builds it, with the loopback server and the folders of `home`
    (see `Context.home`), found through ARTISAN_CONFIG_DIR and ARTISAN_DATA_DIR."""
    from artisan.config import Settings
    from artisan.tui.app import ArtisanApp

    os.environ.update(child_env(home))
    options: dict[str, Any] = {"timeout": 60.0, "max_retries": 0, "variations": 4}
    if url is not None:
        options.update(base_url=url, api_key=TEST_KEY)
    options.update(settings)
    return ArtisanApp(Settings(**options))


class Frames:
    """What the app painted: when each frame was written, and when a text was first in one."""

    def __init__(self) -> None:
        self.written: list[float] = []
        """perf_counter of every write (a frame, or the start or end of one)."""
        self._looked_for: dict[str, asyncio.Future[float]] = {}

    def painted(self, text: str) -> asyncio.Future[float]:
        """The moment (perf_counter) a frame holding `text` is written, from now on."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._looked_for[text] = future
        return future

    def first_after(self, moment: float) -> float | None:
        """When the first write after `moment` happened, if one did."""
        index = bisect.bisect_right(self.written, moment)
        return self.written[index] if index < len(self.written) else None

    def write(self, data: str) -> None:
        now = time.perf_counter()
        self.written.append(now)
        for text, future in list(self._looked_for.items()):
            if text in data and not future.done():
                future.set_result(now)
                del self._looked_for[text]


def painting_driver(frames: Frames) -> type[Driver]:
    """A driver class for `App.run_test(headless=False)` that paints into `frames`.

    Textual renders each frame to terminal bytes only when its driver is not headless; this
    one says it is not, and keeps what would go to the terminal as `frames`.
    """
    from textual.drivers.headless_driver import HeadlessDriver

    class PaintingDriver(HeadlessDriver):
        @property
        def is_headless(self) -> bool:
            return False

        def write(self, data: str) -> None:
            frames.write(data)

    return PaintingDriver


@asynccontextmanager
async def running(app: ArtisanApp, frames: Frames | None = None) -> AsyncIterator[Pilot[None]]:
    """The app running at 120x40: headless, or painting every frame into `frames`."""
    if frames is not None:
        app.driver_class = painting_driver(frames)
    try:
        async with app.run_test(size=SIZE, headless=frames is None) as pilot:
            await pilot.pause()
            yield pilot
    finally:
        # The app leaves its HTTP client to the garbage collector; close it while the event
        # loop still runs, so that nothing complains after the loop is gone.
        await app.workshop.aclose()


class Moment:
    """The first moment a condition on reactive attributes holds.

    Checked right after each change of the watched attributes, once the code that made the
    change has finished its synchronous part (`call_soon`), so the time stamp is not delayed by
    polling.
    """

    def __init__(
        self,
        app: ArtisanApp,
        watched: list[tuple[DOMNode, str]],
        condition: Callable[[], bool],
    ) -> None:
        self.condition = condition
        self.at: float | None = None
        self._event = asyncio.Event()
        loop = asyncio.get_running_loop()

        def changed() -> None:
            loop.call_soon(self._check)

        for node, attribute in watched:
            app.watch(node, attribute, changed, init=False)

    def _check(self) -> None:
        if self.at is None and self.condition():
            self.at = time.perf_counter()
            self._event.set()

    async def wait(self, timeout: float) -> float:
        """The time stamp (perf_counter) of the moment; waits up to `timeout` seconds."""
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except TimeoutError:
            raise TimeoutError(f"condition not met within {timeout:.0f}s") from None
        assert self.at is not None
        return self.at


async def wait_for(condition: Callable[[], bool], timeout: float, step: float = 0.01) -> None:
    """Poll `condition` (for set-up steps only, never for timed ones)."""
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(step)
