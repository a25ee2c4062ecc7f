"""Driving the real app in this process (headless), and the loopback server it talks to.

The server runs in a process of its own (`apps/fake_server.py`), as a real server would: in this
process its threads would take the interpreter lock from the app being measured, and from the
baseline.
"""

from __future__ import annotations

import asyncio
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


@asynccontextmanager
async def running(app: ArtisanApp) -> AsyncIterator[Pilot[None]]:
    """The app running headless at 120x40."""
    try:
        async with app.run_test(size=SIZE) as pilot:
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
