"""Reading the store: the one flag reader, the one case reader, and the one JSON shape
of a stored instance. The CLI, the API, the dashboard and the scrutiny pack all read
through here, so a flag or a case looks the same wherever it is shown.

Explanations are built on read (`engine.store.explanations`), never read from the
instances table: a flag's by judging its case again, the case read's by judging the case
and showing every instance of that judgement, `met` ones included.

Case-level reads made here for the CLI are written to the audit log in the same
transaction as the read (contract §8); the API audits its own reads with the token's
name. The stage board is an aggregate and lives with the reports
(`engine.reports.board`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Select, select

from engine.calendar import LONDON
from engine.events import Event
from engine.rules import Rules
from engine.store.audit import Actor, record
from engine.store.db import writing
from engine.store.explanations import VERDICT_COLUMNS, explain_rows, judge_case, rules_for
from engine.store.schema import checked_engine
from engine.store.tables import cases, events, instances
from engine.terms import FLAG_STATUSES

__all__ = ["case_detail", "case_timeline", "flag_json", "flag_query", "flags", "flags_json",
           "instance_json"]


def _local(instant: datetime | None) -> str | None:
    return None if instant is None else instant.astimezone(LONDON).isoformat()


def instance_json(r: Any, explanation: str) -> dict[str, Any]:
    """An instance (a stored row or a judged `Instance`) in the contract §9 shape (keys
    in that order), plus its trigger instant and the config version that judged it."""
    return {"step": r.step, "status": str(r.status), "trigger_event": r.trigger_event,
            "due": _local(r.due), "satisfied_by": r.satisfied_by, "owner": str(r.owner),
            "severity": str(r.severity), "explanation": explanation,
            "trigger_at": _local(r.trigger_at), "version": r.version}


def flag_json(r: Any, explanation: str) -> dict[str, Any]:
    """A flag: which case (None for an area-level instance) and area, then the instance."""
    return {"case_id": r.case_id, "area": r.area, **instance_json(r, explanation)}


def flags_json(conn: Connection, rows: Sequence[Any], rules: Rules) -> list[dict[str, Any]]:
    """Stored flag rows with their explanations built on read (one events query)."""
    return [flag_json(r, text) for r, text in zip(rows, explain_rows(conn, rows, rules),
                                                   strict=True)]


def flag_query(areas: Collection[str] | None, statuses: Collection[str] | None = None,
               owner: str | None = None, step: str | None = None, severity: str | None = None,
               steps: Collection[str] | None = None) -> Select[Any]:
    """Flagged instances (or those of `statuses`) in `areas` (None: every area), oldest
    due first and prohibitions (no due instant) last; `steps` limits the steps shown."""
    wanted = sorted(statuses) if statuses else [s.value for s in FLAG_STATUSES]
    q = select(*VERDICT_COLUMNS).where(instances.c.status.in_(wanted))
    if areas is not None:
        q = q.where(instances.c.area.in_(sorted(areas)))
    for column, value in (("step", step), ("owner", owner), ("severity", severity)):
        if value:
            q = q.where(instances.c[column] == value)
    if steps is not None:
        q = q.where(instances.c.step.in_(sorted(steps)))
    return q.order_by(instances.c.due.asc().nulls_last(), instances.c.case_id, instances.c.id)


def flags(db_url: str | None, actor: Actor, areas: Sequence[str] | None = None,
          owner: str | None = None, statuses: Sequence[str] | None = None,
          config_dir: Path = Path("area_configs")) -> list[dict[str, Any]]:
    """Flags for the CLI, audited as `flags.read`."""
    eng = checked_engine(db_url)
    rules = rules_for(eng, config_dir)
    with writing(eng) as conn:
        rows = flags_json(conn, conn.execute(flag_query(areas or None, statuses, owner)).all(),
                          rules)
        record(conn, actor.who, actor.role, "flags.read", {
            "areas": list(areas or []), "owner": owner,
            "statuses": sorted(statuses) if statuses else [s.value for s in FLAG_STATUSES],
            "instances": len(rows), "cases": len({r["case_id"] for r in rows if r["case_id"]})})
    return rows


def case_timeline(conn: Connection, case_id: str, rules: Rules,
                  steps: frozenset[str] | None = None,
                  event_types: frozenset[str] = frozenset()) -> dict[str, Any] | None:
    """One case as people read it, or None when there is no such case: its events in
    order, each step instance (with its explanation) placed after the event that opened
    it. The instances are the case judged again by the per-case engine as of its last
    sweep (`evaluated_as_of`), every one of them, `met` included (the store keeps only
    what is read in lists). A case not yet swept has no instances, stage `reported` (as
    on the board) and `evaluated_as_of` null.

    `steps` limits what is shown (an ISVA service sees only ISVA-related steps): then the
    events shown are those that opened or satisfied a shown instance, and those of
    `event_types` (the types the shown steps' rules name); the rest of the case stays out.
    """
    case = conn.execute(select(cases).where(cases.c.case_id == case_id)).first()
    if case is None:
        return None
    evs = conn.execute(select(events).where(events.c.case_id == case_id)
                       .order_by(events.c.at, events.c.event_id)).all()
    judged = None if case.evaluated_as_of is None else judge_case(
        rules, [Event(e.event_id, e.case_id, e.area, e.type, e.at, e.source, e.data,
                      e.at.timestamp()) for e in evs], case.evaluated_as_of)
    insts = [i for i in (judged.instances if judged is not None else [])
             if steps is None or i.step in steps]
    if steps is not None:
        cited = {i.trigger_event for i in insts} | {i.satisfied_by for i in insts}
        evs = [e for e in evs if e.event_id in cited or e.type in event_types]
    shown = [instance_json(i, i.explanation) for i in insts]
    by_trigger: dict[str | None, list[dict[str, Any]]] = {}
    for i, item in zip(insts, shown, strict=True):
        by_trigger.setdefault(i.trigger_event, []).append(item)
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
            "instances": shown, "timeline": timeline}


def case_detail(db_url: str | None, case_id: str, actor: Actor,
                config_dir: Path = Path("area_configs")) -> dict[str, Any] | None:
    """The case's timeline for the CLI, or None when the store has no such case. Audited
    as `case.read`, found or not."""
    eng = checked_engine(db_url)
    rules = rules_for(eng, config_dir)
    with writing(eng) as conn:
        found = case_timeline(conn, case_id, rules)
        record(conn, actor.who, actor.role, "case.read", {"case_id": case_id,
                                                          "found": found is not None})
    return found
