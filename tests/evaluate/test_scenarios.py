"""Golden scenarios (tests/scenarios/*.yaml): events in, expected instances out.

Every scenario is replayed against the national framework alone (an area with no
overlay) and against every area overlay, with its events in file order, reversed and
shuffled: evaluation must not depend on arrival order. Where an overlay is expected to
differ, the scenario says so (and why) under `differs`.
"""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from engine.config import load_config
from engine.evaluate import evaluate_case
from engine.events import Event, parse_event, parse_timestamp

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "tests" / "scenarios"
CONFIG = load_config(ROOT / "area_configs")
NATIONAL_AREA = "bedfordshire"  # in the register, no overlay: the national framework alone
TARGETS = [NATIONAL_AREA, *sorted(CONFIG.templates)]

SOURCES = {"police": "police", "cps": "cps", "court": "court", "isva": "isva",
           "probation": "probation", "vrr": "police", "case": "police", "consent": "police",
           "complainant": "police"}


def _load() -> list[dict[str, Any]]:
    out = []
    for path in sorted(SCENARIOS.glob("*.yaml")):
        for sc in YAML(typ="safe").load(path.read_text()):
            sc["file"] = path.name
            out.append(sc)
    return out


ALL = _load()


def _events(sc: dict[str, Any], area: str) -> list[Event]:
    events = []
    for row in sc["events"]:
        eid, etype, at = row[0], row[1], row[2]
        data = row[3] if len(row) > 3 and row[3] is not None else {}
        source = row[4] if len(row) > 4 else SOURCES[etype.split(".")[0]]
        obj = {"event_id": eid, "case_id": "SC-1", "area": area, "type": etype, "at": at,
               "source": source, "data": data}
        events.append(parse_event(obj, CONFIG.vocabulary, len(events) + 1))
    return events


def _rows(result: Any, steps: list[str]) -> list[list[Any]]:
    return [[i.step, i.status.value, i.trigger_event, i.due_local, i.satisfied_by]
            for i in result.instances if i.step in steps]


def test_scenarios_exist_for_every_national_step() -> None:
    covered = {s for sc in ALL for s in sc["steps"]}
    national = {s.id for s in CONFIG.national.steps if not (getattr(s, "scope", "case") == "area")}
    assert national - covered == set()


def test_overlays_named_in_scenarios_exist() -> None:
    named = {a for sc in ALL for c in sc["checks"] for a in (c.get("differs") or {})}
    assert named <= set(CONFIG.templates)


@pytest.mark.parametrize("area", TARGETS)
@pytest.mark.parametrize("sc", ALL, ids=[f"{s['file']}:{s['name'][:60]}" for s in ALL])
def test_scenario(sc: dict[str, Any], area: str) -> None:
    events = _events(sc, area)
    orders = [events, events[::-1], random.Random(7).sample(events, len(events))]
    rules = CONFIG.rules()
    for check in sc["checks"]:
        as_of: datetime = parse_timestamp(check["as_of"])
        differs = (check.get("differs") or {}).get(area)
        expected = (differs or check)["expect"]
        for order in orders:
            result = evaluate_case(rules, order, as_of)
            assert _rows(result, sc["steps"]) == expected, f"as of {check['as_of']}"
            if "stage" in check:
                assert result.stage == check["stage"]
