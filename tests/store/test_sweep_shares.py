"""A pooled sweep gives each worker a share of the partitions, judged in pages that mix
them; each partition's result still counts its own cases, the rows stored for them and
their flags (its area's area-level instances on its first bucket only)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from engine.ingest import ingest_paths
from engine.store.db import engine_for
from engine.store.tables import cases, instances
from engine.sweep import run_sweep
from engine.terms import FLAG_STATUSES
from tests.store.store_data import cohort, write_jsonl
from tests.store.test_sweep import T2


def _expected(url: str) -> dict[tuple[str, int], list[int]]:
    """(area, bucket % 3) -> [cases, case-level rows stored, flags among them]."""
    flags = {str(s) for s in FLAG_STATUSES}
    out: dict[tuple[str, int], list[int]] = {}
    with engine_for(url).connect() as conn:
        part = {cid: (area, b % 3) for cid, area, b in conn.execute(
            select(cases.c.case_id, cases.c.area, cases.c.bucket))}
        for key in part.values():
            out.setdefault(key, [0, 0, 0])[0] += 1
        for cid, status in conn.execute(select(instances.c.case_id, instances.c.status)
                                        .where(instances.c.case_id.is_not(None))):
            out[part[cid]][1] += 1
            out[part[cid]][2] += status in flags
    return out


def test_each_partition_counts_its_own_cases(db: str, config_dir: Path, tmp_path: Path) -> None:
    ingest_paths(db, [str(write_jsonl(tmp_path / "a.jsonl", cohort(90)))], config_dir=config_dir)
    report = run_sweep(db, T2, full=True, workers=2, config_dir=config_dir,
                       cases_per_partition=10)
    got = {(p.area, p.bucket): [p.cases_evaluated, p.instances, p.flags]
           for p in report.partitions}
    assert [(p.area, p.bucket, p.buckets) for p in report.partitions] == [
        (a, b, 3) for a in ("avon-and-somerset", "dorset", "kent") for b in range(3)]
    expected = _expected(db)
    assert sum(n for n, _s, _f in expected.values()) == 90
    # without overlays there are no area-level instances: flags are the cases' alone
    assert report.area_instances == 0
    assert got == expected
    assert report.flags > 0


def test_no_partitions_sweep_nothing(db: str, config_dir: Path, tmp_path: Path) -> None:
    ingest_paths(db, [str(write_jsonl(tmp_path / "a.jsonl", cohort(30)))], config_dir=config_dir)
    for workers in (1, 2):
        report = run_sweep(db, T2, areas=[], workers=workers, config_dir=config_dir)
        assert (report.partitions, report.cases_evaluated) == ((), 0)
    with engine_for(db).connect() as conn:
        assert conn.execute(select(cases.c.case_id).where(
            cases.c.evaluated_version.is_not(None))).first() is None
        assert conn.execute(select(instances.c.id)).first() is None
