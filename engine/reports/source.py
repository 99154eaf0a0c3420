"""Reads from the store shared by the reports: cases in scope, their events, instances
and the compliance counts.

Every figure in a report is a count or an order statistic over these rows and counts.
The counts (engine/store/counts.py) are kept exact by the sweep, which is what lets the
tests recompute each figure from a per-case evaluation of the events.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from engine.events import Event
from engine.store import cases, compliance_counts, events, instances
from engine.terms import DECIDED_STATUSES

# Instances whose outcome is known: compliance's base (contract §4.6).
DECIDED = tuple(s.value for s in DECIDED_STATUSES)


def latest_as_of(conn: Connection) -> datetime | None:
    """The instant the stored verdicts describe: the latest sweep's as-of."""
    value = conn.execute(select(func.max(cases.c.evaluated_as_of))).scalar()
    if value is None:
        value = conn.execute(select(func.max(instances.c.evaluated_as_of))).scalar()
    return value


def _event(r: Any) -> Event:
    return Event(r.event_id, r.case_id, r.area, r.type, r.at, r.source, r.data,
                 r.at.timestamp())


def case_events(conn: Connection, case_ids: Collection[str], until: datetime | None = None,
                chunk: int = 500, types: Collection[str] | None = None
                ) -> Iterator[tuple[str, list[Event]]]:
    """Each case's events in evaluation order (at, event_id), optionally up to `until`
    and only of `types`."""
    ids = sorted(case_ids)
    for i in range(0, len(ids), chunk):
        q = (select(events).where(events.c.case_id.in_(ids[i:i + chunk]))
             .order_by(events.c.case_id, events.c.at, events.c.event_id))
        if until is not None:
            q = q.where(events.c.at <= until)
        if types is not None:
            q = q.where(events.c.type.in_(sorted(types)))
        current: str | None = None
        batch: list[Event] = []
        for r in conn.execute(q):
            if r.case_id != current:
                if current is not None:
                    yield current, batch
                current, batch = r.case_id, []
            batch.append(_event(r))
        if current is not None:
            yield current, batch


def area_events(conn: Connection, area: str, types: Collection[str]) -> list[Event]:
    """Area-level events (no case) of the given types, in time order."""
    q = (select(events).where(events.c.case_id.is_(None), events.c.area == area,
                              events.c.type.in_(sorted(types)))
         .order_by(events.c.at, events.c.event_id))
    return [_event(r) for r in conn.execute(q)]


def instance_counts(conn: Connection, areas: Collection[str] | None,
                    statuses: Collection[str], by: tuple[str, ...],
                    period: str | None = None) -> dict[tuple[Any, ...], int]:
    """Counts of instances grouped by `by` (of area, step, version, owner) plus status,
    optionally only those due in `period` (a quarter, `2026Q2`), read from the compliance
    counts rather than from instance rows (met instances have none)."""
    c = compliance_counts.c
    cols = [c[name] for name in by]
    q = (select(*cols, c.status, func.sum(c.n))
         .where(c.status.in_(sorted(statuses)))
         .group_by(*cols, c.status))
    if areas is not None:
        q = q.where(c.area.in_(sorted(areas)))
    if period is not None:
        q = q.where(c.period == period)
    return {tuple(r[:-1]): int(r[-1]) for r in conn.execute(q) if r[-1]}
