"""SPOC notifications: the delivery log (areas started, messages, sent transitions,
deliveries, attempts) and flag acknowledgements. The tables' definitions live with every
other table (engine/store/tables.py).

Revision ID: 0003_notify
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_notify"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "notify_areas",
        sa.Column("area", sa.String(64), primary_key=True),
        sa.Column("started_at", TS, nullable=False),
    )
    op.create_table(
        "notify_messages",
        sa.Column("message_key", sa.String(200), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("area", sa.String(64), nullable=False),
        sa.Column("recipient", sa.String(96), nullable=False),
        sa.Column("as_of", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
    )
    op.create_table(
        "notify_sent",
        sa.Column("flag_id", sa.String(32), primary_key=True),
        sa.Column("transition", sa.String(16), primary_key=True),
        sa.Column("area", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("message_key", sa.String(200), sa.ForeignKey("notify_messages.message_key"),
                  nullable=True),
        sa.Column("noted_at", TS, nullable=False),
    )
    op.create_index("ix_notify_sent_area", "notify_sent", ["area", "transition"])
    op.create_table(
        "notify_deliveries",
        sa.Column("id", BIGID, primary_key=True, autoincrement=True),
        sa.Column("message_key", sa.String(200), sa.ForeignKey("notify_messages.message_key"),
                  nullable=False),
        sa.Column("channel", sa.String(200), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TS, nullable=True),
        sa.Column("message_id", sa.String(255), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.UniqueConstraint("message_key", "channel", name="uq_notify_deliveries_channel"),
    )
    op.create_index("ix_notify_deliveries_state", "notify_deliveries",
                    ["state", "next_attempt_at"])
    op.create_table(
        "notify_attempts",
        sa.Column("id", BIGID, primary_key=True, autoincrement=True),
        sa.Column("delivery_id", BIGID, sa.ForeignKey("notify_deliveries.id"), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("message_id", sa.String(255), nullable=True),
    )
    op.create_index("ix_notify_attempts_delivery", "notify_attempts",
                    ["delivery_id", "attempt"])
    op.create_table(
        "flag_acks",
        sa.Column("flag_id", sa.String(32), primary_key=True),
        sa.Column("area", sa.String(64), nullable=False),
        sa.Column("case_id", sa.String(64), nullable=True),
        sa.Column("step", sa.String(64), nullable=False),
        sa.Column("owner", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("who", sa.String(128), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_index("ix_flag_acks_area", "flag_acks", ["area", "reason"])


def downgrade() -> None:
    for name in ("flag_acks", "notify_attempts", "notify_deliveries", "notify_sent",
                 "notify_messages", "notify_areas"):
        op.drop_table(name)
