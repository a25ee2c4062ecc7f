"""`artisan spend`: what rendering images has cost, by month and by day.

The sums come from the spending record (`artisan.images.spending`): every request sent, whether
or not its prompt was saved, including images discarded since, and requests stopped or still
running, counted at their estimates.
"""

from __future__ import annotations

import argparse
from typing import Any

from artisan import config
from artisan.cli.output import print_json, say, warn


def register(commands: Any) -> None:
    spend = commands.add_parser(
        "spend",
        help="what rendering images has cost, by month and day",
        description="Sum the recorded cost of every render by month, and by day for the "
        "days shown. Costs marked ~ are estimates (the server reported no usage, or the "
        "model's price is an estimate).",
    )
    spend.add_argument(
        "--days",
        type=int,
        default=14,
        metavar="N",
        help="show the last N days with renders (default 14; 0 shows months only)",
    )
    spend.add_argument("--json", action="store_true", help="print one JSON object")
    spend.set_defaults(handler=run_spend)


def run_spend(args: argparse.Namespace) -> int:
    from artisan import locations
    from artisan.errors import UsageError
    from artisan.images import spending
    from artisan.images.prices import dollars

    if args.days < 0:
        raise UsageError("--days must be 0 or more.")
    loaded = config.load()
    for warning in loaded.warnings:
        warn(warning)
    settings = loaded.settings
    ledger = spending.read()
    for problem in ledger.problems:
        warn(problem)
    months = ledger.by_month()
    days = ledger.by_day()[-args.days :] if args.days else []
    limit = settings.image_monthly_limit
    if args.json:
        print_json(
            {
                "months": [_row(period) for period in months],
                "days": [_row(period) for period in days],
                "this_month": _row(ledger.month(args.clock())),
                "monthly_limit": limit,
                "record": str(locations.spending_file()),
            }
        )
        return 0
    if not ledger.spent:
        say(f"Nothing spent on images yet (the record is {locations.spending_file()}).")
        return 0
    say(_header("month"))
    for period in months:
        say(_line(period))
    if days:
        say("")
        say(_header("day"))
        for period in days:
            say(_line(period))
    say("")
    say(spending.month_line(settings, clock=args.clock))
    if limit is not None:
        left = max(0.0, limit - ledger.month(args.clock()).dollars)
        say(f"Left this month: {dollars(left)} of the limit (image.monthly_limit).")
    if any(period.estimated for period in months):
        say("~ marks sums that hold estimates (no usage reported, or an estimated price).")
    if any(period.unknown for period in months):
        say("Renders with models that have no price are counted, but not in the sums.")
    if any(period.pending for period in months):
        say(
            "Requests still running, or whose artisan was stopped before they were answered, "
            "count at their estimates."
        )
    return 0


def _header(unit: str) -> str:
    return f"{unit:<12}{'renders':>8}{'images':>8}{'spent':>12}"


def _line(period: Any) -> str:
    notes = []
    if period.unknown:
        notes.append(f"{period.unknown} of unknown cost")
    if period.pending:
        notes.append(f"{period.pending} unanswered, at estimates")
    shown = f"  ({'; '.join(notes)})" if notes else ""
    return (
        f"{period.label:<12}{period.renders:>8}{period.images:>8}"
        f"{period.cost.describe():>12}{shown}"
    )


def _row(period: Any) -> dict[str, Any]:
    return {
        "period": period.label,
        "dollars": round(period.dollars, 6),
        "estimated": period.estimated,
        "renders": period.renders,
        "images": period.images,
        "unknown_cost": period.unknown,
        "unanswered": period.pending,
    }
