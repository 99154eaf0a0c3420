"""The national comparison as a stored snapshot, so the API serves it in milliseconds.

Building the comparison reads every instance and case of every area (seconds on a
national store); its figures change only when a sweep stores new verdicts. So the sweep
(CLI and flow) and the report flow write the snapshot, and the API and dashboard read
it: the JSON exactly as served (with its ETag, a hash of those bytes) and the whole
report for the dashboard's tables and charts. The snapshot states its as-of (the sweep's)
and when and by what it was written. With no snapshot yet, the first reader builds one.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, select

from engine.reports.facts import Facts
from engine.reports.model import Report, Table
from engine.store import reading, snapshots, writing

NATIONAL = "national"
_build_lock = threading.Lock()


@dataclass(frozen=True)
class Snapshot:
    kind: str
    as_of: datetime
    written_at: datetime
    written_by: str
    etag: str
    data_json: str  # the API body, byte for byte
    report_json: str

    def report(self) -> Report:
        r = json.loads(self.report_json)
        return Report(r["kind"], r["title"], r["data"],
                      [Table(t["name"], t["title"], tuple(t["columns"]),
                             [tuple(row) for row in t["rows"]], t["note"])
                       for t in r["tables"]], r["charts"], r["notes"])


def _report_json(report: Report) -> str:
    return json.dumps({"kind": report.kind, "title": report.title, "data": report.data,
                       "tables": [{"name": t.name, "title": t.title, "columns": t.columns,
                                   "rows": t.rows, "note": t.note} for t in report.tables],
                       "charts": report.charts, "notes": report.notes}, ensure_ascii=False)


def store_national(engine: Engine, report: Report, written_by: str,
                   now: datetime | None = None) -> Snapshot:
    """Store an already built (suppressed) national comparison as the snapshot."""
    if not report.data.get("suppressed"):
        raise ValueError("only a suppressed national comparison may be served")
    written_at = now or datetime.now(UTC)
    data: dict[str, Any] = {**report.data, "snapshot": {
        "written_at": written_at.isoformat(), "written_by": written_by}}
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    etag = '"' + hashlib.sha256(body.encode("utf-8")).hexdigest()[:32] + '"'
    snap = Snapshot(NATIONAL, datetime.fromisoformat(report.data["as_of"]), written_at,
                    written_by, etag, body, _report_json(report))
    with writing(engine) as conn:
        conn.execute(delete(snapshots).where(snapshots.c.kind == NATIONAL))
        conn.execute(snapshots.insert().values(
            kind=NATIONAL, as_of=snap.as_of, written_at=written_at, written_by=written_by,
            etag=etag, data_json=body, report_json=snap.report_json))
    return snap


def write_national(engine: Engine, facts: Facts, written_by: str,
                   as_of: datetime | None = None) -> Snapshot:
    """Build the national comparison (suppressed) and store it as the snapshot."""
    from engine.reports.national import build_national

    return store_national(engine, build_national(engine, facts, as_of), written_by)


def refresh_national(db_url: str | None, config_dir: str | Path, written_by: str) -> Snapshot:
    """After a sweep: rebuild the snapshot from the store and the configuration."""
    from engine.reports.cached_facts import facts_for
    from engine.store import checked_engine

    return write_national(checked_engine(db_url), facts_for(Path(config_dir)), written_by)


def read_national(engine: Engine) -> Snapshot | None:
    with reading(engine) as conn:
        r = conn.execute(select(snapshots).where(snapshots.c.kind == NATIONAL)).first()
    if r is None:
        return None
    return Snapshot(r.kind, r.as_of, r.written_at, r.written_by, r.etag, r.data_json,
                    r.report_json)


def national(engine: Engine, facts: Facts) -> Snapshot:
    """The stored snapshot, built once by the first reader when there is none."""
    snap = read_national(engine)
    if snap is not None:
        return snap
    with _build_lock:
        return read_national(engine) or write_national(engine, facts, "first read")
