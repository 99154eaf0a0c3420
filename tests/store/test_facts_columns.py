"""The facts a batch page computes by column expressions equal `judge` case by case, as
of instants before, among and after the events (future events still count towards the
funnel and the withdrawal, not the stage entry)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import select

from engine.batch.read import EventReader, instant_us
from engine.config import load_config
from engine.ingest import ingest_paths
from engine.simulate import CohortSpec, resolve_areas, write_cohort
from engine.store.db import engine_for
from engine.store.tables import cases
from engine.sweep import events_of
from engine.sweep.facts import of_columns, of_events
from engine.sweep.verdicts import read_columns

ROOT = Path(__file__).resolve().parents[2]
CONFIG = load_config(ROOT / "area_configs")


@pytest.mark.parametrize("days_before", [0, 120, 365, 2000])
def test_column_facts_equal_judged_facts(db: str, tmp_path: Path, days_before: int) -> None:
    spec = CohortSpec(resolve_areas("overlays", CONFIG)[:4], 300, seed=11)
    write_cohort(spec, CONFIG, tmp_path)
    ingest_paths(db, [str(tmp_path / "events.jsonl")], actor="test")
    eng = engine_for(db)
    with eng.connect() as conn:
        ids = [cid for (cid,) in conn.execute(select(cases.c.case_id).order_by(cases.c.case_id))]
    ids.append("NO-SUCH-CASE")  # a case without events has no facts
    as_of = spec.as_of - timedelta(days=days_before)
    stages = tuple(CONFIG.stages)
    with EventReader(db) as reader:
        raw = read_columns(reader, ids)
    by_columns = of_columns(stages, raw, instant_us(raw), ids, as_of)
    by_events = of_events(stages, events_of(eng, ids), ids, as_of)
    assert by_columns.schema == by_events.schema
    assert by_columns.sort("case").rows() == by_events.sort("case").rows()
    assert by_columns.height == len(ids)
    # the comparison has something in it
    assert by_columns.filter(pl.col("withdrew_us").is_not_null()).height > 5
    if days_before < 2000:
        assert by_columns.filter(pl.col("stage_entered_day").is_not_null()).height > 50
