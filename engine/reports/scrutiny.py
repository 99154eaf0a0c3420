"""The scrutiny pack: one area, one quarter, for its Local Multi-Agency Rape Strategic
and Scrutiny Group (contract §1).

Compliance by step and by owner for instances due in the quarter, against the previous
quarter; violations of prohibitions in the quarter; the derogations in force; the
group's own meeting record; and a seeded random sample of flagged cases with their
timelines, so the group can read real cases and the same seed gives the same sample.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select

from engine.calendar import LONDON, local_date
from engine.errors import InputError
from engine.reports import disclosure, source, svg
from engine.reports.case_facts import judged_cases
from engine.reports.facts import Facts
from engine.reports.funnel import KEYS, LABELS, funnels
from engine.reports.model import Report, Table
from engine.reports.outcomes import gather, outcome_tables, register
from engine.reports.quarter import Quarter
from engine.store import (
    VERDICT_COLUMNS,
    case_timeline,
    explain_rows,
    instance_json,
    instances,
    judge_area,
    reading,
    rules_for,
)
from engine.terms import FLAG_STATUSES

MEETING = "area.scrutiny_meeting_held"
MEETING_STEP = "scrutiny_group_meets"


def _compliance(counts: dict[tuple[Any, ...], int]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (k, status), n in counts.items():
        out[k][status] += n
        if status in source.DECIDED:
            out[k]["due"] += n
    return out


FIELDS = ("due", "met", "late", "missed")


Counts = dict[tuple[Any, ...], int]


def _register(pub: disclosure.Publication, by: Mapping[str, tuple[Counts, Counts]],
              steps: list[str], owners: list[str]) -> None:
    """Both quarters' compliance by step and by owner, with the sums a reader could use:
    due = met + late + missed in each row, and the step table and the owner table split
    the same instances, so their columns add up to the same totals."""
    for q in ("now", "prev"):
        for kind, keys, counts in (("step", steps, by[q][0]), ("owner", owners, by[q][1])):
            table = _compliance(counts)
            for k in keys:
                for f in FIELDS:
                    pub.count((kind, q, k, f), table.get(k, {}).get(f, 0))
                pub.total((kind, q, k, "due"), [(kind, q, k, f) for f in FIELDS[1:]])
        for f in FIELDS:
            pub.balance([("step", q, k, f) for k in steps], [("owner", q, k, f) for k in owners])


def _rows(shown: disclosure.Disclosed, kind: str, keys: list[str]) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for k in keys:
        if not shown.values[(kind, "now", k, "due")] and not shown.values[(kind, "prev", k,
                                                                            "due")]:
            continue
        now = [(kind, "now", k, f) for f in FIELDS]
        prev = [(kind, "prev", k, f) for f in FIELDS]
        rate, low, high = shown.rate_cells(now[1], now[0])
        before, _l, _h = shown.rate_cells(prev[1], prev[0])
        change = None if rate is None or before is None else round(rate - before, 4)
        rows.append((k, *(shown[c] for c in now), rate, low, high, shown[prev[0]],
                     shown[prev[1]], before, change))
    return rows


COMPLIANCE_COLUMNS = ("due", "met", "late", "missed", "rate", "ci_low", "ci_high",
                      "prev_due", "prev_met", "prev_rate", "change")


def flagged_cases(engine: Engine, area: str, quarter: Quarter) -> list[str]:
    """Cases of the area with a flagged instance due in the quarter (a prohibition's
    violation counts when it happened in the quarter), sorted."""
    in_quarter = or_(and_(instances.c.due >= quarter.start, instances.c.due < quarter.end),
                     and_(instances.c.due.is_(None), instances.c.trigger_at >= quarter.start,
                          instances.c.trigger_at < quarter.end))
    q = (select(instances.c.case_id).distinct()
         .where(instances.c.area == area, instances.c.case_id.is_not(None),
                instances.c.status.in_(sorted(FLAG_STATUSES)), in_quarter)
         .order_by(instances.c.case_id))
    with reading(engine) as conn:
        return [r[0] for r in conn.execute(q)]


def sample_cases(case_ids: list[str], seed: int, size: int) -> list[str]:
    """A reproducible sample: the same cases, seed and size give the same sample."""
    return sorted(random.Random(seed).sample(sorted(case_ids), min(size, len(case_ids))))


def build_scrutiny(engine: Engine, facts: Facts, area: str, quarter: Quarter, seed: int = 1,
                   sample_size: int = 5, now: datetime | None = None,
                   suppress: bool = True) -> Report:
    """The pack; its counts go through disclosure control (`suppress`) because the pack
    leaves the force for a multi-agency group. Its violations and sampled timelines are
    case-level by design: the group reviews those cases."""
    if area not in facts.area_names:
        raise InputError(f"unknown area {area!r}")
    prev = quarter.previous()
    rules = rules_for(engine, facts.config_dir)
    with reading(engine) as conn:
        as_of = source.latest_as_of(conn) or datetime.now(UTC)
        by = {}
        for name, q in (("now", quarter), ("prev", prev)):
            by[name] = (source.instance_counts(conn, {area}, source.DECIDED, ("step",), str(q)),
                        source.instance_counts(conn, {area}, source.DECIDED, ("owner",), str(q)))
        violations = conn.execute(
            select(*VERDICT_COLUMNS)
            .where(instances.c.area == area, instances.c.status == "violated",
                   instances.c.trigger_at >= quarter.start, instances.c.trigger_at < quarter.end)
            .order_by(instances.c.trigger_at)).all()
        meetings = [e for e in source.area_events(conn, area, {MEETING})
                    if e.at < quarter.end]
        # Every period of the cadence, met ones included: the area judged again as of
        # the instant its stored rows describe (the store keeps only what lists read).
        judged_at = conn.execute(select(func.max(instances.c.evaluated_as_of)).where(
            instances.c.area == area, instances.c.case_id.is_(None))).scalar() or as_of
        cadence = [i for i in judge_area(conn, rules, area, judged_at)
                   if i.step == MEETING_STEP]
        said = explain_rows(conn, violations, rules)
        judged = judged_cases(conn, facts.stages, {area})
        area_funnel = funnels(conn, facts, {area}, judged).get(area)
        outcomes = gather(conn, facts, [area], judged)
    flagged = flagged_cases(engine, area, quarter)
    sampled = sample_cases(flagged, seed, sample_size)
    with reading(engine) as conn:
        timelines = [t for t in (case_timeline(conn, cid, rules) for cid in sampled)
                     if t is not None]

    steps = facts.step_order()
    owners = sorted({k[0] for k in (*by["now"][1], *by["prev"][1])})
    pub = disclosure.Publication()
    _register(pub, by, steps, owners)
    for k in KEYS:
        pub.count(("funnel", k), area_funnel.reached[k] if area_funnel else 0)
    register(pub, outcomes)
    shown = pub.protect(suppress)
    step_rows = _rows(shown, "step", steps)
    owner_rows = _rows(shown, "owner", owners)
    violation_rows = [(r.step, r.trigger_at.astimezone(LONDON).isoformat(), r.case_id, text)
                      for r, text in zip(violations, said, strict=True)]
    template = facts.template(area)
    start_day = quarter.first_day
    derogation_rows = [(step, facts.variant(area, step), d.justification, d.approved_by,
                        d.expires.isoformat())
                       for step, d in sorted(template.derogations.items())
                       if d.expires >= start_day]
    meeting_rows = [(local_date(e.at).isoformat(), "held", e.event_id) for e in meetings]
    cadence_rows = [(str(i.status),
                     None if i.due is None else i.due.astimezone(LONDON).isoformat(),
                     i.satisfied_by, i.explanation) for i in cadence]
    group = facts.scrutiny_groups.get(area)
    tables = [
        Table("compliance_by_step", f"Compliance by step, {quarter} against {prev}",
              ("step", *COMPLIANCE_COLUMNS), step_rows,
              note="Instances due in the quarter whose outcome is decided; rate = met on time "
                   "÷ due, with Wilson 95% interval; change is in proportion points."),
        Table("compliance_by_owner", f"Compliance by owner, {quarter} against {prev}",
              ("owner", *COMPLIANCE_COLUMNS), owner_rows),
        Table("violations", f"Prohibitions violated in {quarter}",
              ("step", "at", "case_id", "explanation"), violation_rows),
        Table("derogations", f"Derogations in force in {quarter}",
              ("step", "variant", "justification", "approved_by", "expires"), derogation_rows),
        Table("meetings", "The scrutiny group's meetings, up to the end of the quarter",
              ("date", "record", "event_id"), meeting_rows),
        Table("meeting_cadence", "Scrutiny group cadence (step scrutiny_group_meets)",
              ("status", "due", "satisfied_by", "explanation"), cadence_rows),
    ]
    data: dict[str, Any] = {
        "report": "scrutiny", "area": area, "area_name": facts.area_names[area],
        "scrutiny_group": group, "quarter": str(quarter), "previous_quarter": str(prev),
        "as_of": as_of.isoformat(), "generated_at": (now or datetime.now(UTC)).isoformat(),
        "suppressed": suppress,
        "compliance_by_step": [dict(zip(tables[0].columns, r, strict=True)) for r in step_rows],
        "compliance_by_owner": [dict(zip(tables[1].columns, r, strict=True))
                                for r in owner_rows],
        "violations": [dict(zip(tables[2].columns, r, strict=True)) for r in violation_rows],
        "derogations": [dict(zip(tables[3].columns, r, strict=True)) for r in derogation_rows],
        "meetings": [dict(zip(tables[4].columns, r, strict=True)) for r in meeting_rows],
        "meeting_cadence": [instance_json(i, i.explanation) for i in cadence],
        "sample": {"seed": seed, "size": sample_size, "flagged_cases": len(flagged),
                   "method": (f"{len(sampled)} of the {len(flagged)} cases with a flag due in "
                              f"{quarter}, drawn with seed {seed} (Python random.sample over "
                              "the sorted case ids); the same seed draws the same cases."),
                   "cases": timelines},
    }
    outcome_part, outcome_data = outcome_tables(shown, outcomes, lambda a: ("funnel", "reported"))
    tables += outcome_part
    data.update(outcome_data)
    title = f"Scrutiny pack: {facts.area_names[area]}, {quarter}"
    if group:
        title += f" ({group})"
    charts = {
        "compliance_by_step": svg.paired_bars(
            [(str(r[0]), _as_rate(r[10]), _as_rate(r[5])) for r in step_rows],
            f"Met on time by step: {prev} and {quarter}", str(prev), str(quarter)),
        "funnel": svg.funnel([(LABELS[k], shown[("funnel", k)]) for k in KEYS],
                             f"Funnel of {facts.area_names[area]}'s cases"),
    }
    return Report("scrutiny", title, data, tables, charts,
                  notes=[disclosure.NOTE] if suppress else [])


def _as_rate(value: object) -> float | None:
    return value if isinstance(value, float) else None
