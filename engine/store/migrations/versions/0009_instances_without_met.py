"""Instances without `met` rows or explanation text (issue 14): readers build
explanations on read and judge a case again to show its met instances; the reports read
the compliance counts (revision 0008). Case-level `met` rows are deleted and the
`explanation` column is dropped. Area-level instances (a few per area) are kept whole:
the counts take their share from those rows.

The downgrade brings the column back (empty text); the deleted rows come back only with
a full sweep of the older release.

Revision ID: 0009_instances_without_met
Revises: 0008_compliance_counts
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_instances_without_met"
down_revision = "0008_compliance_counts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM instances WHERE status = 'met' AND case_id IS NOT NULL")
    with op.batch_alter_table("instances") as batch:
        batch.drop_column("explanation")


def downgrade() -> None:
    with op.batch_alter_table("instances") as batch:
        batch.add_column(sa.Column("explanation", sa.Text(), nullable=False, server_default=""))
