"""The two engines side by side: the per-case reference and the batch evaluator.

`compare` evaluates the same events once with each engine and returns every difference
as text; an empty list means identical instances — (case, step, trigger, due,
satisfied_by, status) and owner, severity, version and trigger instant — identical case
stages and areas, and (with `explanations`) the identical contract JSON of every case,
explanations included, the batch side's rebuilt on read from its rows and the events.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from engine.batch import evaluate_batch
from engine.batch.evaluate import BatchResult
from engine.batch.frame import micros
from engine.batch.materialize import case_results
from engine.evaluate import CaseResult, evaluate_case
from engine.events import Event
from engine.rules import Rules

Row = tuple[Any, ...]


def reference_results(rules: Rules, events: Sequence[Event], as_of: datetime
                      ) -> list[CaseResult]:
    by_case: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        if e.case_id is not None:
            by_case[e.case_id].append(e)
    as_of_ts = as_of.timestamp()
    return [evaluate_case(rules, evs, as_of) for _, evs in sorted(by_case.items())
            if any(e.ts <= as_of_ts for e in evs)]


def reference_rows(results: list[CaseResult]) -> Counter[Row]:
    return Counter(
        (r.case_id, i.step, i.trigger_event, None if i.due is None else micros(i.due),
         i.satisfied_by, i.status.value, i.owner, i.severity, i.version, micros(i.trigger_at))
        for r in results for i in r.instances
    )


def batch_rows(result: BatchResult) -> Counter[Row]:
    return Counter(
        (r["case"], r["step"], r["trigger_event"], r["due_us"], r["satisfied_by"],
         r["status"], r["owner"], r["severity"], r["version"], r["trigger_us"])
        for r in result.instances.iter_rows(named=True)
    )


def compare(rules: Rules, events: Sequence[Event], as_of: datetime, explanations: bool = True,
            limit: int = 20) -> list[str]:
    ref = reference_results(rules, events, as_of)
    got = evaluate_batch(rules, events, as_of)
    out = []
    ref_rows, got_rows = reference_rows(ref), batch_rows(got)
    for row, n in (ref_rows - got_rows).items():
        out.append(f"only per-case (x{n}): {row}")
    for row, n in (got_rows - ref_rows).items():
        out.append(f"only batch (x{n}): {row}")
    ref_cases = {r.case_id: (r.area, r.stage) for r in ref}
    got_cases = {c: (a, s) for c, a, s in got.cases.iter_rows()}
    for case in sorted(set(ref_cases) | set(got_cases)):
        if ref_cases.get(case) != got_cases.get(case):
            out.append(f"case {case}: per-case {ref_cases.get(case)} batch {got_cases.get(case)}")
    if explanations and not out:
        built = {c.case_id: c.to_json() for c in case_results(got, events, as_of)}
        for r in ref:
            want = r.to_json()
            if built.get(r.case_id) != want:
                out.append(f"{r.case_id}: per-case {want}\n   batch {built.get(r.case_id)}")
    return sorted(out)[:limit]
