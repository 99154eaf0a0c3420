"""Running a plan over the store: the sweep's partitions and process pool, no writes.

Each partition (an area, or a case-id hash bucket of a large one) reads its cases' events
as columns in one query and replays them in memory; the partitions' tallies are added up. The
pool is the sweep's: `spawn` processes, so each worker opens its own connections.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from sqlalchemy import select

from engine.plan.replay import Tally
from engine.rules import Rules
from engine.store import cases, checked_engine, partition_sql, reading
from engine.sweep import Partition, plan_partitions


def _partition_events(db_url: str | None, partition: Partition) -> Any:
    """The partition's raw event columns, read through ADBC (no Python object per event)."""
    from engine.batch.read import read_events

    eng = checked_engine(db_url)
    cond, params = partition_sql(partition.area, partition.bucket, partition.buckets)
    return read_events(eng.url.render_as_string(hide_password=False),
                       f"case_id IN (SELECT case_id FROM cases WHERE {cond})", params)


def replay_partition(db_url: str | None, partition: Partition, before: Rules, after: Rules,
                     as_of: datetime) -> Tally:
    """Replay one partition's cases (a pool task: arguments and result are picklable).

    The partition's events are read into columns through ADBC and judged by the batch
    engine on both sides; no Python object is made per event."""
    from engine.plan.replay import replay_columns

    raw = _partition_events(db_url, partition)
    return replay_columns(before, after, raw, partition.area, as_of)


def read_partition(db_url: str | None, partition: Partition) -> int:
    """Read a partition's events as the replay does and nothing else: the benchmark's
    floor. Returns the number of events read."""
    return len(_partition_events(db_url, partition))


def partitions(db_url: str | None, areas: Sequence[str] | None, config_dir: Path
               ) -> list[Partition]:
    """The sweep's partitions of the cases in scope (areas with cases only)."""
    eng = checked_engine(db_url)
    with reading(eng) as conn:
        with_cases = set(conn.execute(select(cases.c.area).distinct()).scalars())
    return [p for p in plan_partitions(db_url, areas, config_dir=config_dir)
            if p.area in with_cases]


def run_replay(db_url: str | None, before: Rules, after: Rules, as_of: datetime,
               areas: Sequence[str] | None = None, workers: int = 1,
               config_dir: Path = Path("area_configs")) -> Tally:
    """Replay every case of `areas` (all when None), in a process pool when workers > 1."""
    parts = partitions(db_url, areas, config_dir)
    total = Tally()
    if workers > 1 and len(parts) > 1:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(replay_partition, db_url, p, before, after, as_of)
                       for p in parts]
            for f in futures:
                total.merge(f.result())
    else:
        for p in parts:
            total.merge(replay_partition(db_url, p, before, after, as_of))
    return total
