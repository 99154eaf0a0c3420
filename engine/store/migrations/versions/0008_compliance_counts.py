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
from typing import Any

import sqlalchemy as sa
from alembic import op

from engine.keysteps import exposure
from engine.store.counts import CountKey, apply_counts, encode_contribution, period_of
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
    """One pass over the instance rows in case order: every case's contribution and
    exposure, and the counts as their sum plus the area-level rows."""
    i = _instances.c
    q = (sa.select(i.case_id, i.area, i.step, i.version, i.owner, i.status, i.due,
                   i.trigger_at)
         .order_by(i.case_id.is_(None), i.case_id, i.trigger_at, i.id)
         .execution_options(yield_per=10_000))
    totals: Counter[CountKey] = Counter()
    current: str | None = None
    mine: Counter[CountKey] = Counter()
    items: list[Any] = []
    pending: list[dict[str, Any]] = []
    for cid, area, step, version, owner, status, due, trigger_at in conn.execute(q):
        if cid != current:
            if current is not None:
                pending.append(_case_row(current, mine, items))
                if len(pending) >= 2000:
                    _write(conn, pending)
            current, mine, items = cid, Counter(), []
        key = (area, step, version, owner, period_of(due), status)
        totals[key] += 1
        if cid is not None:
            mine[key] += 1
            items.append((step, trigger_at, status, due))
    if current is not None:
        pending.append(_case_row(current, mine, items))
    _write(conn, pending)
    apply_counts(conn, totals)


def _case_row(cid: str, mine: Counter[CountKey], items: list[Any]) -> dict[str, Any]:
    exposed = exposure(items)
    return {"b_case_id": cid, "contribution": encode_contribution(mine),
            "key_steps_on_time": None if exposed is None else exposed[0],
            "key_steps_decided_until": None if exposed is None else exposed[1]}


def _write(conn: sa.Connection, rows: list[dict[str, Any]]) -> None:
    rows[:] = [r for r in rows if r["b_case_id"] is not None]
    if rows:
        cases = sa.table("cases", sa.column("case_id", sa.String),
                         sa.column("contribution", sa.Text),
                         sa.column("key_steps_on_time", sa.Boolean),
                         sa.column("key_steps_decided_until", UTCDateTime()))
        conn.execute(cases.update().where(cases.c.case_id == sa.bindparam("b_case_id")), rows)
    rows.clear()


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("key_steps_decided_until")
        batch.drop_column("key_steps_on_time")
        batch.drop_column("contribution")
    op.drop_table("compliance_counts")
