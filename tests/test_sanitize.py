"""Model text written to a terminal cannot act on it."""

from __future__ import annotations

import pytest

from artisan.sanitize import StreamSanitizer, for_terminal

HOSTILE = [
    ("\x1b[31mred\x1b[0m", "red"),
    ("title\x1b]0;pwned\x07!", "title!"),
    ("clip\x1b]52;c;SGVsbG8=\x1b\\board", "clipboard"),
    ("\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\", "link"),
    ("bell\x07 nul\x00 del\x7f", "bell nul del"),
    ("over\rwrite", "overwrite"),
    ("keep\nlines\tand tabs", "keep\nlines\tand tabs"),
    ("crlf\r\nline", "crlf\nline"),
    ("c1 \x9b31m csi", "c1  csi"),
    ("cursor\x1b[2J\x1b[H home", "cursor home"),
    ("[bold]markup[/] stays", "[bold]markup[/] stays"),
    ("emoji 🌅 and عربى and e\u0301", "emoji 🌅 and عربى and e\u0301"),
]


@pytest.mark.parametrize(("raw", "clean"), HOSTILE)
def test_for_terminal(raw: str, clean: str) -> None:
    assert for_terminal(raw) == clean


@pytest.mark.parametrize(("raw", "clean"), HOSTILE)
def test_sequences_split_across_pieces(raw: str, clean: str) -> None:
    """However the stream splits the text, the result is the same as cleaning it whole."""
    for cut in range(len(raw) + 1):
        sanitizer = StreamSanitizer()
        out = sanitizer.feed(raw[:cut]) + sanitizer.feed(raw[cut:]) + sanitizer.flush()
        assert out == clean, cut


def test_one_character_at_a_time() -> None:
    raw = "".join(r for r, _ in HOSTILE)
    sanitizer = StreamSanitizer()
    out = "".join(sanitizer.feed(ch) for ch in raw) + sanitizer.flush()
    assert out == for_terminal(raw)
    assert "\x1b" not in out


def test_visible_shows_control_characters_and_round_trips() -> None:
    from artisan.sanitize import from_visible, visible

    raw = "a\x1b[31mred\x07\r\nline\ttab\x7f"
    shown = visible(raw)
    assert shown == "a␛[31mred␇␍\nline\ttab␡"
    assert from_visible(shown) == raw
