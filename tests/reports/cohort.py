"""A small, seeded cohort of cases written as JSONL, for report and API tests.

Hand-shaped rather than the full simulator so that each feature the reports must handle
is certain to appear: areas with and without overlays, the Metropolitan Police (two CPS
Areas), an area with only three cases (suppression), every funnel milestone, steps met,
late and missed, open cases of different ages, and scrutiny meetings.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

AS_OF = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
AREAS = {"kent": ("KE", 40), "avon-and-somerset": ("AS", 30), "metropolitan": ("MP", 24),
         "cumbria": ("CU", 3)}


def _case(rng: random.Random, area: str, case_id: str, t0: datetime) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    n = 0

    def ev(type_: str, at: datetime, source: str, **data: Any) -> datetime:
        nonlocal n
        n += 1
        if at <= AS_OF:
            out.append({"event_id": f"{case_id}-{n:03d}", "case_id": case_id, "area": area,
                        "type": type_, "at": at.isoformat(), "source": source, "data": data})
        return at

    def later(at: datetime, lo: float, hi: float) -> datetime:
        return at + timedelta(hours=rng.uniform(lo, hi))

    t = ev("case.reported", t0, "police", offence=rng.choice(["rape", "sexual_assault"]),
           complainant_age="adult")
    ev("complainant.needs_assessed", later(t, 2, 30 if rng.random() < 0.8 else 200), "police")
    ev("complainant.preferences_recorded", later(t, 1, 20), "police", channel="phone")
    ev("consent.recorded", later(t, 1, 5), "police", scope="share_with_isva",
       granted=rng.random() < 0.7)
    if rng.random() < 0.85:
        ev("isva.referral_made", later(t, 3, 40 if rng.random() < 0.8 else 150), "police")
    if rng.random() < 0.25:
        ev("complainant.withdrew", later(t, 200, 900), "police")
        return out
    t = ev("police.suspect_arrested", later(t, 24, 400), "police")
    if rng.random() < 0.75:
        ev("complainant.informed", later(t, 1, 20 if rng.random() < 0.8 else 90), "police",
           topic="arrest")
    if rng.random() < 0.2:
        t = ev("police.nfa", later(t, 300, 1500), "police", outcome_code=18)
        ev("complainant.informed", later(t, 1, 30), "police", topic="police_nfa")
        return out
    t = ev("police.file_submitted", later(t, 200, 1500), "police")
    outcome = "charge" if rng.random() < 0.6 else "nfa"
    t = ev("cps.charging_decision", later(t, 100, 1200), "cps", outcome=outcome)
    if outcome == "nfa":
        ev("complainant.informed", later(t, 1, 60), "cps", topic="cps_decision")
        return out
    ev("complainant.informed", later(t, 1, 40), "police", topic="charge_decision")
    t = ev("court.hearing_listed", later(t, 24, 300), "court", hearing="first_appearance")
    ev("complainant.informed", later(t, 2, 70), "wcu", topic="hearing")
    t = ev("court.plea", later(t, 100, 600), "court", plea="not_guilty")
    if rng.random() < 0.5:
        t = ev("court.verdict", later(t, 200, 1500), "court",
               result=rng.choice(["guilty", "not_guilty"]))
        ev("complainant.informed", later(t, 1, 40), "wcu", topic="outcome")
    return out


def write_cohort(path: Path, seed: int = 7) -> int:
    """Write the cohort (plus area-level scrutiny meetings) to `path`; return the count."""
    rng = random.Random(seed)
    lines: list[dict[str, Any]] = []
    for area, (prefix, count) in AREAS.items():
        for i in range(count):
            t0 = START + timedelta(hours=rng.uniform(0, 24 * 150))
            lines += _case(rng, area, f"{prefix}-26-{i + 1:06d}", t0)
    for k, at in enumerate(("2026-02-10T10:00:00+00:00", "2026-05-12T10:00:00+00:00")):
        lines.append({"event_id": f"kent-scrutiny-{k}", "area": "kent",
                      "type": "area.scrutiny_meeting_held", "at": at, "source": "police",
                      "data": {}})
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return len(lines)
