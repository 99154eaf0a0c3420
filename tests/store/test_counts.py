"""The compliance counts stay exact: after a full sweep and after incremental sweeps (new
events, time passing, an earlier as-of), every count equals the count recomputed from a
per-case evaluation of every case's events, and the stored rows are its instances but
the case-level `met` ones, on SQLite and PostgreSQL; and migrations 0008-0009 carry a
store swept under the previous schema (met rows and explanation text) over to the same."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import select

import engine.sweep as sweep
from engine.config import load_config
from engine.ingest import ingest_paths
from engine.keysteps import DECIDED, FIRST_GAP_ONLY, KEY_STEPS
from engine.reports.quarter import Quarter
from engine.simulate import CohortSpec, resolve_areas, write_cohort
from engine.store import (
    cases,
    decode_contribution,
    instances,
    stored_counts,
)
from engine.store.db import engine_for
from engine.store.migrate import head_revision, upgrade
from engine.store.schema import alembic_config, forget
from engine.sweep import run_sweep
from tests.store.judged import judged

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "area_configs"
CONFIG = load_config(CONFIGS)


def exposure(insts: list[Any]) -> tuple[bool, datetime] | None:
    """The outcome report's exposure of one case, read straight from its instances."""
    gaps = [i for i in insts if i.step == FIRST_GAP_ONLY]
    first = min(gaps, key=lambda i: i.trigger_at) if gaps else None
    key = [i for i in insts if i.step in KEY_STEPS and i.step != FIRST_GAP_ONLY]
    decided = [i for i in [*key, *([first] if first else [])]
               if str(i.status) in DECIDED and i.due is not None]
    if not decided:
        return None
    return all(i.status == "met" for i in decided), max(i.due for i in decided)


def _period(due: datetime | None) -> str:
    """The reports' own quarter (engine/reports/quarter.py), not the store's."""
    return "" if due is None else str(Quarter.containing(due))


def _key(area: str, i: Any) -> tuple[str, ...]:
    return (i.area or area, i.step, i.version, str(i.owner), _period(i.due), str(i.status))


def recomputed(found: dict[str | None, list[Any]]) -> Counter[tuple[str, ...]]:
    return Counter(_key(area, i) for insts in found.values() for area, i in insts)


VERDICT = ("case_id", "step", "status", "trigger_event", "due", "satisfied_by", "version")


def check_exact(url: str, as_of: datetime | None = None) -> None:
    """The counts, each case's contribution and exposure equal the per-case engine's, and
    the stored rows are its instances other than case-level `met` ones."""
    found = judged(url, as_of)
    with engine_for(url).connect() as conn:
        counts = stored_counts(conn)
        rows = {r.case_id: r for r in conn.execute(select(cases))}
        stored = Counter(tuple(r) for r in conn.execute(
            select(*(instances.c[c] for c in VERDICT))))
    assert stored == Counter(
        (cid, i.step, str(i.status), i.trigger_event, i.due, i.satisfied_by, i.version)
        for cid, insts in found.items() for _a, i in insts
        if cid is None or i.status != "met")
    expected = recomputed(found)
    assert counts == expected and sum(counts.values()) > 1000
    assert expected[next(k for k in expected if k[5] == "met")] > 0
    for cid, row in rows.items():
        insts = found.get(cid, [])
        assert decode_contribution(row.contribution) == Counter(_key(a, i) for a, i in insts)
        exposed = exposure([i for _a, i in insts])
        assert (row.key_steps_on_time, row.key_steps_decided_until) == (
            (None, None) if exposed is None else exposed), cid


def _cohort(url: str, tmp_path: Path, n: int, seed: int) -> CohortSpec:
    spec = CohortSpec(resolve_areas("overlays", CONFIG), n, seed=seed, years=1.5)
    write_cohort(spec, CONFIG, tmp_path)
    ingest_paths(url, [str(tmp_path / "events.jsonl")], actor="test")
    return spec


def _more_events(url: str, path: Path, at: datetime, every: int) -> None:
    """An update to the complainant for every `every`-th case."""
    with engine_for(url).connect() as conn:
        ids = conn.execute(select(cases.c.case_id, cases.c.area).order_by(cases.c.case_id)).all()
    lines = [{"event_id": f"{cid}-more", "case_id": cid, "area": area,
              "type": "complainant.informed", "at": at.isoformat(), "source": "police",
              "data": {"topic": "update"}} for cid, area in ids[::every]]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    ingest_paths(url, [str(path)], actor="test")


@pytest.mark.parametrize("batch_from", [1, 10**9], ids=["batch", "per_case"])
def test_counts_stay_exact_across_incremental_sweeps(db: str, tmp_path: Path, batch_from: int,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sweep, "BATCH_FROM", batch_from)  # which engine judges the pages
    spec = _cohort(db, tmp_path, 240, seed=5)
    t0 = spec.as_of
    assert run_sweep(db, t0, full=True, config_dir=CONFIGS).cases_evaluated == 240
    check_exact(db, t0)
    _more_events(db, tmp_path / "more.jsonl", t0 + timedelta(days=1), every=7)
    later = t0 + timedelta(days=12)  # new events, and open instances crossing their due
    inc = run_sweep(db, later, config_dir=CONFIGS)
    assert 35 <= inc.cases_evaluated < 240
    check_exact(db)  # what each case was judged at
    check_exact(db, later)  # and what every case is now: the same
    earlier = t0 - timedelta(days=30)  # asked for an earlier instant: every case again
    with engine_for(db).connect() as conn:
        n = len(conn.execute(select(cases.c.case_id)).all())
    assert run_sweep(db, earlier, config_dir=CONFIGS).cases_evaluated == n
    check_exact(db, earlier)


def _downgrade(url: str, revision: str) -> None:
    cfg = alembic_config()
    eng = engine_for(url)
    with eng.connect() as conn:
        cfg.attributes["connection"] = conn.execution_options(write=True)
        command.downgrade(cfg, revision)
        conn.commit()
    forget(eng)


OLD_INSTANCES = sa.table("instances", *(sa.column(c.name, c.type) for c in instances.c),
                         sa.column("explanation", sa.Text))


def _store_as_before(url: str, found: dict[str | None, list[Any]], as_of: datetime) -> None:
    """Replace the instance rows with what the sweep stored under the previous schema:
    every instance, met included, with its explanation text."""
    rows = []
    for cid, insts in found.items():
        rows += [{"case_id": cid, "area": i.area or area, "step": i.step,
                  "trigger_event": i.trigger_event, "trigger_at": i.trigger_at,
                  "status": str(i.status), "due": i.due, "satisfied_by": i.satisfied_by,
                  "owner": str(i.owner), "severity": str(i.severity),
                  "explanation": i.explanation, "version": i.version, "evaluated_as_of": as_of}
                 for area, i in insts]
    with engine_for(url).begin() as conn:
        conn.execute(OLD_INSTANCES.delete())
        conn.execute(OLD_INSTANCES.insert(), rows)
        assert conn.execute(sa.text("SELECT count(*) FROM instances WHERE status = 'met'")
                            ).scalar_one() > 1000


def test_migrations_carry_a_store_swept_under_the_previous_schema_over(
        db: str, tmp_path: Path) -> None:
    spec = _cohort(db, tmp_path, 120, seed=9)
    run_sweep(db, spec.as_of, full=True, config_dir=CONFIGS)
    found = judged(db, spec.as_of)
    _downgrade(db, "0007_snapshots")
    _store_as_before(db, found, spec.as_of)
    before, after = upgrade(db)
    assert (before, after) == ("0007_snapshots", head_revision())
    check_exact(db, spec.as_of)  # counts built, case-level met rows gone
    with engine_for(db).connect() as conn:
        assert "explanation" not in {c["name"] for c in sa.inspect(conn).get_columns("instances")}
