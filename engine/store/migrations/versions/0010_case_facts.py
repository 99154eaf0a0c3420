"""Per-case facts the reports count, stored by the sweep beside the case's stage: the
day the case entered it, the day it first reached each funnel milestone (Europe/London
days as integers), and its first withdrawal and the stage it was in
(engine/evaluate/milestones.py). The board and the national comparison read these
instead of replaying every case's events on each build. Existing cases get NULL
`facts_key`: the reports judge those from their events until the next sweep of
the case stores them.

Revision ID: 0010_case_facts
Revises: 0009_instances_without_met
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_case_facts"
down_revision = "0009_instances_without_met"
branch_labels = None
depends_on = None

COLUMNS = (
    ("facts_key", sa.String(16)),
    ("stage_entered_day", sa.Integer()),
    ("reported_day", sa.Integer()),
    ("referred_day", sa.Integer()),
    ("charged_day", sa.Integer()),
    ("court_day", sa.Integer()),
    ("concluded_day", sa.Integer()),
    ("withdrew_at", sa.DateTime(timezone=True)),
    ("withdrew_stage", sa.String(48)),
)


def upgrade() -> None:
    for name, type_ in COLUMNS:  # ADD COLUMN on both databases: no copy of the table
        op.add_column("cases", sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        for name, _type in reversed(COLUMNS):
            batch.drop_column(name)
