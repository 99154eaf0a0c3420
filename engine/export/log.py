"""The event log as the exporters see it: per case (or per area, for area-level
events), the events in evaluation order and the step instances the sweep stored.

Read straight from the store's tables so that an export shows exactly what the reports
and the API show.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from engine.store.tables import cases, events, instances


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    event_id: str
    type: str
    at: datetime
    source: str
    area: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class LoggedInstance:
    id: int
    step: str
    status: str
    trigger_event: str | None
    trigger_at: datetime | None
    due: datetime | None
    satisfied_by: str | None
    owner: str
    severity: str
    explanation: str
    version: str
    evaluated_as_of: datetime


@dataclass(slots=True)
class Trace:
    """One case (`case_id` set) or the area-level log of one area (`case_id` None)."""

    case_id: str | None
    area: str
    stage: str | None
    events: list[LoggedEvent] = field(default_factory=list)
    instances: list[LoggedInstance] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.case_id if self.case_id is not None else f"area:{self.area}"


def _instance(row: Any) -> LoggedInstance:
    return LoggedInstance(row.id, row.step, row.status, row.trigger_event, row.trigger_at,
                          row.due, row.satisfied_by, row.owner, row.severity, row.explanation,
                          row.version, row.evaluated_as_of)


def read_traces(engine: Engine, area: str | None = None) -> Iterator[Trace]:
    """Every trace, cases by case_id then each area's area-level trace.

    An area filter keeps the cases whose current area it is (after transfers) and that
    area's area-level events.
    """
    case_q = select(cases.c.case_id, cases.c.area, cases.c.stage).order_by(cases.c.case_id)
    ev_q = (select(events).where(events.c.case_id.is_not(None))
            .order_by(events.c.case_id, events.c.at, events.c.event_id))
    in_q = (select(instances).where(instances.c.case_id.is_not(None))
            .order_by(instances.c.case_id, instances.c.trigger_at, instances.c.id))
    if area is not None:
        case_q = case_q.where(cases.c.area == area)
        in_cases = select(cases.c.case_id).where(cases.c.area == area)
        ev_q = ev_q.where(events.c.case_id.in_(in_cases))
        in_q = in_q.where(instances.c.case_id.in_(in_cases))
    with engine.connect() as conn:
        traces = {r.case_id: Trace(r.case_id, r.area, r.stage) for r in conn.execute(case_q)}
        for r in conn.execute(ev_q):
            if r.case_id in traces:
                traces[r.case_id].events.append(
                    LoggedEvent(r.event_id, r.type, r.at, r.source, r.area, r.data))
        for r in conn.execute(in_q):
            if r.case_id in traces:
                traces[r.case_id].instances.append(_instance(r))
        yield from traces.values()
        area_ev = select(events).where(events.c.case_id.is_(None))
        area_in = select(instances).where(instances.c.case_id.is_(None))
        if area is not None:
            area_ev = area_ev.where(events.c.area == area)
            area_in = area_in.where(instances.c.area == area)
        by_area: dict[str, Trace] = {}
        for r in conn.execute(area_ev.order_by(events.c.area, events.c.at, events.c.event_id)):
            by_area.setdefault(r.area, Trace(None, r.area, None)).events.append(
                LoggedEvent(r.event_id, r.type, r.at, r.source, r.area, r.data))
        for r in conn.execute(area_in.order_by(instances.c.area, instances.c.trigger_at,
                                               instances.c.id)):
            by_area.setdefault(r.area, Trace(None, r.area, None)).instances.append(_instance(r))
        for key in sorted(by_area):
            yield by_area[key]
