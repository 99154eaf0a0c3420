"""One case as people read it: its events in order, with each step instance (and its
plain-English explanation) placed after the event that opened it.

Shared by the scrutiny pack's sampled cases, the API's case read and the dashboard's
case page, so all three tell the same story.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from engine.calendar import LONDON
from engine.store.tables import cases, events, instances


def _local(instant: datetime | None) -> str | None:
    return None if instant is None else instant.astimezone(LONDON).isoformat()


def instance_json(r: Any) -> dict[str, Any]:
    """A stored instance in the contract §9 shape, plus its trigger instant and version."""
    return {"step": r.step, "status": r.status, "trigger_event": r.trigger_event,
            "due": _local(r.due), "satisfied_by": r.satisfied_by, "owner": r.owner,
            "severity": r.severity, "explanation": r.explanation,
            "trigger_at": _local(r.trigger_at), "version": r.version}


def case_timeline(conn: Connection, case_id: str, steps: frozenset[str] | None = None,
                  event_types: frozenset[str] = frozenset()) -> dict[str, Any] | None:
    """The case, or None when there is no such case.

    `steps` limits what is shown (an ISVA service sees only ISVA-related steps): then the
    events shown are those that opened or satisfied a shown instance, and those of
    `event_types` (the types the shown steps' rules name); the rest of the case stays out.
    """
    case = conn.execute(select(cases).where(cases.c.case_id == case_id)).first()
    if case is None:
        return None
    evs = conn.execute(select(events).where(events.c.case_id == case_id)
                       .order_by(events.c.at, events.c.event_id)).all()
    q = (select(instances).where(instances.c.case_id == case_id)
         .order_by(instances.c.trigger_at, instances.c.id))
    insts = [r for r in conn.execute(q) if steps is None or r.step in steps]
    if steps is not None:
        cited = {r.trigger_event for r in insts} | {r.satisfied_by for r in insts}
        evs = [e for e in evs if e.event_id in cited or e.type in event_types]
    by_trigger: dict[str | None, list[dict[str, Any]]] = {}
    for r in insts:
        by_trigger.setdefault(r.trigger_event, []).append(instance_json(r))
    timeline: list[dict[str, Any]] = []
    event_list = []
    for e in evs:
        item = {"event_id": e.event_id, "type": e.type, "at": _local(e.at), "source": e.source,
                "area": e.area, "data": e.data}
        event_list.append(item)
        timeline.append({"kind": "event", **item})
        timeline += [{"kind": "instance", **i} for i in by_trigger.pop(e.event_id, [])]
    for rest in by_trigger.values():  # instances whose trigger is not an event
        timeline += [{"kind": "instance", **i} for i in rest]
    return {"case_id": case.case_id, "area": case.area, "stage": case.stage or "reported",
            "evaluated_as_of": _local(case.evaluated_as_of), "events": event_list,
            "instances": [instance_json(r) for r in insts], "timeline": timeline}
