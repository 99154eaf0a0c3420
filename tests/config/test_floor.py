"""The floor comparator on crafted pairs (contract §6): exact, per trigger instant, with the
England and Wales calendar, bank holidays and both clock changes."""

from __future__ import annotations

import time
from datetime import date, datetime

import pytest

from engine.calendar import LONDON, calendar_for
from engine.config.floor import LOOSER, TIGHTER, compare_deadlines, compare_steps, covers
from engine.config.national import load_national
from engine.spec import Comparison, Deadline, Matcher
from tests.config.configkit import NATIONAL

CAL = calendar_for()
APRIL = date(2026, 4, 1)  # Wednesday before Easter 2026 (Good Friday 3 April)


def d(within: int, unit: str) -> Deadline:
    return Deadline.model_validate({"within": within, "unit": unit})


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(LONDON)


def verdict(base: Deadline, candidate: Deadline, start: date = APRIL, days: int = 731
            ) -> tuple[tuple[datetime, ...] | None, tuple[datetime, ...] | None]:
    v = compare_deadlines(base, candidate, CAL, start, days)

    def conv(x: tuple[datetime, ...] | None) -> tuple[datetime, ...] | None:
        return None if x is None else tuple(t.astimezone(LONDON) for t in x)

    return conv(v.later), conv(v.earlier)


def test_48_hours_is_tighter_than_2_working_days() -> None:
    later, earlier = verdict(d(2, "working_days"), d(48, "hours"))
    assert later is None
    assert earlier == (local("2026-04-01T00:00:00+01:00"), local("2026-04-07T23:59:59.999+01:00"),
                       local("2026-04-03T00:00:00+01:00"))


def test_2_working_days_is_looser_than_48_hours() -> None:
    later, _ = verdict(d(48, "hours"), d(2, "working_days"))
    assert later == (local("2026-04-01T00:00:00+01:00"), local("2026-04-03T00:00:00+01:00"),
                     local("2026-04-07T23:59:59.999+01:00"))


def test_1_working_day_and_3_calendar_days_are_each_looser_somewhere() -> None:
    # 3 calendar days from a Wednesday end on Saturday, after Thursday's 1 WD; but from
    # the Thursday before Easter 1 WD runs over Good Friday and Easter Monday to Tuesday.
    later, earlier = verdict(d(1, "working_days"), d(3, "calendar_days"))
    assert later == (local("2026-04-01T00:00:00+01:00"), local("2026-04-02T23:59:59.999+01:00"),
                     local("2026-04-04T23:59:59.999+01:00"))
    assert earlier == (local("2026-04-02T00:00:00+01:00"), local("2026-04-07T23:59:59.999+01:00"),
                       local("2026-04-05T23:59:59.999+01:00"))


def test_5_working_days_and_7_calendar_days_differ_at_bank_holidays_and_weekends() -> None:
    later, _ = verdict(d(7, "calendar_days"), d(5, "working_days"))
    # From Wed 1 Apr, five working days skip Good Friday and Easter Monday: Fri 10 Apr.
    assert later == (local("2026-04-01T00:00:00+01:00"), local("2026-04-08T23:59:59.999+01:00"),
                     local("2026-04-10T23:59:59.999+01:00"))
    later, _ = verdict(d(5, "working_days"), d(7, "calendar_days"))
    # From a Saturday, 7 calendar days end on Saturday, a day after 5 working days.
    assert later == (local("2026-04-11T00:00:00+01:00"), local("2026-04-17T23:59:59.999+01:00"),
                     local("2026-04-18T23:59:59.999+01:00"))


def test_5_working_days_equals_7_calendar_days_in_a_weekday_only_window() -> None:
    # Mon 13 to Fri 17 April 2026: no bank holiday in the following fortnight.
    assert verdict(d(7, "calendar_days"), d(5, "working_days"), date(2026, 4, 13), 5) == (
        None, None)


def test_hours_against_working_days_over_easter() -> None:
    later, earlier = verdict(d(72, "hours"), d(1, "working_days"))
    # Thursday before Good Friday: 72 hours end on Sunday, 1 WD on Tuesday 7 April.
    assert later == (local("2026-04-02T00:00:00+01:00"), local("2026-04-05T00:00:00+01:00"),
                     local("2026-04-07T23:59:59.999+01:00"))
    assert earlier == (local("2026-04-01T00:00:00+01:00"), local("2026-04-04T00:00:00+01:00"),
                       local("2026-04-02T23:59:59.999+01:00"))


def test_hours_against_working_days_over_christmas_2026() -> None:
    # Thu 24 Dec 2026: Christmas Friday, the weekend and the substitute Boxing Day on
    # Monday 28 December: 1 WD ends on Tuesday 29, after 96 hours (Mon 28, 00:00).
    later, _ = verdict(d(96, "hours"), d(1, "working_days"), date(2026, 12, 24), 1)
    assert later == (local("2026-12-24T00:00:00+00:00"), local("2026-12-28T00:00:00+00:00"),
                     local("2026-12-29T23:59:59.999+00:00"))


def test_24_hours_is_looser_than_1_calendar_day_only_across_the_march_clock_change() -> None:
    # Sat 28 Mar 2026 23:00 GMT + 24 elapsed hours is Mon 00:00 BST, after Sunday ends.
    later, _ = verdict(d(1, "calendar_days"), d(24, "hours"), date(2026, 3, 1), 60)
    assert later == (local("2026-03-28T23:00:00+00:00"), local("2026-03-29T23:59:59.999+01:00"),
                     local("2026-03-30T00:00:00+01:00"))
    # Around the October change the day is 25 hours long: 24 hours is never later.
    assert verdict(d(1, "calendar_days"), d(24, "hours"), date(2026, 10, 1), 60)[0] is None


def test_24_hours_is_never_later_than_1_working_day() -> None:
    assert verdict(d(1, "working_days"), d(24, "hours"))[0] is None


def test_hours_against_hours_compares_elapsed_time() -> None:
    assert verdict(d(24, "hours"), d(25, "hours"))[0] is not None
    assert verdict(d(24, "hours"), d(23, "hours"))[0] is None


def test_the_extra_days_of_the_area_calendar_count() -> None:
    # An extra non-working day on Thu 2 Apr 2026 moves 1 WD from Wed 1 Apr to Tue 7 Apr.
    cal = calendar_for(frozenset({date(2026, 4, 2)}))
    v = compare_deadlines(d(48, "hours"), d(1, "working_days"), cal, APRIL, 1)
    assert v.later is not None
    assert v.later[2] == local("2026-04-07T23:59:59.999+01:00")


def test_two_years_of_hourly_triggers_are_compared_quickly() -> None:
    compare_deadlines.cache_clear()
    started = time.perf_counter()
    v = compare_deadlines(d(10, "working_days"), d(300, "hours"), CAL, date(2027, 1, 1))
    assert v.later is None or v.later[0] is not None
    assert time.perf_counter() - started < 5.0


@pytest.mark.parametrize(("broad", "narrow", "expected"), [
    ({"type": "court.verdict"}, {"type": "court.verdict", "data": {"result": "guilty"}}, True),
    ({"type": "court.verdict", "data": {"result": "guilty"}}, {"type": "court.verdict"}, False),
    ({"type": "cps.charging_decision", "data": {"outcome": ["charge", "nfa"]}},
     {"type": "cps.charging_decision", "data": {"outcome": "nfa"}}, True),
    ({"type": "court.sentenced", "data": {"custody_months": {"gte": 12}}},
     {"type": "court.sentenced", "data": {"custody_months": {"gte": 24}}}, True),
    ({"type": "court.sentenced", "data": {"custody_months": {"gte": 12}}},
     {"type": "court.sentenced", "data": {"custody_months": 6}}, False),
    ({"type": "cps.charge_altered", "data": {"substantial": True}},
     {"type": "cps.charge_altered", "data": {"substantial": 1}}, False),
])
def test_matcher_coverage(broad: dict[str, object], narrow: dict[str, object],
                          expected: bool) -> None:
    assert covers(Matcher.model_validate(broad), Matcher.model_validate(narrow)) is expected
    assert isinstance(Comparison(gte=1), Comparison)


def _national_step(sid: str):  # type: ignore[no-untyped-def]
    step = load_national(NATIONAL).step(sid)
    assert step is not None
    return step


@pytest.mark.parametrize(("sid", "update", "verdicts"), [
    ("police_refer_to_support", {"cancelled_by": []}, [("cancelled_by", TIGHTER)]),
    ("police_refer_to_support",
     {"cancelled_by": [Matcher(type="isva.referral_declined"), Matcher(type="complainant.withdrew"),
                       Matcher.model_validate({"type": "consent.recorded", "data": {
                           "scope": "referral", "granted": False}})]},
     [("cancelled_by", LOOSER)]),
    ("cps_inform_decision", {"trigger": [Matcher(type="cps.case_discontinued")]},
     [("trigger", LOOSER)]),
    ("police_inform_arrest",
     {"trigger": [Matcher(type="police.suspect_arrested"), Matcher(type="police.abe_interview")]},
     [("trigger", TIGHTER)]),
    ("police_inform_arrest",
     {"satisfied_by": Matcher.model_validate({"type": "complainant.informed", "data": {
         "topic": "arrest", "via_isva": False}})}, [("satisfied_by", TIGHTER)]),
    ("police_inform_arrest", {"satisfied_by": Matcher(type="complainant.informed")},
     [("satisfied_by", LOOSER)]),
    ("isva_informed_police_nfa", {"when": None}, [("when", TIGHTER)]),
    ("police_regular_update", {"every": {"days": 29}}, [("every", LOOSER)]),
    ("police_regular_update", {"interval_preference": None}, [("interval_preference", LOOSER)]),
    ("police_regular_update", {"stop_stages": ["charged"]}, [("stop_stages", TIGHTER)]),
    ("police_inform_arrest", {"severity": "low"}, [("severity", "looser")]),
    ("police_inform_arrest", {"severity": "critical"}, [("severity", "tighter")]),
])
def test_step_verdicts(sid: str, update: dict[str, object],
                       verdicts: list[tuple[str, str]]) -> None:
    base = _national_step(sid)
    data = base.model_dump(by_alias=True)
    data.update({k: (v.model_dump() if hasattr(v, "model_dump") else
                     [x.model_dump() for x in v] if isinstance(v, list) and v and
                     hasattr(v[0], "model_dump") else v) for k, v in update.items()})
    candidate = type(base).model_validate(data)
    changes = compare_steps(base, candidate, CAL, APRIL)
    assert [(c.field, c.verdict) for c in changes] == verdicts
