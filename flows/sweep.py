"""`sweep_flow`: the nightly sweep as one mapped task per partition.

The engine plans the partitions (an area, or a case-id hash bucket of a large area) and
sweeps each (`engine.sweep.sweep_partition`); this flow maps a task over them so that
Prefect retries a partition that hit a database hiccup, shows each in the UI, and can
send them to a Dask cluster (`LIAISON_DASK_ADDRESS`, see `flows.runners`). Partitions
are independent and each task opens its own connections from the URL it is given, so
the same flow runs on a thread pool against SQLite or on many machines against
PostgreSQL.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from datetime import datetime
from typing import Any

from prefect import flow, get_run_logger, task, unmapped
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from engine.logging import bound_contextvars, configure_logging
from engine.reports import refresh_national
from engine.sweep import Partition, plan_partitions, sweep_partition
from engine.terms import FLAG_STATUSES
from flows import settings
from flows.newflags import count_by_area_owner, partition_flags
from flows.runners import choose_runner

SWEEP_TABLE_KEY = "sweep-new-flags"
SWEEP_SUMMARY_KEY = "sweep-summary"
COUNTS = ("cases_evaluated", "instances", "flags", "area_instances")


@task(retries=2, retry_delay_seconds=[2, 10],
      task_run_name="sweep {partition.area} {partition.bucket}-of-{partition.buckets}")
def sweep_partition_task(db_url: str, partition: Partition, as_of: datetime, full: bool,
                         config_dir: str) -> dict[str, Any]:
    """Sweep one partition; its counts and the flags it raised, as plain data."""
    configure_logging()
    with bound_contextvars(area=partition.area, bucket=partition.bucket):
        before = partition_flags(db_url, partition)
        result = sweep_partition(db_url, partition, as_of, full, config_dir)
        new = partition_flags(db_url, partition) - before
    return {"result": asdict(result),
            "new_flags": [[a, o, s, n] for (a, o, s), n in
                          sorted(count_by_area_owner(new).items())]}


def new_flag_rows(outcomes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The artifact table: one row per (area, owner) with new flags, by status."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for outcome in outcomes:
        for area, owner, status, n in outcome["new_flags"]:
            counts[(area, owner, status)] += n
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for (area, owner, status), n in sorted(counts.items()):
        row = rows.setdefault((area, owner), {"area": area, "owner": owner,
                                              **{s.value: 0 for s in FLAG_STATUSES}, "total": 0})
        row[status] += n
        row["total"] += n
    return list(rows.values())


def _summary(as_of: datetime, totals: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    lines = [f"# Sweep as of {as_of.isoformat()}", "",
             f"- partitions: {totals['partitions']}",
             f"- cases evaluated: {totals['cases_evaluated']}",
             f"- instances stored: {totals['instances']} "
             f"(area-level: {totals['area_instances']})",
             f"- flags in the evaluated cases: {totals['flags']}",
             f"- new flags: {totals['new_flags']}", ""]
    if rows:
        worst = sorted(rows, key=lambda r: (-r["total"], r["area"], r["owner"]))[:10]
        lines += ["| area | owner | new flags |", "|---|---|---|"]
        lines += [f"| {r['area']} | {r['owner']} | {r['total']} |" for r in worst]
    else:
        lines.append("No new flags.")
    return "\n".join(lines) + "\n"


@flow(name="sweep", task_runner=choose_runner())
def sweep_flow(as_of: datetime | None = None, areas: list[str] | None = None,
               full: bool = False, db_url: str | None = None, config_dir: str | None = None,
               cases_per_partition: int | None = None) -> dict[str, Any]:
    """Evaluate the cases that need it (all with `full`) as of `as_of` (default now),
    one task per partition; store their instances; publish the new flags by area and
    owner and a summary; return the counts."""
    configure_logging()
    logger = get_run_logger()
    when = settings.as_of(as_of)
    url = settings.database_url(db_url)
    configs = settings.config_dir(config_dir)
    extra = {} if cases_per_partition is None else {"cases_per_partition": cases_per_partition}
    partitions = plan_partitions(url, areas, config_dir=configs, **extra)
    logger.info("sweeping %d partition(s) as of %s", len(partitions), when.isoformat())
    futures = sweep_partition_task.map(unmapped(url), partitions, unmapped(when),
                                       unmapped(full), unmapped(str(configs)))
    outcomes: list[dict[str, Any]] = futures.result()
    rows = new_flag_rows(outcomes)
    totals: dict[str, Any] = {"as_of": when.isoformat(), "partitions": len(partitions)}
    for key in COUNTS:
        totals[key] = sum(int(o["result"][key]) for o in outcomes)
    totals["new_flags"] = sum(r["total"] for r in rows)
    create_table_artifact(key=SWEEP_TABLE_KEY, table=rows,
                          description=f"New flags by area and owner, as of {when.isoformat()}")
    create_markdown_artifact(key=SWEEP_SUMMARY_KEY, markdown=_summary(when, totals, rows),
                             description="Sweep summary")
    logger.info("swept %d case(s): %d flag(s), %d new", totals["cases_evaluated"],
                totals["flags"], totals["new_flags"])
    snap = refresh_national(url, configs, "sweep flow")
    totals["national_snapshot_as_of"] = snap.as_of.isoformat()
    return totals
