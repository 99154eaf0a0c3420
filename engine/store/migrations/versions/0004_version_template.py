"""A deployed version keeps its resolved template (JSON), so it can be rebuilt after the
national framework changes: the stored YAML alone names a framework version that may no
longer be the one in the config directory.

Revision ID: 0004_version_template
Revises: 0003_notify
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_version_template"
down_revision = "0003_notify"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("config_versions") as batch:
        batch.add_column(sa.Column("template", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("config_versions") as batch:
        batch.drop_column("template")
