"""The stream view: text appended piece by piece shows the lines of wrapping it all at once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from textual.app import App, ComposeResult

from artisan.tui.widgets.stream_view import StreamView, wrap
from tui_helpers import wait_until

pieces = st.lists(
    st.sampled_from(["a", "bb", "ccc", "longerword", "🌅", "日本語", "x" * 25, " ", "  ", "\n"]),
    max_size=60,
)
HEIGHT = 5
"""Rows of the view on screen."""


class OneView(App[None]):
    """Nothing but a stream view."""

    def compose(self) -> ComposeResult:
        yield StreamView(id="view")


def appended(width: int, text: str, cuts: list[int]) -> tuple[list[str], list[str]]:
    """Append `text` to a view `width` cells wide, cut into pieces at `cuts`; returns the
    view's wrapped lines and the rows it shows on screen."""

    async def run() -> tuple[list[str], list[str]]:
        # The view's padding (one cell each side) and its scrollbar gutter take 3 columns.
        async with OneView().run_test(size=(width + 3, HEIGHT)) as pilot:
            view = pilot.app.query_one(StreamView)
            assert view.scrollable_content_region.width == width
            start = 0
            for end in [*sorted(set(cuts)), len(text)]:
                view.append(text[start:end])
                start = max(start, end)
            # The view scrolls to its end once the screen is refreshed: wait for it (a view
            # that stopped following the text never gets there, and fails here).
            await wait_until(
                pilot, lambda: view.scroll_offset.y >= view.max_scroll_y, "the end in view", 10
            )
            lines = [view.render_line(row).text for row in range(view.size.height)]
            return [*view._lines, view._tail], lines

    return asyncio.run(run())


def check_appending(words: list[str], width: int, cuts: list[int] | None) -> None:
    text = "".join(words)
    if cuts is None:  # one piece per word or run of spaces, as a model streams them
        ends = [len("".join(words[: index + 1])) for index in range(len(words))]
    else:
        ends = [c for c in cuts if c <= len(text)]
    whole = wrap(text, width)
    lines, shown = appended(width, text, ends)
    assert lines == whole
    # The view follows the end: the last lines of the text are the ones on screen.
    expected = whole[-len(shown) :] if len(whole) >= len(shown) else whole
    assert [row.rstrip(" ") for row in shown[: len(expected)]] == [
        line.rstrip(" ") for line in expected
    ]


def appending(examples: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    def decorate(test: Callable[..., None]) -> Callable[..., None]:
        test = given(
            words=pieces,
            width=st.integers(2, 40),
            cuts=st.none() | st.lists(st.integers(0, 400), max_size=30),
        )(test)
        # Spaces that overflow a full line, then more spaces in the next piece: they belong
        # to the line they follow. A wide character where a line ends.
        test = example(words=["a", "  ", " "], width=2, cuts=None)(test)
        test = example(words=["bb", " ", "  ", "a"], width=3, cuts=None)(test)
        test = example(words=["a", "日本語"], width=4, cuts=[1, 2])(test)
        return settings(max_examples=examples, deadline=None)(test)

    return decorate


@appending(30)
def test_appending_shows_what_wrapping_at_once_gives(
    words: list[str], width: int, cuts: list[int] | None
) -> None:
    check_appending(words, width, cuts)


@pytest.mark.slow
@appending(100)
def test_appending_shows_what_wrapping_at_once_gives_many(
    words: list[str], width: int, cuts: list[int] | None
) -> None:
    check_appending(words, width, cuts)


@settings(max_examples=200, deadline=None)
@given(words=pieces, width=st.integers(2, 40))
def test_lines_fit_and_keep_every_character(words: list[str], width: int) -> None:
    text = "".join(words)
    lines = wrap(text, width)
    for line in lines:
        assert cell_len(line.rstrip(" ")) <= width or len(line.rstrip(" ")) == 1
    assert "".join(lines).replace(" ", "") == text.replace("\n", "").replace(" ", "")
