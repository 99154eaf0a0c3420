"""The sweep: incremental sweeps reach the same verdicts as a full sweep, as events
arrive and as time passes, in one process or several."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

import engine.sweep as sweep_module
from engine.ingest import ingest_paths
from engine.store.db import engine_for
from engine.store.tables import cases, instances
from engine.sweep import plan_partitions, run_sweep
from tests.store.store_data import case_events, cohort, write_jsonl

T1 = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
T2 = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)


def verdicts(url: str) -> list[tuple[Any, ...]]:
    """Every stored instance without its row id, explanation and evaluation instant
    (the explanation of an unchanged verdict keeps the instant it was judged at)."""
    cols = [c for c in instances.c if c.name not in ("id", "explanation", "evaluated_as_of")]
    with engine_for(url).connect() as conn:
        rows = [tuple(r) for r in conn.execute(select(*cols))]
    return sorted(rows, key=repr)


def stages(url: str) -> list[tuple[Any, ...]]:
    with engine_for(url).connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(cases.c.case_id, cases.c.stage).order_by(cases.c.case_id))]


def test_incremental_sweep_equals_full_sweep(db: str, config_dir: Path, tmp_path: Path) -> None:
    ingest_paths(db, [str(write_jsonl(tmp_path / "a.jsonl", cohort(120)))], config_dir=config_dir)
    first = run_sweep(db, T1, config_dir=config_dir)
    assert first.cases_evaluated == 120
    unchanged = run_sweep(db, T1, config_dir=config_dir)
    assert unchanged.cases_evaluated == 0
    late = [dict(e, event_id=e["event_id"] + "-late", at="2026-03-11T10:00:00+00:00")
            for n in range(0, 120, 10) for e in case_events(n)[1:2]]
    new_cases = cohort(5, start=500)
    ingest_paths(db, [str(write_jsonl(tmp_path / "b.jsonl", late + new_cases))],
                 config_dir=config_dir)
    incremental = run_sweep(db, T2, config_dir=config_dir)
    # New events, new cases, and cases whose open instances crossed a boundary by T2.
    assert 17 <= incremental.cases_evaluated < 125
    after_incremental = (verdicts(db), stages(db))
    full = run_sweep(db, T2, full=True, config_dir=config_dir)
    assert full.cases_evaluated == 125
    assert (verdicts(db), stages(db)) == after_incremental


def test_time_passing_alone_moves_due_to_missed(db: str, config_dir: Path, tmp_path: Path) -> None:
    evs = case_events(0, area="kent")[:2]  # reported Mon 2 Mar 09:00, arrested Tue 3 Mar
    ingest_paths(db, [str(write_jsonl(tmp_path / "a.jsonl", evs))], config_dir=config_dir)
    run_sweep(db, datetime(2026, 3, 3, 12, tzinfo=UTC), config_dir=config_dir)
    by_step = lambda: {r[2]: r[5] for r in verdicts(db)}  # noqa: E731
    assert by_step()["police_inform_arrest"] == "due"
    quiet = run_sweep(db, datetime(2026, 3, 3, 20, tzinfo=UTC), config_dir=config_dir)
    assert quiet.cases_evaluated == 0  # nothing can change before the due day begins
    run_sweep(db, datetime(2026, 3, 4, 8, tzinfo=UTC), config_dir=config_dir)
    assert by_step()["police_inform_arrest"] == "due_soon"
    run_sweep(db, datetime(2026, 3, 5, 0, 0, tzinfo=UTC), config_dir=config_dir)
    assert by_step()["police_inform_arrest"] == "missed"
    assert by_step()["police_needs_assessment"] == "missed"  # also due by the end of Wed 4 Mar


def test_process_pool_over_hash_buckets_equals_one_process(db: str, config_dir: Path,
                                                            tmp_path: Path) -> None:
    ingest_paths(db, [str(write_jsonl(tmp_path / "a.jsonl", cohort(90)))], config_dir=config_dir)
    parts = plan_partitions(db, cases_per_partition=10, config_dir=config_dir)
    assert {(p.area, p.buckets) for p in parts} == {
        ("avon-and-somerset", 3), ("dorset", 3), ("kent", 3)}
    pooled = run_sweep(db, T2, workers=2, config_dir=config_dir, cases_per_partition=10)
    assert pooled.cases_evaluated == 90 and len(pooled.partitions) == 9
    after_pool = (verdicts(db), stages(db))
    run_sweep(db, T2, full=True, config_dir=config_dir)
    assert (verdicts(db), stages(db)) == after_pool


def test_hour_deadlines_are_checked_again_when_their_last_quarter_begins(
        db: str, config_dir: Path, tmp_path: Path) -> None:
    from tests.store.store_data import overlay_text

    (config_dir / "areas" / "avon-and-somerset.yaml").write_text(overlay_text(
        "2026-03-01", "  police_inform_arrest:\n    deadline: {within: 4, unit: hours}"))
    evs = case_events(0, area="avon-and-somerset")[:2]  # arrested Tue 3 Mar 09:00 UTC
    ingest_paths(db, [str(write_jsonl(tmp_path / "a.jsonl", evs))], config_dir=config_dir)
    arrest = lambda: next(r[5] for r in verdicts(db) if r[2] == "police_inform_arrest")  # noqa: E731
    run_sweep(db, datetime(2026, 3, 3, 10, tzinfo=UTC), config_dir=config_dir)
    assert arrest() == "due"
    assert run_sweep(db, datetime(2026, 3, 3, 11, 59, tzinfo=UTC),
                     config_dir=config_dir).cases_evaluated == 0
    run_sweep(db, datetime(2026, 3, 3, 12, 0, tzinfo=UTC), config_dir=config_dir)
    assert arrest() == "due_soon"  # the last 25% of 4 hours begins at 12:00
    assert run_sweep(db, datetime(2026, 3, 3, 13, 0, tzinfo=UTC),
                     config_dir=config_dir).cases_evaluated == 0  # due at 13:00: not yet after it
    run_sweep(db, datetime(2026, 3, 3, 13, 0, 1, tzinfo=UTC), config_dir=config_dir)
    assert arrest() == "missed"


def test_pages_of_exactly_the_page_size_and_a_short_last_page(
        db: str, config_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sweep_module, "PAGE_CASES", 60)
    ingest_paths(db, [str(write_jsonl(tmp_path / "a.jsonl", cohort(120)))], config_dir=config_dir)
    assert run_sweep(db, T1, config_dir=config_dir).cases_evaluated == 120  # 60 + 60
    assert run_sweep(db, T1, config_dir=config_dir).cases_evaluated == 0
    ingest_paths(db, [str(write_jsonl(tmp_path / "b.jsonl", cohort(5, start=500)))],
                 config_dir=config_dir)
    assert run_sweep(db, T1, config_dir=config_dir).cases_evaluated == 5  # one short page
    assert run_sweep(db, T1, full=True, config_dir=config_dir).cases_evaluated == 125
    with engine_for(db).connect() as conn:
        judged = conn.execute(select(func.count()).select_from(cases)
                              .where(cases.c.evaluated_version == cases.c.event_version)).scalar()
    assert judged == 125
