"""The calendar and the wall clock, read in one place.

What artisan decides by the date (which image models are still served, which month a render
counts against, how old a saved prompt is) asks a `Clock` instead of the system, so the program
can be run, and its tests can check it, as of any day. The program uses `system_clock`; tests hand
in `fixed_clock(...)` and never depend on the day they run.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

Clock = Callable[[], datetime]
"""Returns the current local time, with its UTC offset."""


def system_clock() -> datetime:
    """The machine's local time, with its UTC offset."""
    return datetime.now().astimezone()


def fixed_clock(moment: datetime) -> Clock:
    """A clock that always says `moment` (made local when it has no UTC offset)."""
    fixed = moment if moment.tzinfo is not None else moment.astimezone()
    return lambda: fixed


def today(clock: Clock = system_clock) -> date:
    """The local date on `clock`."""
    return clock().date()
