"""The stream view's wrapping: appending piece by piece gives the lines of wrapping at once."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from artisan.tui.widgets.stream_view import wrap

pieces = st.lists(
    st.sampled_from(["a", "bb", "ccc", "longerword", "🌅", "日本語", "x" * 25, " ", "  ", "\n"]),
    max_size=60,
)


def wrap_in_pieces(text: str, width: int, cuts: list[int]) -> list[str]:
    """What the view does: keep the finished lines, re-wrap only the last with each piece."""
    lines: list[str] = []
    tail = ""
    start = 0
    for end in [*sorted(set(cuts)), len(text)]:
        piece = text[start:end]
        if not piece:
            continue
        broke_here = bool(lines) and not tail and not text[:start].endswith("\n")
        if broke_here and piece[0] == " ":
            spaces = len(piece) - len(piece.lstrip(" "))
            lines[-1] += piece[:spaces]
            piece = piece[spaces:]
        start = end
        if not piece:
            continue
        wrapped = wrap(tail + piece, width)
        lines.extend(wrapped[:-1])
        tail = wrapped[-1]
    return [*lines, tail]


@settings(max_examples=400, deadline=None)
@given(words=pieces, width=st.integers(2, 40), cuts=st.lists(st.integers(0, 400), max_size=30))
def test_appending_matches_wrapping_whole(words: list[str], width: int, cuts: list[int]) -> None:
    text = "".join(words)
    assert wrap_in_pieces(text, width, [c for c in cuts if c <= len(text)]) == wrap(text, width)


@settings(max_examples=200, deadline=None)
@given(words=pieces, width=st.integers(2, 40))
def test_lines_fit_and_keep_every_character(words: list[str], width: int) -> None:
    text = "".join(words)
    lines = wrap(text, width)
    for line in lines:
        assert cell_len(line.rstrip(" ")) <= width or len(line.rstrip(" ")) == 1
    assert "".join(lines).replace(" ", "") == text.replace("\n", "").replace(" ", "")
