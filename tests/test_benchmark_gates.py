"""When the benchmark command fails: a ratio beyond its budget (or known gap) by more than its
noise in a quick run, any budget over with --strict, a figure that could not be measured."""

from __future__ import annotations

from benchmarks.results import Budget, Gap, Row, render_table
from benchmarks.run import EXIT_NOT_MEASURED, EXIT_OK, EXIT_OVER_BUDGET, exit_status

RATIO = Budget("ratio", 1.3, noise=0.1)
"""A quick run fails above 1.3 x 1.1 = 1.43."""


def ratio_row(ratio: float, budget: Budget = RATIO) -> Row:
    """A figure whose subject took `ratio` times its baseline in each of three runs."""
    return Row(
        id="startup.first_paint",
        figure="first paint",
        values=[0.2 * ratio, 0.3 * ratio, 0.25 * ratio],
        baseline=[0.2, 0.3, 0.25],
        baseline_label="minimal app",
        budget=budget,
    )


def test_a_ratio_within_its_budget_passes() -> None:
    assert exit_status([ratio_row(1.2)], quick=True, strict=False) == EXIT_OK


def test_over_budget_within_the_noise_passes_a_quick_run_not_a_strict_one() -> None:
    rows = [ratio_row(1.4)]
    assert rows[0].verdict() == "OVER"
    assert exit_status(rows, quick=True, strict=False) == EXIT_OK
    assert exit_status(rows, quick=False, strict=True) == EXIT_OVER_BUDGET


def test_a_ratio_beyond_its_budget_and_noise_fails_a_quick_run() -> None:
    rows = [ratio_row(1.5)]
    assert rows[0].gate_failed()
    assert exit_status(rows, quick=True, strict=False) == EXIT_OVER_BUDGET
    assert "FAIL" in render_table(rows)


def test_a_known_gap_fails_only_when_it_grows_beyond_its_noise() -> None:
    budget = Budget("ratio", 1.15, noise=0.1, gap=Gap(1.6, "painting while the answer arrives"))
    assert exit_status([ratio_row(1.7, budget)], quick=True, strict=False) == EXIT_OK
    assert exit_status([ratio_row(1.8, budget)], quick=True, strict=False) == EXIT_OVER_BUDGET
    table = render_table([ratio_row(1.7, budget)])
    assert "OVER" in table and "known gap" in table


def test_an_absolute_time_over_budget_is_reported_never_failed_on_in_a_quick_run() -> None:
    row = Row(
        id="tui.search", figure="search", values=[0.030] * 20, budget=Budget("at_most", 0.016)
    )
    assert row.verdict() == "OVER"
    assert exit_status([row], quick=True, strict=False) == EXIT_OK


def test_a_figure_that_could_not_be_measured_fails_every_run() -> None:
    failed = Row(id="stream.error", figure="stream", error="TimeoutError")
    assert exit_status([ratio_row(1.0), failed], quick=True, strict=False) == EXIT_NOT_MEASURED
    assert exit_status([failed], quick=False, strict=False) == EXIT_NOT_MEASURED


def test_a_budgeted_ratio_without_its_baseline_is_an_error_not_a_pass() -> None:
    row = ratio_row(1.0)
    row.baseline = row.baseline[:1] if row.baseline else None  # a baseline run went missing
    assert row.verdict() == "ERROR"
    assert exit_status([row], quick=True, strict=False) == EXIT_NOT_MEASURED
