"""Versions over time (contract §7): each instance is judged by the template in force for its
area at its trigger time; a new version never rewrites earlier verdicts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from engine.config import load_config
from engine.evaluate import evaluate_case
from engine.events import parse_event, parse_timestamp
from engine.rules import Rules, TemplateHistory

ROOT = Path(__file__).resolve().parents[2]
CONFIG = load_config(ROOT / "area_configs")


def _event(eid: str, etype: str, at: str, data: dict | None = None):  # noqa: ANN202
    return parse_event({"event_id": eid, "case_id": "GM-1", "area": "greater-manchester",
                        "type": etype, "at": at, "source": "police", "data": data or {}},
                       CONFIG.vocabulary)


def test_each_arrest_is_judged_by_the_version_in_force_when_it_happened() -> None:
    overlay = (ROOT / "area_configs/areas/greater-manchester.yaml").read_text()
    v2_text = (overlay.replace("effective_from: 2026-04-01", "effective_from: 2027-01-01")
               .replace("police_inform_arrest:\n    deadline: {within: 24, unit: hours}",
                        "police_inform_arrest:\n    deadline: {within: 4, unit: hours}"))
    assert v2_text != overlay
    v1 = CONFIG.templates["greater-manchester"]
    v2 = CONFIG.build_template(v2_text, "greater-manchester.yaml", today=date(2026, 12, 1))
    rules = Rules(CONFIG.stages, {"greater-manchester": TemplateHistory([CONFIG.national, v1, v2])},
                  TemplateHistory([CONFIG.national]))
    events = [
        _event("r1", "case.reported", "2026-03-02T10:00:00+00:00",
               {"offence": "rape", "complainant_age": "adult"}),
        _event("a0", "police.suspect_arrested", "2026-03-31T22:00:00+00:00"),  # 23:00 BST, before v1
        _event("a1", "police.suspect_arrested", "2026-12-31T22:00:00+00:00"),  # under v1
        _event("a2", "police.suspect_arrested", "2027-01-01T00:00:00+00:00"),  # v2's first instant
    ]
    result = evaluate_case(rules, events, parse_timestamp("2027-01-10T12:00:00+00:00"))
    arrests = [(i.trigger_event, i.due_local, i.version) for i in result.instances
               if i.step == "police_inform_arrest"]
    assert arrests == [
        ("a0", "2026-04-01T23:59:59.999000+01:00", "2026.1"),
        ("a1", "2027-01-01T22:00:00+00:00", v1.version),
        ("a2", "2027-01-01T04:00:00+00:00", v2.version),
    ]
    assert v1.version != v2.version and v1.version.startswith("2026.1+greater-manchester.")
