"""sweep_flow over a synthetic national cohort: Prefect's cost against the engine's own sweep.

Every mode sweeps the same store (a copy of one SQLite file holding the ingested cohort,
`full=True` at the cohort's as-of) and must store the same instances:

- baseline: `engine.sweep.run_sweep(workers=1)`, no Prefect (the floor of this run);
- `run_sweep(workers=2)`: the engine's own process pool, for reference;
- `sweep_flow` with the default runner (a thread pool bounded at min(CPUs, 4));
- `sweep_flow` on a `dask.distributed.LocalCluster` with 1 and with 2 worker processes.

Then the per-task overhead: a flow mapping a task that does nothing over N inputs, on
the thread pool and on 2 Dask workers, minus the same flow with no tasks.

Uses `PREFECT_API_URL` when set (a running `prefect server start`), else one
`prefect_test_harness` for the whole run (its start-up is printed, not counted).

    .venv/bin/python -m bench.flows [--cases 20000] [--noop-tasks 800]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import itertools
import json
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
_copies = itertools.count()
CACHE = ROOT / "bench" / ".cache"


def _prefect_env(home: str) -> None:
    """Before Prefect is imported: a private home, telemetry off, engine logs quiet."""
    for key, value in {"PREFECT_HOME": home, "DO_NOT_TRACK": "1",
                       "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                       "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
                       "PREFECT_LOGGING_LEVEL": "WARNING",
                       "DASK_LOGGING__DISTRIBUTED": "warning",
                       "LIAISON_LOG_LEVEL": "WARNING"}.items():
        os.environ.setdefault(key, value)


def ingested_store(cohort: Path, config_dir: Path) -> Path:
    """A SQLite file with the cohort ingested (cached beside the cohort), checkpointed so
    that copying the one file copies the whole database."""
    from engine.ingest import ingest_paths
    from engine.store import engine_for, upgrade

    path = cohort / "flows-bench.db"
    if path.is_file():
        return path
    partial = cohort / "flows-bench.db.partial"
    partial.unlink(missing_ok=True)
    url = f"sqlite:///{partial}"
    upgrade(url)
    started = time.perf_counter()
    report = ingest_paths(url, [str(cohort / "events.jsonl")], actor="bench",
                          config_dir=config_dir)
    engine_for(url).dispose()
    with contextlib.closing(sqlite3.connect(partial)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    partial.rename(path)
    print(f"ingested {report.accepted:,} events in {time.perf_counter() - started:.0f} s")
    return path


def fresh_copy(template: Path, work: Path, name: str) -> str:
    """A copy of the store under a new name: engines are cached per URL, so a reused
    name would meet a pooled connection to the file it replaced."""
    target = work / f"{name}-{next(_copies)}.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


def instances_digest(url: str) -> tuple[int, str]:
    """How many instances are stored, and a hash of them all; the copy is deleted after
    (a swept national store is gigabytes)."""
    from sqlalchemy import select

    from engine.store import engine_for, instances

    cols = [c for c in instances.c if c.name not in ("id",)]
    h = hashlib.sha256()
    n = 0
    with engine_for(url).connect() as conn:
        for row in conn.execute(select(*cols).order_by(*cols)):
            h.update(repr(tuple(row)).encode())
            n += 1
    engine_for(url).dispose()
    path = Path(url.removeprefix("sqlite:///"))
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    return n, h.hexdigest()[:16]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


@contextlib.contextmanager
def prefect_backend() -> Iterator[str]:
    if os.environ.get("PREFECT_API_URL"):
        yield f"server at {os.environ['PREFECT_API_URL']}"
        return
    from prefect.testing.utilities import prefect_test_harness

    started = time.perf_counter()
    with prefect_test_harness(server_startup_timeout=120):
        yield f"temporary test server (started in {time.perf_counter() - started:.1f} s)"


@contextlib.contextmanager
def dask_cluster(workers: int) -> Iterator[str]:
    from distributed import LocalCluster

    with LocalCluster(n_workers=workers, processes=True, threads_per_worker=1,
                      dashboard_address=None) as cluster:
        yield str(cluster.scheduler_address)


def sweep_modes(template: Path, work: Path, config_dir: Path, as_of: datetime
                ) -> list[tuple[str, float, tuple[int, str], int]]:
    """(mode, seconds, instances digest, partitions) for every way of sweeping."""
    from engine.sweep import run_sweep
    from flows import sweep_flow
    from flows.runners import dask_runner, thread_runner

    results = []

    def engine_sweep(workers: int) -> Callable[[str], int]:
        def run(url: str) -> int:
            return len(run_sweep(url, as_of, full=True, workers=workers,
                                 config_dir=config_dir).partitions)
        return run

    def flow_sweep(runner: Any) -> Callable[[str], int]:
        def run(url: str) -> int:
            totals = sweep_flow.with_options(task_runner=runner)(
                as_of, full=True, db_url=url, config_dir=str(config_dir))
            return int(totals["partitions"])
        return run

    plan: list[tuple[str, Callable[[], Any]]] = [
        ("engine run_sweep, 1 process (baseline)", lambda: engine_sweep(1)),
        ("engine run_sweep, 2 processes", lambda: engine_sweep(2)),
        ("sweep_flow, default runner (threads)", lambda: flow_sweep(thread_runner())),
    ]
    for mode, make in plan:
        url = fresh_copy(template, work, "sweep")
        seconds, parts = timed(lambda make=make, url=url: make()(url))  # type: ignore[misc]
        results.append((mode, seconds, instances_digest(url), parts))
        print(f"  {mode}: {seconds:.1f} s")
    for workers in (1, 2):
        with dask_cluster(workers) as address:
            url = fresh_copy(template, work, "sweep")
            mode = f"sweep_flow, Dask {workers} worker{'s' if workers > 1 else ''}"
            seconds, parts = timed(lambda url=url, a=address: flow_sweep(dask_runner(a))(url))  # type: ignore[misc]
            results.append((mode, seconds, instances_digest(url), parts))
            print(f"  {mode}: {seconds:.1f} s")
    return results


def task_overhead(n: int) -> list[tuple[str, float]]:
    """Seconds per mapped no-op task: the slope between a run of n/4 and a run of n
    tasks (so the flow run's own fixed cost, about a second, cancels out)."""
    from prefect import flow, task, unmapped

    from flows.runners import dask_runner, thread_runner

    @task
    def nothing(i: int, tag: str) -> int:
        return i

    @flow(name="bench-noop")
    def noop_flow(count: int) -> int:
        if count == 0:
            return 0
        return len(nothing.map(range(count), unmapped("x")).result())

    def slope(runner: Any, count: int) -> tuple[float, float]:
        noop_flow.with_options(task_runner=runner)(4)  # warm up: imports in the workers
        empty, _ = timed(lambda: noop_flow.with_options(task_runner=runner)(0))
        few, _ = timed(lambda: noop_flow.with_options(task_runner=runner)(count // 4))
        many, _ = timed(lambda: noop_flow.with_options(task_runner=runner)(count))
        return empty, (many - few) / (count - count // 4)

    out = []
    empty, per_task = slope(thread_runner(), n)
    out.append(("flow run with no tasks (thread pool)", empty))
    out.append((f"thread pool: per task ({n // 4} vs {n} tasks)", per_task))
    with dask_cluster(2) as address:
        d_empty, d_per_task = slope(dask_runner(address), max(8, n // 4))
    out.append(("flow run with no tasks (Dask, connecting)", d_empty))
    out.append((f"Dask 2 workers: per task ({max(8, n // 4) // 4} vs {max(8, n // 4)} tasks)",
                d_per_task))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=20_000,
                        help="cohort size over the 43 forces (the national cohort is 200,000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--noop-tasks", type=int, default=800,
                        help="no-op tasks for the thread-pool overhead (a quarter on Dask)")
    args = parser.parse_args()

    home = tempfile.mkdtemp(prefix="liaison-bench-prefect-")
    _prefect_env(home)
    from bench.cohort import national_cohort
    from engine.logging import configure_logging

    configure_logging("WARNING")

    config_dir = ROOT / "area_configs"
    cohort = national_cohort(args.cases, args.seed)
    manifest = json.loads((cohort / "manifest.json").read_text())
    as_of = datetime.fromisoformat(manifest["as_of"])
    template = ingested_store(cohort, config_dir)
    work = Path(tempfile.mkdtemp(prefix="liaison-bench-flows-"))
    try:
        with prefect_backend() as backend:
            print(f"cohort: {manifest['cases']:,} cases, {manifest['events']:,} events, "
                  f"{len(manifest['areas'])} areas, as of {manifest['as_of']}; "
                  f"CPUs: {os.cpu_count()}; Prefect: {backend}")
            results = sweep_modes(template, work, config_dir, as_of)
            overhead = task_overhead(args.noop_tasks)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)

    base = results[0][1]
    digests = {r[2] for r in results}
    print(f"\nsweep, full, {results[0][3]} partitions "
          f"({results[0][2][0]:,} instances stored by every mode):")
    for mode, seconds, (_, digest), _ in results:
        rate = manifest["cases"] / seconds
        print(f"  {mode:<42} {seconds:7.1f} s  {rate:8,.0f} cases/s  "
              f"ratio {seconds / base:4.2f}x  [{digest}]")
    print("  same instances in every mode: " + ("yes" if len(digests) == 1 else
                                                f"NO ({len(digests)} different)"))
    print("\nPrefect overhead:")
    for label, seconds in overhead:
        print(f"  {label:<42} {seconds * 1000:9.1f} ms")


if __name__ == "__main__":
    main()
