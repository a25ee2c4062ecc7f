"""What rendering has cost: a record of every request sent, the sums by day and month, the limit.

`<data dir>/spending.jsonl` holds one line per event, appended:

- `reserved`: written before a request that may cost money is sent, with its estimate. The
  check against `image.monthly_limit` and this line are one step under the record's lock
  (`reserve`), so renders started at once (six terminals, a batch) can never together pass the
  limit: each sees the others' reservations.
- `settled`: what the request cost, once its answer arrived (from the usage the server
  reported, or estimated), or its estimate when it was stopped after it was sent (the server
  may have billed it).
- `released`: the server refused the request with an error answer: nothing was billed.

A reservation that was never settled (the process was killed mid-render) keeps counting at its
estimate, so a request sent is never left out. Lines written before reservations existed are
settled renders. The record is kept apart from the library: discarding an image or deleting a
prompt does not make a render free.

A line that cannot be read (a hand edit gone wrong, a date no calendar can place) is reported and
left out of the sums; a cost no render could reach (`PLAUSIBLE_RENDER`) is counted at that
ceiling and reported, so one absurd line can neither show "$inf" nor block every render forever.
The record is read and written through checked paths: a named pipe, a folder or a device in its
place is refused at once, and the lock is waited for with a deadline.
"""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from artisan import files, locations
from artisan.clock import Clock, system_clock
from artisan.errors import ArtisanError
from artisan.images.prices import Cost, dollars
from artisan.images.spending_file import RecordUnavailable, append, locked
from artisan.shorten import shorten

if TYPE_CHECKING:
    from artisan.config import Settings

LINE = files.Limits("a line of the spending record", 64 * files.KIB, 3)
LOCK_WAIT = 10.0
"""Seconds to wait for another artisan to finish writing the record."""
PLAUSIBLE_RENDER = 100.0
"""Dollars no one request can cost: ten images at the costliest size and quality of the table
come to about $70. A recorded figure above it is a damaged line, not a render."""
LINES_SHOWN = 24
"""Characters of the list of damaged line numbers a message quotes ("1, 2, 3, 4, 5, 6…")."""
RESERVED, SETTLED, RELEASED = "reserved", "settled", "released"


class SpendingLimitReached(ArtisanError):
    """A render would take this month's spending past `image.monthly_limit`; nothing was sent."""


class SpendingNotRecorded(ArtisanError):
    """A monthly limit is set and the spending record cannot be used: nothing was sent."""


@dataclass(frozen=True)
class Spent:
    """One request sent, and what it cost (or is counted at)."""

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
    id: str = ""
    """The reservation it settles; empty on lines written before reservations existed."""
    note: str = ""
    """Why the figure is what it is: "stopped after it was sent", "capped at the estimate"."""
    reported: float | None = None
    """What the server's usage came to, when that was not believed (more than the request
    could cost)."""
    pending: bool = False
    """A reservation not settled: a render in flight, or one whose process ended."""

    def to_json(self, kind: str = SETTLED) -> str:
        data: dict[str, Any] = {
            "kind": kind,
            "when": self.when.isoformat(),
            "model": self.model,
            "images": self.images,
            "cost": None if self.cost is None else round(self.cost, 6),
            "estimated": self.estimated,
            "size": self.size,
            "quality": self.quality,
            "entry": self.entry,
        }
        if self.id:
            data["id"] = self.id
        if self.usage:
            data["usage"] = self.usage
        if self.note:
            data["note"] = self.note
        if self.reported is not None:
            data["reported"] = round(self.reported, 6)
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
    pending: int = 0
    """Requests reserved and not settled (in flight, or interrupted): counted at estimates."""

    def add(self, spent: Spent) -> None:
        self.renders += 1
        self.images += spent.images
        self.pending += spent.pending
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
    """The spending record as read, and what was wrong with it."""

    spent: list[Spent] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def by_day(self) -> list[Period]:
        """Sums per day (local time), oldest first."""
        return _group(self.spent, "%Y-%m-%d")

    def by_month(self) -> list[Period]:
        """Sums per month (local time), oldest first."""
        return _group(self.spent, "%Y-%m")

    def month(self, now: datetime) -> Period:
        """The sums of the month `now` falls in (local time): "this month" is the caller's
        clock's, never the machine's."""
        label = f"{_local(now):%Y-%m}"
        for period in self.by_month():
            if period.label == label:
                return period
        return Period(label)


@dataclass(frozen=True)
class Reservation:
    """A request's place in the record, taken before it is sent."""

    id: str
    estimate: Cost | None
    path: Path
    when: datetime
    """When it was sent: its settled line counts in the same month."""
    written: bool
    """The `reserved` line is in the record (else the record could not be written, and no
    limit was set)."""
    warnings: tuple[str, ...] = ()
    """To tell before sending: the limit cannot be checked, the record cannot be written."""


def reserve(
    settings: Settings,
    estimate: Cost | None,
    *,
    model: str,
    images: int,
    size: str = "",
    quality: str = "",
    clock: Clock = system_clock,
    path: Path | None = None,
    wait: float = LOCK_WAIT,
) -> Reservation:
    """Check `image.monthly_limit` and note the request in the record, as one step.

    Under the record's lock: read this month's spending (reservations of renders still running
    included), refuse when the estimate would take it past the limit, else append a
    `reserved` line.

    Raises:
        SpendingLimitReached: saying what was spent, the estimate and the limit.
        SpendingNotRecorded: a limit is set and the record cannot be used (a read-only file, a
            folder in its place, a lock held too long): a request that cannot be counted
            cannot be kept within the limit, so nothing is sent.
    """
    path = path or locations.spending_file()
    limit = settings.image_monthly_limit
    when = clock().replace(microsecond=0)
    reservation = Reservation(secrets.token_hex(6), estimate, path, when, written=False)
    spent = Spent(
        when=when,
        model=model,
        images=images,
        cost=None if estimate is None else estimate.dollars,
        estimated=True,
        size=size,
        quality=quality,
        id=reservation.id,
    )
    warnings: list[str] = []
    if limit is not None and estimate is None:
        warnings.append(
            f"The cost of this render is unknown (its model has no price in the table), so the "
            f"monthly limit of {dollars(limit)} (image.monthly_limit) cannot be checked."
        )
    try:
        with locked(path, wait):
            ledger = read(path)
            warnings.extend(ledger.problems)
            if limit is not None and estimate is not None:
                _check(ledger.month(clock()), estimate, limit)
            append(path, spent.to_json(RESERVED))
    except RecordUnavailable as error:
        if limit is not None:
            raise _not_recorded(error, limit) from None
        warnings.append(f"{error} This render will not be counted by `artisan spend`.")
        return replace(reservation, warnings=tuple(warnings))
    return replace(reservation, written=True, warnings=tuple(warnings))


def settle(reservation: Reservation, spent: Spent, *, wait: float = LOCK_WAIT) -> str | None:
    """Record what a reserved request cost. A warning when the record could not be written."""
    settled = replace(spent, id=reservation.id, when=reservation.when)
    return _write_event(reservation, settled, SETTLED, wait)


def release(reservation: Reservation, *, wait: float = LOCK_WAIT) -> str | None:
    """Take back a reservation: the server refused the request, so nothing was billed."""
    if not reservation.written:
        return None
    gone = Spent(when=reservation.when, model="", images=0, cost=None, id=reservation.id)
    return _write_event(reservation, gone, RELEASED, wait)


def record(spent: Spent, path: Path | None = None) -> None:
    """Add a settled render to the record (for renders that took no reservation).

    Raises:
        RecordUnavailable: the record cannot be locked or written.
    """
    path = path or locations.spending_file()
    with locked(path, LOCK_WAIT):
        append(path, spent.to_json(SETTLED))


def read(path: Path | None = None) -> Ledger:
    """Every request in the record. A missing record is empty; an unreadable line is left out
    and named in `problems`, an implausible cost capped and named there too.

    Raises:
        RecordUnavailable: the record cannot be read at all (too big, not a file).
    """
    path = path or locations.spending_file()
    try:
        data = files.read_bytes(path, files.SPENDING)
    except FileNotFoundError:
        return Ledger()
    except files.FileProblem as problem:
        raise RecordUnavailable(f"The spending record {problem}.") from None
    ledger = Ledger()
    bad: list[int] = []
    capped: list[int] = []
    pending: dict[str, Spent] = {}
    for number, raw in enumerate(data.splitlines(), start=1):
        if not raw.strip():
            continue
        parsed = _parse_line(raw, f"{path}:{number}")
        if parsed is None:
            bad.append(number)
            continue
        kind, spent = parsed
        if spent.cost is not None and spent.cost > PLAUSIBLE_RENDER:
            capped.append(number)
            spent = replace(spent, cost=PLAUSIBLE_RENDER, estimated=True, reported=spent.cost)
        if kind == RESERVED and spent.id:
            pending[spent.id] = replace(spent, pending=True)
        elif kind == RELEASED:
            pending.pop(spent.id, None)
        elif kind == SETTLED:
            pending.pop(spent.id, None)
            ledger.spent.append(spent)
    ledger.spent.extend(pending.values())
    ledger.spent.sort(key=lambda item: _local(item.when))
    if bad:
        ledger.problems.append(
            f"{path}: {_count_lines(bad)} could not be read and "
            f"{'is' if len(bad) == 1 else 'are'} not counted."
        )
    if capped:
        ledger.problems.append(
            f"{path}: {_count_lines(capped)} {'holds' if len(capped) == 1 else 'hold'} a cost no "
            f"render could reach; counted as {dollars(PLAUSIBLE_RENDER)} each. Correct or remove "
            f"{'it' if len(capped) == 1 else 'them'}."
        )
    return ledger


def check_limit(
    settings: Settings,
    estimate: Cost | None,
    *,
    clock: Clock,
    path: Path | None = None,
) -> list[str]:
    """Refuse what would take this month past `image.monthly_limit` (a whole batch, before
    its renders reserve one by one), without reserving anything. "This month" is the one
    `clock` is in.

    Returns:
        Notes to show: the limit cannot be checked (the cost is unknown), lines of the record
        that could not be read.

    Raises:
        SpendingLimitReached: saying what was spent, the estimate and the limit.
        SpendingNotRecorded: a limit is set and the record cannot be read.
    """
    limit = settings.image_monthly_limit
    if limit is None:
        return []
    if estimate is None:
        return [
            f"The cost of this render is unknown (its model has no price in the table), so the "
            f"monthly limit of {dollars(limit)} (image.monthly_limit) cannot be checked."
        ]
    try:
        ledger = read(path)
    except RecordUnavailable as error:
        raise _not_recorded(error, limit) from None
    _check(ledger.month(clock()), estimate, limit)
    return list(ledger.problems)


def month_line(settings: Settings, *, clock: Clock, path: Path | None = None) -> str:
    """One line for a settings screen: "Images this month: $1.23 of $10.00 (14 renders)",
    the month being the one `clock` is in."""
    try:
        month = read(path).month(clock())
    except ArtisanError as error:
        return f"Images this month: unknown ({error})"
    limit = settings.image_monthly_limit
    spent = month.cost.describe()
    of = f" of {dollars(limit)}" if limit is not None else ""
    count = f"{month.renders} render{'s' if month.renders != 1 else ''}"
    unknown = f", {month.unknown} of unknown cost" if month.unknown else ""
    return f"Images this month: {spent}{of} ({count}{unknown})"


# The limit ------------------------------------------------------------------------------------


def _check(month: Period, estimate: Cost, limit: float) -> None:
    spent = month.dollars
    if spent + estimate.dollars <= limit:
        return
    about = "about " if estimate.estimated else ""
    running = (
        f" ({month.pending} request{'s' if month.pending != 1 else ''} still running or "
        "interrupted counted at their estimates)"
        if month.pending
        else ""
    )
    raise SpendingLimitReached(
        f"Not sent: this render would cost {about}{dollars(estimate.dollars)}, and "
        f"{dollars(spent)} of the monthly limit of {dollars(limit)} (image.monthly_limit) is "
        f"spent in {_month_name(month.label)}{running}. Raise the limit (`artisan config set "
        "image.monthly_limit ...`), or ask for fewer images or a lower quality."
    )


def _not_recorded(error: RecordUnavailable, limit: float) -> SpendingNotRecorded:
    return SpendingNotRecorded(
        f"Not sent: {error} With a monthly limit of {dollars(limit)} (image.monthly_limit), a "
        "render that cannot be counted is not sent. Fix the record, or remove the limit "
        "(`artisan config set image.monthly_limit ''`)."
    )


# Writing, under the lock ----------------------------------------------------------------------


def _write_event(reservation: Reservation, spent: Spent, kind: str, wait: float) -> str | None:
    try:
        with locked(reservation.path, wait):
            append(reservation.path, spent.to_json(kind))
    except RecordUnavailable as error:
        counted = (
            "It stays counted at its estimate, reserved before it was sent."
            if reservation.written
            else "`artisan spend` will not count it."
        )
        return f"What this render cost could not be recorded: {error} {counted}"
    return None


# Reading --------------------------------------------------------------------------------------


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


def _count_lines(numbers: list[int]) -> str:
    shown = shorten(", ".join(str(n) for n in numbers), LINES_SHOWN, at_word=True)
    return f"{len(numbers)} line{'s' if len(numbers) != 1 else ''} ({shown})"


def _parse_line(raw: bytes, where: str) -> tuple[str, Spent] | None:
    """The line's kind and what it says, or None when it cannot be read or placed in time."""
    if len(raw) > LINE.max_bytes:
        return None
    try:
        data = files.parse_json(raw, where, LINE)
    except files.FileProblem:
        return None
    if not isinstance(data, dict):
        return None
    kind = data.get("kind", SETTLED)
    ident = data.get("id", "")
    if kind not in (RESERVED, SETTLED, RELEASED) or not isinstance(ident, str):
        return None
    try:
        when = datetime.fromisoformat(str(data["when"]))
        _local(when).strftime("%Y-%m")  # a date no calendar here can place raises
    except (KeyError, ValueError, OverflowError, OSError):
        return None
    if kind == RELEASED:
        return kind, Spent(when=when, model="", images=0, cost=None, id=ident)
    try:
        cost = _money(data.get("cost"))
        reported = _money(data.get("reported"))
    except ValueError:
        return None
    images = data.get("images", 1)
    usage = data.get("usage")
    if type(images) is not int or images < 0:
        return None
    if usage is not None and not (
        isinstance(usage, dict) and all(type(v) is int and v >= 0 for v in usage.values())
    ):
        usage = None
    return kind, Spent(
        when=when,
        model=str(data.get("model", "")),
        images=images,
        cost=cost,
        estimated=data.get("estimated") is True,
        usage=usage,
        entry=str(data.get("entry", "")),
        size=str(data.get("size", "")),
        quality=str(data.get("quality", "")),
        id=ident,
        note=str(data.get("note", "")),
        reported=reported,
    )


def _money(value: Any) -> float | None:
    """A recorded amount, None when absent.

    Raises:
        ValueError: it is no amount of money (text, negative, infinite).
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(value)
    if not math.isfinite(value) or value < 0:
        raise ValueError(value)
    return float(value)
