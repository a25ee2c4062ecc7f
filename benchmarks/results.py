"""Rows of the results table: values, baseline, budget, verdict; printed and saved as JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from benchmarks.stats import Summary, paired_differences, paired_ratios

Unit = Literal["s", "bytes", "exponent"]
BudgetKind = Literal["ratio", "at_most", "delta", "growth"]
MIB = 1024 * 1024


@dataclass(frozen=True)
class Gap:
    """A budget the program does not meet yet, the level it is at, and why.

    benchmarks/README.md explains each gap with a profile. A quick run fails only when the
    figure goes beyond `level` (and its noise): a gap is known, a regression is not.
    """

    level: float
    """The figure's median over 5 quick runs on the reference machine."""
    why: str


@dataclass(frozen=True)
class Budget:
    """The limit a figure must stay within.

    - `ratio`: the median of the per-run ratios subject/baseline (runs alternate, so noise
      hits both) is at most `limit`;
    - `at_most`: the statistic `stat` (median or p95) of the values is at most `limit`;
    - `delta`: the median of the per-run differences subject - baseline is at most `limit`;
    - `growth`: the worst log-log slope of a size curve is at most `limit` (1 = linear).
    """

    kind: BudgetKind
    limit: float
    stat: str = "median"
    noise: float = 0.0
    """How far apart this figure falls in repeated quick runs on the reference machine (a
    2-core machine shared with other work): (max - min) / median of 5 runs."""
    gap: Gap | None = None

    def text(self, unit: Unit) -> str:
        if self.kind == "ratio":
            return f"<= {self.limit:g}x"
        if self.kind == "delta":
            return f"<= +{format_value(self.limit, unit)}"
        if self.kind == "growth":
            return f"slope <= {self.limit:g}"
        prefix = "p95 " if self.stat == "p95" else ""
        return f"{prefix}<= {format_value(self.limit, unit)}"

    @property
    def gated(self) -> bool:
        """Whether a quick run fails on it: ratios only (an absolute time depends on the
        machine; a ratio to a baseline taken in the same run does not)."""
        return self.kind == "ratio"

    def gate(self) -> float:
        """The most a quick run may measure: the budget (or the level of a known gap), plus
        the noise."""
        level = max(self.limit, self.gap.level) if self.gap is not None else self.limit
        return level * (1 + self.noise)


@dataclass
class Row:
    """One figure of the table."""

    id: str
    figure: str
    unit: Unit = "s"
    cache: str = "-"
    """`warm` (the library's .index.json is valid), `cold` (deleted first) or `-`."""
    values: list[float] = field(default_factory=list)
    baseline: list[float] | None = None
    baseline_label: str = ""
    budget: Budget | None = None
    note: str = ""
    error: str | None = None
    judged: float | None = None
    """The budgeted number when it is not computed from `values` (size curves)."""
    not_applicable: str | None = None
    """Why the figure could not be judged although it was measured (shown as `n/a`)."""

    def summary(self) -> Summary | None:
        return Summary.of(self.values) if self.values else None

    def baseline_summary(self) -> Summary | None:
        return Summary.of(self.baseline) if self.baseline else None

    def ratios(self) -> list[float] | None:
        if not self.values or not self.baseline or len(self.values) != len(self.baseline):
            return None
        return paired_ratios(self.values, self.baseline)

    def measured(self) -> float | None:
        """The number compared with the budget (or the ratio, for a report with a baseline)."""
        if self.error or (not self.values and self.judged is None):
            return None
        budget = self.budget
        if budget is None:
            ratios = self.ratios()
            return Summary.of(ratios).median if ratios else None
        if budget.kind == "growth":
            return self.judged
        if budget.kind == "ratio":
            ratios = self.ratios()
            return Summary.of(ratios).median if ratios else None
        if budget.kind == "delta":
            assert self.baseline is not None
            return Summary.of(paired_differences(self.values, self.baseline)).median
        summary = self.summary()
        return summary.stat(budget.stat) if summary else None

    def verdict(self) -> str:
        if self.not_applicable is not None and self.error is None:
            return "n/a"
        if self.error is not None or (not self.values and self.judged is None):
            return "ERROR"
        if self.budget is None:
            return "report"
        measured = self.measured()
        if measured is None:
            return "ERROR"  # a budgeted figure that cannot be computed is not a pass
        return "ok" if measured <= self.budget.limit else "OVER"

    def gate_failed(self) -> bool:
        """Whether a quick run must fail on this figure: a ratio beyond its budget (or known
        gap) by more than its noise."""
        if self.budget is None or not self.budget.gated or self.verdict() in ("ERROR", "n/a"):
            return False
        measured = self.measured()
        return measured is not None and measured > self.budget.gate()

    def over_by(self) -> float | None:
        """How far over the budget, as a fraction of the limit (0.25 = 25 % over)."""
        measured = self.measured()
        if self.verdict() != "OVER" or measured is None or self.budget is None:
            return None
        return measured / self.budget.limit - 1

    def measured_text(self) -> str:
        measured = self.measured()
        if measured is None:
            return "-"
        budget = self.budget
        if budget is None or budget.kind == "ratio":
            return f"{measured:.2f}x"
        if budget.kind == "growth":
            return f"slope {measured:.2f}"
        if budget.kind == "delta":
            return f"{'+' if measured >= 0 else ''}{format_value(measured, self.unit)}"
        prefix = "p95 " if budget.stat == "p95" else ""
        return prefix + format_value(measured, self.unit)

    def to_json(self) -> dict[str, Any]:
        summary = self.summary()
        baseline = self.baseline_summary()
        return {
            "id": self.id,
            "figure": self.figure,
            "cache": self.cache,
            "unit": self.unit,
            "values": self.values,
            "summary": vars(summary) if summary else None,
            "baseline": None
            if self.baseline is None
            else {
                "label": self.baseline_label,
                "values": self.baseline,
                "summary": vars(baseline) if baseline else None,
            },
            "ratios": self.ratios(),
            "budget": None
            if self.budget is None
            else {
                "kind": self.budget.kind,
                "limit": self.budget.limit,
                "stat": self.budget.stat,
                "text": self.budget.text(self.unit),
            },
            "measured": self.measured(),
            "verdict": self.verdict(),
            "gate": self.budget.gate() if self.budget is not None and self.budget.gated else None,
            "gate_failed": self.gate_failed(),
            "known_gap": None
            if self.budget is None or self.budget.gap is None
            else {"level": self.budget.gap.level, "why": self.budget.gap.why},
            "over_by": self.over_by(),
            "note": self.note,
            "error": self.error,
        }


def format_value(value: float, unit: Unit) -> str:
    """Seconds as µs/ms/s, bytes as MiB, exponents as plain numbers."""
    if unit == "bytes":
        return f"{value / MIB:.1f} MiB"
    if unit == "exponent":
        return f"{value:.2f}"
    magnitude = abs(value)
    if magnitude >= 1:
        return f"{value:.3f} s"
    if magnitude >= 0.001:
        return f"{value * 1000:.1f} ms"
    return f"{value * 1e6:.0f} µs"


HEADERS = (
    "figure",
    "cache",
    "runs",
    "median",
    "spread (min-max)",
    "baseline",
    "measured",
    "budget",
    "verdict",
)


def table_rows(rows: list[Row]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for row in rows:
        summary = row.summary()
        baseline = row.baseline_summary()
        verdict = row.verdict()
        over = row.over_by()
        if over is not None:
            verdict += f" (+{over:.0%})"
            if row.budget is not None and row.budget.gap is not None and not row.gate_failed():
                verdict += " known gap"
        if row.gate_failed():
            verdict += " FAIL"
        out.append(
            (
                row.figure,
                row.cache,
                str(summary.n) if summary else "-",
                format_value(summary.median, row.unit) if summary else "-",
                f"{format_value(summary.minimum, row.unit)} - "
                f"{format_value(summary.maximum, row.unit)}"
                if summary and summary.n > 1
                else "-",
                f"{format_value(baseline.median, row.unit)} ({row.baseline_label})"
                if baseline
                else "-",
                row.measured_text(),
                row.budget.text(row.unit) if row.budget else "report",
                verdict,
            )
        )
    return out


def render_table(rows: list[Row]) -> str:
    """A plain-text table, one line per figure, then the notes and errors."""
    body = table_rows(rows)
    widths = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(HEADERS)]

    def line(cells: tuple[str, ...]) -> str:
        return " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    lines = [line(HEADERS), "-+-".join("-" * w for w in widths)]
    lines += [line(cells) for cells in body]
    notes = [
        (row.figure.strip(), text)
        for row in rows
        if (text := row.error or row.not_applicable or row.note)
    ]
    if notes:
        lines.append("")
        lines += [f"* {figure}: {text}" for figure, text in notes]
    return "\n".join(lines)


def write_json(path: Path, rows: list[Row], meta: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"meta": meta, "rows": [row.to_json() for row in rows]}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def noise_of(runs: list[list[Row]]) -> list[tuple[Row, list[float], float]]:
    """For each figure with a ratio (or any budget) measured in every run: the measured value
    of each run and their spread, (max - min) / median."""
    out = []
    for row in runs[0]:
        values = []
        for run in runs:
            same = next((other for other in run if other.id == row.id), None)
            measured = same.measured() if same is not None else None
            if measured is None:
                break
            values.append(measured)
        else:
            if values and (row.ratios() is not None or row.budget is not None):
                middle = Summary.of(values).median
                spread = (max(values) - min(values)) / middle if middle else 0.0
                out.append((row, values, spread))
    return out


def render_noise(runs: list[list[Row]]) -> str:
    """One line per figure: what each run measured, and how far apart they fell."""
    lines = [f"Noise over {len(runs)} runs: (max - min) / median of each measured figure", ""]
    for row, values, spread in noise_of(runs):
        shown = ", ".join(
            f"{value:.2f}x" if row.budget is None or row.budget.kind == "ratio" else
            format_value(value, row.unit)
            for value in values
        )  # fmt: skip
        gated = " (gated)" if row.budget is not None and row.budget.gated else ""
        lines.append(f"{row.id:40} spread {spread:6.1%}{gated}: {shown}")
    return "\n".join(lines)


def write_noise_json(path: Path, runs: list[list[Row]], meta: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    figures = [
        {"id": row.id, "figure": row.figure, "measured": values, "spread": spread}
        for row, values, spread in noise_of(runs)
    ]
    body = {"meta": meta, "noise": figures, "runs": [[r.to_json() for r in run] for run in runs]}
    path.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
