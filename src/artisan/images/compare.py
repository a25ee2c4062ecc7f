"""The same prompt compared: one render for each combination of the values asked for.

`artisan image PROMPT --compare model=gpt-image-2,gpt-image-2.5-flare --compare quality=low,high`
renders the prompt four times, once per cell of the grid the two axes make. Each cell is an
ordinary render of a batch (`images.batch`): it reserves its spending before it is sent and
settles it after, under the record's lock, as any render does; the whole grid's estimate is
known (and checked against the monthly limit) before the first request goes out.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from artisan.errors import UsageError

AXES = ("model", "quality", "size", "provider")
"""What a comparison may vary: the request's own words (`provider` is `image.provider`)."""
MAX_CELLS = 16
"""The most renders one comparison asks for: a larger grid is more likely a typo than a plan,
and each cell is paid for."""


@dataclass(frozen=True)
class Axis:
    """One thing compared and its values, in the order given."""

    name: str
    values: tuple[str, ...]


Cell = tuple[tuple[str, str], ...]
"""One combination: (axis, value) pairs, in the order the axes were given."""


def read_axis(text: str) -> Axis:
    """An axis as typed: `quality=low,high`.

    Raises:
        UsageError: not NAME=V1,V2..., a name that cannot be compared, fewer than two values,
            or a value given twice.
    """
    name, sep, listed = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise UsageError(f"--compare {text!r}: write it as NAME=VALUE,VALUE (quality=low,high).")
    if name not in AXES:
        raise UsageError(f"--compare cannot vary {name!r}: it varies {', '.join(AXES)}.")
    values = tuple(value.strip() for value in listed.split(",") if value.strip())
    if len(values) < 2:
        raise UsageError(f"--compare {name}= needs two values or more, separated by commas.")
    if len(set(values)) != len(values):
        raise UsageError(f"--compare {name}= names a value twice.")
    return Axis(name, values)


def grid(axes: list[Axis]) -> list[Cell]:
    """Every combination of the axes' values, the first axis changing slowest.

    Raises:
        UsageError: an axis given twice, or more cells than `MAX_CELLS`.
    """
    names = [axis.name for axis in axes]
    if len(set(names)) != len(names):
        raise UsageError("--compare names the same setting twice; list its values in one.")
    count = 1
    for axis in axes:
        count *= len(axis.values)
    if count > MAX_CELLS:
        raise UsageError(
            f"That comparison is {count} renders; at most {MAX_CELLS} are compared at once."
        )
    return [
        tuple(zip(names, values, strict=True))
        for values in itertools.product(*(axis.values for axis in axes))
    ]


def label(cell: Cell) -> str:
    """What tells a cell from the others: "model=gpt-image-2 · quality=low"."""
    return " · ".join(f"{name}={value}" for name, value in cell)


def short_label(cell: Cell) -> str:
    """The same in its values alone, for a tile or a table's cell: "gpt-image-2 · low"."""
    return " · ".join(value for _, value in cell)
