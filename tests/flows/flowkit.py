"""Deterministic event data and a store for the flow tests (and the flow benchmark)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
AREAS = ("dorset", "kent", "devon-and-cornwall")


def case_events(n: int, area: str) -> list[dict[str, Any]]:
    """One case: reported, an arrest, and depending on n the complainant told of it
    (on time or late), needs assessed, a referral, preferences: a mix of met, late,
    missed and due flags at a fixed as-of."""
    cid = f"F-{area[:3].upper()}-{n:05d}"
    t0 = START + timedelta(hours=7 * n % 300)
    evs: list[dict[str, Any]] = [
        {"event_id": f"{cid}-r", "case_id": cid, "area": area, "type": "case.reported",
         "at": t0.isoformat(), "source": "police",
         "data": {"offence": "rape", "complainant_age": "adult"}},
        {"event_id": f"{cid}-a", "case_id": cid, "area": area, "type": "police.suspect_arrested",
         "at": (t0 + timedelta(days=1)).isoformat(), "source": "police", "data": {}},
    ]
    if n % 3:
        evs.append({"event_id": f"{cid}-i", "case_id": cid, "area": area,
                    "type": "complainant.informed",
                    "at": (t0 + timedelta(days=1, hours=3 + 20 * (n % 4))).isoformat(),
                    "source": "police", "data": {"topic": "arrest"}})
    if n % 5 == 0:
        evs.append({"event_id": f"{cid}-n", "case_id": cid, "area": area,
                    "type": "complainant.needs_assessed",
                    "at": (t0 + timedelta(hours=30)).isoformat(), "source": "police",
                    "data": {}})
    if n % 2 == 0:
        evs.append({"event_id": f"{cid}-f", "case_id": cid, "area": area,
                    "type": "isva.referral_made",
                    "at": (t0 + timedelta(hours=5)).isoformat(), "source": "police",
                    "data": {}})
    return evs


def cohort(cases_per_area: int, areas: tuple[str, ...] = AREAS) -> list[dict[str, Any]]:
    return [e for area in areas for n in range(cases_per_area) for e in case_events(n, area)]


def write_jsonl(path: Path, objs: list[Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for o in objs:
            fh.write((o if isinstance(o, str) else json.dumps(o)) + "\n")
    return path


def new_store(path: Path) -> str:
    """A SQLite file store at `path`, schema at head."""
    from engine.store.migrate import upgrade

    url = f"sqlite:///{path}"
    upgrade(url)
    return url


def instance_rows(db_url: str) -> list[tuple[Any, ...]]:
    """Every stored instance without the surrogate id, sorted in Python (database
    collations differ)."""
    from sqlalchemy import select

    from engine.store.db import engine_for
    from engine.store.tables import instances

    cols = [c for c in instances.c if c.name != "id"]
    with engine_for(db_url).connect() as conn:
        return sorted((tuple(r) for r in conn.execute(select(*cols))), key=repr)
