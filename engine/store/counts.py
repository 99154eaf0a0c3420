"""Compliance counts: how many instances there are per (area, step, version, owner,
period, status), kept exact by the sweep so that the reports never count instance rows.

Why: 88% of instances are `met`; the reports need only how many there are, so met
instances are counted rather than stored.

How the counts stay exact across incremental sweeps (the invariant is that
`compliance_counts` equals, key by key, the sum of every case's `contribution` plus the
area-level instance rows):
- each case's row keeps its `contribution`: the counts its last evaluation added (a
  compact JSON list of [area, step, version, owner, period, status, n], every item a
  string);
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

The column work imports polars only when called, so commands that never count (and
`--help`) do not load it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from engine.store.tables import cases, compliance_counts, instances

if TYPE_CHECKING:
    import polars as pl

__all__ = ["KEY_COLUMNS", "CountKey", "apply_counts", "contributions", "decode_contribution",
           "keyed", "recount_areas", "recount_cases", "stored_counts", "summed_contributions",
           "totals"]

KEY_COLUMNS = ("area", "step", "version", "owner", "period", "status")
CountKey = tuple[str, str, str, str, str, str]


def keyed(frame: pl.DataFrame) -> pl.DataFrame:
    """Instances (case, area, step, version, owner, status and due_us: the due instant in
    integer microseconds, or null) counted per case and key: (case, *KEY_COLUMNS, n)."""
    import polars as pl

    due = pl.col("due_us")
    local = pl.from_epoch(due, "us").dt.replace_time_zone("UTC").dt.convert_time_zone(
        "Europe/London")
    period = pl.when(due.is_not_null()).then(
        pl.format("{}Q{}", local.dt.year(), local.dt.quarter())).otherwise(pl.lit(""))
    return (frame.with_columns(period=period)
            .group_by("case", *KEY_COLUMNS).agg(n=pl.len()))


def contributions(counted: pl.DataFrame) -> pl.DataFrame:
    """(case, contribution): each case's counts of `keyed` as stored on its row."""
    import polars as pl

    item = pl.concat_list(*KEY_COLUMNS, pl.col("n").cast(pl.String))
    return (counted.sort("case", *KEY_COLUMNS).group_by("case", maintain_order=True)
            .agg(item=item)
            .select("case", contribution=pl.struct(c=pl.col("item")).struct.json_encode()
                    .str.slice(5).str.strip_suffix("}")))


def totals(counted: pl.DataFrame) -> Counter[CountKey]:
    """The counts of `keyed` summed over cases."""
    import polars as pl

    rows = counted.group_by(*KEY_COLUMNS).agg(pl.col("n").sum()).rows()
    return Counter({(r[0], r[1], r[2], r[3], r[4], r[5]): int(r[6]) for r in rows})


def decode_contribution(text: str | None) -> Counter[CountKey]:
    out: Counter[CountKey] = Counter()
    for *key, n in json.loads(text) if text else ():
        out[(key[0], key[1], key[2], key[3], key[4], key[5])] += int(n)
    return out


def recount_cases(conn: Connection, case_ids: Iterable[str], new: Mapping[CountKey, int]
                  ) -> None:
    """In the transaction that replaces these cases' instances: take their stored
    contributions out of the counts and put `new` (their new contributions summed) in.
    The caller stores each case's new contribution on its row in the same transaction."""
    ids = sorted(case_ids)
    texts: list[str | None] = []
    for i in range(0, len(ids), 5000):
        q = (select(cases.c.contribution).where(cases.c.case_id.in_(ids[i:i + 5000]))
             .order_by(cases.c.case_id).with_for_update())
        texts += [text for (text,) in conn.execute(q)]
    delta: Counter[CountKey] = Counter(new)
    delta.subtract(summed_contributions(texts))
    apply_counts(conn, delta)


# A contribution as `contributions` writes it: items of seven strings with nothing to
# escape in them (ids, versions, quarters, statuses and counts).
_PLAIN = r'^\[\["[^"\\]*"(,"[^"\\]*"){6}\](,\["[^"\\]*"(,"[^"\\]*"){6}\])*\]$'


def summed_contributions(texts: Sequence[str | None]) -> Counter[CountKey]:
    """Stored contributions summed. Why not `decode_contribution` on each: a full sweep
    reads every case's, and decoding 20,000 JSON texts one by one took longer than judging
    a page. Texts in the plain form are split by column expressions; any other (none is
    written so today) is decoded as JSON, so both give the same sums."""
    import polars as pl

    frame = pl.DataFrame({"t": texts}, schema={"t": pl.String})
    plain = pl.col("t").str.contains(_PLAIN)
    names = [*KEY_COLUMNS, "n"]
    summed = (frame.lazy().filter(plain)
              .select(pl.col("t").str.strip_prefix('[["').str.strip_suffix('"]]')
                      .str.split('"],["'))
              .explode("t")
              .select(pl.col("t").str.split('","').list.to_struct(fields=names)).unnest("t")
              .group_by(*KEY_COLUMNS).agg(pl.col("n").cast(pl.Int64).sum()).collect())
    out: Counter[CountKey] = Counter(
        {(r[0], r[1], r[2], r[3], r[4], r[5]): int(r[6]) for r in summed.rows()})
    for text in frame.filter(pl.col("t").is_not_null() & ~plain & (pl.col("t") != "[]"))["t"]:
        out.update(decode_contribution(text))
    return out


def recount_areas(conn: Connection, areas: Sequence[str], new: Mapping[CountKey, int]
                  ) -> None:
    """Delete the area-level instance rows of `areas` and count them out, count `new` in
    (the caller inserts the rows counted in `new` in the same transaction)."""
    import polars as pl

    from engine.batch.frame import micros

    deleted = conn.execute(
        instances.delete().where(instances.c.case_id.is_(None), instances.c.area.in_(areas))
        .returning(instances.c.area, instances.c.step, instances.c.version,
                   instances.c.owner, instances.c.status, instances.c.due)).all()
    frame = pl.DataFrame(
        [(None, a, s, v, o, st, None if due is None else micros(due))
         for a, s, v, o, st, due in deleted],
        schema={"case": pl.String, "area": pl.String, "step": pl.String, "version": pl.String,
                "owner": pl.String, "status": pl.String, "due_us": pl.Int64}, orient="row")
    delta: Counter[CountKey] = Counter(new)
    delta.subtract(totals(keyed(frame)))
    apply_counts(conn, delta)


def apply_counts(conn: Connection, delta: Mapping[CountKey, int]) -> None:
    """Add `delta` to the counts, key by key in sorted order (two writers never wait on
    each other's keys in opposite orders); keys that fall to zero are removed."""
    changed = sorted((k, n) for k, n in delta.items() if n)
    if not changed:
        return
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
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
    return Counter({(r[0], r[1], r[2], r[3], r[4], r[5]): int(r[6]) for r in conn.execute(q)})
