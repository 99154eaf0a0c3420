"""Sweep benchmark (issue 5 item 7), on the database bench/ingest.py left (run that
first; this one does not read the cohort files again):

- full sweep against a floor measured in the same run: a plain SELECT of all events
  ordered by case and time, read in Python (goal: at most 3x);
- peak memory of the full sweep (its own process; goal: under 1 GiB);
- incremental sweep after 1% of cases get a new event (goal: at most 2% of the full).

    .venv/bin/python -m bench.sweep [--cases 200000] [--db sqlite|postgres] [--workers 1]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from bench.cohort import CACHE, NATIONAL_CASES
from bench.store_common import db_url, raw_connection

# engine.simulate.DEFAULT_AS_OF, written out so this script does not import the simulator
COHORT_AS_OF = "2026-11-27T12:00:00+00:00"


def floor(url: str) -> tuple[int, float]:
    conn = raw_connection(url)
    started = time.perf_counter()
    cur = conn.cursor()
    cur.execute("SELECT event_id, case_id, area, type, at, source, data FROM events "
                "ORDER BY case_id, at, event_id")
    n = 0
    while rows := cur.fetchmany(10_000):
        for _row in rows:
            n += 1
    seconds = time.perf_counter() - started
    conn.close()
    return n, seconds


CHILD = """
import json, resource, sys
from datetime import datetime
from engine.sweep import run_sweep
r = run_sweep(sys.argv[1], datetime.fromisoformat(sys.argv[2]), full=sys.argv[3] == "1",
              workers=int(sys.argv[4]))
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:  # VmHWM: this process's own high-water mark (ru_maxrss also counts the forking parent)
    with open("/proc/self/status") as fh:
        peak_kib = next(int(x.split()[1]) for x in fh if x.startswith("VmHWM:"))
except OSError:
    pass
print(json.dumps({"cases": r.cases_evaluated, "instances": r.instances, "flags": r.flags,
                  "seconds": r.seconds, "peak_mib": peak_kib / 1024}))
"""


def sweep_in_child(url: str, as_of: datetime, full: bool, workers: int) -> dict[str, float]:
    """Run the sweep in a fresh process: its wall time and its own peak resident memory
    (with workers > 1, that of the coordinating process; each worker is one partition
    at a time, like a single-process sweep)."""
    out = subprocess.run([sys.executable, "-c", CHILD, url, as_of.isoformat(),
                          "1" if full else "0", str(workers)],
                         check=True, capture_output=True, text=True).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def one_percent(url: str, as_of: datetime, path: Path) -> int:
    """A new event for every 100th case (by id), in the case's current area."""
    from sqlalchemy import select

    from engine.store import cases, engine_for

    at = (as_of - timedelta(hours=1)).isoformat()
    run = int(time.time())  # new event ids on every run, so a re-run adds new events too
    n = 0
    with engine_for(url).connect() as conn, path.open("w", encoding="utf-8") as fh:
        ids = conn.execute(select(cases.c.case_id, cases.c.area).order_by(cases.c.case_id))
        for i, (cid, area) in enumerate(ids):
            if i % 100:
                continue
            fh.write(json.dumps({"event_id": f"{cid}-bench-{run}", "case_id": cid, "area": area,
                                 "type": "complainant.informed", "at": at, "source": "police",
                                 "data": {"topic": "update"}}) + "\n")
            n += 1
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=NATIONAL_CASES)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--as-of", default=COHORT_AS_OF,
                        help="the cohort's as_of (its manifest.json; default: the simulator's)")
    args = parser.parse_args()
    from engine.ingest import ingest_paths

    as_of = datetime.fromisoformat(args.as_of)
    url = db_url(args.db, f"store-{args.cases}")
    rows, floor_s = floor(url)
    print(f"floor (SELECT all {rows:,} events ordered by case and time, read in Python): "
          f"{floor_s:.1f} s")
    full = sweep_in_child(url, as_of, True, args.workers)
    print(f"full sweep ({args.db}, {args.workers} worker{'s' * (args.workers > 1)}): "
          f"{full['seconds']:.1f} s  ({full['cases'] / full['seconds']:,.0f} cases/s; "
          f"{full['cases']:,} cases, {full['instances']:,} instances, {full['flags']:,} flags)")
    print(f"ratio full sweep / floor: {full['seconds'] / floor_s:.1f}x (goal: at most 3x)")
    print(f"peak memory of the full sweep process: {full['peak_mib']:,.0f} MiB "
          f"(goal: under 1024 MiB)")
    extra = CACHE / f"one-percent-{args.cases}.jsonl"
    n = one_percent(url, as_of, extra)
    started = time.perf_counter()
    ingest_paths(url, [str(extra)], actor="bench")
    print(f"ingested a new event for {n:,} cases (1%) in {time.perf_counter() - started:.1f} s")
    inc = sweep_in_child(url, as_of, False, args.workers)
    print(f"incremental sweep: {inc['seconds']:.1f} s, {inc['cases']:,} cases evaluated")
    print(f"ratio incremental / full: {inc['seconds'] / full['seconds']:.1%} (goal: at most 2%)")


if __name__ == "__main__":
    main()
