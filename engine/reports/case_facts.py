"""The facts the reports count about each case (stage entry, funnel milestones,
withdrawal: engine/evaluate/milestones.py): stored by the sweep, or judged here when the
stored ones cannot be used.

The sweep stores them with the case, so a report counts them with a few GROUP BY
queries over `cases` instead of replaying every case's events (the board and the
national page are built on the first view after every store change). A case's stored
facts are *usable* only while they describe what a replay would find; the others are
judged here from the case's events with the same functions:
- no stored facts (never swept, or swept before they were stored), or facts stored under
  another key (another FACTS_VERSION, or stage rules changed since: `facts_key`);
- events ingested since its sweep (`event_version` moved on);
- for the stage and its entry only (`as_of` given): events between its sweep's as-of
  and the report's, whose replay up to the report's as-of could move it to another stage.
A report counts the usable cases in SQL and adds the judged ones, which are few.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    case,
    exists,
    func,
    not_,
    or_,
    select,
)

from engine.evaluate.milestones import CaseFacts, facts_key, judge, relevant_types
from engine.reports.source import case_events
from engine.spec import StageRule
from engine.store import cases, events

CHUNK = 500
EVERY_EVENT = datetime.max.replace(tzinfo=UTC)  # an as-of that leaves no event out


@dataclass(frozen=True)
class CaseRow:
    case_id: str
    area: str  # the case's area now
    stage: str  # its stored stage; an unswept case counts as reported
    facts: CaseFacts
    # Its key steps' exposure as its sweep judged it (engine/keysteps.py): were they all
    # met, and when did the last fall due (None: none decided, or never swept).
    key_on_time: bool | None = None
    key_until: datetime | None = None


def usable(stages: tuple[StageRule, ...], as_of: datetime | None = None
           ) -> ColumnElement[bool]:
    """True for a case whose stored facts may be counted under these stage rules (with
    `as_of`: its stage and stage entry too, as of that instant)."""
    current = and_(cases.c.facts_key == facts_key(stages),
                   cases.c.evaluated_version == cases.c.event_version)
    if as_of is None:
        return current
    swept = cases.c.evaluated_as_of
    moved = exists().where(
        events.c.case_id == cases.c.case_id,
        or_(and_(swept < as_of, events.c.at > swept, events.c.at <= as_of),
            and_(swept > as_of, events.c.at > as_of, events.c.at <= swept)))
    # Swept as of the report's instant (the usual case): no events to look for.
    return and_(current, swept.is_not(None), or_(swept == as_of, not_(moved)))


def scoped(q: Select[Any], areas: Collection[str] | None, leave_out: Collection[str] = ()
           ) -> Select[Any]:
    """`q` over the cases of `areas` (None: all) whose stored stage is not in `leave_out`."""
    if areas is not None:
        q = q.where(cases.c.area.in_(sorted(areas)))
    if leave_out:
        q = q.where(func.coalesce(cases.c.stage, "reported").not_in(sorted(leave_out)))
    return q


def judged_cases(conn: Connection, stages: tuple[StageRule, ...],
                 areas: Collection[str] | None, as_of: datetime | None = None,
                 leave_out: Collection[str] = ()) -> list[CaseRow]:
    """The cases of `areas` (stage not in `leave_out`) whose stored facts are not
    `usable(stages, as_of)`, judged from their events (stage as of `as_of`)."""
    # NULL (never swept) is not usable either: CASE puts it in the ELSE.
    q = scoped(select(cases.c.case_id, cases.c.area, cases.c.stage,
                      cases.c.key_steps_on_time, cases.c.key_steps_decided_until)
               .where(case((usable(stages, as_of), 1), else_=0) == 0), areas, leave_out)
    found = {r.case_id: r for r in conn.execute(q)}
    ids, until = sorted(found), as_of or EVERY_EVENT
    # Only the events that matter (engine/evaluate/milestones.py), and each case's first
    # instant in force, from which its stage is timed until another event moves it.
    first: dict[str, datetime] = {}
    for i in range(0, len(ids), CHUNK):
        first.update((cid, at) for cid, at in conn.execute(
            select(events.c.case_id, func.min(events.c.at))
            .where(events.c.case_id.in_(ids[i:i + CHUNK]), events.c.at <= until)
            .group_by(events.c.case_id)))
    relevant = dict(case_events(conn, ids, chunk=CHUNK, types=relevant_types(stages)))
    return [CaseRow(cid, r.area, r.stage or "reported",
                    judge(stages, relevant.get(cid, ()), until, first.get(cid)),
                    r.key_steps_on_time, r.key_steps_decided_until)
            for cid, r in found.items()]
