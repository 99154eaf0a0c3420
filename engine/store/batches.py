"""One ingest batch: decide every accepted event of a batch (new, duplicate, or refused
and why) against the store, then write the batch's events, rejects, case rows and batch
row in one transaction.

The batch arrives as columns (`engine.event_columns.EventColumns`) and is judged as
columns: its body hashes by C-level calls, its stored duplicates with one query, its
new rows with one `executemany`. Python runs per event only where an event is unusual:
an id repeated within the batch, a conflict, a case whose area changes.

See `engine.ingest` for why batches are shaped this way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import repeat
from operator import methodcaller
from typing import Any

import structlog
from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError, OperationalError

from engine.errors import EventProblem, StoreError, bounded
from engine.event_columns import EventColumns, LineBatch, from_read_lines
from engine.event_lines import ReadLine
from engine.events import Event, canonical_body
from engine.store.bulk import insert_rows, instants_param, select_in
from engine.store.case_rows import BUCKETS, CaseRows, case_bucket
from engine.store.db import writing
from engine.store.tables import events, ingest_batches, rejects

log = structlog.get_logger(__name__)

EVENT_INSERT = ("event_id", "case_id", "area", "type", "at", "source", "data", "body_hash",
                "batch_id")
_RETRIES = 5


def body_hash(event: Event) -> str:
    """The duplicate/conflict key: sha256 over every field of the parsed event, with the
    data object in canonical JSON (key order ignored, as `canonical_body` does). Cheaper
    than dumping the whole event, and equal exactly when the parsed bodies are equal."""
    cols = EventColumns()
    cols.append(0, event)
    return _hashes(cols, [canonical_body(event.data) if event.data else "{}"])[0]


def _hashes(cols: EventColumns, data_texts: list[str]) -> list[str]:
    """`body_hash` of every event of `cols` (their data as canonical text given)."""
    at_iso = cols.at_iso if cols.at_iso is not None else map(datetime.isoformat, cols.at)
    keys = map("\x1f".join, zip(
        cols.event_id, [c or "" for c in cols.case_id], cols.area, cols.type, at_iso,
        cols.source, data_texts, strict=True))
    return list(map(_HEX, map(hashlib.sha256, map(str.encode, keys))))


_HEX = methodcaller("hexdigest")
# canonical_body of a data object, by the object's repr (`EventColumns.data_key`: equal
# exactly when the objects are equal). A batch holds few distinct objects.
_CANONICAL: dict[str, str] = {"{}": "{}"}
_CANONICAL_MAX = 100_000


def _data_texts(cols: EventColumns) -> list[str]:
    keys = cols.data_key
    texts = list(map(_CANONICAL.get, keys))
    if None in texts:
        if len(_CANONICAL) > _CANONICAL_MAX:
            _CANONICAL.clear()
            _CANONICAL["{}"] = "{}"
        for i, text in enumerate(texts):
            if text is None:
                data = cols.data[i]
                texts[i] = _CANONICAL[keys[i]] = canonical_body(data) if data else "{}"
    return texts  # type: ignore[return-value]  # every None filled


CHECKPOINT_PAGES = 10_000  # about 40 MB of WAL
CACHE_KIB = 65_536  # SQLite's page cache while a batch is written (the default is 2,000)


def _batch_transaction(eng: Engine) -> AbstractContextManager[Connection]:
    """`writing(eng)`, with two SQLite settings of the connection changed while a batch
    commits and put back once it is committed:
    - the automatic WAL checkpoint put off until the WAL holds CHECKPOINT_PAGES pages
      (the default is 1,000): a checkpoint copies the WAL into the database and syncs
      it, and after every 5,000-line batch that cost a fifth of ingest's time;
    - a page cache of CACHE_KIB: a batch writes a few thousand pages of the events
      table and its three indexes, more than the default 2 MB holds, so without it
      SQLite spills pages to the WAL before the commit and reads them back.
    How a commit survives a crash does not change."""
    return writing(eng, {"wal_autocheckpoint": CHECKPOINT_PAGES, "cache_size": -CACHE_KIB})


@dataclass
class StoredForm:
    """A batch with the values its rows store, worked out before any transaction (they
    need no database): canonical data, body hashes, and instants as driver values."""

    batch: LineBatch
    data_texts: list[str]
    hashes: list[str]
    instants: list[Any]


def stored_form(eng: Engine, batch: LineBatch) -> StoredForm:
    data_texts = _data_texts(batch.events)
    return StoredForm(batch, data_texts, _hashes(batch.events, data_texts),
                      instants_param(eng, batch.events.at, batch.events.at_iso))


@dataclass
class _Plan:
    """What one batch will write: `new` indexes the batch's columns, in line order."""

    new: list[int] = field(default_factory=list)
    duplicate: int = 0
    rejects: list[EventProblem] = field(default_factory=list)


def commit_batch(eng: Engine, bid: str, file_key: str, name: str, chunk: list[ReadLine],
                 actor: str) -> tuple[int, int, int]:
    """`commit_lines` for lines decided one at a time (CSV, a mapping's rejects)."""
    return commit_lines(eng, bid, file_key, name, from_read_lines(chunk), actor)


def commit_lines(eng: Engine, bid: str, file_key: str, name: str,
                 batch: LineBatch | StoredForm, actor: str) -> tuple[int, int, int]:
    """Store one batch in one transaction; (accepted, duplicate, rejected)."""
    form = batch if isinstance(batch, StoredForm) else stored_form(eng, batch)
    batch, cols, hashes = form.batch, form.batch.events, form.hashes
    last: Exception | None = None
    for attempt in range(_RETRIES):
        try:
            with _batch_transaction(eng) as conn:
                already = conn.execute(select(ingest_batches.c.accepted, ingest_batches.c.duplicate,
                                              ingest_batches.c.rejected)
                                       .where(ingest_batches.c.batch_id == bid)).first()
                if already is not None:  # another ingest of the same input got here first
                    return 0, already.accepted + already.duplicate, already.rejected
                case_rows = CaseRows(conn, cols, name, form.instants)
                plan = _written_as_new(conn, bid, file_key, name, form, case_rows, actor)
                if plan is None:
                    plan = _plan(conn, batch, hashes, case_rows, name)
                    _write(conn, bid, file_key, name, form, plan, actor)
                case_rows.touch(plan.new)
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
    raise StoreError(f"{name}: batch {batch.first}-{batch.last} could not be written "
                     f"after {_RETRIES} attempts (concurrent writers?)") from last


def _written_as_new(conn: Connection, bid: str, file_key: str, name: str, form: StoredForm,
                    case_rows: CaseRows, actor: str) -> _Plan | None:
    """The batch written on the guess that none of its event ids is stored yet (a new
    extract's batches), or None, having written nothing, when the guess may be wrong.

    The guess saves looking every id up before inserting it: the insert looks it up in
    the primary key anyway, and refuses the batch if one is there. It is taken only when
    the batch repeats no id and the area rule, judging every event as new, refuses none;
    then, if the insert goes through, no id was stored, and the plan is exactly the one
    the lookup would have made. Any stored id rolls the insert back to its savepoint."""
    ids = form.batch.events.event_id
    if len(set(ids)) != len(ids):
        return None
    plan = _plan(conn, form.batch, form.hashes, case_rows, name, look_up=False)
    if len(plan.rejects) > len(form.batch.rejects):  # refused by the area rule
        return None
    try:
        with conn.begin_nested():
            _write(conn, bid, file_key, name, form, plan, actor)
    except IntegrityError:
        return None
    return plan


def _plan(conn: Connection, batch: LineBatch, hashes: list[str], case_rows: CaseRows,
          name: str, look_up: bool = True) -> _Plan:
    """Decide every accepted event of a batch: new, duplicate or refused (with why).
    `look_up=False` judges every id as not stored (`_written_as_new`)."""
    cols = batch.events
    plan = _Plan(rejects=list(batch.rejects))
    ids = cols.event_id
    firsts: list[int]  # the first line of each event id, in line order
    repeats: dict[str, list[int]] = {}  # later lines with the same id and body
    if len(set(ids)) == len(ids):
        firsts = list(range(len(ids)))
    else:
        firsts, seen = [], dict[str, int]()
        for i, eid in enumerate(ids):
            first = seen.get(eid)
            if first is None:
                seen[eid] = i
                firsts.append(i)
            elif hashes[first] == hashes[i]:
                repeats.setdefault(eid, []).append(i)
            else:
                plan.rejects.append(EventProblem(
                    cols.line[i], f"conflict: event {eid} appears on line {cols.line[first]} "
                    "with a different body", eid, "event_id", name))
    stored = dict(select_in(conn, "SELECT event_id, body_hash FROM events", "event_id",
                            ids if len(firsts) == len(ids) else [ids[i] for i in firsts])
                  if look_up else ())
    fresh: list[int] = firsts if not stored else []
    refused: dict[str, EventProblem] = {}
    for i in firsts if stored else ():
        old = stored.get(ids[i])
        if old is None:
            fresh.append(i)
        elif old == hashes[i]:
            plan.duplicate += 1
        else:
            refused[ids[i]] = EventProblem(
                cols.line[i], f"conflict: event {ids[i]} is already stored with a different "
                "body", ids[i], "event_id", name)
    refused.update(case_rows.area_rule(fresh))
    plan.new = [i for i in fresh if ids[i] not in refused] if refused else fresh
    for i in firsts if refused or repeats else ():
        eid = ids[i]
        problem = refused.get(eid)
        if problem is not None:
            plan.rejects.append(problem)
        for again in repeats.get(eid, ()):
            if problem is None:
                plan.duplicate += 1  # a repeat of an event that is (now) stored
            else:  # a repeat of a refused line is refused for the same reason
                plan.rejects.append(EventProblem(cols.line[again], problem.message, eid,
                                                 problem.field, name))
    plan.rejects.sort(key=lambda p: p.line)
    return plan


def _write(conn: Connection, bid: str, file_key: str, name: str, form: StoredForm,
           plan: _Plan, actor: str) -> None:
    batch = form.batch
    cols = batch.events
    conn.execute(ingest_batches.insert().values(
        batch_id=bid, file_key=file_key, file_name=name, first_line=batch.first,
        last_line=batch.last, accepted=len(plan.new), duplicate=plan.duplicate,
        rejected=len(plan.rejects), actor=actor, committed_at=datetime.now(UTC)))
    columns: Sequence[list[object]] = (
        cols.event_id, cols.case_id, cols.area, cols.type, form.instants, cols.source,
        form.data_texts, form.hashes)  # type: ignore[assignment]
    if len(plan.new) < len(cols):
        columns = [[c[i] for i in plan.new] for c in columns]
    insert_rows(conn, events, EVENT_INSERT,
                list(zip(*columns, repeat(bid, len(plan.new)), strict=True)), prepared=True)
    # Rejects of this line range from an earlier run with another batch size go first.
    conn.execute(rejects.delete().where(rejects.c.file_key == file_key,
                                        rejects.c.line.between(batch.first, batch.last)))
    if plan.rejects:
        conn.execute(rejects.insert(), [
            {"file_key": file_key, "line": p.line, "file_name": bounded(name),
             "event_id": p.event_id, "field": p.field, "reason": p.message, "raw": "",
             "batch_id": bid} for p in plan.rejects])  # raw: the line is never kept


__all__ = ["BUCKETS", "EVENT_INSERT", "StoredForm", "body_hash", "case_bucket", "commit_batch",
           "commit_lines", "stored_form"]
