"""Plan benchmark (issue 15 item 5): the national plan over the national cohort, and one
area's variant impact, against a floor measured in the same run: reading the same
events from the store (the sweep's paged reads, turned into Event objects, nothing
evaluated). Goals: the national plan in at most 2 minutes, one area in at most 10 s.

The store is the national cohort ingested once into bench/.cache/plan-<cases>.db (no
sweep is needed: a plan reads events, never instances).

    .venv/bin/python -m bench.plan [--cases 200000] [--workers 2] [--area kent]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import time
from datetime import datetime
from pathlib import Path

from bench.cohort import CACHE, NATIONAL_CASES, national_cohort

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "area_configs"
COHORT_AS_OF = "2026-11-27T12:00:00+00:00"  # the simulator's default as_of


def store(cases: int) -> str:
    """The ingested cohort (made on first use)."""
    from engine.ingest import ingest_paths
    from engine.store import engine_for, upgrade

    path = CACHE / f"plan-{cases}.db"
    url = f"sqlite:///{path}"
    if not path.is_file():
        events = national_cohort(cases) / "events.jsonl"
        tmp = CACHE / f"plan-{cases}.partial.db"
        tmp.unlink(missing_ok=True)
        upgrade(f"sqlite:///{tmp}")
        ingest_paths(f"sqlite:///{tmp}", [str(events)], actor="bench")
        engine_for(f"sqlite:///{tmp}").dispose()
        with sqlite3.connect(tmp) as conn:  # fold the WAL in: the file moves alone
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        tmp.rename(path)
    upgrade(url)
    return url


def draft_dir(root: Path) -> Path:
    """A draft framework: the arrest must be told within 12 hours, not 1 working day."""
    text = (CONFIG / "national" / "framework.yaml").read_text(encoding="utf-8")
    start = text.index("  - id: police_inform_arrest")
    old = "deadline: {within: 1, unit: working_days}"
    at = text.index(old, start)
    (root / "framework.yaml").write_text(
        text[:at] + "deadline: {within: 12, unit: hours}" + text[at + len(old):],
        encoding="utf-8")
    return root


def floor(url: str, areas: list[str] | None) -> tuple[int, float]:
    """Events read and seconds, one process, every partition (the plan's own read)."""
    from engine.plan.run import partitions, read_partition

    started = time.perf_counter()
    n = sum(read_partition(url, p) for p in partitions(url, areas, CONFIG))
    return n, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=NATIONAL_CASES)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--area", default="kent")
    parser.add_argument("--under", default="greater-manchester")
    args = parser.parse_args()
    from engine.plan import framework_plan, variant_plan

    url = store(args.cases)
    as_of = datetime.fromisoformat(COHORT_AS_OF)
    results = {}
    n_all, floor_all = floor(url, None)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        national = framework_plan(url, draft_dir(Path(tmp)), CONFIG, as_of=as_of,
                                  workers=args.workers)
        results["national"] = time.perf_counter() - started
    n_area, floor_area = floor(url, [args.area])
    started = time.perf_counter()
    one = variant_plan(url, args.area, args.under, CONFIG, as_of=as_of, workers=1)
    results["area"] = time.perf_counter() - started
    changed = sum(n for (_a, _s, b, a), n in national.tally.counts.items() if b != a)
    print(json.dumps({
        "cases": sum(national.tally.cases.values()), "events": n_all,
        "national": {"seconds": round(results["national"], 1),
                     "floor_seconds": round(floor_all, 1),
                     "ratio": round(results["national"] / floor_all, 2),
                     "workers": args.workers, "steps": list(national.steps),
                     "changed_instances": changed, "goal_seconds": 120,
                     "met": results["national"] <= 120},
        "area": {"area": args.area, "under": args.under,
                 "cases": sum(one.tally.cases.values()), "events": n_area,
                 "seconds": round(results["area"], 2), "floor_seconds": round(floor_area, 2),
                 "ratio": round(results["area"] / floor_area, 2), "steps": list(one.steps),
                 "goal_seconds": 10, "met": results["area"] <= 10},
    }, indent=2))


if __name__ == "__main__":
    main()
