"""Audit log: a hash chain over the entries, and append-only against REPLACE and UPSERT.

`REPLACE INTO` / `INSERT OR REPLACE` on SQLite delete the old row without firing DELETE
triggers, and an upsert's update could slip past; a BEFORE INSERT trigger now refuses any
entry whose id is not above every existing one, or whose prev_hash is not the newest
entry's hash. Existing entries are chained in id order.

Revision ID: 0006_audit_chain
Revises: 0005_instances_queue_index
Create Date: 2026-11-30
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from engine.store.audit_chain import GENESIS, entry_hash
from engine.store.tables import UTCDateTime

revision = "0006_audit_chain"
down_revision = "0005_instances_queue_index"
branch_labels = None
depends_on = None

REFUSE_INSERT = ("audit_log is append-only: an entry must come after the newest one "
                 "(a higher id, and its hash as prev_hash)")


def upgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    op.add_column("audit_log", sa.Column("prev_hash", sa.String(64), nullable=True))
    op.add_column("audit_log", sa.Column("hash", sa.String(64), nullable=True))
    _chain_existing(pg)
    if pg:
        op.execute(f"""
            CREATE FUNCTION liaison_audit_log_append_after() RETURNS trigger AS $$
            DECLARE newest RECORD;
            BEGIN
              SELECT id, hash INTO newest FROM audit_log ORDER BY id DESC LIMIT 1;
              IF FOUND AND (NEW.id <= newest.id OR NEW.prev_hash IS DISTINCT FROM newest.hash)
                 OR NOT FOUND AND NEW.prev_hash IS DISTINCT FROM '{GENESIS}' THEN
                RAISE EXCEPTION '{REFUSE_INSERT}';
              END IF;
              RETURN NEW;
            END $$ LANGUAGE plpgsql""")
        op.execute("""
            CREATE TRIGGER audit_log_append_after BEFORE INSERT ON audit_log
            FOR EACH ROW EXECUTE FUNCTION liaison_audit_log_append_after()""")
    else:
        op.execute(f"""
            CREATE TRIGGER audit_log_append_after BEFORE INSERT ON audit_log
            WHEN NEW.id <= (SELECT COALESCE(MAX(id), 0) FROM audit_log)
              OR NEW.prev_hash IS NOT COALESCE(
                   (SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1), '{GENESIS}')
            BEGIN
              SELECT RAISE(ABORT, '{REFUSE_INSERT}');
            END""")


def _chain_existing(pg: bool) -> None:
    """Chain the entries written before this revision, oldest first."""
    bind = op.get_bind()
    if pg:
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    ts = UTCDateTime()
    prev = GENESIS
    rows = bind.execute(sa.text("SELECT id, at, who, role, action, detail FROM audit_log "
                                "ORDER BY id")).all()
    for r in rows:
        at = ts.process_result_value(r.at, bind.dialect)
        assert at is not None
        detail = json.loads(r.detail) if isinstance(r.detail, str) else r.detail
        h = entry_hash(r.id, at, r.who, r.role, r.action, detail, prev)
        bind.execute(sa.text("UPDATE audit_log SET prev_hash = :p, hash = :h WHERE id = :i"),
                     {"p": prev, "h": h, "i": r.id})
        prev = h
    if pg:
        op.execute("ALTER TABLE audit_log ALTER COLUMN prev_hash SET NOT NULL")
        op.execute("ALTER TABLE audit_log ALTER COLUMN hash SET NOT NULL")
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
    else:
        op.execute("""
            CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
            BEGIN
              SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE is not allowed');
            END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_after ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS liaison_audit_log_append_after()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_after")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
