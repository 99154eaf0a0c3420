"""The attrition funnel per area: reported → referred to CPS → charged → reached court →
concluded, and the median working days between consecutive milestones.

A milestone is reached by a case that has one of its events or has reached a later one
(a case listed for trial was charged even if the charge event is missing from the feed),
so the funnel never widens. Times between milestones use only the events themselves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from engine.calendar import local_date
from engine.evaluate.compiled import CompiledMatcher
from engine.events import Event
from engine.reports.facts import Facts
from engine.spec import Matcher
from engine.store import cases, events


def _m(type_: str, **data: object) -> CompiledMatcher:
    return CompiledMatcher(Matcher.model_validate({"type": type_, "data": data}))


MILESTONES: tuple[tuple[str, str, tuple[CompiledMatcher, ...]], ...] = (
    ("reported", "Reported", (_m("case.reported"),)),
    ("referred", "Referred to CPS", (_m("police.file_submitted"), _m("cps.charging_decision"))),
    ("charged", "Charged", (_m("cps.charging_decision", outcome="charge"),)),
    ("court", "Reached court", (_m("court.hearing_listed"), _m("court.plea"),
                                _m("court.verdict"), _m("court.sentenced"))),
    ("concluded", "Concluded", (_m("court.verdict", result=["guilty", "not_guilty"]),
                                _m("court.sentenced"), _m("case.closed", reason="concluded"))),
)
KEYS = tuple(k for k, _label, _ms in MILESTONES)
LABELS = dict((k, label) for k, label, _ms in MILESTONES)
TYPES = sorted({m.type for _k, _l, ms in MILESTONES for m in ms})


@dataclass(frozen=True)
class AreaFunnel:
    area: str
    reached: dict[str, int]  # milestone -> cases that reached it
    gaps: dict[str, list[int]]  # "a→b" -> working days for cases with both events


def gap_keys() -> list[str]:
    return [f"{a}→{b}" for a, b in zip(KEYS, KEYS[1:], strict=False)]


def funnels(conn: Connection, facts: Facts, areas: Collection[str] | None = None,
            until: datetime | None = None) -> dict[str, AreaFunnel]:
    """One funnel per area with cases (the case's current area), from the events table."""
    first: dict[str, dict[str, datetime]] = defaultdict(dict)
    area_of: dict[str, str] = {}
    case_q = select(cases.c.case_id, cases.c.area, cases.c.first_event_at)
    if areas is not None:
        case_q = case_q.where(cases.c.area.in_(sorted(areas)))
    for r in conn.execute(case_q):
        area_of[r.case_id] = r.area
    q = (select(events.c.event_id, events.c.case_id, events.c.area, events.c.type,
                events.c.at, events.c.source, events.c.data)
         .where(events.c.type.in_(TYPES), events.c.case_id.is_not(None))
         .order_by(events.c.at, events.c.event_id))
    if areas is not None:
        q = q.where(events.c.case_id.in_(select(cases.c.case_id)
                                         .where(cases.c.area.in_(sorted(areas)))))
    if until is not None:
        q = q.where(events.c.at <= until)
    for row in conn.execute(q):
        if row.case_id not in area_of:
            continue
        ev = Event(row.event_id, row.case_id, row.area, row.type, row.at, row.source, row.data,
                   0.0)
        seen = first[row.case_id]
        for key, _label, matchers in MILESTONES:
            if key not in seen and any(m.type == ev.type and m.test(ev) for m in matchers):
                seen[key] = row.at
    out: dict[str, AreaFunnel] = {}
    for case_id, area in area_of.items():
        f = out.setdefault(area, AreaFunnel(area, dict.fromkeys(KEYS, 0), defaultdict(list)))
        seen = first.get(case_id, {})
        furthest = max((KEYS.index(k) for k in seen), default=0)
        for k in KEYS[:furthest + 1]:
            f.reached[k] += 1
        calendar = facts.calendar(area)
        for a, b in zip(KEYS, KEYS[1:], strict=False):
            if a in seen and b in seen:
                f.gaps[f"{a}→{b}"].append(calendar.working_days_between(
                    local_date(seen[a]), local_date(seen[b])))
    return out
