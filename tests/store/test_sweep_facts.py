"""The per-case facts the sweep stores for the reports (migration 0010) are the same
whether a page is judged by the batch engine (facts from the page's raw columns) or case
by case (from its events), on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import engine.sweep as sweep
from engine.config import load_config
from engine.evaluate.milestones import facts_key
from engine.ingest import ingest_paths
from engine.simulate import CohortSpec, resolve_areas, write_cohort
from engine.store.db import engine_for
from engine.store.tables import cases

ROOT = Path(__file__).resolve().parents[2]
CONFIG = load_config(ROOT / "area_configs")
FACTS = ("facts_key", "stage_entered_day", "reported_day", "referred_day", "charged_day",
         "court_day", "concluded_day", "withdrew_at", "withdrew_stage")


def _facts(url: str) -> list[tuple[Any, ...]]:
    with engine_for(url).connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(cases.c.case_id, *(cases.c[c] for c in FACTS)).order_by(cases.c.case_id))]


def test_batch_and_per_case_pages_store_the_same_facts(db: str, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    spec = CohortSpec(resolve_areas("overlays", CONFIG)[:3], 300, seed=7)
    write_cohort(spec, CONFIG, tmp_path)
    ingest_paths(db, [str(tmp_path / "events.jsonl")], actor="test")
    monkeypatch.setattr(sweep, "BATCH_FROM", 1)
    sweep.run_sweep(db, spec.as_of, full=True, config_dir=ROOT / "area_configs")
    by_batch = _facts(db)
    monkeypatch.setattr(sweep, "BATCH_FROM", 10**9)
    sweep.run_sweep(db, spec.as_of, full=True, config_dir=ROOT / "area_configs")
    assert _facts(db) == by_batch
    key = facts_key(tuple(CONFIG.stages))
    assert {r[1] for r in by_batch} == {key}
    # Something to compare: stage entries, cases past referral, withdrawals.
    assert sum(r[2] is not None for r in by_batch) > 100
    assert sum(r[4] is not None for r in by_batch) > 5
    assert sum(r[8] is not None for r in by_batch) > 5
