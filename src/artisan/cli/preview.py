"""A picture drawn with half-block characters, for `artisan image --preview` on a terminal.

Each character cell shows two pixels, one above the other ("▀" with the top pixel's colour as
its foreground and the bottom one's as its background), in 24-bit colour, which every current
terminal, tmux and SSH pass through. Small: a preview is a glance at what is being drawn, not the
picture itself (that is saved, and its path printed).
"""

from __future__ import annotations

import io
import shutil

PREVIEW_COLUMNS = 48
"""Widest a preview is drawn, in columns."""


def half_blocks(data: bytes, columns: int | None = None) -> str:
    """The picture as lines of coloured half blocks, ending in a newline; "" when it cannot
    be read."""
    from PIL import Image, UnidentifiedImageError

    width = columns or min(PREVIEW_COLUMNS, shutil.get_terminal_size((80, 24)).columns - 2)
    try:
        with Image.open(io.BytesIO(data)) as picture:
            picture.draft("RGB", (width * 4, width * 4))
            rgb = picture.convert("RGB")
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        return ""
    height = max(2, round(rgb.height * width / max(1, rgb.width)))
    height += height % 2
    small = rgb.resize((max(1, width), height))
    raw = small.tobytes()
    lines = []
    for y in range(0, height, 2):
        cells = []
        for x in range(small.width):
            at = 3 * (y * small.width + x)
            below = at + 3 * small.width
            top, bottom = raw[at : at + 3], raw[below : below + 3]
            cells.append(
                f"\x1b[38;2;{top[0]};{top[1]};{top[2]}m\x1b[48;2;{bottom[0]};{bottom[1]};{bottom[2]}m▀"
            )
        lines.append("".join(cells) + "\x1b[0m")
    return "\n".join(lines) + "\n"
