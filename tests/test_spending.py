"""What images cost: the estimate before sending (`--dry-run`), the cost recorded from the
usage the server reports, the sums of `artisan spend`, and the monthly limit."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from artisan import config, locations
from artisan.clock import fixed_clock
from artisan.config import Settings
from artisan.entry import PromptEntry
from artisan.images import ImageRequest, load_image_models, prices, read_metadata, spending
from artisan.library import Library
from conftest import TEST_CLOCK, TEST_TIME, RunCli
from fake_openai import FakeOpenAI, Images

pytestmark = pytest.mark.by_date

NOW = TEST_CLOCK().astimezone().replace(microsecond=0)
"""The moment the commands run at (the `cli` fixture runs them on `TEST_CLOCK`)."""


def spent(
    cost: float | None,
    when: datetime = NOW,
    *,
    model: str = "gpt-image-2",
    images: int = 1,
    estimated: bool = False,
) -> spending.Spent:
    return spending.Spent(when=when, model=model, images=images, cost=cost, estimated=estimated)


def last_month() -> datetime:
    return NOW.replace(day=1) - timedelta(days=3)


# Prices -------------------------------------------------------------------------------------


def test_estimates_follow_the_table() -> None:
    table = load_image_models()

    def estimate(model: str, **asked: Any) -> str:
        request = ImageRequest("a fox in the snow", model, **asked)
        cost = prices.estimate(table.get(model), request)
        return cost.describe() if cost is not None else "unknown"

    # A published price per image is exact; token prices are estimates.
    assert estimate("dall-e-3", size="1792x1024", quality="hd") == "$0.120"
    assert estimate("dall-e-2", size="256x256", n=3) == "$0.048"
    assert estimate("gpt-image-1", size="1024x1024", quality="low") == "~$0.011"
    assert estimate("gpt-image-1", size="1024x1536", quality="medium") == "~$0.063"
    # auto is priced as the costliest it may pick: high quality, and a square (which costs
    # more than a 3:2 picture of more pixels).
    assert estimate("gpt-image-2", size="auto", quality="auto") == estimate(
        "gpt-image-2", size="1024x1024", quality="high"
    )
    assert estimate("dall-e-3", size="512x512") == "unknown"
    assert estimate("x/local-model") == "unknown"


def test_gpt_image_2_estimates_follow_openais_calculator() -> None:
    """OpenAI's calculator: 5,488 image tokens for 1536x1024 at high quality ($0.165), about
    13,342 for 3840x2160 ($0.40); the estimate is within 5% of each, and never below."""
    table = load_image_models()
    model = table.get("gpt-image-2")

    def dollars(size: str, quality: str = "high") -> float:
        cost = prices.estimate(
            model, ImageRequest("a fox in the snow", "gpt-image-2", size=size, quality=quality)
        )
        assert cost is not None
        return cost.dollars

    calculator = 5488 * 30 / 1_000_000
    assert calculator <= dollars("1536x1024") <= calculator * 1.05
    assert 0.40 <= dollars("3840x2160") <= 0.40 * 1.05
    assert dollars("1024x1536") == dollars("1536x1024")
    assert dollars("1024x1024") > dollars("1536x1024")  # a square costs more
    # Sizes between the published ones are priced from the nearest shapes, never lower than
    # the nearest published figure scaled down.
    assert dollars("1536x1024") < dollars("1920x1080") * 1.1 < dollars("2560x1440")
    assert dollars("1536x1024", "medium") == pytest.approx(0.041, abs=0.001)
    assert model is not None and model.price is not None and model.price.published


def test_actual_cost_comes_from_the_reported_usage() -> None:
    table = load_image_models()
    request = ImageRequest("a fox", "gpt-image-1", size="1024x1024", quality="high")
    usage = {"input_text_tokens": 20, "input_image_tokens": 0, "output_tokens": 4160}
    cost = prices.actual(table.get("gpt-image-1"), request, usage)
    assert cost == prices.Cost((20 * 5 + 4160 * 40) / 1_000_000)
    unreported = prices.actual(table.get("gpt-image-1"), request, None)
    assert unreported is not None and unreported.estimated


def test_a_user_file_overrides_a_price(tmp_path: Path) -> None:
    user = tmp_path / "image-models.toml"
    user.write_text('[models."gpt-image-2".price]\nimage_output = 15.0\nestimate = false\n')
    table = load_image_models(user)
    assert table.problems == []
    model = table.get("gpt-image-2")
    assert model is not None and model.price is not None
    assert (model.price.image_output, model.price.text_input) == (15.0, 5.0)
    # Models that inherit from it follow.
    snapshot = table.get("gpt-image-2-2026-04-21")
    assert snapshot is not None and snapshot.price == model.price


def test_a_broken_price_is_reported_and_the_shipped_one_kept(tmp_path: Path) -> None:
    user = tmp_path / "image-models.toml"
    user.write_text('[models."dall-e-3".price]\nper_image = { "standard 1024x1024" = "cheap" }\n')
    table = load_image_models(user)
    [problem] = table.problems
    assert "price.per_image.standard 1024x1024" in problem and "number of dollars" in problem
    model = table.get("dall-e-3")
    assert model is not None and model.price is not None
    assert model.price.per_image["standard 1024x1024"] == 0.04


# Dry run ------------------------------------------------------------------------------------


def test_dry_run_shows_the_estimate_and_sends_nothing(cli: RunCli, online: FakeOpenAI) -> None:
    result = cli("image", "a lighthouse in a storm", "--quality", "low", "--dry-run")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("Would send 1 request to ") and "nothing was sent" in lines[0]
    assert "gpt-image-2 1024x1024 low · 1 image · ~$0.0061 · a lighthouse in a storm" in lines[1]
    assert lines[2].startswith("Estimated total: ~$0.0061 (published prices, checked 2026-11-27")
    assert "https://openai.com/api/pricing" in lines[2]
    assert online.requests == []
    assert not Path(locations.spending_file()).exists()


def test_dry_run_of_a_batch_shows_the_total(cli: RunCli, online: FakeOpenAI) -> None:
    library = Library(locations.library_dir())
    ids = [library.add(PromptEntry.create(text)).id for text in ("a fox", "a heron")]
    result = cli(
        "image", "--from", *ids, "-m", "dall-e-3", "--quality", "hd", "-n", "1", "--dry-run"
    )
    assert result.code == 0, result.err
    assert "Would send 2 requests" in result.out
    assert result.out.count("$0.080") == 2
    assert "Estimated total: $0.160 (published prices, checked 2026-11-27; source: OpenAI's" in (
        result.out
    )
    assert online.requests == []


def test_dry_run_says_when_the_limit_would_refuse(cli: RunCli, online: FakeOpenAI) -> None:
    config.set_value("image.monthly_limit", "0.05")
    spending.record(spent(0.045))
    result = cli("image", "a fox", "--quality", "low", "--dry-run")
    assert result.code == 0
    assert "This would be refused. Not sent: this render would cost about $0.0060" in result.err
    assert online.requests == []


# What was spent -----------------------------------------------------------------------------


def test_a_render_records_its_cost_in_the_entry_the_file_and_the_record(
    cli: RunCli, online: FakeOpenAI
) -> None:
    online.default_images = Images(output_tokens=1056)
    result = cli("image", "a red fox", "--quality", "medium", "-n", "2", "--save")
    assert result.code == 0, result.err
    # 3 prompt tokens at $5 and 2 x 1056 image tokens at $30 a million, as reported.
    expected = (3 * 5 + 2112 * 30) / 1_000_000
    assert "cost: $0.063 (from the reported usage)" in result.err
    library = Library(locations.library_dir())
    library.load()
    [entry] = library.entries()
    assert [image.cost for image in entry.images] == [pytest.approx(expected / 2, abs=1e-6)] * 2
    assert [image.usage for image in entry.images] == [
        {
            "input_tokens": 2,
            "input_text_tokens": 2,
            "input_image_tokens": 0,
            "output_tokens": 1056,
            "total_tokens": 1058,
        },
        {
            "input_tokens": 1,
            "input_text_tokens": 1,
            "input_image_tokens": 0,
            "output_tokens": 1056,
            "total_tokens": 1057,
        },
    ]
    text = (library.folder / f"{entry.id}.toml").read_text()
    assert "[images.usage]" in text and "cost = " in text
    found = read_metadata(Path(entry.images[0].path))
    assert float(found["cost"]) == pytest.approx(expected / 2, abs=1e-6)
    assert json.loads(found["usage"])["output_tokens"] == 1056
    [line] = spending.read().spent
    assert (line.images, line.entry, line.estimated) == (2, entry.id, False)
    assert line.cost == pytest.approx(expected)
    assert line.usage == {
        "input_tokens": 3,
        "input_text_tokens": 3,
        "input_image_tokens": 0,
        "output_tokens": 2112,
        "total_tokens": 2115,
    }


def test_a_server_without_usage_records_an_estimate(cli: RunCli, online: FakeOpenAI) -> None:
    online.default_images = Images(usage=False)
    result = cli("image", "a fox", "--quality", "low")
    assert result.code == 0, result.err
    assert "cost: ~$0.0060 (estimated from the price table)" in result.err
    [line] = spending.read().spent
    assert line.estimated and line.cost == pytest.approx(0.006, abs=1e-4)


def test_spend_sums_by_month_and_day(cli: RunCli) -> None:
    old = last_month()
    for record in (
        spent(0.25, old),
        spent(0.5, old, images=2),
        spent(0.04, NOW - timedelta(minutes=1), model="dall-e-3"),
        spent(0.0123, NOW, estimated=True),
        spent(None, NOW, model="x/local"),
    ):
        spending.record(record)
    result = cli("spend")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split() == ["month", "renders", "images", "spent"]
    assert lines[1].split() == [f"{old:%Y-%m}", "2", "3", "$0.750"]
    assert lines[2].split()[:4] == [f"{NOW:%Y-%m}", "3", "3", "~$0.052"]
    assert "(1 of unknown cost)" in lines[2]
    assert f"{NOW:%Y-%m-%d}" in result.out and f"{old:%Y-%m-%d}" in result.out
    assert "Images this month: ~$0.052 (3 renders, 1 of unknown cost)" in result.out
    data = json.loads(cli("spend", "--json").out)
    assert [month["dollars"] for month in data["months"]] == [0.75, 0.0523]
    assert data["this_month"]["renders"] == 3


def test_spend_skips_a_damaged_line_and_says_so(cli: RunCli) -> None:
    spending.record(spent(0.1))
    with Path(locations.spending_file()).open("a") as record:
        record.write("{not json\n")
        record.write('{"when": "yesterday", "cost": 1}\n')
    spending.record(spent(0.2))
    result = cli("spend", "--days", "0")
    assert result.code == 0
    assert "2 lines (2, 3) could not be read and are not counted" in result.err
    assert "$0.300" in result.out


def test_spend_with_nothing_recorded(cli: RunCli) -> None:
    result = cli("spend")
    assert result.code == 0
    assert result.out.startswith("Nothing spent on images yet")


def test_month_line_for_the_settings_screen() -> None:
    spending.record(spent(1.5))
    spending.record(spent(3.0, last_month()))
    settings = Settings(image_monthly_limit=10.0)
    assert spending.month_line(settings, clock=TEST_CLOCK) == (
        "Images this month: $1.50 of $10.00 (1 render)"
    )


# The monthly limit --------------------------------------------------------------------------


def test_the_monthly_limit_refuses_a_render_that_would_pass_it(
    cli: RunCli, online: FakeOpenAI
) -> None:
    config.set_value("image.monthly_limit", "0.01")
    spending.record(spent(0.009))
    spending.record(spent(5.0, last_month()))  # last month does not count
    result = cli("image", "a fox", "--quality", "low")
    assert result.code == 1
    assert (
        "Not sent: this render would cost about $0.0060, and $0.0090 of the monthly limit of "
        "$0.010 (image.monthly_limit) is spent in " in result.err
    )
    assert online.image_requests() == []
    config.set_value("image.monthly_limit", "0.02")
    assert cli("image", "a fox", "--quality", "low").code == 0
    assert len(online.image_requests()) == 1


def test_an_unknown_cost_is_sent_with_a_warning_about_the_limit(
    cli: RunCli, online: FakeOpenAI
) -> None:
    config.set_value("image.monthly_limit", "1")
    result = cli("image", "a fox", "-m", "x/local")
    assert result.code == 0
    assert "monthly limit of $1.00 (image.monthly_limit) cannot be checked" in result.err


# "This month" is the clock's ----------------------------------------------------------------


def test_the_limit_counts_the_month_the_commands_clock_is_in(online: FakeOpenAI) -> None:
    """The limit weighs the month of the clock `main` is given, not the machine's: a year on,
    last year's November no longer counts."""
    from artisan.cli import main

    config.set_value("image.monthly_limit", "0.01")
    spending.record(spent(0.009))  # spent on TEST_CLOCK's day
    a_year_on = fixed_clock(TEST_TIME + timedelta(days=366))
    assert main(["image", "a fox", "--quality", "low"], clock=TEST_CLOCK) == 1
    assert online.image_requests() == []
    assert main(["image", "a fox", "--quality", "low"], clock=a_year_on) == 0
    assert len(online.image_requests()) == 1


def test_spend_and_the_dry_run_say_the_month_of_their_clock(
    online: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    from artisan.cli import main

    config.set_value("image.monthly_limit", "0.01")
    spending.record(spent(0.009))
    a_year_on = fixed_clock(TEST_TIME + timedelta(days=366))
    dry = ["image", "a fox", "--quality", "low", "--dry-run"]
    for clock, renders, refused in ((TEST_CLOCK, 1, True), (a_year_on, 0, False)):
        capsys.readouterr()
        assert main(["spend", "--json"], clock=clock) == 0
        assert json.loads(capsys.readouterr().out)["this_month"]["renders"] == renders
        assert main(dry, clock=clock) == 0
        assert ("This would be refused" in capsys.readouterr().err) is refused


async def test_the_settings_screen_shows_the_month_of_the_apps_clock() -> None:
    from artisan.tui.screens.settings import SettingsScreen
    from tui_helpers import make_app, screen_text, settle

    config.set_value("image.monthly_limit", "10")
    spending.record(spent(1.5))
    spending.record(spent(3.0, last_month()))
    for clock, shown in (
        (TEST_CLOCK, "Images this month: $1.50 of $10.00 (1 render)"),
        (fixed_clock(last_month()), "Images this month: $3.00 of $10.00 (1 render)"),
    ):
        app = make_app(engine="composer", clock=clock, image_monthly_limit=10.0)
        async with app.run_test(size=(120, 60)) as pilot:
            await settle(pilot)
            await pilot.press("f2")
            await settle(pilot)
            assert isinstance(app.screen, SettingsScreen)
            assert shown in " ".join(screen_text(app).split())


def test_library_ages_are_told_on_the_clock(cli: RunCli) -> None:
    entry = PromptEntry.create("A harbour at dawn", title="Harbour")
    entry.created = TEST_TIME - timedelta(days=3)
    Library(locations.library_dir()).add(entry)
    [row] = cli("library", "list").out.splitlines()
    assert row.split()[-1] == "3d"
    assert "(3d ago)" in cli("library", "show", entry.id).out
