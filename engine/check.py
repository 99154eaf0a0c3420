"""`liaison check` as a library: evaluate an events file against the configs, without a
database (contract §9). The CLI only parses options and prints what this returns."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from engine.errors import EventErrors, EventProblem
from engine.evaluate import CaseResult, Instance, evaluate_area
from engine.events import Event, ReadLine, area_problems, canonical_body
from engine.rules import Rules

CHUNK_CASES = 20_000  # cases judged per batch evaluation


@dataclass
class CheckResult:
    """The evaluated cases and area-level instances, ready for printing."""

    as_of: datetime
    cases: list[CaseResult]
    area_instances: list[Instance] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "cases": [c.to_json() for c in self.cases],
            "area_instances": [i.to_json() for i in self.area_instances],
        }

    def instances(self) -> Iterable[Instance]:
        for c in self.cases:
            yield from c.instances
        yield from self.area_instances


def accept_lines(lines: Iterable[ReadLine], source: str | None = None) -> list[Event]:
    """Every line must be a valid event: the first problems found are raised together.

    Identical repeats of an event id are a no-op; the same id with a different body is a
    conflict (contract §3). The area rule is checked per case.
    """
    problems: list[EventProblem] = []
    # the first line of each event id, and its parsed object: bodies are compared only
    # when an id repeats (rare), not serialised for every line
    seen: dict[str, tuple[dict[str, Any], int]] = {}
    events: list[Event] = []
    by_case: dict[str, list[tuple[int, Event]]] = {}
    for rl in lines:
        if rl.problem is not None:
            problems.append(rl.problem)
            continue
        assert rl.event is not None and rl.obj is not None
        e = rl.event
        prior = seen.get(e.event_id)
        if prior is not None:
            if canonical_body(prior[0]) != canonical_body(rl.obj):
                problems.append(
                    EventProblem(
                        rl.line,
                        f"conflicts with line {prior[1]}: the same event id with a different body",
                        e.event_id,
                        "event_id",
                        source,
                    )
                )
            continue
        seen[e.event_id] = (rl.obj, rl.line)
        events.append(e)
        if e.case_id is not None:
            by_case.setdefault(e.case_id, []).append((rl.line, e))
    for case_events in by_case.values():
        problems.extend(area_problems(case_events, source))
    if problems:
        problems.sort(key=lambda p: p.line)
        raise EventErrors(problems)
    return events


def check(
    rules: Rules,
    events: list[Event],
    as_of: datetime,
    area: str | None,
    overlay_areas: Iterable[str],
) -> CheckResult:
    """Evaluate every case (and the area-level steps of areas with an overlay).

    Cases are judged by the batch engine, which the differential test holds to the
    per-case engine's instances and explanations (tests/batch)."""
    run = Check(rules, events, as_of, area, overlay_areas)
    return CheckResult(as_of, [c for chunk in run.chunks() for c in chunk], run.area_instances())


class Check:
    """A check run whose cases come chunk by chunk (`chunks`), so that a national file
    is printed as it is judged and only one chunk's instances are held at a time."""

    def __init__(self, rules: Rules, events: list[Event], as_of: datetime, area: str | None,
                 overlay_areas: Iterable[str]):
        self.rules, self.as_of, self.area = rules, as_of, area
        as_of_ts = as_of.timestamp()
        self.by_case: dict[str, list[Event]] = {}
        self.area_events: list[Event] = []
        seen_areas: set[str] = set()
        for e in events:
            if e.ts > as_of_ts:
                continue
            seen_areas.add(e.area)
            if e.case_id is None:
                self.area_events.append(e)
            else:
                self.by_case.setdefault(e.case_id, []).append(e)
        wanted = {area} if area is not None else seen_areas
        self.overlay_areas = sorted(wanted & set(overlay_areas))

    def chunks(self) -> Iterator[list[CaseResult]]:
        """The cases in case-id order, CHUNK_CASES at a time (fewer with `area`)."""
        # Every case of a chunk at once on the batch engine; its rows become the per-case
        # engine's CaseResults, explained on read (polars is loaded here, never by --help).
        from engine.batch import evaluate_batch
        from engine.batch.materialize import case_results

        ids = sorted(self.by_case)
        for start in range(0, len(ids), CHUNK_CASES):
            chunk = [e for cid in ids[start:start + CHUNK_CASES] for e in self.by_case[cid]]
            batch = evaluate_batch(self.rules, chunk, self.as_of)
            yield [r for r in case_results(batch, chunk, self.as_of)
                   if self.area is None or r.area == self.area]

    def area_instances(self) -> list[Instance]:
        out: list[Instance] = []
        for a in self.overlay_areas:
            out.extend(evaluate_area(self.rules, a, self.area_events, self.as_of))
        return out


def write_json(run: Check, out: TextIO) -> Counter[str]:
    """Write the run as `json.dumps(check(...).to_json(), ensure_ascii=False, indent=1)`
    would, byte for byte, one case at a time; returns the instances by status."""
    statuses: Counter[str] = Counter()

    def item(obj: dict[str, Any]) -> str:
        text = json.dumps(obj, ensure_ascii=False, indent=1)
        return "  " + text.replace("\n", "\n  ")

    out.write('{\n "as_of": ' + json.dumps(run.as_of.isoformat()) + ',\n "cases": ')
    first = True
    for chunk in run.chunks():
        for case in chunk:
            statuses.update(i.status.value for i in case.instances)
            out.write(("[\n" if first else ",\n") + item(case.to_json()))
            first = False
    out.write("[]" if first else "\n ]")
    out.write(',\n "area_instances": ')
    area = run.area_instances()
    statuses.update(i.status.value for i in area)
    out.write("[\n" + ",\n".join(item(i.to_json()) for i in area) + "\n ]" if area else "[]")
    out.write("\n}\n")
    return statuses
