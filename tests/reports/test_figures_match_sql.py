"""Every figure in the three reports equals a count computed here straight from the
store with SQL (and, for ageing, an independent reading of the stage rules)."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict

import pytest

from engine.calendar import local_date
from engine.reports.board import build_board
from engine.reports.disclosure import MARK
from engine.reports.national import build_national
from engine.reports.quarter import Quarter
from engine.reports.scrutiny import build_scrutiny
from tests.reports.cohort import AS_OF
from tests.reports.sql import sql
from tests.store.judged import verdicts


@pytest.fixture(scope="module", params=["store", "simulated_store"])
def any_store(request):
    """The hand-shaped cohort and one from the project's simulator."""
    return request.getfixturevalue(request.param)


@pytest.fixture(scope="module")
def board(any_store):
    return build_board(any_store.engine, any_store.facts)


@pytest.fixture(scope="module")
def national(any_store):
    return build_national(any_store.engine, any_store.facts)


def as_of(store):
    from datetime import UTC, datetime

    value = sql(store, "SELECT max(evaluated_as_of) FROM cases")[0][0]
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def test_board_counts_cases_per_stage_per_area_as_the_cases_table_does(any_store, board):
    store = any_store
    expected: dict[str, Counter] = defaultdict(Counter)
    for area, stage, n in sql(store, "SELECT area, stage, count(*) FROM cases GROUP BY 1, 2"):
        expected[area][stage] = n
    with_cases = {a for a, row in board.data["by_area"].items() if row["total"]}
    assert with_cases == set(expected) and {"kent", "metropolitan", "cumbria"} <= with_cases
    for area, row in board.data["by_area"].items():
        assert {s: n for s, n in row.items() if n and s != "total"} == dict(expected[area])
        assert row["total"] == sql(store, "SELECT count(*) FROM cases WHERE area = :a",
                                   a=area)[0][0]


def test_board_rolls_forces_up_to_cps_areas_with_the_met_in_both_london_areas(any_store, board):
    store = any_store
    met = sql(store, "SELECT count(*) FROM cases WHERE area = 'metropolitan'")[0][0]
    assert board.data["by_cps_area"]["london-north"]["total"] == met
    assert board.data["by_cps_area"]["london-south"]["total"] == met
    kent = sql(store, "SELECT count(*) FROM cases WHERE area = 'kent'")[0][0]
    assert board.data["by_cps_area"]["south-east"]["total"] == kent


def test_board_overdue_by_owner_equals_missed_and_due_soon_instances(any_store, board):
    store = any_store
    rows = sql(store, "SELECT owner, area, status, count(*) FROM instances "
                      "WHERE status IN ('missed', 'due_soon') GROUP BY 1, 2, 3")
    expected = {(o, a, s): n for o, a, s, n in rows}
    got = {}
    for r in board.data["overdue_by_owner"]:
        for status in ("missed", "due_soon"):
            if r[status]:
                got[(r["owner"], r["area"], status)] = r[status]
    assert got == expected and sum(expected.values()) > 0


def _entry_instants(store, until):
    """When each open case entered its stored stage: the first event of the last run of
    events that set that stage with no event setting another stage after it."""
    rules = {s.id: s for s in store.facts.stages}
    closed = store.facts.closed_stages

    def sets(stage_id, type_, data):
        for m in rules[stage_id].set_by:
            if m.type == type_ and all(
                    data.get(k) in (v if isinstance(v, list) else [v]) for k, v in m.data.items()):
                return True
        return False

    out = {}
    for case_id, area, stage in sql(store, "SELECT case_id, area, stage FROM cases"):
        if stage in closed:
            continue
        evs = sql(store, "SELECT type, data, at FROM events WHERE case_id = :c AND at <= :t "
                         "ORDER BY at, event_id", c=case_id, t=until.replace(tzinfo=None))
        entry, first_at = None, evs[0][2]
        import json
        for type_, data, at in evs:
            data = json.loads(data) if isinstance(data, str) else data
            setters = [s for s in rules if sets(s, type_, data)]
            if not setters:
                continue
            if setters[0] == stage and entry is None:
                entry = at
            elif setters[0] != stage:
                entry = None
        out[case_id] = (area, stage, entry or first_at)
    return out


def test_board_ageing_is_the_median_and_p90_of_working_days_since_entering_the_stage(
        any_store, board):
    from datetime import datetime

    store, until = any_store, as_of(any_store)
    by_stage = defaultdict(list)
    for area, stage, entry in _entry_instants(store, until).values():
        at = datetime.fromisoformat(str(entry)).replace(tzinfo=until.tzinfo)
        by_stage[stage].append(store.facts.calendar(area).working_days_between(
            local_date(at), local_date(until)))
    assert by_stage
    for stage, values in by_stage.items():
        row = board.data["ageing"][stage]
        assert row["cases"] == len(values)
        assert row["median_wd"] == round(statistics.median(values), 1)
        p90 = statistics.quantiles(values, n=10, method="inclusive")[8] if len(values) > 1 \
            else values[0]
        assert row["p90_wd"] == round(p90, 1)


def test_national_compliance_is_met_over_decided_instances_from_the_events(any_store, national):
    """Met instances are counted, not stored: the figures are held to a per-case
    evaluation of every case's events."""
    counts: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for area, step, status, _due in verdicts(any_store.url):
        if status in ("met", "late", "missed"):
            counts[(area, step)][status] += 1
    by_key = {(r["area"], r["step"]): r for r in national.data["compliance"]}
    checked = 0
    for (area, step), c in counts.items():
        r = by_key[(area, step)]
        decided = c["met"] + c["late"] + c["missed"]
        for shown, n in ((r["due"], decided), (r["met"], c["met"]), (r["late"], c["late"]),
                         (r["missed"], c["missed"])):
            assert _agrees(shown, n), (area, step)
        if MARK in (r["due"], r["met"]):
            assert r["rate"] is None and r["ci_low"] is None
        else:
            assert r["rate"] == round(c["met"] / decided, 4)
            checked += 1
    assert checked >= 10


def _agrees(shown, n):
    """A published count is the count itself, or withheld; a count from 1 to 4 is always
    withheld (secondary suppression may withhold larger ones)."""
    return shown == MARK if 1 <= n <= 4 else shown in (n, MARK)


FUNNEL_SQL = {
    "referred": "type IN ('police.file_submitted', 'cps.charging_decision')",
    "charged": "type = 'cps.charging_decision' AND json_extract(data, '$.outcome') = 'charge'",
    "court": "type IN ('court.hearing_listed', 'court.plea', 'court.verdict', 'court.sentenced')",
    "concluded": "(type = 'court.verdict' AND json_extract(data, '$.result') IN "
                 "('guilty', 'not_guilty')) OR type = 'court.sentenced' OR (type = 'case.closed' "
                 "AND json_extract(data, '$.reason') = 'concluded')",
}


def test_national_funnel_counts_cases_reaching_each_milestone_or_a_later_one(
        any_store, national):
    store = any_store
    order = ["referred", "charged", "court", "concluded"]
    rows = {r["area"]: r for r in national.data["funnel"]}
    for (area,) in sql(store, "SELECT DISTINCT area FROM cases"):
        assert _agrees(rows[area]["reported"],
                       sql(store, "SELECT count(*) FROM cases WHERE area = :a", a=area)[0][0])
        for i, key in enumerate(order):
            later = " OR ".join(f"({FUNNEL_SQL[k]})" for k in order[i:])
            n = sql(store, f"SELECT count(DISTINCT e.case_id) FROM events e JOIN cases c "
                           f"ON c.case_id = e.case_id WHERE c.area = :a AND ({later})",
                    a=area)[0][0]
            assert _agrees(rows[area][key], n), (area, key)


def test_national_lists_every_derogation_with_its_expiry(any_store, national):
    store = any_store
    today = local_date(as_of(store))
    assert [(d["area"], d["step"], d["expires"], d["state"])
            for d in national.data["derogations"]] == [
        (a, s, d.expires.isoformat(), "expired" if d.expires < today else "in force")
        for a in sorted(store.facts.templates)
        for s, d in sorted(store.facts.templates[a].derogations.items())]
    # Lancashire's derogation ran to 2026-09-30: in force at the end of June, expired by
    # the simulator's as-of in November.
    lancashire = {d["area"]: d["state"] for d in national.data["derogations"]}["lancashire"]
    assert lancashire == ("in force" if today.month == 6 else "expired")
    assert ("kent", "wcu_inform_hearing", "2026-12-31", "in force") in [
        (d["area"], d["step"], d["expires"], d["state"]) for d in national.data["derogations"]]


def test_scrutiny_pack_compliance_by_step_counts_instances_due_in_the_quarter(store):
    q = Quarter.parse("2026Q2")
    pack = build_scrutiny(store.engine, store.facts, "kent", q, seed=11, sample_size=4,
                          suppress=False)
    judged = verdicts(store.url)  # met instances are counted, not stored: judge the events
    for quarter, prefix in ((q, ""), (q.previous(), "prev_")):
        due: Counter = Counter()
        met: Counter = Counter()
        for area, step, status, at in judged:
            if (area == "kent" and status in ("met", "late", "missed") and at is not None
                    and quarter.start <= at < quarter.end):
                due[step] += 1
                met[step] += status == "met"
        got = {r["step"]: (r[f"{prefix}due"], r[f"{prefix}met"])
               for r in pack.data["compliance_by_step"] if r[f"{prefix}due"]}
        assert got == {s: (due[s], met[s]) for s in due}
    assert [m["date"] for m in pack.data["meetings"]] == ["2026-02-10", "2026-05-12"]


def test_scrutiny_sample_is_reproducible_and_drawn_from_flagged_cases(store):
    q = Quarter.parse("2026Q2")
    a = build_scrutiny(store.engine, store.facts, "kent", q, seed=11, sample_size=4)
    b = build_scrutiny(store.engine, store.facts, "kent", q, seed=11, sample_size=4)
    c = build_scrutiny(store.engine, store.facts, "kent", q, seed=12, sample_size=4)
    ids = [x["case_id"] for x in a.data["sample"]["cases"]]
    assert ids == [x["case_id"] for x in b.data["sample"]["cases"]]
    assert ids != [x["case_id"] for x in c.data["sample"]["cases"]]
    flagged = {r[0] for r in sql(
        store, "SELECT DISTINCT case_id FROM instances WHERE area = 'kent' AND status IN "
               "('late', 'missed', 'due_soon', 'violated') AND ((due >= :s AND due < :e) OR "
               "(due IS NULL AND trigger_at >= :s AND trigger_at < :e))",
        s=q.start.astimezone(AS_OF.tzinfo).replace(tzinfo=None),
        e=q.end.astimezone(AS_OF.tzinfo).replace(tzinfo=None))}
    assert len(ids) == 4 and set(ids) <= flagged
    assert a.data["sample"]["flagged_cases"] == len(flagged)
    timeline = a.data["sample"]["cases"][0]
    assert timeline["events"] and all(i["explanation"] for i in timeline["instances"])
