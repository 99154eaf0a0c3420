"""Working days, bank holidays and day boundaries in Europe/London.

Why a module of its own: every deadline, the floor comparison and the board's ageing
all depend on the same definition of a working day (contract §2) and of the "end of a local
day" (contract §4.1), and they must agree to the millisecond.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
END_OF_DAY = time(23, 59, 59, 999000)

# Bank holidays per year. The `holidays` package is imported only to fill a year not
# here: importing its country tables costs a sweep process tens of milliseconds, so the
# rules cache (engine/store/rules_cache.py) hands a process the years an earlier one found.
_HOLIDAYS: dict[int, frozenset[date]] = {}


def _bank_holidays(year: int) -> frozenset[date]:
    hit = _HOLIDAYS.get(year)
    if hit is None:
        import holidays

        hit = _HOLIDAYS[year] = frozenset(
            holidays.country_holidays("GB", subdiv="ENG", years=year).keys())
    return hit


def bank_holiday_table(years: Iterable[int]) -> dict[int, frozenset[date]]:
    """The bank holidays of each of `years`, as `is_bank_holiday` sees them."""
    return {y: _bank_holidays(y) for y in years}


def adopt_bank_holidays(table: Mapping[int, Iterable[date]]) -> None:
    """Take years that `bank_holiday_table` gave another process with the same code and
    `holidays` package (years already known here are kept as they are)."""
    for year, days in table.items():
        _HOLIDAYS.setdefault(year, frozenset(days))


def is_bank_holiday(day: date) -> bool:
    """True on a bank holiday in England and Wales (substitute days included)."""
    return day in _bank_holidays(day.year)


def local_date(instant: datetime) -> date:
    """The Europe/London calendar date of an aware instant."""
    return instant.astimezone(LONDON).date()


def start_of_day(day: date) -> datetime:
    """00:00 Europe/London on `day`, as an aware instant."""
    return datetime.combine(day, time(0), LONDON)


@lru_cache(maxsize=65536)
def end_of_day(day: date) -> datetime:
    """23:59:59.999 Europe/London on `day` (contract §4.1's end of a day). Memoised: every
    deadline and recurring gap ends on one of relatively few days."""
    return datetime.combine(day, END_OF_DAY, LONDON)


# Years the running count of working days covers; dates outside are counted day by day.
RUNNING_YEARS = (1900, 2200)


class WorkingCalendar:
    """England and Wales working days, less an area's extra non-working days.

    Instances are cached by their extra days so that every template of an area shares
    one calendar and its memo of working-day sums, and its running count of working days
    (so that counting the working days between two dates is two lookups, not a walk:
    the board ages thousands of cases on every build).
    """

    __slots__ = ("extra", "_cache", "_running")

    def __init__(self, extra_non_working_days: Iterable[date] = ()):
        self.extra = frozenset(extra_non_working_days)
        self._cache: dict[tuple[date, int], date] = {}
        # (ordinal of the first day, count of working days up to and including each day
        # from it), over whole years; grown (rebuilt) when a date falls outside.
        self._running: tuple[int, list[int]] = (0, [])

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and not is_bank_holiday(day) and day not in self.extra

    def add_working_days(self, day: date, n: int) -> date:
        """The Nth working day after `day` (`day` itself never counts)."""
        key = (day, n)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        current, left = day, n
        while left > 0:
            current += timedelta(days=1)
            if self.is_working_day(current):
                left -= 1
        self._cache[key] = current
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start):
        the difference of two running counts, which `is_working_day` itself built."""
        if end <= start:
            return 0
        if not (RUNNING_YEARS[0] <= start.year and end.year <= RUNNING_YEARS[1]):
            return sum(self.is_working_day(start + timedelta(days=i))
                       for i in range(1, (end - start).days + 1))
        first, running = self._running
        lo, hi = start.toordinal() - first, end.toordinal() - first
        if lo < 0 or hi >= len(running):
            first, running = self._grow(start, end)
            lo, hi = start.toordinal() - first, end.toordinal() - first
        return running[hi] - running[lo]

    def _grow(self, start: date, end: date) -> tuple[int, list[int]]:
        """The running count over whole years covering what it covered and start..end."""
        first, running = self._running
        years = [start.year, end.year]
        if running:
            years += [date.fromordinal(first).year,
                      date.fromordinal(first + len(running) - 1).year]
        day, last = date(min(years), 1, 1), date(max(years), 12, 31)
        out: list[int] = []
        count = 0
        while day <= last:
            count += self.is_working_day(day)
            out.append(count)
            day += timedelta(days=1)
        self._running = (date(min(years), 1, 1).toordinal(), out)
        return self._running

    def __repr__(self) -> str:
        return f"WorkingCalendar(extra={sorted(self.extra)!r})"


@lru_cache(maxsize=256)
def calendar_for(extra_non_working_days: frozenset[date] = frozenset()) -> WorkingCalendar:
    """The shared calendar for a set of extra non-working days."""
    return WorkingCalendar(extra_non_working_days)
