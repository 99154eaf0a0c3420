"""Reading the store: flags, one case, the stage board (issue 5 item 5).

Case-level reads (a case's timeline, lists of flagged cases) are written to the audit log
in the same transaction as the read (contract §8). The board is an aggregate.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from statistics import median
from typing import Any

from sqlalchemy import func, select

from engine.calendar import calendar_for, local_date
from engine.store.audit import Actor, record
from engine.store.db import checked_engine, writing
from engine.store.tables import cases, events, instances
from engine.terms import FLAG_STATUSES, Status


def flags(db_url: str | None, actor: Actor, areas: Sequence[str] | None = None,
          owner: str | None = None, statuses: Sequence[str] | None = None
          ) -> list[dict[str, Any]]:
    """Flagged instances (late, missed, due_soon, violated, or the `statuses` asked for),
    oldest due first; area-level instances have `case_id` None."""
    wanted = list(statuses or sorted(s.value for s in FLAG_STATUSES))
    q = select(instances).where(instances.c.status.in_(wanted))
    if areas:
        q = q.where(instances.c.area.in_(list(areas)))
    if owner:
        q = q.where(instances.c.owner == owner)
    q = q.order_by(instances.c.area, instances.c.due, instances.c.case_id, instances.c.step)
    with writing(checked_engine(db_url)) as conn:
        rows = [_instance(r._mapping) for r in conn.execute(q)]
        record(conn, actor.who, actor.role, "flags.read", {
            "areas": list(areas or []), "owner": owner, "statuses": wanted,
            "instances": len(rows), "cases": len({r["case_id"] for r in rows if r["case_id"]})})
    return rows


def _instance(m: Any) -> dict[str, Any]:
    return {"case_id": m["case_id"], "area": m["area"], "step": m["step"],
            "status": m["status"], "trigger_event": m["trigger_event"],
            "trigger_at": _iso(m["trigger_at"]), "due": _iso(m["due"]),
            "satisfied_by": m["satisfied_by"], "owner": m["owner"], "severity": m["severity"],
            "explanation": m["explanation"], "version": m["version"],
            "evaluated_as_of": _iso(m["evaluated_as_of"])}


def _iso(value: datetime | None) -> str | None:
    from engine.calendar import LONDON

    return None if value is None else value.astimezone(LONDON).isoformat()


def case_detail(db_url: str | None, case_id: str, actor: Actor) -> dict[str, Any] | None:
    """The case row, its timeline (events in evaluation order) and every stored instance
    (in trigger order), or None when the store has no such case. Audited."""
    with writing(checked_engine(db_url)) as conn:
        row = conn.execute(select(cases).where(cases.c.case_id == case_id)).first()
        record(conn, actor.who, actor.role, "case.read", {"case_id": case_id,
                                                          "found": row is not None})
        if row is None:
            return None
        timeline = [{"event_id": e.event_id, "at": _iso(e.at), "area": e.area, "type": e.type,
                     "source": e.source, "data": e.data}
                    for e in conn.execute(select(events).where(events.c.case_id == case_id)
                                          .order_by(events.c.at, events.c.event_id))]
        insts = [_instance(r._mapping) for r in conn.execute(
            select(instances).where(instances.c.case_id == case_id)
            .order_by(instances.c.trigger_at, instances.c.id))]
    m = row._mapping
    return {"case_id": case_id, "area": m["area"], "stage": m["stage"],
            "first_event_at": _iso(m["first_event_at"]), "last_event_at": _iso(m["last_event_at"]),
            "evaluated_as_of": _iso(m["evaluated_as_of"]), "events": timeline,
            "instances": insts}


@dataclass(frozen=True)
class BoardRow:
    """One stage of one area: how many cases, how old (working days since the case's
    first event), and how many are overdue (have a missed step) and by how many steps."""

    area: str
    stage: str
    cases: int
    median_age_wd: float
    max_age_wd: int
    overdue_cases: int
    overdue_steps: int


def board(db_url: str | None, areas: Sequence[str] | None = None,
          as_of: datetime | None = None) -> list[BoardRow]:
    """Cases per area and stage (as last swept). Ageing is counted in England and Wales
    working days up to `as_of` (default now); cases not yet swept show as `unswept`."""
    as_of = as_of or datetime.now(UTC)
    today = local_date(as_of)
    cal = calendar_for(frozenset())
    eng = checked_engine(db_url)
    ages: dict[tuple[str, str], list[int]] = defaultdict(list)
    wd_cache: dict[date, int] = {}
    q = select(cases.c.area, cases.c.stage, cases.c.first_event_at)
    o = (select(cases.c.area, cases.c.stage, instances.c.case_id, func.count())
         .join(instances, instances.c.case_id == cases.c.case_id)
         .where(instances.c.status == Status.missed.value)
         .group_by(cases.c.area, cases.c.stage, instances.c.case_id))
    if areas:
        q = q.where(cases.c.area.in_(list(areas)))
        o = o.where(cases.c.area.in_(list(areas)))
    overdue_cases: Counter[tuple[str, str]] = Counter()
    overdue_steps: Counter[tuple[str, str]] = Counter()
    with eng.connect() as conn:
        for area, stage, first in conn.execute(q):
            day = local_date(first)
            wd = wd_cache.get(day)
            if wd is None:
                wd = wd_cache[day] = cal.working_days_between(day, today)
            ages[(area, stage or "unswept")].append(wd)
        for area, stage, _cid, n in conn.execute(o):
            overdue_cases[(area, stage or "unswept")] += 1
            overdue_steps[(area, stage or "unswept")] += n
    return [BoardRow(a, s, len(v), float(median(v)), max(v), overdue_cases[(a, s)],
                     overdue_steps[(a, s)]) for (a, s), v in sorted(ages.items())]
