"""One reader serves every page of a sweep through one connection, and each page's read
sees the events committed before it (the connection holds no transaction between reads)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from engine.batch.read import EventReader
from engine.ingest import ingest_paths
from engine.store.db import engine_for
from tests.store.store_data import case_events, write_jsonl


def test_one_connection_sees_each_new_commit(db: str, config_dir: Path, tmp_path: Path) -> None:
    first, later = case_events(0)[:3], case_events(0)[3:5]
    ingest_paths(db, [str(write_jsonl(tmp_path / "a.jsonl", first))], config_dir=config_dir)
    case = first[0]["case_id"]
    with EventReader(db) as reader:
        before = reader.read("case_id = ?", [case])
        conn = reader.conn
        ingest_paths(db, [str(write_jsonl(tmp_path / "b.jsonl", later))], config_dir=config_dir)
        after = reader.read("case_id = ?", [case])
        assert reader.conn is conn is not None
        if not reader.sqlite:  # PostgreSQL: no transaction left open between pages
            with engine_for(db).connect() as other:
                assert other.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND state LIKE 'idle in transaction%'")).scalar() == 0
    assert reader.conn is None  # closed on exit
    assert sorted(before["event_id"]) == sorted(e["event_id"] for e in first)
    assert sorted(after["event_id"]) == sorted(e["event_id"] for e in first + later)
