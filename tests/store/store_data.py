"""Synthetic event files for the store tests: deterministic, small, and covering the
shapes ingestion must handle (good lines, duplicates, conflicts, bad lines)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

AREAS = ("avon-and-somerset", "dorset", "kent")
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def case_events(n: int, area: str | None = None) -> list[dict[str, Any]]:
    """One case's events: report, arrest, (sometimes) the complainant told of it."""
    area = area or AREAS[n % len(AREAS)]
    cid = f"T-{n:06d}"
    t0 = START + timedelta(hours=n % 200)
    evs = [
        {"event_id": f"{cid}-r", "case_id": cid, "area": area, "type": "case.reported",
         "at": t0.isoformat(), "source": "police",
         "data": {"offence": "rape", "complainant_age": "adult"}},
        {"event_id": f"{cid}-a", "case_id": cid, "area": area,
         "type": "police.suspect_arrested", "at": (t0 + timedelta(days=1)).isoformat(),
         "source": "police", "data": {}},
    ]
    if n % 3:
        evs.append({"event_id": f"{cid}-i", "case_id": cid, "area": area,
                    "type": "complainant.informed",
                    "at": (t0 + timedelta(days=1, hours=n % 40)).isoformat(),
                    "source": "police", "data": {"topic": "arrest"}})
    if n % 5 == 0:
        evs.append({"event_id": f"{cid}-n", "case_id": cid, "area": area,
                    "type": "complainant.needs_assessed",
                    "at": (t0 + timedelta(hours=30)).isoformat(), "source": "police", "data": {}})
    return evs


def write_jsonl(path: Path, objs: list[Any]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for o in objs:
            fh.write((o if isinstance(o, str) else json.dumps(o)) + "\n")
    return path


def cohort(cases: int, start: int = 0) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for n in range(start, start + cases):
        out.extend(case_events(n))
    return out


def messy(cases: int) -> list[Any]:
    """A cohort with a bad line, a blank line, an in-file duplicate and a conflict."""
    objs: list[Any] = cohort(cases)
    dup = dict(objs[1])
    conflict = dict(objs[2], at="2026-03-20T10:00:00+00:00")
    objs[5:5] = [dup, "{not json", ""]
    objs.append(conflict)
    return objs


OVERLAY = """\
area: avon-and-somerset
name: Avon and Somerset
cps_area: south-west
framework_version: "2026.1"
effective_from: {effective_from}
spocs:
  police: {{team: RASSO SPOC desk, mailbox: rasso-spoc@as.police.example}}
  cps: {{team: RASSO unit, mailbox: rasso@cps-south-west.example}}
  isva: {{team: ISVA service, mailbox: isva-spoc@support.example}}
scrutiny_group: {{name: Avon and Somerset Rape Scrutiny Panel}}
steps:
{steps}
"""


def overlay_text(effective_from: str = "2026-03-01", steps: str = "  {}") -> str:
    return OVERLAY.format(effective_from=effective_from, steps=steps)
