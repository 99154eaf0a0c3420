"""Compliance counts (issue 14): instances counted per (area, step, version, owner,
period, status), each case's own contribution to them, and each case's exposure to the
key liaison steps, so that the reports never need a case's `met` instance rows.

The upgrade builds all three from the store's instance rows with the sweep's own
definitions (engine/store/counts.py, engine/keysteps.py), so a store swept before this
revision reads the same figures after it.

Revision ID: 0008_compliance_counts
Revises: 0007_snapshots
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from engine.store.counts import CountKey, apply_counts, contributions, keyed, totals
from engine.store.tables import UTCDateTime

revision = "0008_compliance_counts"
down_revision = "0007_snapshots"
branch_labels = None
depends_on = None

KEY = ("area", "step", "version", "owner", "period", "status")

_instances = sa.table(
    "instances", sa.column("id", sa.Integer), sa.column("case_id", sa.String),
    sa.column("area", sa.String), sa.column("step", sa.String), sa.column("version", sa.String),
    sa.column("owner", sa.String), sa.column("status", sa.String),
    sa.column("due", UTCDateTime()), sa.column("trigger_at", UTCDateTime()))


def upgrade() -> None:
    op.create_table(
        "compliance_counts",
        *(sa.Column(name, sa.String(n), primary_key=True)
          for name, n in zip(KEY, (64, 64, 96, 16, 8, 16), strict=True)),
        sa.Column("n", sa.BigInteger(), nullable=False),
    )
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("contribution", sa.Text(), nullable=True))
        batch.add_column(sa.Column("key_steps_on_time", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("key_steps_decided_until", sa.DateTime(timezone=True),
                                   nullable=True))
    _count_existing(op.get_bind())


def _count_existing(conn: sa.Connection) -> None:
    """One pass over the instance rows in case order, a few thousand cases at a time:
    every case's contribution and exposure, and the counts as their sum plus the
    area-level rows."""
    i = _instances.c
    q = (sa.select(i.case_id, i.area, i.step, i.version, i.owner, i.status, i.due,
                   i.trigger_at)
         .order_by(i.case_id.is_(None), i.case_id, i.trigger_at, i.id)
         .execution_options(yield_per=20_000))
    counts: Counter[CountKey] = Counter()
    chunk: list[tuple[Any, ...]] = []
    cases_in_chunk: set[str | None] = set()
    for r in conn.execute(q):
        if r[0] not in cases_in_chunk and len(cases_in_chunk) >= 2000:
            counts.update(_count_chunk(conn, chunk))
            chunk, cases_in_chunk = [], set()
        cases_in_chunk.add(r[0])
        chunk.append((*r[:6], _us(r[6]), _us(r[7])))
    counts.update(_count_chunk(conn, chunk))
    apply_counts(conn, counts)


def _us(instant: datetime | None) -> int | None:
    from engine.batch.frame import micros

    return None if instant is None else micros(instant)


def _count_chunk(conn: sa.Connection, rows: list[tuple[Any, ...]]) -> Counter[CountKey]:
    """Store the contribution and exposure of the chunk's cases; return its counts.
    (polars is imported here, not at the top: Alembic reads every revision to find the
    head, and that must not load it.)"""
    import polars as pl

    from engine.batch.frame import from_micros
    from engine.keysteps import exposures

    frame = pl.DataFrame(rows, orient="row", schema={
        "case": pl.String, "area": pl.String, "step": pl.String, "version": pl.String,
        "owner": pl.String, "status": pl.String, "due_us": pl.Int64, "trigger_us": pl.Int64})
    counted = keyed(frame)
    cased = frame.filter(pl.col("case").is_not_null())
    found = (contributions(counted.filter(pl.col("case").is_not_null()))
             .join(exposures(cased), on="case", how="left"))
    cases = sa.table("cases", sa.column("case_id", sa.String),
                     sa.column("contribution", sa.Text),
                     sa.column("key_steps_on_time", sa.Boolean),
                     sa.column("key_steps_decided_until", UTCDateTime()))
    params = [{"b_case_id": cid, "contribution": text, "key_steps_on_time": on_time,
               "key_steps_decided_until": None if until is None else from_micros(until)}
              for cid, text, on_time, until in found.rows()]
    if params:
        conn.execute(cases.update().where(cases.c.case_id == sa.bindparam("b_case_id")),
                     params)
    return totals(counted)


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("key_steps_decided_until")
        batch.drop_column("key_steps_on_time")
        batch.drop_column("contribution")
    op.drop_table("compliance_counts")
