"""Local days and working days as integer arithmetic (contract §2, §4.1).

A day is its ordinal (days since 1970-01-01, in Europe/London). "N working days after
day d" becomes two array lookups into the sorted ordinals W of the calendar's working
days: W[count(W <= d) + N - 1]. The calendar's own `is_working_day` decides which days
are in W, so bank holidays and an area's extra days are the per-case engine's.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import cast

import polars as pl

from engine.calendar import WorkingCalendar

ORIGIN = date(1970, 1, 1)


def local_day(us: pl.Expr) -> pl.Expr:
    """The Europe/London date of an instant in microseconds, as a day ordinal."""
    return (
        pl.from_epoch(us, time_unit="us")
        .dt.convert_time_zone("Europe/London")
        .dt.date()
        .cast(pl.Int32)
    )


def end_of_day_us(day: pl.Expr) -> pl.Expr:
    """23:59:59.999 Europe/London on a day ordinal, in microseconds since the epoch."""
    naive = day.cast(pl.Date).cast(pl.Datetime("us")) + pl.duration(
        hours=23, minutes=59, seconds=59, milliseconds=999
    )
    return naive.dt.replace_time_zone("Europe/London").dt.epoch("us")


_WORKING: dict[tuple[int, int, int], pl.Series] = {}


def _working_days(calendar: WorkingCalendar, lo: int, hi: int) -> pl.Series:
    key = (id(calendar), lo, hi)
    hit = _WORKING.get(key)
    if hit is None:
        first = ORIGIN + timedelta(days=lo)
        hit = pl.Series([lo + i for i in range(hi - lo + 1)
                         if calendar.is_working_day(first + timedelta(days=i))], dtype=pl.Int64)
        if len(_WORKING) > 64:
            _WORKING.clear()
        _WORKING[key] = hit
    return hit


def add_working_days(days: pl.Series, n: pl.Series, calendar: WorkingCalendar) -> pl.Series:
    """For each day ordinal, the n-th working day after it (the day itself never counts).

    Polars alone, not numpy: importing numpy cost every sweep process tens of
    milliseconds for this one lookup."""
    days, n = days.cast(pl.Int64), n.cast(pl.Int64)
    if days.len() == 0:
        return days
    # Round the range out to whole years so that one table serves many partitions.
    lo = (cast(int, days.min()) // 365) * 365 - 7
    hi = ((cast(int, days.max()) + cast(int, n.max()) * 2 + 30) // 365 + 1) * 365
    w = _working_days(calendar, lo, hi)
    idx = w.search_sorted(days, side="right").cast(pl.Int64) + n - 1
    return w.gather(idx)
