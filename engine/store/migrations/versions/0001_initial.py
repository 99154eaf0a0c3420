"""The initial store: events, cases, config versions, instances, ingest batches,
rejects and the append-only audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ingest_batches",
        sa.Column("batch_id", sa.String(96), primary_key=True),
        sa.Column("file_key", sa.String(64), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("first_line", sa.Integer(), nullable=False),
        sa.Column("last_line", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("duplicate", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("committed_at", TS, nullable=False),
    )
    op.create_index("ix_ingest_batches_file", "ingest_batches", ["file_key", "first_line"])
    op.create_table(
        "events",
        sa.Column("event_id", sa.String(128), primary_key=True),
        sa.Column("case_id", sa.String(64), nullable=True),
        sa.Column("area", sa.String(64), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("body_hash", sa.String(64), nullable=False),
        sa.Column("batch_id", sa.String(96), sa.ForeignKey("ingest_batches.batch_id"),
                  nullable=False),
    )
    op.create_index("ix_events_case_at", "events", ["case_id", "at", "event_id"])
    op.create_index("ix_events_area", "events", ["area", "case_id"])
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(64), primary_key=True),
        sa.Column("area", sa.String(64), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("first_event_at", TS, nullable=False),
        sa.Column("last_event_at", TS, nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("event_version", sa.Integer(), nullable=False),
        sa.Column("evaluated_version", sa.Integer(), nullable=True),
        sa.Column("stage", sa.String(48), nullable=True),
        sa.Column("evaluated_at", TS, nullable=True),
        sa.Column("evaluated_as_of", TS, nullable=True),
        sa.Column("rules_key", sa.String(64), nullable=True),
        sa.Column("next_check", TS, nullable=True),
    )
    op.create_index("ix_cases_area_case", "cases", ["area", "case_id"])
    op.create_index("ix_cases_next_check", "cases", ["next_check"])
    op.create_table(
        "config_versions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("area", sa.String(64), nullable=False),
        sa.Column("framework_version", sa.String(32), nullable=False),
        sa.Column("effective_from", TS, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("yaml", sa.Text(), nullable=False),
        sa.Column("deployed_by", sa.String(128), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("deployed_at", TS, nullable=False),
        sa.UniqueConstraint("area", "effective_from", name="uq_config_versions_area_effective"),
    )
    op.create_table(
        "instances",
        sa.Column("id", BIGID, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(64), nullable=True),
        sa.Column("area", sa.String(64), nullable=False),
        sa.Column("step", sa.String(64), nullable=False),
        sa.Column("trigger_event", sa.String(128), nullable=True),
        sa.Column("trigger_at", TS, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("due", TS, nullable=True),
        sa.Column("satisfied_by", sa.String(128), nullable=True),
        sa.Column("owner", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("version", sa.String(96), nullable=False),
        sa.Column("evaluated_as_of", TS, nullable=False),
    )
    op.create_index("ix_instances_case", "instances", ["case_id"])
    op.create_index("ix_instances_area_status", "instances", ["area", "status"])
    op.create_table(
        "rejects",
        sa.Column("file_key", sa.String(64), primary_key=True),
        sa.Column("line", sa.Integer(), primary_key=True),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("event_id", sa.Text(), nullable=True),
        sa.Column("field", sa.String(128), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("batch_id", sa.String(96), sa.ForeignKey("ingest_batches.batch_id"),
                  nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", BIGID, primary_key=True, autoincrement=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("who", sa.String(128), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    _forbid_audit_changes()


def _forbid_audit_changes() -> None:
    """The audit log is append-only in the database itself, not only in our code."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION liaison_audit_log_append_only() RETURNS trigger AS $$
            BEGIN
              RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP;
            END $$ LANGUAGE plpgsql""")
        op.execute("""
            CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE
            ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION liaison_audit_log_append_only()""")
    else:
        for what in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER audit_log_no_{what.lower()} BEFORE {what} ON audit_log
                BEGIN
                  SELECT RAISE(ABORT, 'audit_log is append-only: {what} is not allowed');
                END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS liaison_audit_log_append_only()")
    for table in ("audit_log", "rejects", "instances", "config_versions", "cases", "events",
                  "ingest_batches"):
        op.drop_table(table)
