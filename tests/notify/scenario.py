"""A hand-made store for the notifier's tests: a few cases in South Wales (email plus a
Teams webhook for the police SPOC, digest at 07:30, escalation after 2 working days) and
Greater Manchester (a 24-hour arrest deadline: an hour deadline, so an alert)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine.config import load_config
from engine.ingest import ingest_paths
from engine.notify.run import Notifier
from engine.store.migrate import upgrade
from engine.sweep import run_sweep

# Tuesday 24 November 2026, 09:00 in London (GMT): after South Wales's 07:30 digest time.
AS_OF = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def ev(eid: str, case: str, area: str, type_: str, at: str, source: str,
       **data: Any) -> dict[str, Any]:
    return {"event_id": eid, "case_id": case, "area": area, "type": type_,
            "at": at, "source": source, "data": data}


EVENTS = [
    # reported on Monday: needs assessment, preferences and referral due Wednesday
    ev("sw1-1", "SW-26-000001", "south-wales", "case.reported", "2026-11-23T10:00:00+00:00",
       "police", offence="rape", complainant_age="adult"),
    ev("sw1-2", "SW-26-000001", "south-wales", "complainant.needs_assessed",
       "2026-11-23T11:00:00+00:00", "police"),
    ev("sw1-3", "SW-26-000001", "south-wales", "complainant.preferences_recorded",
       "2026-11-23T11:00:00+00:00", "police"),
    ev("sw1-4", "SW-26-000001", "south-wales", "isva.referral_made",
       "2026-11-23T11:30:00+00:00", "police"),
    # shared with the ISVA without consent on Monday afternoon: violated (critical)
    ev("sw1-5", "SW-26-000001", "south-wales", "isva.notified", "2026-11-23T15:00:00+00:00",
       "police", topic="update"),
    # an arrest on Friday: the complainant is told only on Tuesday morning (late)
    ev("sw1-6", "SW-26-000001", "south-wales", "police.suspect_arrested",
       "2026-11-20T09:00:00+00:00", "police"),
    ev("sw1-7", "SW-26-000001", "south-wales", "complainant.informed",
       "2026-11-24T08:00:00+00:00", "police", topic="arrest", channel="phone"),
    # reported on Monday morning and nothing since: three steps due on Wednesday
    ev("sw2-1", "SW-26-000002", "south-wales", "case.reported", "2026-11-23T10:00:00+00:00",
       "police", offence="sexual_assault", complainant_age="adult"),
    # the CPS decides no further action on Monday: the complainant must hear by Tuesday
    ev("sw2-2", "SW-26-000002", "south-wales", "cps.charging_decision",
       "2026-11-23T14:00:00+00:00", "cps", outcome="nfa"),
    # Greater Manchester: arrested Monday noon, 24 hours to tell: due_soon at 09:00 Tuesday
    ev("gm1-1", "GM-26-000001", "greater-manchester", "case.reported",
       "2026-11-23T08:00:00+00:00", "police", offence="rape", complainant_age="adult"),
    ev("gm1-2", "GM-26-000001", "greater-manchester", "complainant.needs_assessed",
       "2026-11-23T09:00:00+00:00", "police"),
    ev("gm1-3", "GM-26-000001", "greater-manchester", "complainant.preferences_recorded",
       "2026-11-23T09:00:00+00:00", "police"),
    ev("gm1-4", "GM-26-000001", "greater-manchester", "isva.referral_made",
       "2026-11-23T09:30:00+00:00", "police"),
    ev("gm1-5", "GM-26-000001", "greater-manchester", "police.suspect_arrested",
       "2026-11-23T12:00:00+00:00", "police"),
]


@dataclass
class Scenario:
    url: str
    notifier: Notifier
    root: Path

    def sweep(self, as_of: datetime) -> None:
        run_sweep(self.url, as_of=as_of)


def build(root: Path, events: list[dict[str, Any]] | None = None,
          as_of: datetime = AS_OF, url: str | None = None) -> Scenario:
    path = root / "events.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in (events or EVENTS)),
                    encoding="utf-8")
    url = url or f"sqlite:///{root / 'liaison.db'}"
    upgrade(url)
    report = ingest_paths(url, [str(path)], actor="test")
    assert report.rejected == 0, report
    run_sweep(url, as_of=as_of)
    return Scenario(url, Notifier.load(load_config()), root)
