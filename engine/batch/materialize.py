"""Instances from batch rows, with their explanation built on read.

A batch row holds the verdict and ids; with the case's events and the compiled step
(`BatchResult.steps[ref]`) it becomes the same `Instance` the per-case engine returns,
`Basis` and all, so `Instance.explanation` writes the same text, only when asked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from engine.batch.evaluate import BatchResult
from engine.batch.frame import from_micros
from engine.evaluate.compiled import CompiledStep
from engine.evaluate.instance import Basis, CaseResult, Instance
from engine.events import Event
from engine.spec import RecurringStep
from engine.terms import Status


def instance_of(row: Mapping[str, Any], cs: CompiledStep, events: Mapping[str, Event],
                as_of: datetime) -> Instance:
    """The `Instance` of one batch row; `events` are the case's events by id."""
    step = cs.step
    trigger = events.get(row["trigger_event"]) if row["trigger_event"] is not None else None
    satisfier = events.get(row["satisfied_by"]) if row["satisfied_by"] is not None else None
    trigger_at = trigger.at if trigger is not None else from_micros(row["trigger_us"])
    if isinstance(step, RecurringStep):
        stopper = events.get(row["stopper"]) if row["stopper"] is not None else None
        basis = Basis(step, trigger, satisfier, None, as_of, gap_start=trigger_at,
                      interval_days=row["interval"], interval_from_preference=row["from_pref"],
                      pause_days=row["pause_days"], stopper=stopper)
    else:
        canceller = events.get(row["canceller"]) if row["canceller"] is not None else None
        basis = Basis(step, trigger, satisfier, canceller, as_of)
    due = None if row["due_us"] is None else from_micros(row["due_us"])
    return Instance(row["step"], Status(row["status"]), row["trigger_event"], due,
                    row["satisfied_by"], row["owner"], row["severity"], row["version"],
                    trigger_at, row["order"], basis)


def case_results(result: BatchResult, events: Iterable[Event], as_of: datetime
                 ) -> list[CaseResult]:
    """Every case of `result` as the per-case engine's `CaseResult`, by case id."""
    by_case: dict[str, dict[str, Event]] = {}
    for e in events:
        if e.case_id is not None:
            by_case.setdefault(e.case_id, {})[e.event_id] = e
    found: dict[str, list[Instance]] = {}
    for row in result.instances.iter_rows(named=True):
        case = row["case"]
        found.setdefault(case, []).append(
            instance_of(row, result.steps[row["ref"]], by_case[case], as_of))
    return [
        CaseResult(case, area, stage, found.get(case, []))
        for case, area, stage in sorted(result.cases.iter_rows())
    ]
