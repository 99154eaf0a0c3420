"""Helpers for the ground-truth tests: read a cohort back and judge it with the evaluator."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from engine.config import ConfigSet
from engine.evaluate import evaluate_area, evaluate_case
from engine.events import Event, parse_event

FAILURES = {"missed", "late", "violated"}
Key = tuple[str | None, str | None, str, str | None, str]


def read_cohort(out: Path, config: ConfigSet) -> tuple[dict[str, list[Event]], list[Event], dict]:
    manifest = json.loads((out / "manifest.json").read_text())
    cases: dict[str, list[Event]] = defaultdict(list)
    area_events: list[Event] = []
    with open(out / "events.jsonl", encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            ev = parse_event(json.loads(line), config.vocabulary, n)
            if ev.case_id is None:
                area_events.append(ev)
            else:
                cases[ev.case_id].append(ev)
    return cases, area_events, manifest


def found(out: Path, config: ConfigSet) -> set[Key]:
    """(case_id, area, step, trigger_event, status) of every failure the evaluator finds;
    `area` is set only for area-level instances, as in truth.jsonl."""
    cases, area_events, manifest = read_cohort(out, config)
    as_of = datetime.fromisoformat(manifest["as_of"])
    rules = config.rules()
    result: set[Key] = set()
    for case_id, events in cases.items():
        for inst in evaluate_case(rules, events, as_of).instances:
            if inst.status.value in FAILURES:
                result.add((case_id, None, inst.step, inst.trigger_event, inst.status.value))
    for area in manifest["areas"]:
        for inst in evaluate_area(rules, area, area_events, as_of):
            if inst.status.value in FAILURES:
                result.add((None, area, inst.step, inst.trigger_event, inst.status.value))
    return result


def truth(out: Path) -> set[Key]:
    keys: set[Key] = set()
    with open(out / "truth.jsonl", encoding="utf-8") as fh:
        for line in fh:
            t = json.loads(line)
            keys.add((t["case_id"], t.get("area"), t["step"], t["trigger_event"], t["failure"]))
    return keys
