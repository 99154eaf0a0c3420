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
from datetime import date

from sqlalchemy import Connection, and_, case, func, or_, select

from engine.evaluate.milestones import KEYS, MILESTONES
from engine.reports.case_facts import CaseRow, judged_cases, scoped, usable
from engine.reports.facts import Facts
from engine.store import cases

__all__ = ["KEYS", "LABELS", "AreaFunnel", "funnels", "gap_keys"]

LABELS = dict((k, label) for k, label, _ms in MILESTONES)


@dataclass(frozen=True)
class AreaFunnel:
    area: str
    reached: dict[str, int]  # milestone -> cases that reached it
    gaps: dict[str, list[int]]  # "a→b" -> working days for cases with both events


def gap_keys() -> list[str]:
    return [f"{a}→{b}" for a, b in zip(KEYS, KEYS[1:], strict=False)]


def funnels(conn: Connection, facts: Facts, areas: Collection[str] | None = None,
            judged: list[CaseRow] | None = None) -> dict[str, AreaFunnel]:
    """One funnel per area with cases (the case's current area), from each case's first
    event of each milestone (every event counts, future-dated ones too). The stored
    milestones are counted in SQL; `judged` are the cases whose stored facts are not
    usable (engine/reports/case_facts.py), read here unless the caller has."""
    if judged is None:
        judged = judged_cases(conn, facts.stages, areas)
    days = [cases.c[f"{k}_day"] for k in KEYS]
    furthest = case(*((d.is_not(None), i) for i, d in reversed(list(enumerate(days)))),
                    else_=0)
    out: dict[str, AreaFunnel] = {}

    def funnel(area: str) -> AreaFunnel:
        return out.setdefault(area, AreaFunnel(area, dict.fromkeys(KEYS, 0), defaultdict(list)))

    def reach(area: str, last: int, n: int) -> None:
        for k in KEYS[:last + 1]:
            funnel(area).reached[k] += n

    def gaps(area: str, seen: dict[str, int], n: int) -> None:
        calendar = facts.calendar(area)
        for a, b in zip(KEYS, KEYS[1:], strict=False):
            if a in seen and b in seen:
                funnel(area).gaps[f"{a}→{b}"] += [calendar.working_days_between(
                    date.fromordinal(seen[a]), date.fromordinal(seen[b]))] * n

    # One pass: cases with fewer than two milestones only counted by the furthest they
    # reached, the others grouped by their milestone days too (for the gaps).
    pairs = or_(*(and_(a.is_not(None), b.is_not(None)) for a, b in zip(days, days[1:],
                                                                        strict=False)))
    with_gaps = [case((pairs, d)) for d in days]
    q = (select(cases.c.area, furthest, *with_gaps, func.count()).where(usable(facts.stages))
         .group_by(cases.c.area, furthest, *with_gaps))
    for area, last, *found, n in conn.execute(scoped(q, areas)):
        reach(area, last, n)
        gaps(area, {k: d for k, d in zip(KEYS, found, strict=True) if d is not None}, n)
    for row in judged:
        seen = row.facts.milestone_days
        reach(row.area, max((KEYS.index(k) for k in seen), default=0), 1)
        gaps(row.area, seen, 1)
    return out
