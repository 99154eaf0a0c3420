"""The schema: created by `liaison db upgrade`, checked by every command, and an audit
log that cannot be changed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from engine.cli.app import app
from engine.errors import StoreError
from engine.store.audit import record
from engine.store.audit_chain import GENESIS
from engine.store.db import engine_for, writing
from engine.store.migrate import head_revision, upgrade
from engine.store.schema import require_schema


def test_missing_schema_is_reported_with_the_next_step(empty_db: str) -> None:
    with pytest.raises(StoreError, match=r"has no liaison schema; run `liaison db upgrade` first"):
        require_schema(engine_for(empty_db))
    result = CliRunner().invoke(app, ["sweep", "--db", empty_db])
    assert result.exit_code == 2
    assert "has no liaison schema; run `liaison db upgrade` first" in result.output


def test_old_schema_is_reported_with_both_revisions(empty_db: str) -> None:
    upgrade(empty_db, "0001")
    with pytest.raises(StoreError) as err:
        require_schema(engine_for(empty_db))
    assert f"is at schema revision 0001, this liaison needs {head_revision()}; " \
           "run `liaison db upgrade`" in str(err.value)
    result = CliRunner().invoke(app, ["flags", "--db", empty_db])
    assert result.exit_code == 2


def test_db_upgrade_creates_then_reports_it_is_current(empty_db: str) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["db", "upgrade", "--db", empty_db])
    assert first.exit_code == 0, first.output
    assert f"schema upgraded from nothing to revision {head_revision()}" in first.output
    again = runner.invoke(app, ["db", "upgrade", "--db", empty_db])
    assert f"schema already at revision {head_revision()}" in again.output
    require_schema(engine_for(empty_db))


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET who = 'someone else'",
                                       "DELETE FROM audit_log"])
def test_audit_log_refuses_update_and_delete(db: str, statement: str) -> None:
    eng = engine_for(db)
    with writing(eng) as conn:
        record(conn, "ana", "auditor", "case.read", {"case_id": "T-1"})
    with pytest.raises(DBAPIError, match="append-only"):
        with writing(eng) as conn:
            conn.execute(text(statement))
    with eng.connect() as conn:
        rows = conn.execute(text("SELECT who, role, action FROM audit_log")).all()
    assert [tuple(r) for r in rows] == [("ana", "auditor", "case.read")]


def test_instants_round_trip_as_utc(db: str) -> None:
    from engine.store.tables import audit_log

    eng = engine_for(db)
    with writing(eng) as conn:
        conn.execute(audit_log.insert().values(
            id=1, at=datetime.fromisoformat("2026-03-06T16:40:00.123456+01:00"), who="a",
            role="auditor", action="x", detail={}, prev_hash=GENESIS, hash="-"))
    with eng.connect() as conn:
        at = conn.execute(audit_log.select()).one().at
    assert at == datetime(2026, 3, 6, 15, 40, 0, 123456, tzinfo=UTC)
    assert at.tzinfo is not None and at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
