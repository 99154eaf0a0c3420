"""Reports and exports benchmark (issue 7), on a store built from the shared national
cohort (simulate → ingest → sweep, cached under bench/.cache/):

- each report (board, national comparison, one area's scrutiny pack) and each export
  (XES, OCEL 2.0) against a floor measured in the same run: a plain SELECT of every
  event ordered by case and time, read in Python (the least any report over the event
  log must do).

    .venv/bin/python -m bench.reports [--cases 20000]
"""

from __future__ import annotations

import argparse
import io
import json
import time
from collections.abc import Callable

from bench.cohort import CACHE, NATIONAL_SEED, national_cohort
from bench.store_common import db_url, fresh_db
from bench.sweep import floor


def build_store(cases: int) -> tuple[str, str]:
    """The benchmark store for `cases` (reused while its cohort is unchanged) and the
    cohort's as-of instant."""
    from datetime import datetime

    from engine.ingest import ingest_paths
    from engine.sweep import run_sweep

    cohort = national_cohort(cases, NATIONAL_SEED)
    manifest = json.loads((cohort / "manifest.json").read_text())
    name = f"reports-{cases}"
    stamp = CACHE / f"{name}.stamp"
    url = db_url("sqlite", name)
    if not stamp.exists() or stamp.read_text() != cohort.name:
        url = fresh_db("sqlite", name)
        ingest_paths(url, [str(cohort / "events.jsonl")], actor="bench")
        run_sweep(url, datetime.fromisoformat(manifest["as_of"]), workers=2)
        stamp.write_text(cohort.name)
    return url, manifest["as_of"]


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    args = parser.parse_args()

    from engine.config import load_config
    from engine.export import read_traces, write_ocel, write_xes
    from engine.ingest import load_event_vocabulary
    from engine.reports import Quarter, build_board, build_national, build_scrutiny, facts_from
    from engine.store import engine_for

    url, as_of = build_store(args.cases)
    engine = engine_for(url)
    facts = facts_from(load_config())
    from datetime import datetime

    quarter = Quarter.containing(datetime.fromisoformat(as_of)).previous()
    events, base = floor(url)
    runs = {
        "board (all areas)": lambda: build_board(engine, facts),
        "national comparison": lambda: build_national(engine, facts),
        f"scrutiny pack (kent, {quarter})": lambda: build_scrutiny(engine, facts, "kent",
                                                                   quarter),
        "export XES": lambda: write_xes(io.StringIO(), read_traces(engine)),
        "export OCEL 2.0": lambda: write_ocel(io.StringIO(), read_traces(engine),
                                              load_event_vocabulary()),
    }
    print(f"{args.cases:,} cases, {events:,} events (SQLite); floor: read every event "
          f"in {base:.2f} s")
    print(f"{'what':34} {'seconds':>8} {'× floor':>8}")
    for name, fn in runs.items():
        seconds = timed(fn)
        print(f"{name:34} {seconds:8.2f} {seconds / base:8.2f}")


if __name__ == "__main__":
    main()
