"""The same prompt compared on the command line: `artisan image PROMPT --compare NAME=A,B`."""

from __future__ import annotations

import pytest

from artisan import config, locations
from artisan.images import spending
from conftest import TEST_CLOCK, RunCli
from fake_openai import FakeOpenAI

GRID = ("--compare", "model=gpt-image-2,gpt-image-2.5-flare", "--compare", "quality=low,high")
CELLS = [
    ("gpt-image-2", "low"),
    ("gpt-image-2", "high"),
    ("gpt-image-2.5-flare", "low"),
    ("gpt-image-2.5-flare", "high"),
]


def test_a_two_by_two_comparison_says_its_estimate_then_renders_each_cell(
    cli: RunCli, online: FakeOpenAI
) -> None:
    result = cli("image", "a fox in the snow", *GRID)
    assert result.code == 0, result.err
    lines = [line.removeprefix("artisan: ") for line in result.err.splitlines()]
    assert lines[0] == "Comparing 4 renders, estimated at ~$0.435 in all:"
    assert lines[1:5] == [
        "  model=gpt-image-2 · quality=low: ~$0.0061",
        "  model=gpt-image-2 · quality=high: ~$0.211",
        "  model=gpt-image-2.5-flare · quality=low: ~$0.0061",
        "  model=gpt-image-2.5-flare · quality=high: ~$0.211",
    ]
    sent = sorted((r.body["model"], r.body["quality"]) for r in online.image_requests())
    assert sent == sorted(CELLS)
    assert len(result.out.splitlines()) == 4  # a saved file per cell
    for model, quality in CELLS:
        assert f"model={model} · quality={quality}: " in result.err
    month = spending.read().month(TEST_CLOCK())
    assert (month.renders, month.pending) == (4, 0)


def test_the_dry_run_of_a_comparison_shows_every_cell_and_the_total(
    cli: RunCli, online: FakeOpenAI
) -> None:
    result = cli("image", "a fox in the snow", *GRID, "--dry-run")
    assert result.code == 0, result.err
    assert "Would send 4 requests" in result.out
    assert "Estimated total: ~$0.435" in result.out
    assert online.requests == []


@pytest.mark.by_date
def test_a_grid_that_would_pass_the_monthly_limit_sends_nothing(
    cli: RunCli, online: FakeOpenAI
) -> None:
    """One cell fits the limit, the whole grid does not: nothing is sent."""
    config.set_value("image.monthly_limit", "0.3")
    result = cli("image", "a fox in the snow", *GRID)
    assert result.code == 1
    assert "Not sent" in result.err
    assert online.image_requests() == []
    assert not locations.spending_file().exists() or spending.read().spent == []


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--compare", "seed=1,2"), "--compare cannot vary 'seed'"),
        (("--compare", "quality=low"), "needs two values or more"),
        (("--compare", "quality"), "write it as NAME=VALUE,VALUE"),
        (("--compare", "quality=low,low"), "names a value twice"),
        (("--compare", "quality=low,high", "--quality", "low"), "both choose it; keep one"),
        (("--compare", "quality=low,high", "--save"), "save it first"),
        (("--compare", "size=" + ",".join(f"{n}x{n}" for n in range(100, 118))), "at most 16"),
    ],
)
def test_a_comparison_that_cannot_be_made_costs_nothing(
    cli: RunCli, online: FakeOpenAI, args: tuple[str, ...], said: str
) -> None:
    result = cli("image", "a fox", *args)
    assert result.code == 2
    assert said in result.err
    assert online.requests == []


def test_the_flag_says_what_it_varies_in_the_help(cli: RunCli) -> None:
    shown = " ".join(cli("image", "--help").out.split())
    assert "--compare NAME=V1,V2" in shown
    assert "model, quality, size or provider" in shown
