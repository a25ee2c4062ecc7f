"""Every budget, in one table: the limit, the noise of the figure on the reference machine, and
the gaps known today (each explained with a profile in benchmarks/README.md).

Noise: each gated figure's spread over 5 quick runs on the reference machine (2 cores shared
with other work), as (max - min) / median, measured with `python -m benchmarks --quick
--noise 5`; never less than NOISE_FLOOR, since the level of a figure moves more between
sessions of a shared machine than within one (by up to 20% for the streaming ratios). A quick
run (CI) fails when a ratio is beyond its budget, or the level of its known gap, by more than
that. Absolute times are reported against their budgets, never failed on: they say more about
the machine than about artisan.

Measured on 2026-11-27, 2 cores, Python 3.11 (spreads of the 5 quick runs in the comments);
the first paint and `library list` again on 2026-12-08.
"""

from __future__ import annotations

from benchmarks.results import MIB, Budget, Gap

NOISE_FLOOR = 0.10


def noise(spread: float) -> float:
    return max(spread, NOISE_FLOOR)


# Launch, in a real terminal ---------------------------------------------------------------

FIRST_PAINT = Budget(
    "ratio",
    1.3,
    # 1.52x 1.33x 1.10x 1.30x 1.38x in 5 quick runs on 2026-12-08, after the probe was taken
    # off the launch and the Library pane put in the first frame (1.56x-1.59x before): a
    # spread of 32%, all of it below the median but the first run, so the gap's level is the
    # highest run and the floor's 10% is left above it.
    noise=NOISE_FLOOR,
    gap=Gap(1.52, "imports, styles and four panes against one Static"),
)
"""artisan (empty library) to its first frame with every pane drawn, over a minimal Textual
app (one Static and a key bar) to its first frame."""
FIRST_PAINT_LIBRARY = Budget(
    "ratio",
    1.1,
    noise=noise(0.110),  # 1.04x 1.12x 1.15x 1.15x 1.16x
    gap=Gap(1.16, "the library is read in a thread started before the Library pane is filled"),
)
"""The same with 10,000 saved prompts (warm cache), over the empty library."""
SEARCHABLE = Budget("at_most", 1.0)
"""Launch until a word typed at once into the search box is found among 10,000 prompts."""
MEMORY = Budget("delta", 60 * MIB)

# Commands -----------------------------------------------------------------------------------

LIBRARY_LIST = Budget(
    "ratio",
    1.5,
    # 2.38x 2.37x 2.22x 2.32x 2.41x on 2026-11-27 against a floor reading cache format 3;
    # 2.63x 2.66x 2.48x 2.63x 2.58x on 2026-12-08 against the floor reading format 4.
    noise=noise(0.077),
    gap=Gap(2.66, "imports, an entry object per cached row, ages and column fitting per line"),
)
"""`artisan library list` (10,000 prompts, warm) over a script that reads the cache, stats
every entry file and prints one line each."""
PROMPT = Budget("ratio", 1.2, noise=noise(0.062))  # 1.05x 0.99x 0.99x 1.04x 1.03x
"""`artisan prompt IDEA` over a script sending the same request with the raw openai SDK."""

# The app, in this process ---------------------------------------------------------------------

STREAM = Budget(
    "ratio",
    1.15,
    # 2.03x 2.10x 1.96x 2.02x 1.99x in one session; 1.80x to 2.58x over ten quick runs in
    # another, with other work on both cores: the level moves between sessions.
    noise=noise(0.25),
    gap=Gap(2.10, "painting while the answer arrives, on the thread that reads it"),
)
"""A 5,000-word answer at full speed, key to the painted frame showing its end, over the
engine reading the same stream."""
STREAM_FIVE = Budget(
    "ratio",
    1.3,
    # 1.33x 1.37x 1.60x 1.49x 1.46x in one session, 1.99x in another: both sides vary (five
    # streams from one server process on two cores), the baseline more.
    noise=noise(0.184),
    gap=Gap(1.99, "painting while the answers arrive, on the thread that reads them"),
)
"""Prompt and 4 variations at full speed over the engine reading the 5 streams at once."""
KEYS_WHILE_STREAMING = Budget("at_most", 0.050, stat="p95")
SEARCH_KEYSTROKE = Budget("at_most", 0.016, stat="p95")
COMPLETION_KEYSTROKE = Budget(
    "at_most",
    0.016,
    stat="p95",
    # p95 5.7 6.1 11.3 10.8 10.7 ms in 5 quick runs on 2026-12-07 (other work on the cores).
    noise=noise(0.523),
)
"""A key typed into the Idea pane with completions on, 10,000 prompts: within one frame.
Absolute, so reported against its budget and not failed on (see the module docstring)."""
SAVE = Budget("at_most", 0.010)
GROWTH = Budget("growth", 1.15)
