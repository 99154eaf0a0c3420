"""Every instance of a store as the per-case engine judges it from the stored events:
the independent side of every comparison with what the sweep stores and counts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from engine.evaluate import evaluate_area, evaluate_case
from engine.events import Event
from engine.store import cases, read_events, rules_in_force
from engine.store.db import engine_for
from engine.sweep import plan_partitions

CONFIGS = Path(__file__).resolve().parents[2] / "area_configs"


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


def judged(url: str, as_of: datetime | None = None, configs: Path = CONFIGS
           ) -> dict[str | None, list[Any]]:
    """Every case's instances (and, under None, every area-level instance) as the
    per-case engine judges them from the stored events: at `as_of`, or else at each
    case's own last evaluation instant."""
    rules = rules_in_force(url, configs).rules
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
    for area in sorted({p.area for p in plan_partitions(url, config_dir=configs)}):
        at = as_of or latest
        evs = [e for e in by_area.get(area, []) if e.at <= at]
        out[None] += [(area, i) for i in evaluate_area(rules, area, evs, at)]
    return out


def verdicts(url: str) -> list[tuple[str, str, str, datetime | None]]:
    """(area, step, status, due) of every instance, each case judged at its own last
    evaluation instant, as the sweep judged it."""
    return [(i.area or area, i.step, str(i.status), i.due)
            for insts in judged(url).values() for area, i in insts]
