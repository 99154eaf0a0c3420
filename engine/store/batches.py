"""One ingest batch: decide every line (new, duplicate, or rejected and why) against the
store, then write the batch's events, rejects, case rows and batch row in one transaction.

See `engine.ingest` for why batches are shaped this way.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import Connection, Engine, bindparam, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from engine.errors import EventProblem, StoreError, bounded
from engine.events import Event, ReadLine, area_problems, canonical_body
from engine.store.bulk import insert_rows, instant_param, placeholders, read_events
from engine.store.db import writing
from engine.store.tables import cases, events, ingest_batches, rejects

log = structlog.get_logger(__name__)

BUCKETS = 1024
_IN_CHUNK = 900  # ids per IN (...) query: under every driver's parameter limit
EVENT_INSERT = ("event_id", "case_id", "area", "type", "at", "source", "data", "body_hash",
                "batch_id")
_RETRIES = 5


def case_bucket(case_id: str) -> int:
    """A stable hash bucket of a case id (the same in every process and database)."""
    return zlib.crc32(case_id.encode("utf-8")) % BUCKETS


def body_hash(event: Event) -> str:
    """The duplicate/conflict key: sha256 over every field of the parsed event, with the
    data object in canonical JSON (key order ignored, as `canonical_body` does). Cheaper
    than dumping the whole event, and equal exactly when the parsed bodies are equal."""
    return _hash_and_data(event)[0]


def _hash_and_data(event: Event) -> tuple[str, str]:
    data = canonical_body(event.data) if event.data else "{}"
    key = "\x1f".join((event.event_id, event.case_id or "", event.area, event.type,
                       event.at.isoformat(), event.source, data))
    return hashlib.sha256(key.encode("utf-8")).hexdigest(), data


@dataclass
class _Plan:
    """What one batch will write."""

    new: list[tuple[int, Event, str, str]] = field(default_factory=list)  # line, event, hash, data
    duplicate: int = 0
    rejects: list[tuple[ReadLine, EventProblem]] = field(default_factory=list)


def commit_batch(eng: Engine, bid: str, file_key: str, name: str, chunk: list[ReadLine],
                  actor: str) -> tuple[int, int, int]:
    last: Exception | None = None
    for attempt in range(_RETRIES):
        try:
            with writing(eng) as conn:
                already = conn.execute(select(ingest_batches.c.accepted, ingest_batches.c.duplicate,
                                              ingest_batches.c.rejected)
                                       .where(ingest_batches.c.batch_id == bid)).first()
                if already is not None:  # another ingest of the same input got here first
                    return 0, already.accepted + already.duplicate, already.rejected
                plan = _plan(conn, chunk, name)
                _write(conn, bid, file_key, name, chunk, plan, actor)
                return len(plan.new), plan.duplicate, len(plan.rejects)
        except (IntegrityError, OperationalError) as exc:
            # A concurrent ingest committed one of these event ids first (PostgreSQL) or
            # the lock wait ran out: redo the batch against the new state.
            # The error's class only: its text can quote the rows' values.
            log.warning("batch retried", batch=bid, attempt=attempt + 1,
                        error=type(exc).__name__)
            last = exc
    # The cause is kept for a traceback; the message (what the CLI prints) names none of
    # the rows' values.
    raise StoreError(f"{name}: batch {chunk[0].line}-{chunk[-1].line} could not be written "
                     f"after {_RETRIES} attempts (concurrent writers?)") from last


def _plan(conn: Connection, chunk: list[ReadLine], name: str) -> _Plan:
    """Decide every line of a batch: new, duplicate or rejected (with why)."""
    plan = _Plan()
    firsts: dict[str, tuple[ReadLine, Event, str, str]] = {}  # event id -> first line here
    repeats: dict[str, list[ReadLine]] = {}  # later lines with the same id and body
    for rl in chunk:
        if rl.event is None:
            assert rl.problem is not None
            plan.rejects.append((rl, rl.problem))
            continue
        ev = rl.event
        h, data = _hash_and_data(ev)
        first = firsts.get(ev.event_id)
        if first is None:
            firsts[ev.event_id] = (rl, ev, h, data)
        elif first[2] == h:
            repeats.setdefault(ev.event_id, []).append(rl)
        else:
            plan.rejects.append((rl, EventProblem(
                rl.line, f"conflict: event {ev.event_id} appears on line {first[0].line} with "
                "a different body", ev.event_id, "event_id", name)))
    stored = _stored_hashes(conn, list(firsts))
    fresh: list[tuple[ReadLine, Event, str, str]] = []
    refused: dict[str, EventProblem] = {}
    for rl, ev, h, data in firsts.values():
        old = stored.get(ev.event_id)
        if old is None:
            fresh.append((rl, ev, h, data))
        elif old == h:
            plan.duplicate += 1
        else:
            refused[ev.event_id] = EventProblem(
                rl.line, f"conflict: event {ev.event_id} is already stored with a different "
                "body", ev.event_id, "event_id", name)
    refused.update(_area_rule(conn, fresh, name))
    for rl, ev, h, data in fresh:
        if ev.event_id not in refused:
            plan.new.append((rl.line, ev, h, data))
    for eid, (rl, _, _, _) in firsts.items():
        problem = refused.get(eid)
        if problem is not None:
            plan.rejects.append((rl, problem))
        for again in repeats.get(eid, ()):
            if problem is None:
                plan.duplicate += 1  # a repeat of an event that is (now) stored
            else:  # a repeat of a refused line is refused for the same reason
                plan.rejects.append((again, EventProblem(again.line, problem.message, eid,
                                                         problem.field, name)))
    plan.rejects.sort(key=lambda rp: rp[0].line)
    return plan


def _stored_hashes(conn: Connection, ids: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for i in range(0, len(ids), _IN_CHUNK):
        part = ids[i:i + _IN_CHUNK]
        for eid, h in conn.execute(select(events.c.event_id, events.c.body_hash)
                                   .where(events.c.event_id.in_(part))):
            out[eid] = h
    return out


def _stored_events(conn: Connection, case_ids: list[str]) -> dict[str, list[Event]]:
    out: dict[str, list[Event]] = {}
    for i in range(0, len(case_ids), _IN_CHUNK):
        part = case_ids[i:i + _IN_CHUNK]
        for ev in read_events(conn, f"case_id IN ({placeholders(len(part))})", part):
            assert ev.case_id is not None
            out.setdefault(ev.case_id, []).append(ev)
    return out


def _area_rule(conn: Connection, fresh: list[tuple[ReadLine, Event, str, str]], name: str
               ) -> dict[str, EventProblem]:
    """contract §3's area rule over each case's stored and new events. A new event that
    breaks it is rejected; when the rule fails on a stored event, the new event that
    precedes it (and so changed the case's area history) is rejected instead."""
    by_case: dict[str, list[tuple[int, Event]]] = {}
    for rl, ev, _, _ in fresh:
        if ev.case_id is not None:
            by_case.setdefault(ev.case_id, []).append((rl.line, ev))
    stored = _stored_events(conn, list(by_case))
    bad: dict[str, EventProblem] = {}
    for cid, new in by_case.items():
        old = stored.get(cid, [])
        if _single_area(new, old):
            continue
        remaining = list(new)
        while remaining:
            new_ids = {e.event_id for _, e in remaining}
            problems = area_problems([(0, e) for e in old] + remaining)
            if not problems:
                break
            on_new = [p for p in problems if p.event_id in new_ids]
            if on_new:
                for p in on_new:
                    assert p.event_id is not None
                    line = next(ln for ln, e in remaining if e.event_id == p.event_id)
                    bad[p.event_id] = EventProblem(line, p.message, p.event_id, "area", name)
            else:
                first_old = min((e for e in old if e.event_id == problems[0].event_id),
                                key=lambda e: e.sort_key)
                ln, culprit = min((le for le in remaining if le[1].sort_key < first_old.sort_key),
                                  key=lambda le: le[1].sort_key, default=remaining[0])
                bad[culprit.event_id] = EventProblem(
                    ln, f"area {culprit.area!r} contradicts the case's stored events (event "
                    f"{first_old.event_id} is in {first_old.area!r} with no case.transferred "
                    f"between them)", culprit.event_id, "area", name)
            remaining = [le for le in remaining if le[1].event_id not in bad]
    return bad


def _single_area(new: list[tuple[int, Event]], old: list[Event]) -> bool:
    """The common case, answered without sorting: one area and no transfer."""
    areas = {e.area for _, e in new} | {e.area for e in old}
    return len(areas) == 1 and not any(e.type == "case.transferred" for _, e in new) and \
        not any(e.type == "case.transferred" for e in old)


def _write(conn: Connection, bid: str, file_key: str, name: str, chunk: list[ReadLine],
           plan: _Plan, actor: str) -> None:
    now = datetime.now(UTC)
    conn.execute(ingest_batches.insert().values(
        batch_id=bid, file_key=file_key, file_name=name, first_line=chunk[0].line,
        last_line=chunk[-1].line, accepted=len(plan.new), duplicate=plan.duplicate,
        rejected=len(plan.rejects), actor=actor, committed_at=now))
    instant = instant_param(conn)
    insert_rows(conn, events, EVENT_INSERT, [
        (e.event_id, e.case_id, e.area, e.type, instant(e.at), e.source, data, h, bid)
        for _, e, h, data in plan.new], prepared=True)
    # Rejects of this line range from an earlier run with another batch size go first.
    conn.execute(rejects.delete().where(rejects.c.file_key == file_key,
                                        rejects.c.line.between(chunk[0].line, chunk[-1].line)))
    if plan.rejects:
        conn.execute(rejects.insert(), [
            {"file_key": file_key, "line": rl.line, "file_name": bounded(name),
             "event_id": p.event_id, "field": p.field, "reason": p.message, "raw": "",
             "batch_id": bid} for rl, p in plan.rejects])  # raw: the line is never kept
    _touch_cases(conn, [e for _, e, _, _ in plan.new if e.case_id is not None])


def _touch_cases(conn: Connection, new: list[Event]) -> None:
    """Create or update the case rows of newly stored events: area now, first and last
    event instants, count, and a bumped event version (the sweep's "needs evaluation")."""
    if not new:
        return
    by_case: dict[str, list[Event]] = {}
    for e in new:
        assert e.case_id is not None
        by_case.setdefault(e.case_id, []).append(e)
    ids = list(by_case)
    existing: dict[str, Any] = {}
    for i in range(0, len(ids), _IN_CHUNK):
        for r in conn.execute(select(cases.c.case_id, cases.c.event_version)
                              .where(cases.c.case_id.in_(ids[i:i + _IN_CHUNK]))):
            existing[r.case_id] = r
    known = [c for c in by_case if c in existing]
    stored = _stored_events(conn, known) if known else {}
    inserts, updates = [], []
    for cid, evs in by_case.items():
        everything = stored.get(cid, evs) if cid in existing else evs
        row = _case_row(cid, everything)
        if cid in existing:
            row["b_case_id"] = cid
            row["event_version"] = existing[cid].event_version + 1
            updates.append(row)
        else:
            row.update(case_id=cid, bucket=case_bucket(cid), event_version=1)
            inserts.append(row)
    if inserts:
        conn.execute(cases.insert(), inserts)
    if updates:
        conn.execute(update(cases).where(cases.c.case_id == bindparam("b_case_id")), updates)


def _case_row(case_id: str, evs: list[Event]) -> dict[str, Any]:
    ordered = sorted(evs, key=lambda e: e.sort_key)
    last = ordered[-1]
    area = last.data["to_area"] if last.type == "case.transferred" else last.area
    return {"area": area, "first_event_at": ordered[0].at, "last_event_at": last.at,
            "event_count": len(ordered)}
