"""The terminal's image protocol, asked in one round trip at launch, and textual-image told the
answers when a picture is first shown."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time

from artisan.tui.graphics import HALF_BLOCKS, KITTY, SIXEL, Graphics, read_answers

KITTY_OK = b"\x1b_Gi=31;OK\x1b\\"
KITTY_REFUSED = b"\x1b_Gi=31;EINVAL:unsupported\x1b\\"
CELL = b"\x1b[6;18;9t"
XTERM = b"\x1b[?62;22c"
SIXEL_TERMINAL = b"\x1b[?62;4;22c"


def test_a_terminal_that_answers_the_kitty_query_draws_with_kitty_graphics() -> None:
    assert read_answers(KITTY_OK + CELL + XTERM) == Graphics(KITTY, (9, 18))


def test_sixel_comes_first_when_a_terminal_speaks_both() -> None:
    assert read_answers(KITTY_OK + SIXEL_TERMINAL).protocol == SIXEL


def test_a_plain_xterm_gets_half_blocks() -> None:
    assert read_answers(CELL + XTERM) == Graphics(HALF_BLOCKS, (9, 18))
    assert read_answers(KITTY_REFUSED + XTERM).protocol == HALF_BLOCKS
    assert read_answers(b"").protocol == HALF_BLOCKS


def test_the_kernels_cell_size_is_preferred_to_the_answer() -> None:
    assert read_answers(CELL + XTERM, pixels=(10, 20)).cell == (10, 20)
    assert read_answers(XTERM).cell is None


PROBE = (
    "import termios, time\n"
    "from artisan.tui.graphics import GraphicsProbe\n"
    "started = time.monotonic()\n"
    "probe = GraphicsProbe()\n"
    "probe.start()\n"
    "found = probe.result()\n"
    "echo = bool(termios.tcgetattr(0)[3] & termios.ECHO)\n"
    "print('FOUND', found.protocol, found.cell, 'ECHO', echo,\n"
    "      'TOOK', round(time.monotonic() - started, 3), flush=True)\n"
)


def probe_in_a_terminal(answers: dict[bytes, bytes]) -> tuple[bytes, bytes]:
    """Run the probe in a child on a pty whose terminal answers each query (a regex) with its
    bytes; returns what the child asked and what it printed."""
    leader, follower = os.openpty()
    environment = {k: v for k, v in os.environ.items() if k not in ("TMUX", "STY")}
    process = subprocess.Popen(
        [sys.executable, "-c", PROBE],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env={**environment, "TERM": "xterm-256color"},
    )
    os.close(follower)
    output = b""
    answered: set[bytes] = set()
    deadline = time.monotonic() + 30
    try:
        while b"TOOK" not in output or not output.endswith(b"\n"):
            assert time.monotonic() < deadline, f"the probe did not finish: {output!r}"
            ready, _, _ = select.select([leader], [], [], 1)
            if not ready:
                continue
            try:
                output += os.read(leader, 65536)
            except OSError:
                break
            for query, answer in answers.items():
                if query not in answered and re.search(query, output):
                    answered.add(query)
                    os.write(leader, answer)
    finally:
        os.close(leader)
        process.wait(timeout=30)
    asked, _, printed = output.partition(b"FOUND")
    return asked, printed


def test_the_probe_asks_once_and_reads_a_kitty_terminals_answers() -> None:
    asked, printed = probe_in_a_terminal({re.escape(b"\x1b[c"): KITTY_OK + CELL + b"\x1b[?62;c"})
    assert asked.count(b"\x1b_G") == 1 and asked.count(b"\x1b[c") == 1
    assert b"TGPImage" in printed
    # The pty has no pixel size, so the cell size is the terminal's answer.
    assert b"(9, 18)" in printed
    # The terminal is given back as it was: what the person types is echoed again.
    assert b"ECHO True" in printed


def test_a_terminal_that_never_answers_is_waited_for_half_a_second_at_most() -> None:
    _, printed = probe_in_a_terminal({})
    assert b"HalfcellImage" in printed and b"ECHO True" in printed
    took = float(re.search(rb"TOOK ([\d.]+)", printed).group(1))  # type: ignore[union-attr]
    assert took < 5  # ANSWER_WAIT, with room for a loaded machine


def test_textual_image_draws_with_the_cell_size_the_terminal_told() -> None:
    code = (
        "from artisan.tui.graphics import Graphics, image_widget_class\n"
        "from textual_image._terminal import get_cell_size\n"
        "image_widget_class(Graphics('TGPImage', (9, 18)))\n"
        "print(tuple(get_cell_size()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "(9, 18)"
