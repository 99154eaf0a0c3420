"""Ingest benchmark (issue 5 item 7): `liaison ingest` of the national cohort against a
floor measured in the same run, a raw driver `executemany` of the same rows into the same
`events` table (SQLite: sqlite3; PostgreSQL: psycopg), timing the inserts and commits only.

    .venv/bin/python -m bench.ingest [--cases 200000] [--db sqlite|postgres] [--batch-lines 5000]

The ingested database is kept (bench/.cache/store-<cases>.db, or schema store_<cases>)
for bench/sweep.py.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.cohort import NATIONAL_CASES, NATIONAL_SEED, national_cohort
from bench.store_common import fresh_db, raw_connection

CHUNK = 50_000


def floor(url: str, events_file: Path, sqlite: bool) -> tuple[int, float]:
    """Rows inserted and seconds spent in executemany + commit (parsing excluded)."""
    conn = raw_connection(url)
    cur = conn.cursor()
    mark = "?" if sqlite else "%s"
    if sqlite:
        cur.execute("BEGIN")
    cur.execute(f"INSERT INTO ingest_batches VALUES ({', '.join([mark] * 10)})",
                ("floor", "floor", "floor", 0, 0, 0, 0, 0, "bench",
                 "2026-01-01 00:00:00.000000" if sqlite else datetime.now(UTC)))
    conn.commit()
    sql = f"INSERT INTO events VALUES ({', '.join([mark] * 9)})"
    rows, spent = 0, 0.0
    with events_file.open(encoding="utf-8") as fh:
        while True:
            lines = [fh.readline() for _ in range(CHUNK)]
            lines = [x for x in lines if x]
            if not lines:
                break
            batch = []
            for line in lines:
                o = json.loads(line)
                at = datetime.fromisoformat(o["at"]).astimezone(UTC)
                batch.append((o["event_id"], o.get("case_id"), o["area"], o["type"],
                              at.isoformat(sep=" ", timespec="microseconds")[:26] if sqlite
                              else at, o["source"], json.dumps(o.get("data", {})),
                              hashlib.sha256(line.encode()).hexdigest(), "floor"))
            started = time.perf_counter()
            if sqlite:  # the project's connections leave BEGIN to the caller
                cur.execute("BEGIN")
            cur.executemany(sql, batch)
            conn.commit()
            spent += time.perf_counter() - started
            rows += len(batch)
    conn.close()
    return rows, spent


def run(cases: int, kind: str, batch_lines: int, events: Path | None = None
        ) -> dict[str, float]:
    from engine.ingest import ingest_paths

    cohort = events.parent if events else national_cohort(cases, NATIONAL_SEED)
    events_file = events or cohort / "events.jsonl"
    manifest = json.loads((cohort / "manifest.json").read_text())
    print(f"cohort: {manifest['cases']:,} cases, {manifest['events']:,} events ({cohort.name})")
    rows, floor_s = floor(fresh_db(kind, f"floor-{cases}"), events_file, kind == "sqlite")
    print(f"floor ({'sqlite3' if kind == 'sqlite' else 'psycopg'} executemany of the same rows, "
          f"inserts and commits only): {floor_s:.1f} s  ({rows / floor_s:,.0f} rows/s)")
    url = fresh_db(kind, f"store-{cases}")
    started = time.perf_counter()
    report = ingest_paths(url, [str(events_file)], actor="bench", batch_lines=batch_lines)
    seconds = time.perf_counter() - started
    rate = report.lines / seconds
    print(f"liaison ingest ({kind}, batches of {batch_lines:,} lines): {seconds:.1f} s  "
          f"({rate:,.0f} lines/s; {report.accepted:,} accepted, {report.duplicate:,} duplicate, "
          f"{report.rejected:,} rejected)")
    ratio = rate / (rows / floor_s)
    print(f"ratio ingest rate / floor rate: {ratio:.1%} (goal: at least 40%)")
    return {"floor_rows_per_s": rows / floor_s, "ingest_lines_per_s": rate, "ratio": ratio}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=NATIONAL_CASES)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--batch-lines", type=int, default=5000)
    parser.add_argument("--events", type=Path, default=None,
                        help="a cohort's events.jsonl (beside its manifest.json) instead of "
                             "the cached national cohort")
    args = parser.parse_args()
    run(args.cases, args.db, args.batch_lines, args.events)


if __name__ == "__main__":
    main()
