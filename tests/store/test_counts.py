"""The compliance counts stay exact: after a full sweep and after incremental sweeps (new
events, time passing, an earlier as-of), every count equals the count recomputed from a
per-case evaluation of every case's events, on SQLite and PostgreSQL; and migration 0008
carries a store swept under the previous schema over to the same counts."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import select

from engine.config import load_config
from engine.evaluate import evaluate_area, evaluate_case
from engine.events import Event
from engine.ingest import ingest_paths
from engine.keysteps import exposure
from engine.reports.quarter import Quarter
from engine.simulate import CohortSpec, resolve_areas, write_cohort
from engine.store import (
    cases,
    decode_contribution,
    instances,
    read_events,
    rules_in_force,
    stored_counts,
)
from engine.store.db import engine_for
from engine.store.migrate import upgrade
from engine.store.schema import alembic_config, forget
from engine.sweep import plan_partitions, run_sweep

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "area_configs"
CONFIG = load_config(CONFIGS)


def _period(due: datetime | None) -> str:
    """The reports' own quarter (engine/reports/quarter.py), not the store's."""
    return "" if due is None else str(Quarter.containing(due))


def _events(url: str) -> tuple[dict[str, list[Event]], dict[str, list[Event]]]:
    by_case: dict[str, list[Event]] = {}
    by_area: dict[str, list[Event]] = {}
    with engine_for(url).connect() as conn:
        for e in read_events(conn, "1 = 1", []):
            if e.case_id is None:
                by_area.setdefault(e.area, []).append(e)
            else:
                by_case.setdefault(e.case_id, []).append(e)
    return by_case, by_area


def judged(url: str, as_of: datetime | None = None) -> dict[str | None, list[Any]]:
    """Every case's instances (and, under None, every area-level instance) as the
    per-case engine judges them from the stored events: at `as_of`, or else at each
    case's own last evaluation instant."""
    rules = rules_in_force(url, CONFIGS).rules
    by_case, by_area = _events(url)
    with engine_for(url).connect() as conn:
        when = dict(conn.execute(select(cases.c.case_id, cases.c.evaluated_as_of)).all())
        latest = max(when.values())
    out: dict[str | None, list[Any]] = {None: []}
    for cid, evs in by_case.items():
        at = as_of or when[cid]
        if any(e.at <= at for e in evs):
            result = evaluate_case(rules, evs, at)
            out[cid] = [(result.area, i) for i in result.instances]
    for area in sorted({p.area for p in plan_partitions(url, config_dir=CONFIGS)}):
        at = as_of or latest
        evs = [e for e in by_area.get(area, []) if e.at <= at]
        out[None] += [(area, i) for i in evaluate_area(rules, area, evs, at)]
    return out


def _key(area: str, i: Any) -> tuple[str, ...]:
    return (i.area or area, i.step, i.version, str(i.owner), _period(i.due), str(i.status))


def recomputed(found: dict[str | None, list[Any]]) -> Counter[tuple[str, ...]]:
    return Counter(_key(area, i) for insts in found.values() for area, i in insts)


def check_exact(url: str, as_of: datetime | None = None) -> None:
    """The counts, each case's contribution and exposure equal the per-case engine's."""
    found = judged(url, as_of)
    with engine_for(url).connect() as conn:
        counts = stored_counts(conn)
        rows = {r.case_id: r for r in conn.execute(select(cases))}
    expected = recomputed(found)
    assert counts == expected and sum(counts.values()) > 1000
    assert expected[next(k for k in expected if k[5] == "met")] > 0
    for cid, row in rows.items():
        insts = found.get(cid, [])
        assert decode_contribution(row.contribution) == Counter(_key(a, i) for a, i in insts)
        exposed = exposure((i.step, i.trigger_at, str(i.status), i.due) for _a, i in insts)
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


def test_counts_stay_exact_across_incremental_sweeps(db: str, tmp_path: Path) -> None:
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
        conn.execute(instances.delete())
        conn.execute(instances.insert(), rows)


def test_migration_0008_counts_a_store_swept_under_the_previous_schema(
        db: str, tmp_path: Path) -> None:
    spec = _cohort(db, tmp_path, 120, seed=9)
    run_sweep(db, spec.as_of, full=True, config_dir=CONFIGS)
    found = judged(db, spec.as_of)
    _downgrade(db, "0007_snapshots")
    _store_as_before(db, found, spec.as_of)
    before, after = upgrade(db)
    assert before == "0007_snapshots" and after != before
    check_exact(db, spec.as_of)
