"""Ingest benchmark (issue 5 item 7): `liaison ingest` of the national cohort against a
floor measured in the same run, a raw driver `executemany` of the same rows into the same
`events` table (SQLite: sqlite3; PostgreSQL: psycopg), timing the inserts and commits only.

    .venv/bin/python -m bench.ingest [--cases 200000] [--db sqlite|postgres] [--batch-lines 5000]
                                     [--rounds 1]

The ingested database is kept (bench/.cache/store-<cases>.db, or schema store_<cases>)
for bench/sweep.py.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.cohort import NATIONAL_CASES, NATIONAL_SEED, national_cohort
from bench.store_common import fresh_db, raw_connection

CHUNK = 50_000


def floor(url: str, events_file: Path, sqlite: bool) -> tuple[int, float, float]:
    """Rows inserted, and the seconds (wall and this process's CPU) spent in executemany
    and commit (parsing excluded)."""
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
    rows, spent, cpu = 0, 0.0, 0.0
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
            started, cpu_started = time.perf_counter(), time.process_time()
            if sqlite:  # the project's connections leave BEGIN to the caller
                cur.execute("BEGIN")
            cur.executemany(sql, batch)
            conn.commit()
            spent += time.perf_counter() - started
            cpu += time.process_time() - cpu_started
            rows += len(batch)
    conn.close()
    return rows, spent, cpu


def run(cases: int, kind: str, batch_lines: int, events: Path | None = None, rounds: int = 1
        ) -> dict[str, float]:
    """`rounds` times: the floor, then ingest into a fresh database. The machine is
    shared, so its load moves between the two; each round's ratio pairs an ingest with
    the floor measured just before it, and the median of the rounds is the figure."""
    from engine.ingest import ingest_paths
    from engine.store import engine_for

    cohort = events.parent if events else national_cohort(cases, NATIONAL_SEED)
    events_file = events or cohort / "events.jsonl"
    manifest = json.loads((cohort / "manifest.json").read_text())
    print(f"cohort: {manifest['cases']:,} cases, {manifest['events']:,} events ({cohort.name}); "
          f"CPUs: {os.cpu_count()}; load average at start: {os.getloadavg()[0]:.1f}")
    ratios, floors, rates, cpu_ratios = [], [], [], []
    for n in range(1, rounds + 1):
        floor_url = fresh_db(kind, f"floor-{cases}")
        rows, floor_s, floor_cpu = floor(floor_url, events_file, kind == "sqlite")
        engine_for(floor_url).dispose()  # the next round recreates the database
        print(f"round {n}: floor ({'sqlite3' if kind == 'sqlite' else 'psycopg'} executemany of "
              f"the same rows, inserts and commits only): {floor_s:.1f} s  "
              f"({rows / floor_s:,.0f} rows/s; CPU {floor_cpu:.1f} s)")
        url = fresh_db(kind, f"store-{cases}")
        started, cpu_started = time.perf_counter(), time.process_time()
        report = ingest_paths(url, [str(events_file)], actor="bench", batch_lines=batch_lines)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        engine_for(url).dispose()
        rate = report.lines / seconds
        print(f"round {n}: liaison ingest ({kind}, batches of {batch_lines:,} lines): "
              f"{seconds:.1f} s  ({rate:,.0f} lines/s; CPU {cpu:.1f} s; {report.accepted:,} "
              f"accepted, {report.duplicate:,} duplicate, {report.rejected:,} rejected)")
        ratios.append(rate / (rows / floor_s))
        floors.append(rows / floor_s)
        rates.append(rate)
        cpu_ratios.append(floor_cpu / rows / (cpu / report.lines))
        print(f"round {n}: ratio ingest rate / floor rate: {ratios[-1]:.1%} (by this process's "
              f"CPU time: {cpu_ratios[-1]:.1%}); load average {os.getloadavg()[0]:.1f}")
    ratio = statistics.median(ratios)
    print(f"ratio ingest rate / floor rate, median of {rounds} round(s): {ratio:.1%} "
          f"(goal: at least 40%); by CPU time: {statistics.median(cpu_ratios):.1%}")
    return {"floor_rows_per_s": statistics.median(floors),
            "ingest_lines_per_s": statistics.median(rates), "ratio": ratio}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=NATIONAL_CASES)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--batch-lines", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=1,
                        help="floor-then-ingest rounds; the median ratio is reported")
    parser.add_argument("--events", type=Path, default=None,
                        help="a cohort's events.jsonl (beside its manifest.json) instead of "
                             "the cached national cohort")
    args = parser.parse_args()
    run(args.cases, args.db, args.batch_lines, args.events, args.rounds)


if __name__ == "__main__":
    main()
