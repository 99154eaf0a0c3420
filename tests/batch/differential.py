"""The two engines side by side: the per-case reference and the batch evaluator.

`compare` evaluates the same events with both and returns every difference as text;
an empty list means identical (case, step, trigger, due, satisfied_by, status) — and
owner, severity, version, the trigger instant and each case's stage and area.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from engine.batch import evaluate_batch
from engine.batch.frame import micros
from engine.evaluate import evaluate_case
from engine.events import Event
from engine.rules import Rules

Row = tuple[Any, ...]


def reference(rules: Rules, events: Sequence[Event], as_of: datetime
              ) -> tuple[Counter[Row], dict[str, tuple[str, str]]]:
    by_case: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        if e.case_id is not None:
            by_case[e.case_id].append(e)
    rows: Counter[Row] = Counter()
    cases = {}
    as_of_ts = as_of.timestamp()
    for case_id, evs in by_case.items():
        if not any(e.ts <= as_of_ts for e in evs):
            continue
        result = evaluate_case(rules, evs, as_of)
        cases[case_id] = (result.area, result.stage)
        for i in result.instances:
            rows[(case_id, i.step, i.trigger_event,
                  None if i.due is None else micros(i.due), i.satisfied_by, i.status.value,
                  i.owner, i.severity, i.version, micros(i.trigger_at))] += 1
    return rows, cases


def batch(rules: Rules, events: Sequence[Event], as_of: datetime
          ) -> tuple[Counter[Row], dict[str, tuple[str, str]]]:
    result = evaluate_batch(rules, events, as_of)
    rows: Counter[Row] = Counter(
        (r["case"], r["step"], r["trigger_event"], r["due_us"], r["satisfied_by"],
         r["status"], r["owner"], r["severity"], r["version"], r["trigger_us"])
        for r in result.instances.iter_rows(named=True)
    )
    cases = {r["case"]: (r["area"], r["stage"]) for r in result.cases.iter_rows(named=True)}
    return rows, cases


def compare(rules: Rules, events: Sequence[Event], as_of: datetime, limit: int = 20
            ) -> list[str]:
    ref_rows, ref_cases = reference(rules, events, as_of)
    got_rows, got_cases = batch(rules, events, as_of)
    out = []
    for row, n in (ref_rows - got_rows).items():
        out.append(f"only per-case (x{n}): {row}")
    for row, n in (got_rows - ref_rows).items():
        out.append(f"only batch (x{n}): {row}")
    for case in sorted(set(ref_cases) | set(got_cases)):
        if ref_cases.get(case) != got_cases.get(case):
            out.append(f"case {case}: per-case {ref_cases.get(case)} batch {got_cases.get(case)}")
    return sorted(out)[:limit]
