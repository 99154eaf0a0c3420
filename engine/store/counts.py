"""Compliance counts: how many instances there are per (area, step, version, owner,
period, status), kept exact by the sweep so that the reports never count instance rows.

Why: 88% of instances are `met`; the reports need only how many there are, so met
instances are counted rather than stored.

How the counts stay exact across incremental sweeps (the invariant is that
`compliance_counts` equals, key by key, the sum of every case's `contribution` plus the
area-level instance rows):
- each case's row keeps its `contribution`: the counts its last evaluation added (a
  compact JSON list of [area, step, version, owner, period, status, n]);
- when a page of cases is re-evaluated, the page's write transaction locks their rows
  (`FOR UPDATE` on PostgreSQL; SQLite's writer holds the database lock from `BEGIN
  IMMEDIATE`), reads the stored contributions, adds (new - old) to the counts and stores
  the new contributions with the new instance rows. Every change to a case's
  contribution happens that way, under its row's lock, so the invariant holds after
  every commit whatever runs concurrently;
- area-level instances are few and all stored as rows: the sweep deletes them with
  RETURNING and subtracts exactly the rows it deleted, then adds the rows it inserts.
Migration 0008 builds the counts and contributions of an existing store from its rows.

`period` is the Europe/London calendar quarter of the instance's due instant, written
like `2026Q2` (the quarters of engine/reports/quarter.py, by which the compliance reports
group), or "" when the instance has no due instant (a violated prohibition).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from engine.calendar import local_date
from engine.store.tables import cases, compliance_counts, instances

__all__ = ["KEY_COLUMNS", "CountKey", "apply_counts", "decode_contribution",
           "encode_contribution", "period_of", "recount_area", "recount_cases", "stored_counts"]

KEY_COLUMNS = ("area", "step", "version", "owner", "period", "status")
CountKey = tuple[str, str, str, str, str, str]


def period_of(due: datetime | None) -> str:
    """The Europe/London quarter `due` falls in (`2026Q2`), "" for no due instant."""
    if due is None:
        return ""
    d = local_date(due)
    return f"{d.year}Q{(d.month - 1) // 3 + 1}"


def encode_contribution(counts: Mapping[CountKey, int]) -> str | None:
    """A contribution as stored on the case's row (None when it counts nothing)."""
    items = sorted([*k, n] for k, n in counts.items() if n)
    return json.dumps(items, separators=(",", ":")) if items else None


def decode_contribution(text: str | None) -> Counter[CountKey]:
    out: Counter[CountKey] = Counter()
    for *key, n in json.loads(text) if text else ():
        out[(key[0], key[1], key[2], key[3], key[4], key[5])] += n
    return out


def recount_cases(conn: Connection, new: Mapping[str, Mapping[CountKey, int]]) -> None:
    """In the transaction that replaces these cases' instances: take their stored
    contributions out of the counts and put `new` in. The caller stores
    `encode_contribution(new[c])` on each case's row in the same transaction."""
    ids = sorted(new)
    delta: Counter[CountKey] = Counter()
    for i in range(0, len(ids), 5000):
        q = (select(cases.c.contribution).where(cases.c.case_id.in_(ids[i:i + 5000]))
             .order_by(cases.c.case_id).with_for_update())
        for (text,) in conn.execute(q):
            delta.subtract(decode_contribution(text))
    for counts in new.values():
        delta.update(counts)
    apply_counts(conn, delta)


def recount_area(conn: Connection, area: str, new: Iterable[CountKey]) -> None:
    """Delete the area's area-level instance rows and count them out, count `new` in
    (the caller inserts the rows of `new` in the same transaction)."""
    deleted = conn.execute(
        instances.delete().where(instances.c.case_id.is_(None), instances.c.area == area)
        .returning(instances.c.area, instances.c.step, instances.c.version,
                   instances.c.owner, instances.c.due, instances.c.status))
    delta: Counter[CountKey] = Counter(new)
    for a, step, version, owner, due, status in deleted:
        delta[(a, step, version, owner, period_of(due), status)] -= 1
    apply_counts(conn, delta)


def apply_counts(conn: Connection, delta: Mapping[CountKey, int]) -> None:
    """Add `delta` to the counts, key by key in sorted order (two writers never wait on
    each other's keys in opposite orders); keys that fall to zero are removed."""
    changed = sorted((k, n) for k, n in delta.items() if n)
    if not changed:
        return
    sqlite = conn.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    cols = ", ".join(KEY_COLUMNS)
    conn.exec_driver_sql(
        f"INSERT INTO compliance_counts ({cols}, n) VALUES ({', '.join([mark] * 7)}) "
        f"ON CONFLICT ({cols}) DO UPDATE SET n = compliance_counts.n + excluded.n",
        [(*k, n) for k, n in changed])
    fallen = [k for k, n in changed if n < 0]
    if fallen:
        where = " AND ".join(f"{c} = {mark}" for c in KEY_COLUMNS)
        conn.exec_driver_sql(f"DELETE FROM compliance_counts WHERE {where} AND n = 0", fallen)


def stored_counts(conn: Connection, where: Any = None) -> Counter[CountKey]:
    """Every count (optionally only those matching `where`), as a Counter."""
    q = select(*(compliance_counts.c[c] for c in KEY_COLUMNS), compliance_counts.c.n)
    if where is not None:
        q = q.where(where)
    return Counter({tuple(r[:6]): int(r[6]) for r in conn.execute(q)})
