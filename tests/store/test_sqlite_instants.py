"""SQLite's text of a column of instants, made from their written form by string calls
and a remembered conversion per (local hour, offset), equals `astimezone` and
`isoformat` per instant, for every offset and across days, months and years."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.store.sqlite_instants import sqlite_texts

_local = st.datetimes(min_value=datetime(1990, 1, 2), max_value=datetime(2099, 12, 30)).map(
    lambda d: d.replace(microsecond=0))
_offset = st.one_of(st.integers(-23, 23).map(lambda h: timedelta(hours=h)),
                    st.integers(-1439, 1439).map(lambda m: timedelta(minutes=m)))


def _one_by_one(values: list[datetime]) -> list[str]:
    return [v.astimezone(UTC).isoformat(sep=" ", timespec="microseconds")[:26] for v in values]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_local, _offset), min_size=1, max_size=40))
def test_the_column_equals_each_instant_converted_alone(pairs: list[tuple[datetime, timedelta]]
                                                        ) -> None:
    values = [d.replace(tzinfo=timezone(o)) for d, o in pairs]
    assert sqlite_texts(values, [v.isoformat() for v in values]) == _one_by_one(values)
    assert sqlite_texts(values) == _one_by_one(values)


def test_hours_that_cross_a_day_a_month_and_a_year() -> None:
    texts = ["1999-12-31T23:59:59-01:00", "2000-01-01T00:00:00+01:00", "2024-02-29T00:30:00+02:00",
             "2026-03-29T01:15:07+01:00", "2026-10-25T01:15:07+00:00", "2098-12-31T23:00:00-23:00",
             "2026-07-06T16:40:00-00:00"]
    values = [datetime.fromisoformat(t) for t in texts]
    isos = [v.isoformat() for v in values]
    assert sqlite_texts(values, isos) == _one_by_one(values) == [
        "2000-01-01 00:59:59.000000", "1999-12-31 23:00:00.000000", "2024-02-28 22:30:00.000000",
        "2026-03-29 00:15:07.000000", "2026-10-25 01:15:07.000000", "2099-01-01 22:00:00.000000",
        "2026-07-06 16:40:00.000000"]
    for values_ in (values[:1], values[-1:], values[:2]):
        isos_ = [v.isoformat() for v in values_]
        assert sqlite_texts(values_, isos_) == _one_by_one(values_)
    assert sqlite_texts([], []) == []
