"""The audit log cannot be rewritten: REPLACE, UPSERT, UPDATE and DELETE are refused on
both databases, and whatever gets past the database (triggers dropped, a forged entry)
breaks the hash chain at that entry, which `liaison audit verify` names."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from engine.cli.app import app
from engine.store.audit import record
from engine.store.audit_chain import GENESIS, verify
from engine.store.db import engine_for, reading, writing

READS = [("ana", "cps_unit", "api.case.read", {"case_id": "KE-1", "area": "kent"}),
         ("ben", "force_data_team", "api.flags.read", {"cases": "KE-1 KE-2", "rows": 2}),
         ("cat", "auditor", "api.audit.read", {"entries": 2}),
         ("dan", "force_data_team", "case.read", {"case_id": "KE-2", "found": True})]


def _fill(db: str) -> None:
    with writing(engine_for(db)) as conn:
        for who, role, action, detail in READS:
            record(conn, who, role, action, detail)


def _rows(db: str) -> list[tuple[object, ...]]:
    with engine_for(db).connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT id, who, action, hash FROM audit_log ORDER BY id"))]


def _verify(db: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["audit", "verify", "--db", db])
    return result.exit_code, " ".join(result.output.split())


def _refused(db: str, statement: str) -> None:
    before = _rows(db)
    with pytest.raises(DBAPIError, match="append-only"):
        with writing(engine_for(db)) as conn:
            conn.execute(text(statement))
    assert _rows(db) == before


ROW = "(1, '2026-01-01 00:00:00', 'mallory', 'auditor', 'api.case.read', '{}', '{g}', 'x')"
COLS = "(id, at, who, role, action, detail, prev_hash, hash)"


def test_a_whole_chain_verifies_and_names_its_last_entry(db: str) -> None:
    _fill(db)
    with reading(engine_for(db)) as conn:
        verdict = verify(conn)
    assert verdict.intact and verdict.entries == 4 and verdict.last_id == 4
    assert _verify(db) == (0, f"audit log intact: 4 entries; last entry 4, hash "
                              f"{verdict.last_hash}")


def test_replace_and_insert_or_replace_are_refused_on_sqlite(db: str, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("REPLACE is SQLite's")
    _fill(db)
    row = ROW.replace("{g}", GENESIS)
    _refused(db, f"REPLACE INTO audit_log {COLS} VALUES {row}")
    _refused(db, f"INSERT OR REPLACE INTO audit_log {COLS} VALUES {row}")
    _refused(db, f"INSERT INTO audit_log {COLS} VALUES {row} "
                 "ON CONFLICT(id) DO UPDATE SET who = 'mallory'")
    assert _verify(db)[0] == 0


def test_upsert_update_delete_and_truncate_are_refused_on_postgres(db: str,
                                                                   backend: str) -> None:
    if backend != "postgres":
        pytest.skip("PostgreSQL's forms")
    _fill(db)
    row = ROW.replace("{g}", GENESIS)
    _refused(db, f"INSERT INTO audit_log {COLS} VALUES {row} "
                 "ON CONFLICT (id) DO UPDATE SET who = 'mallory'")
    _refused(db, f"INSERT INTO audit_log {COLS} VALUES {row} ON CONFLICT DO NOTHING")
    _refused(db, "TRUNCATE audit_log")
    assert _verify(db)[0] == 0


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET who = 'mallory' WHERE id = 2",
                                       "DELETE FROM audit_log WHERE id = 2"])
def test_update_and_delete_are_refused(db: str, statement: str) -> None:
    _fill(db)
    _refused(db, statement)
    assert _verify(db)[0] == 0


def test_an_entry_slipped_in_with_a_made_up_hash_is_named(db: str) -> None:
    _fill(db)
    last = _rows(db)[-1]
    # A direct write that obeys the triggers (next id, newest hash as prev_hash) but
    # cannot produce the right hash without the chain's rules: verify finds it.
    with writing(engine_for(db)) as conn:
        conn.execute(text(f"INSERT INTO audit_log {COLS} VALUES (5, :at, 'mallory', "
                          "'auditor', 'api.case.read', :d, :p, :h)"),
                     {"at": "2026-01-01 00:00:00+00:00", "d": '{"case_id": "KE-9"}',
                      "p": last[3], "h": "f" * 64})
    code, message = _verify(db)
    assert (code, message) == (1, "error: audit log broken: entry 5 "
                                  "(2026-01-01T00:00:00+00:00, mallory, api.case.read): its "
                                  "contents do not match its hash; it was changed after it "
                                  "was written")


def _without_triggers(db: str, backend: str, statement: str) -> None:
    """What someone with the database's keys can do: drop the guards, then write."""
    with writing(engine_for(db)) as conn:
        if backend == "postgres":
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        else:
            for name in ("audit_log_no_update", "audit_log_no_delete"):
                conn.execute(text(f"DROP TRIGGER {name}"))
        conn.execute(text(statement))


def test_an_entry_changed_behind_the_triggers_is_named(db: str, backend: str) -> None:
    _fill(db)
    _without_triggers(db, backend, "UPDATE audit_log SET who = 'nobody' WHERE id = 2")
    code, message = _verify(db)
    assert code == 1
    assert message.startswith("error: audit log broken: entry 2 (")
    assert message.endswith(", nobody, api.flags.read): its contents do not match its hash; "
                            "it was changed after it was written")


def test_an_entry_deleted_behind_the_triggers_is_named_by_its_successor(
        db: str, backend: str) -> None:
    _fill(db)
    _without_triggers(db, backend, "DELETE FROM audit_log WHERE id = 2")
    assert _verify(db) == (1, "error: audit log broken: entry 3 does not follow entry 1: the "
                              "entry before it is missing or was changed")


def test_who_read_answers_from_case_reads_and_list_reads(db: str) -> None:
    _fill(db)
    result = CliRunner().invoke(app, ["audit", "who-read", "KE-1", "--db", db, "--json",
                                      "--as", "cat", "--role", "auditor"])
    assert result.exit_code == 0, result.output
    reads = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["entry"], r["who"], r["role"], r["how"]) for r in reads] == [
        (1, "ana", "cps_unit", "read the case"),
        (2, "ben", "force_data_team", "listed it among flags")]
    assert [r["who"] for r in json.loads("[" + ",".join(
        CliRunner().invoke(app, ["audit", "who-read", "KE-2", "--db", db, "--json"])
        .output.splitlines()) + "]")] == ["ben", "dan"]
    # KE-1_ is not KE-1: LIKE wildcards in the id are literal
    none = CliRunner().invoke(app, ["audit", "who-read", "KE-_", "--db", db])
    assert none.output == "no audited read showed KE-_\n"
    assert _rows(db)[-1][2] == "audit.who_read"  # asking is itself audited


def test_entries_written_before_the_chain_are_chained_by_the_upgrade(empty_db: str) -> None:
    from engine.store.migrate import upgrade

    upgrade(empty_db, "0005_instances_queue_index")
    with writing(engine_for(empty_db)) as conn:
        for i, who in enumerate(("ana", "ben", "cat"), start=1):
            conn.execute(text("INSERT INTO audit_log (id, at, who, role, action, detail) "
                              "VALUES (:i, :at, :w, 'auditor', 'case.read', :d)"),
                         {"i": i * 2, "at": f"2026-01-0{i} 09:00:00.25", "w": who,
                          "d": json.dumps({"case_id": f"KE-{i}", "note": "é"})})
    upgrade(empty_db)
    record_after = ("dan", "auditor", "case.read", {"case_id": "KE-4"})
    with writing(engine_for(empty_db)) as conn:
        record(conn, *record_after)
    assert _verify(empty_db)[0] == 0
    assert [r[:2] for r in _rows(empty_db)] == [(2, "ana"), (4, "ben"), (6, "cat"), (7, "dan")]
