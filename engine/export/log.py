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

from engine.store import cases, events, instances


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


# Explicit columns in dataclass field order: rows unpack positionally into the dataclasses,
# which is several times faster than named access on a large log.
EVENT_COLUMNS = (events.c.event_id, events.c.type, events.c.at, events.c.source, events.c.area,
                 events.c.data)
INSTANCE_COLUMNS = (instances.c.id, instances.c.step, instances.c.status,
                    instances.c.trigger_event, instances.c.trigger_at, instances.c.due,
                    instances.c.satisfied_by, instances.c.owner, instances.c.severity,
                    instances.c.explanation, instances.c.version, instances.c.evaluated_as_of)


CHUNK = 1000  # cases read per round trip: memory stays bounded on a national log


def read_traces(engine: Engine, area: str | None = None, chunk: int = CHUNK
                ) -> Iterator[Trace]:
    """Every trace, cases by case_id then each area's area-level trace, read `chunk`
    cases at a time so that a national log streams through in bounded memory.

    An area filter keeps the cases whose current area it is (after transfers) and that
    area's area-level events.
    """
    case_q = select(cases.c.case_id, cases.c.area, cases.c.stage).order_by(cases.c.case_id)
    if area is not None:
        case_q = case_q.where(cases.c.area == area)
    with engine.connect() as conn:
        case_rows = conn.execute(case_q).all()
        for i in range(0, len(case_rows), chunk):
            traces = {r[0]: Trace(r[0], r[1], r[2]) for r in case_rows[i:i + chunk]}
            ids = list(traces)
            ev_q = (select(events.c.case_id, *EVENT_COLUMNS).where(events.c.case_id.in_(ids))
                    .order_by(events.c.case_id, events.c.at, events.c.event_id))
            for case_id, *ev in conn.execute(ev_q):
                traces[case_id].events.append(LoggedEvent(*ev))
            in_q = (select(instances.c.case_id, *INSTANCE_COLUMNS)
                    .where(instances.c.case_id.in_(ids))
                    .order_by(instances.c.case_id, instances.c.trigger_at, instances.c.id))
            for case_id, *inst in conn.execute(in_q):
                traces[case_id].instances.append(LoggedInstance(*inst))
            yield from traces.values()
        area_ev = select(*EVENT_COLUMNS).where(events.c.case_id.is_(None))
        area_in = select(instances.c.area, *INSTANCE_COLUMNS).where(instances.c.case_id.is_(None))
        if area is not None:
            area_ev = area_ev.where(events.c.area == area)
            area_in = area_in.where(instances.c.area == area)
        by_area: dict[str, Trace] = {}
        for row in conn.execute(area_ev.order_by(events.c.area, events.c.at,
                                                 events.c.event_id)):
            e = LoggedEvent(*row)
            by_area.setdefault(e.area, Trace(None, e.area, None)).events.append(e)
        for inst_area, *inst in conn.execute(area_in.order_by(
                instances.c.area, instances.c.trigger_at, instances.c.id)):
            by_area.setdefault(inst_area, Trace(None, inst_area, None)).instances.append(
                LoggedInstance(*inst))
        for key in sorted(by_area):
            yield by_area[key]
