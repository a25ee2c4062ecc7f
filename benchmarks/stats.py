"""Summaries of repeated measurements: median, quartiles, spread and percentiles."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], q: float) -> float:
    """The `q`-th percentile (0-100), interpolating linearly between the sorted values."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = math.ceil(position)
    if low == high:
        return ordered[low]
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Summary:
    """What a table row shows of a list of measurements."""

    n: int
    median: float
    minimum: float
    maximum: float
    q1: float
    q3: float
    p95: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary:
        return cls(
            n=len(values),
            median=percentile(values, 50),
            minimum=min(values),
            maximum=max(values),
            q1=percentile(values, 25),
            q3=percentile(values, 75),
            p95=percentile(values, 95),
        )

    def stat(self, name: str) -> float:
        """`median`, `p95`, `minimum`, ... by name."""
        return float(getattr(self, name))


def paired_ratios(subject: Sequence[float], baseline: Sequence[float]) -> list[float]:
    """Run i of the subject over run i of its baseline (the two ran side by side)."""
    if len(subject) != len(baseline):
        raise ValueError("subject and baseline need the same number of runs")
    return [s / b for s, b in zip(subject, baseline, strict=True)]


def paired_differences(subject: Sequence[float], baseline: Sequence[float]) -> list[float]:
    if len(subject) != len(baseline):
        raise ValueError("subject and baseline need the same number of runs")
    return [s - b for s, b in zip(subject, baseline, strict=True)]


def growth_exponent(sizes: Sequence[int], times: Sequence[float], floor: float) -> float | None:
    """The worst log-log slope between consecutive sizes: 1.0 is linear, 2.0 quadratic.

    Pairs whose smaller time is under `floor` seconds are skipped: there, fixed costs and timer
    noise decide the slope, not the algorithm.
    """
    worst: float | None = None
    for (n1, t1), (n2, t2) in zip(
        zip(sizes, times, strict=True), list(zip(sizes, times, strict=True))[1:], strict=False
    ):
        if t1 < floor or n2 <= n1 or t1 <= 0:
            continue
        slope = math.log(t2 / t1) / math.log(n2 / n1)
        worst = slope if worst is None else max(worst, slope)
    return worst
