"""The event log as the exporters see it: per case (or per area, for area-level
events), the events in evaluation order and the step instances the sweep stored.

Read straight from the store's tables so that an export shows exactly what the reports
and the API show. Instances carry their verdicts, not text: an exporter that writes
explanations builds them from the trace's own events (`engine.store.explain_from`), so
explaining costs no further read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from engine.events import Event
from engine.rules import Rules
from engine.store import cases, events, explain_from, instances, rules_for

# An event as logged is an event: the evaluator can judge the trace from it.
LoggedEvent = Event


@dataclass(frozen=True, slots=True)
class LoggedInstance:
    id: int
    case_id: str | None
    area: str
    step: str
    status: str
    trigger_event: str | None
    trigger_at: datetime | None
    due: datetime | None
    satisfied_by: str | None
    owner: str
    severity: str
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
    rules: Rules | None = None  # what judged it: explanations are built from these

    def explanations(self) -> list[str]:
        """Each instance's explanation, from this trace's own events (no further read)."""
        if not self.instances:
            return []
        assert self.rules is not None, "read_traces gives every trace its rules"
        if self.case_id is not None:
            return explain_from(self.rules, self.instances, {self.case_id: self.events}, {})
        return explain_from(self.rules, self.instances, {}, {self.area: self.events})

    @property
    def name(self) -> str:
        return self.case_id if self.case_id is not None else f"area:{self.area}"


# Explicit columns in field order: rows unpack positionally into the dataclasses, which
# is several times faster than named access on a large log.
EVENT_COLUMNS = (events.c.event_id, events.c.case_id, events.c.area, events.c.type,
                 events.c.at, events.c.source, events.c.data)
INSTANCE_COLUMNS = (instances.c.id, instances.c.case_id, instances.c.area, instances.c.step,
                    instances.c.status, instances.c.trigger_event, instances.c.trigger_at,
                    instances.c.due, instances.c.satisfied_by, instances.c.owner,
                    instances.c.severity, instances.c.version, instances.c.evaluated_as_of)


def _event(row: Any) -> Event:
    at: datetime = row[4]
    return Event(row[0], row[1], row[2], row[3], at, row[5], row[6], at.timestamp())


CHUNK = 1000  # cases read per round trip: memory stays bounded on a national log


def read_traces(engine: Engine, area: str | None = None, chunk: int = CHUNK,
                config_dir: Path = Path("area_configs")) -> Iterator[Trace]:
    """Every trace, cases by case_id then each area's area-level trace, read `chunk`
    cases at a time so that a national log streams through in bounded memory.

    An area filter keeps the cases whose current area it is (after transfers) and that
    area's area-level events. Traces explain their instances by the rules of the store
    and `config_dir`, the ones the sweep judged them by.
    """
    rules = rules_for(engine, config_dir)
    case_q = select(cases.c.case_id, cases.c.area, cases.c.stage).order_by(cases.c.case_id)
    if area is not None:
        case_q = case_q.where(cases.c.area == area)
    with engine.connect() as conn:
        case_rows = conn.execute(case_q).all()
        for i in range(0, len(case_rows), chunk):
            traces = {r[0]: Trace(r[0], r[1], r[2], rules=rules)
                      for r in case_rows[i:i + chunk]}
            ids = list(traces)
            ev_q = (select(*EVENT_COLUMNS).where(events.c.case_id.in_(ids))
                    .order_by(events.c.case_id, events.c.at, events.c.event_id))
            for ev in conn.execute(ev_q):
                traces[ev[1]].events.append(_event(ev))
            in_q = (select(*INSTANCE_COLUMNS)
                    .where(instances.c.case_id.in_(ids))
                    .order_by(instances.c.case_id, instances.c.trigger_at, instances.c.id))
            for inst in conn.execute(in_q):
                traces[inst[1]].instances.append(LoggedInstance(*tuple(inst)))
            yield from traces.values()
        area_ev = select(*EVENT_COLUMNS).where(events.c.case_id.is_(None))
        area_in = select(*INSTANCE_COLUMNS).where(instances.c.case_id.is_(None))
        if area is not None:
            area_ev = area_ev.where(events.c.area == area)
            area_in = area_in.where(instances.c.area == area)
        by_area: dict[str, Trace] = {}
        for row in conn.execute(area_ev.order_by(events.c.area, events.c.at,
                                                 events.c.event_id)):
            e = _event(row)
            by_area.setdefault(e.area, Trace(None, e.area, None, rules=rules)).events.append(e)
        for inst in conn.execute(area_in.order_by(
                instances.c.area, instances.c.trigger_at, instances.c.id)):
            by_area.setdefault(inst[2], Trace(None, inst[2], None, rules=rules)
                               ).instances.append(LoggedInstance(*tuple(inst)))
        for key in sorted(by_area):
            yield by_area[key]
