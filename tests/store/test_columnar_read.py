"""Events read into columns through ADBC give exactly the batch frame that Event objects
give, on SQLite and PostgreSQL, and the batch engine then judges them identically."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from engine.batch.evaluate import build_frame, build_frame_from_columns, evaluate_frame
from engine.batch.read import read_events
from engine.config import load_config
from engine.events import parse_event
from engine.ingest import ingest_paths
from engine.simulate import CohortSpec, resolve_areas, write_cohort

ROOT = Path(__file__).resolve().parents[2]
CONFIG = load_config(ROOT / "area_configs")


def test_adbc_columns_equal_event_objects(db: str, tmp_path: Path) -> None:
    spec = CohortSpec(resolve_areas("overlays", CONFIG), 300, seed=21)
    write_cohort(spec, CONFIG, tmp_path)
    ingest_paths(db, [str(tmp_path / "events.jsonl")], actor="test")
    with open(tmp_path / "events.jsonl", encoding="utf-8") as fh:
        events = [parse_event(json.loads(line), CONFIG.vocabulary, n)
                  for n, line in enumerate(fh, start=1)]
    rules = CONFIG.rules()
    raw = read_events(db, "case_id IS NOT NULL", [])
    assert raw.height == sum(e.case_id is not None for e in events)
    from_columns = build_frame_from_columns(rules, raw, spec.as_of)
    from_objects = build_frame(rules, events, spec.as_of)
    assert from_columns.frame.height > 5000
    assert_frame_equal(from_columns.frame, from_objects.frame)
    got = evaluate_frame(rules, from_columns, spec.as_of).instances
    want = evaluate_frame(rules, from_objects, spec.as_of).instances
    assert_frame_equal(got, want)
    assert got.filter(pl.col("status") == "violated").height > 0


def test_a_where_clause_with_parameters(db: str, tmp_path: Path) -> None:
    spec = CohortSpec(("kent", "lancashire"), 40, seed=22)
    write_cohort(spec, CONFIG, tmp_path)
    ingest_paths(db, [str(tmp_path / "events.jsonl")], actor="test")
    raw = read_events(db, "area = ? AND type = ?", ["kent", "case.reported"])
    assert raw.height > 0
    assert set(raw["area"].to_list()) == {"kent"}
    assert set(raw["type"].to_list()) == {"case.reported"}
