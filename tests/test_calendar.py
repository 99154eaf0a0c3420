"""Working-day arithmetic (contract §2, §4.1): England and Wales bank holidays in
Europe/London, with the edge cases that decide real deadlines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from engine.calendar import (
    LONDON,
    WorkingCalendar,
    calendar_for,
    end_of_day,
    is_bank_holiday,
    local_date,
    start_of_day,
)
from engine.spec import Deadline

CAL = calendar_for()


def elapsed(a: datetime, b: datetime) -> timedelta:
    """b - a as elapsed time (subtracting two datetimes in one zone is wall-clock time)."""
    return b.astimezone(UTC) - a.astimezone(UTC)


def due(trigger: str, within: int, unit: str, cal: WorkingCalendar = CAL) -> str:
    d = Deadline.model_validate({"within": within, "unit": unit})
    return d.due(datetime.fromisoformat(trigger), cal).astimezone(LONDON).isoformat()


def test_friday_1600_plus_one_working_day_is_the_end_of_monday() -> None:
    assert due("2026-03-06T16:00:00+00:00", 1, "working_days") == "2026-03-09T23:59:59.999000+00:00"


def test_a_saturday_trigger_counts_from_saturday() -> None:
    assert due("2026-03-07T10:00:00+00:00", 1, "working_days") == "2026-03-09T23:59:59.999000+00:00"
    assert due("2026-03-07T10:00:00+00:00", 2, "working_days") == "2026-03-10T23:59:59.999000+00:00"


def test_easter_2026() -> None:
    assert is_bank_holiday(date(2026, 4, 3)) and is_bank_holiday(date(2026, 4, 6))
    # Thursday before Good Friday + 1 WD: over Friday, the weekend and Easter Monday.
    assert due("2026-04-02T09:00:00+01:00", 1, "working_days") == "2026-04-07T23:59:59.999000+01:00"


def test_christmas_2026_has_a_substitute_boxing_day() -> None:
    # 25 Dec 2026 is a Friday; Boxing Day falls on Saturday, so Monday 28 is the holiday.
    assert [is_bank_holiday(date(2026, 12, d)) for d in (24, 25, 28, 29)] == [
        False, True, True, False]
    assert [CAL.is_working_day(date(2026, 12, d)) for d in (24, 25, 26, 27, 28, 29)] == [
        True, False, False, False, False, True]
    assert due("2026-12-24T12:00:00+00:00", 1, "working_days") == "2026-12-29T23:59:59.999000+00:00"


def test_christmas_2027_has_two_substitute_days() -> None:
    # 25 and 26 Dec 2027 are a weekend: Monday 27 and Tuesday 28 are the holidays.
    assert [is_bank_holiday(date(2027, 12, d)) for d in (24, 27, 28, 29)] == [
        False, True, True, False]
    assert [CAL.is_working_day(date(2027, 12, d)) for d in (24, 27, 28, 29)] == [
        True, False, False, True]
    assert due("2027-12-24T12:00:00+00:00", 1, "working_days") == "2027-12-29T23:59:59.999000+00:00"
    assert due("2027-12-31T12:00:00+00:00", 1, "working_days") == "2028-01-04T23:59:59.999000+00:00"


def test_the_march_clock_change() -> None:
    # 29 Mar 2026: 01:00 GMT becomes 02:00 BST; the day has 23 hours.
    assert end_of_day(date(2026, 3, 28)).isoformat() == "2026-03-28T23:59:59.999000+00:00"
    assert end_of_day(date(2026, 3, 29)).isoformat() == "2026-03-29T23:59:59.999000+01:00"
    assert elapsed(start_of_day(date(2026, 3, 29)), start_of_day(date(2026, 3, 30))) == (
        timedelta(hours=23))
    # Hours are elapsed time: Sat 12:00 GMT + 24 h is Sun 13:00 BST.
    assert due("2026-03-28T12:00:00+00:00", 24, "hours") == "2026-03-29T13:00:00+01:00"
    assert due("2026-03-28T12:00:00+00:00", 1, "calendar_days") == (
        "2026-03-29T23:59:59.999000+01:00")
    # A trigger at 23:30 GMT on Saturday is Saturday locally, not Sunday.
    assert local_date(datetime(2026, 3, 28, 23, 30, tzinfo=UTC)) == date(2026, 3, 28)


def test_the_october_clock_change() -> None:
    # 25 Oct 2026: 02:00 BST becomes 01:00 GMT; the day has 25 hours.
    assert elapsed(start_of_day(date(2026, 10, 25)), start_of_day(date(2026, 10, 26))) == (
        timedelta(hours=25))
    assert due("2026-10-24T12:00:00+01:00", 24, "hours") == "2026-10-25T11:00:00+00:00"
    # 23:30 UTC on Fri 23 Oct is 00:30 BST on Saturday: the local date is Saturday.
    trigger = datetime(2026, 10, 23, 23, 30, tzinfo=UTC)
    assert local_date(trigger) == date(2026, 10, 24)
    assert due(trigger.isoformat(), 1, "working_days") == "2026-10-26T23:59:59.999000+00:00"


def test_extra_non_working_days_are_skipped() -> None:
    cal = calendar_for(frozenset({date(2027, 3, 5)}))
    assert cal.add_working_days(date(2027, 3, 4), 1) == date(2027, 3, 8)
    assert CAL.add_working_days(date(2027, 3, 4), 1) == date(2027, 3, 5)
    assert calendar_for(frozenset({date(2027, 3, 5)})) is cal  # shared, memo and all


def test_working_days_between() -> None:
    assert CAL.working_days_between(date(2026, 12, 24), date(2026, 12, 31)) == 3  # 29, 30, 31
    assert CAL.working_days_between(date(2026, 4, 1), date(2026, 4, 1)) == 0


DAYS = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


@given(DAYS, st.integers(min_value=1, max_value=40))
def test_add_working_days_lands_on_the_nth_working_day(day: date, n: int) -> None:
    result = CAL.add_working_days(day, n)
    assert result > day
    assert CAL.is_working_day(result)
    assert CAL.working_days_between(day, result) == n
    assert CAL.working_days_between(day, result - timedelta(days=1)) == n - 1


@given(DAYS, st.integers(min_value=1, max_value=20), st.integers(min_value=1, max_value=20))
def test_add_working_days_composes(day: date, a: int, b: int) -> None:
    assert CAL.add_working_days(CAL.add_working_days(day, a), b) == CAL.add_working_days(day, a + b)


@given(DAYS, st.integers(min_value=1, max_value=30))
def test_more_days_never_end_earlier(day: date, n: int) -> None:
    assert CAL.add_working_days(day, n + 1) > CAL.add_working_days(day, n)
    assert CAL.add_working_days(day, n) >= day + timedelta(days=n)


@given(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31),
                    timezones=st.just(UTC)), st.integers(min_value=1, max_value=500))
def test_hour_deadlines_are_elapsed_time(trigger: datetime, hours: int) -> None:
    d = Deadline.model_validate({"within": hours, "unit": "hours"})
    for t in (trigger, trigger.astimezone(LONDON)):
        assert elapsed(t, d.due(t, CAL)) == timedelta(hours=hours)


@given(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31),
                    timezones=st.just(UTC)))
def test_a_day_unit_deadline_ends_at_the_end_of_a_local_day(trigger: datetime) -> None:
    for unit in ("working_days", "calendar_days"):
        result = Deadline.model_validate({"within": 1, "unit": unit}).due(trigger, CAL)
        assert result == end_of_day(local_date(result))
        assert local_date(result) > local_date(trigger)


def _walk(cal: WorkingCalendar, start: date, end: date) -> int:
    """Working days after `start` up to `end`, one day at a time (the definition)."""
    return sum(cal.is_working_day(start + timedelta(days=i))
               for i in range(1, (end - start).days + 1))


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31)),
       st.integers(min_value=-40, max_value=3000))
def test_working_days_between_counts_as_a_day_by_day_walk_would(day: date, span: int) -> None:
    cal = WorkingCalendar({date(2027, 3, 5), date(2031, 12, 29)})  # fresh: grows as asked
    end = day + timedelta(days=span)
    assert cal.working_days_between(day, end) == _walk(cal, day, end)
    assert CAL.working_days_between(day, end) == _walk(CAL, day, end)


def test_working_days_between_outside_the_counted_years_walks() -> None:
    assert CAL.working_days_between(date(1899, 12, 29), date(1900, 1, 3)) == _walk(
        CAL, date(1899, 12, 29), date(1900, 1, 3))
    assert CAL.working_days_between(date(2026, 12, 24), date(2026, 12, 31)) == 3
