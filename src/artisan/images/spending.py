"""What rendering has cost: a record of every render, the sums by day and month, the limit.

Each render that the server answered adds one line to `<data dir>/spending.jsonl`: when, which
model, how many images, what they cost (from the usage the server reported, or estimated, or
unknown) and the library entry they belong to. It is a record of money spent, so it is kept
apart from the library: discarding an image or deleting a prompt does not make the render free,
and renders that were never saved to the library count too. Lines are appended, one `write`
each, so two artisan processes rendering at once never mix their lines; a line that cannot be
read (a hand edit gone wrong) is reported and left out of the sums.

The optional `image.monthly_limit` setting makes artisan refuse a render whose estimate would
take this month's spending past it (`check_limit`), before anything is sent.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from artisan import files, locations
from artisan.errors import ArtisanError
from artisan.images.prices import Cost, dollars

if TYPE_CHECKING:
    from artisan.config import Settings

LINE = files.Limits("a line of the spending record", 64 * files.KIB, 3)


class SpendingLimitReached(ArtisanError):
    """A render would take this month's spending past `image.monthly_limit`; nothing was sent."""


@dataclass(frozen=True)
class Spent:
    """One render the server answered, and what it cost."""

    when: datetime
    model: str
    images: int
    cost: float | None
    """US dollars; None when the model has no price in the table."""
    estimated: bool = False
    usage: dict[str, int] | None = None
    entry: str = ""
    size: str = ""
    quality: str = ""

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "when": self.when.isoformat(),
            "model": self.model,
            "images": self.images,
            "cost": None if self.cost is None else round(self.cost, 6),
            "estimated": self.estimated,
            "size": self.size,
            "quality": self.quality,
            "entry": self.entry,
        }
        if self.usage:
            data["usage"] = self.usage
        return json.dumps(data, ensure_ascii=True, sort_keys=True)


@dataclass
class Period:
    """The renders of one day or month."""

    label: str
    """"2026-11-27" or "2026-11"."""
    dollars: float = 0.0
    estimated: bool = False
    """Some of the sum is estimated."""
    renders: int = 0
    images: int = 0
    unknown: int = 0
    """Renders with no known cost (a model without a price): not in `dollars`."""

    def add(self, spent: Spent) -> None:
        self.renders += 1
        self.images += spent.images
        if spent.cost is None:
            self.unknown += 1
            return
        self.dollars += spent.cost
        self.estimated = self.estimated or spent.estimated

    @property
    def cost(self) -> Cost:
        return Cost(self.dollars, self.estimated)


@dataclass
class Ledger:
    """The spending record as read, and the lines that could not be read."""

    spent: list[Spent] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def by_day(self) -> list[Period]:
        """Sums per day (local time), oldest first."""
        return _group(self.spent, "%Y-%m-%d")

    def by_month(self) -> list[Period]:
        """Sums per month (local time), oldest first."""
        return _group(self.spent, "%Y-%m")

    def month(self, now: datetime | None = None) -> Period:
        """The sums of the month `now` falls in (this month by default)."""
        label = f"{_local(now or datetime.now().astimezone()):%Y-%m}"
        for period in self.by_month():
            if period.label == label:
                return period
        return Period(label)


def record(spent: Spent, path: Path | None = None) -> None:
    """Add a render to the record.

    Raises:
        OSError: the data folder cannot be written.
    """
    path = path or locations.spending_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (spent.to_json() + "\n").encode("ascii")
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, 0o600)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def read(path: Path | None = None) -> Ledger:
    """Every render in the record. A missing record is empty; an unreadable line is left out
    and named in `problems`.

    Raises:
        ArtisanError: the record cannot be read at all (too big, not a file).
    """
    path = path or locations.spending_file()
    try:
        data = files.read_bytes(path, files.SPENDING)
    except FileNotFoundError:
        return Ledger()
    except files.FileProblem as problem:
        raise ArtisanError(f"The spending record {problem}.") from None
    ledger = Ledger()
    bad: list[int] = []
    for number, raw in enumerate(data.splitlines(), start=1):
        if not raw.strip():
            continue
        spent = _parse_line(raw, f"{path}:{number}")
        if spent is None:
            bad.append(number)
        else:
            ledger.spent.append(spent)
    if bad:
        lines = ", ".join(str(n) for n in bad[:5]) + ("…" if len(bad) > 5 else "")
        ledger.problems.append(
            f"{path}: {len(bad)} line{'s' if len(bad) != 1 else ''} ({lines}) could not be read "
            "and are not counted."
        )
    return ledger


def check_limit(
    settings: Settings,
    estimate: Cost | None,
    *,
    now: datetime | None = None,
    path: Path | None = None,
) -> str | None:
    """Refuse a render that would take this month past `image.monthly_limit`.

    Returns:
        A warning to show when the limit cannot be checked (the cost is unknown), else None.

    Raises:
        SpendingLimitReached: saying what was spent, the estimate and the limit.
    """
    limit = settings.image_monthly_limit
    if limit is None:
        return None
    month = read(path).month(now)
    spent = month.dollars
    if estimate is None:
        return (
            f"The cost of this render is unknown (its model has no price in the table), so the "
            f"monthly limit of {dollars(limit)} (image.monthly_limit) cannot be checked."
        )
    if spent + estimate.dollars <= limit:
        return None
    about = "about " if estimate.estimated else ""
    raise SpendingLimitReached(
        f"Not sent: this render would cost {about}{dollars(estimate.dollars)}, and "
        f"{dollars(spent)} of the monthly limit of {dollars(limit)} (image.monthly_limit) is "
        f"spent in {_month_name(month.label)}. Raise the limit (`artisan config set "
        "image.monthly_limit ...`), or ask for fewer images or a lower quality."
    )


def month_line(settings: Settings, *, now: datetime | None = None, path: Path | None = None) -> str:
    """One line for a settings screen: "Images this month: $1.23 of $10.00 (14 renders)"."""
    try:
        month = read(path).month(now)
    except ArtisanError as error:
        return f"Images this month: unknown ({error})"
    limit = settings.image_monthly_limit
    spent = month.cost.describe()
    of = f" of {dollars(limit)}" if limit is not None else ""
    count = f"{month.renders} render{'s' if month.renders != 1 else ''}"
    unknown = f", {month.unknown} of unknown cost" if month.unknown else ""
    return f"Images this month: {spent}{of} ({count}{unknown})"


def _group(spent: Iterable[Spent], pattern: str) -> list[Period]:
    periods: dict[str, Period] = {}
    for item in spent:
        label = f"{_local(item.when):{pattern}}"
        periods.setdefault(label, Period(label)).add(item)
    return [periods[label] for label in sorted(periods)]


def _local(moment: datetime) -> datetime:
    return moment.astimezone() if moment.tzinfo else moment


def _month_name(label: str) -> str:
    try:
        return f"{datetime.strptime(label, '%Y-%m'):%B %Y}"
    except ValueError:
        return label


def _parse_line(raw: bytes, where: str) -> Spent | None:
    try:
        data = files.parse_json(raw, where, LINE)
    except files.FileProblem:
        return None
    if not isinstance(data, dict):
        return None
    try:
        when = datetime.fromisoformat(str(data["when"]))
    except (KeyError, ValueError):
        return None
    cost = data.get("cost")
    images = data.get("images", 1)
    usage = data.get("usage")
    if cost is not None and (isinstance(cost, bool) or not isinstance(cost, int | float)):
        return None
    if cost is not None and not 0 <= cost < float("inf"):
        return None
    if type(images) is not int or images < 0:
        return None
    if usage is not None and not (
        isinstance(usage, dict) and all(type(v) is int for v in usage.values())
    ):
        usage = None
    return Spent(
        when=when,
        model=str(data.get("model", "")),
        images=images,
        cost=None if cost is None else float(cost),
        estimated=data.get("estimated") is True,
        usage=usage,
        entry=str(data.get("entry", "")),
        size=str(data.get("size", "")),
        quality=str(data.get("quality", "")),
    )
