"""Snapshots: the national comparison as the API serves it, written by the sweep and the
report flow, so a read is one row (engine/reports/snapshot.py).

Revision ID: 0007_snapshots
Revises: 0006_audit_chain
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_snapshots"
down_revision = "0006_audit_chain"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "snapshots",
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("as_of", TS, nullable=False),
        sa.Column("written_at", TS, nullable=False),
        sa.Column("written_by", sa.String(64), nullable=False),
        sa.Column("etag", sa.String(80), nullable=False),
        sa.Column("data_json", sa.Text(), nullable=False),
        sa.Column("report_json", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("snapshots")
