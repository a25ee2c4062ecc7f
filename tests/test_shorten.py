"""One way to cut text to a length, used everywhere (titles, notices, lists, quotes)."""

from __future__ import annotations

from typing import Any

import pytest
from rich.cells import cell_len

from artisan.shorten import shorten


@pytest.mark.parametrize(
    ("text", "limit", "options", "expected"),
    [
        ("a beach sunset", 20, {}, "a beach sunset"),
        ("a beach   sunset\nat dusk", 30, {}, "a beach sunset at dusk"),
        ("a beach sunset at dusk", 10, {}, "a beach s…"),
        ("a beach sunset at dusk", 10, {"at_word": True}, "a beach…"),
        ("harbour at dawn, number 12", 16, {"middle": True}, "harbour a…ber 12"),
        ("line one\nline two", 30, {"one_line": False}, "line one\nline two"),
        ("abc", 0, {}, ""),
    ],
)
def test_shorten(text: str, limit: int, options: dict[str, Any], expected: str) -> None:
    assert shorten(text, limit, **options) == expected
    assert len(shorten(text, limit, **options)) <= max(limit, 0)


def test_cells_are_counted_when_asked() -> None:
    """Wide characters take two cells: a cut by cells never passes the width."""
    cut = shorten("猫が海辺で夕日を見ている", 9, measure=cell_len)
    assert cell_len(cut) <= 9 and cut.endswith("…")
