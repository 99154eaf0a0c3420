"""`liaison check` as a library: evaluate an events file against the configs, without a
database (contract §9). The CLI only parses options and prints what this returns."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

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
    seen: dict[str, tuple[str, int]] = {}
    events: list[Event] = []
    by_case: dict[str, list[tuple[int, Event]]] = {}
    for rl in lines:
        if rl.problem is not None:
            problems.append(rl.problem)
            continue
        assert rl.event is not None and rl.obj is not None
        e = rl.event
        body = canonical_body(rl.obj)
        prior = seen.get(e.event_id)
        if prior is not None:
            if prior[0] != body:
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
        seen[e.event_id] = (body, rl.line)
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
    as_of_ts = as_of.timestamp()
    by_case: dict[str, list[Event]] = {}
    area_events: list[Event] = []
    seen_areas: set[str] = set()
    for e in events:
        if e.ts > as_of_ts:
            continue
        seen_areas.add(e.area)
        if e.case_id is None:
            area_events.append(e)
        else:
            by_case.setdefault(e.case_id, []).append(e)
    # Every case at once on the batch engine; its rows become the per-case engine's
    # CaseResults, explained on read (polars is loaded here, never by the CLI's --help).
    from engine.batch import evaluate_batch
    from engine.batch.materialize import case_results

    cases: list[CaseResult] = []
    ids = sorted(by_case)
    for start in range(0, len(ids), CHUNK_CASES):  # bounded memory for a national file
        chunk = [e for cid in ids[start:start + CHUNK_CASES] for e in by_case[cid]]
        batch = evaluate_batch(rules, chunk, as_of)
        cases.extend(r for r in case_results(batch, chunk, as_of)
                     if area is None or r.area == area)
    with_overlay = set(overlay_areas)
    wanted = {area} if area is not None else seen_areas
    area_instances: list[Instance] = []
    for a in sorted(wanted & with_overlay):
        area_instances.extend(evaluate_area(rules, a, area_events, as_of))
    return CheckResult(as_of, cases, area_instances)
