"""Local days and working days as integer arithmetic (contract §2, §4.1).

A day is its ordinal (days since 1970-01-01, in Europe/London). "N working days after
day d" becomes two array lookups into the sorted ordinals W of the calendar's working
days: W[count(W <= d) + N - 1]. The calendar's own `is_working_day` decides which days
are in W, so bank holidays and an area's extra days are the per-case engine's.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
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


_WORKING: dict[tuple[int, int, int], np.ndarray] = {}


def _working_days(calendar: WorkingCalendar, lo: int, hi: int) -> np.ndarray:
    key = (id(calendar), lo, hi)
    hit = _WORKING.get(key)
    if hit is None:
        first = ORIGIN + timedelta(days=lo)
        hit = np.array(
            [lo + i for i in range(hi - lo + 1)
             if calendar.is_working_day(first + timedelta(days=i))],
            dtype=np.int64,
        )
        if len(_WORKING) > 64:
            _WORKING.clear()
        _WORKING[key] = hit
    return hit


def add_working_days(days: np.ndarray, n: np.ndarray, calendar: WorkingCalendar) -> np.ndarray:
    """For each day ordinal, the n-th working day after it (the day itself never counts)."""
    if len(days) == 0:
        return days.astype(np.int64)
    # Round the range out to whole years so that one table serves many partitions.
    lo = (int(days.min()) // 365) * 365 - 7
    hi = ((int(days.max()) + int(n.max()) * 2 + 30) // 365 + 1) * 365
    w = _working_days(calendar, lo, hi)
    idx = np.searchsorted(w, days, side="right") + n - 1
    out: np.ndarray = w[idx]
    return out
