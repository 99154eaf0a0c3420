"""sweep_flow against the engine's own sweep: the same instances, on threads and on a
two-process Dask cluster, and artifacts that count the new flags."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.ingest import ingest_paths
from engine.sweep import run_sweep
from engine.terms import FLAG_STATUSES
from flows import sweep_flow
from flows.runners import dask_runner
from tests.flows.flowkit import cohort, instance_rows, new_store, write_jsonl
from tests.flows.flowkit_artifacts import artifact_data

AS_OF = datetime(2026, 3, 16, 12, 0, tzinfo=UTC)


@pytest.fixture
def stores(tmp_path: Path, config_dir: Path) -> dict[str, str]:
    """Three stores holding the same 90 cases: one per way of sweeping."""
    events = write_jsonl(tmp_path / "cohort.jsonl", cohort(30))
    urls = {}
    for name in ("engine", "threads", "dask"):
        urls[name] = new_store(tmp_path / f"{name}.db")
        ingest_paths(urls[name], [str(events)], config_dir=config_dir)
    return urls


def test_sweep_flow_stores_what_the_engine_sweep_stores(
        stores: dict[str, str], config_dir: Path, tmp_path: Path) -> None:
    report = run_sweep(stores["engine"], AS_OF, config_dir=config_dir)
    expected = instance_rows(stores["engine"])
    assert report.flags > 0 and report.instances == len(expected) - report.area_instances

    state = sweep_flow(AS_OF, db_url=stores["threads"], config_dir=str(config_dir),
                       cases_per_partition=10, return_state=True)
    assert state.is_completed(), state.message
    totals = state.result()

    assert instance_rows(stores["threads"]) == expected
    # (area, owner, status) of every flag
    flags = Counter((r[1], r[8], r[5]) for r in expected if r[5] in FLAG_STATUSES)
    assert totals == {"as_of": AS_OF.isoformat(), "partitions": 3 * 3,  # 3 areas x 30 cases / 10
                      "cases_evaluated": report.cases_evaluated, "instances": report.instances,
                      "flags": report.flags, "area_instances": report.area_instances,
                      "new_flags": sum(flags.values()),
                      "national_snapshot_as_of": AS_OF.isoformat()}
    from engine.reports.snapshot import read_national
    from engine.store.db import engine_for

    snap = read_national(engine_for(stores["threads"]))  # what the API serves now
    assert snap is not None and (snap.as_of, snap.written_by) == (AS_OF, "sweep flow")
    rows = artifact_data(state.state_details.flow_run_id, "sweep-new-flags")
    columns = (*FLAG_STATUSES, "total")
    assert {(r["area"], r["owner"]): {s: int(r[s]) for s in columns} for r in rows} \
        == {(a, o): {**{s: flags[(a, o, s)] for s in FLAG_STATUSES},
                     "total": sum(flags[(a, o, s)] for s in FLAG_STATUSES)}
            for a, o in {(a, o) for a, o, _ in flags}}
    summary = artifact_data(state.state_details.flow_run_id, "sweep-summary")
    assert f"- new flags: {sum(flags.values())}" in summary

    again = sweep_flow(AS_OF, db_url=stores["threads"], config_dir=str(config_dir))
    assert (again["cases_evaluated"], again["new_flags"]) == (0, 0)  # incremental: nothing new


@pytest.fixture(scope="module")
def dask_address() -> Iterator[str]:
    """One two-process cluster for this module (starting one costs seconds)."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                      dashboard_address=None) as cluster:
        yield str(cluster.scheduler_address)


def _sweep_on_dask(address: str, db_url: str, config_dir: Path) -> dict[str, object]:
    on_dask = sweep_flow.with_options(task_runner=dask_runner(address))
    totals: dict[str, object] = on_dask(AS_OF, db_url=db_url, config_dir=str(config_dir),
                                        cases_per_partition=10)
    return totals


def test_sweep_flow_on_a_dask_cluster_gives_the_same_flags(
        stores: dict[str, str], config_dir: Path, dask_address: str) -> None:
    run_sweep(stores["engine"], AS_OF, config_dir=config_dir)
    totals = _sweep_on_dask(dask_address, stores["dask"], config_dir)
    assert instance_rows(stores["dask"]) == instance_rows(stores["engine"])
    assert totals["cases_evaluated"] == 90


@pytest.mark.postgres
def test_sweep_flow_on_dask_against_postgresql_gives_the_same_flags(
        stores: dict[str, str], pg_url: str, config_dir: Path, tmp_path: Path,
        dask_address: str) -> None:
    ingest_paths(pg_url, [str(tmp_path / "cohort.jsonl")], config_dir=config_dir)
    run_sweep(stores["engine"], AS_OF, config_dir=config_dir)
    totals = _sweep_on_dask(dask_address, pg_url, config_dir)
    assert instance_rows(pg_url) == instance_rows(stores["engine"])
    assert totals["cases_evaluated"] == 90
