"""Export benchmark (issue 14): XES and OCEL 2.0 against a read of the log, on the
reports' store (the national cohort through ingest and sweep, cached under bench/.cache/
by bench/reports.py), or on any store given by URL:

- each export writes the whole log to /dev/null in its own process (its wall time and
  its own peak resident memory: the exports stream, so memory must stay flat), every
  instance as judged (a case's `met` ones, which the store does not keep, judged again);
- the floor, measured in the same run: a plain SELECT of every event ordered by case and
  time, read in Python (bench.sweep.floor), before and after the exports (the median of
  three reads is the floor). Goal: each export at most 5x the floor.

On a shared machine the wall times swing with the load, so each ratio is also given in
CPU seconds (the export's process time, all its threads, against the floor's), which the
other processes disturb less.

    .venv/bin/python -m bench.export [--cases 20000] [--url URL]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

from bench.sweep import floor

CHILD = """
import json, os, sys, time
from engine.export import read_traces, write_ocel, write_xes
from engine.ingest import load_event_vocabulary
from engine.store import checked_engine
engine, fmt = checked_engine(sys.argv[1]), sys.argv[2]
vocabulary = load_event_vocabulary()
started, cpu = time.perf_counter(), time.process_time()
with open(os.devnull, "w", encoding="utf-8") as out:
    if fmt == "xes":
        n = write_xes(out, read_traces(engine))
    else:
        n = write_ocel(out, read_traces(engine), vocabulary)
seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
with open("/proc/self/status") as fh:
    peak_kib = next(int(x.split()[1]) for x in fh if x.startswith("VmHWM:"))
print(json.dumps({"events": n, "seconds": seconds, "cpu": cpu, "peak_mib": peak_kib / 1024}))
"""


def export_in_child(url: str, fmt: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, url, fmt], check=True,
                         capture_output=True, text=True).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--url", help="a store to export (default: the reports' store)")
    args = parser.parse_args()
    from sqlalchemy import text

    from engine.store import engine_for

    if args.url:
        url = args.url
    else:
        from bench.reports import build_store

        url, _as_of = build_store(args.cases)
    with engine_for(url).connect() as conn:
        stored = dict(conn.execute(text(
            "SELECT status = 'met', count(*) FROM instances GROUP BY status = 'met'")).all())
        # every instance the exports carry (met ones judged again): the counts hold them all
        judged = dict(conn.execute(text(
            "SELECT status = 'met', sum(n) FROM compliance_counts GROUP BY status = 'met'")).all())
    floors: list[tuple[float, float]] = []

    def read_floor() -> int:
        cpu = time.process_time()
        n, seconds = floor(url)
        floors.append((seconds, time.process_time() - cpu))
        return n

    events = read_floor()
    results = {}
    for fmt in ("xes", "ocel"):
        results[fmt] = export_in_child(url, fmt)
        assert results[fmt]["events"] == events, (fmt, results[fmt]["events"], events)
        read_floor()
    base = statistics.median(s for s, _ in floors)
    base_cpu = statistics.median(c for _, c in floors)
    print(f"{events:,} events; {stored.get(False, 0):,} stored instances other than met, "
          f"{stored.get(True, 0):,} met; exported {sum(judged.values()):,} instances, "
          f"{judged.get(True, 0):,} met (judged again)")
    print("floor: read every event in " + ", ".join(f"{s:.2f}" for s, _ in floors)
          + f" s (median {base:.2f} s, {base_cpu:.2f} CPU s)")
    print(f"{'export':8} {'seconds':>8} {'x floor':>8} {'CPU s':>7} {'x floor CPU':>12} "
          f"{'peak MiB':>9}")
    for fmt, r in results.items():
        print(f"{fmt:8} {r['seconds']:8.2f} {r['seconds'] / base:8.2f} {r['cpu']:7.2f} "
              f"{r['cpu'] / base_cpu:12.2f} {r['peak_mib']:9.0f}")


if __name__ == "__main__":
    main()
