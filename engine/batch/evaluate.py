"""Judge every case of a partition at once: the batch counterpart of `evaluate_case`.

`evaluate_batch(rules, events, as_of)` is pure like `evaluate_case` (no clock, no
database): events in, two frames out. `instances` has one row per step instance with the
columns of `deadline.OUT` (instants as integer microseconds); `cases` has each case's
area and stage. The per-case engine stays the reference: where they differ, it decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from engine.batch.deadline import (
    KEYED,
    KEYED_SCHEMA,
    OUT,
    OUT_SCHEMA,
    ByType,
    Steps,
    deadline_instances,
    prohibition_instances,
)
from engine.batch.frame import events_frame, micros
from engine.batch.recurring import recurring_instances
from engine.batch.schema import Schema, build_schema
from engine.batch.state import CASE_NO, FIRST, ROW, with_state
from engine.evaluate.compiled import (
    CompiledHistory,
    CompiledStep,
    CompiledTemplate,
    compile_history,
)
from engine.events import Event
from engine.rules import Rules

CASES_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "case": pl.String, "area": pl.String, "stage": pl.String,
}


@dataclass(frozen=True)
class BatchResult:
    """Every instance (`OUT` columns) and every case's area and stage; `steps[ref]` is
    the compiled step that judged an instance (its template version's)."""

    instances: pl.DataFrame
    cases: pl.DataFrame
    steps: list[CompiledStep]


@dataclass(frozen=True)
class Frame:
    """A partition's events as columns, with what judging them needs."""

    frame: pl.DataFrame
    schema: Schema
    histories: dict[str, CompiledHistory]
    keyed: list[CompiledTemplate]
    key_of: dict[int, int]


def build_frame(rules: Rules, events: Iterable[Event], as_of: datetime) -> Frame:
    """The case-level events in force at `as_of` as columns (one row per event)."""
    evs = [e for e in events if e.case_id is not None]
    areas = sorted({e.area for e in evs})
    histories = {a: compile_history(rules.history(a)) for a in areas}
    keyed, key_of = _templates(histories)
    schema = build_schema((ct.template for ct in keyed), rules.stages)
    frame = events_frame(evs, schema).filter(pl.col("us") <= micros(as_of))
    return Frame(frame, schema, histories, keyed, key_of)


def build_frame_from_columns(rules: Rules, raw: pl.DataFrame, as_of: datetime) -> Frame:
    """`build_frame` from the store's raw event columns (see `engine.batch.read`)."""
    from engine.batch.read import frame_from_columns

    cased = raw.filter(pl.col("case_id").is_not_null())
    areas = sorted(cased["area"].unique().to_list())
    histories = {a: compile_history(rules.history(a)) for a in areas}
    keyed, key_of = _templates(histories)
    schema = build_schema((ct.template for ct in keyed), rules.stages)
    frame = frame_from_columns(cased, schema).filter(pl.col("us") <= micros(as_of))
    return Frame(frame, schema, histories, keyed, key_of)


def evaluate_batch(rules: Rules, events: Iterable[Event], as_of: datetime) -> BatchResult:
    """Every case-level instance of every case in `events`, as of `as_of`."""
    return evaluate_frame(rules, build_frame(rules, events, as_of), as_of)


def evaluate_frame(rules: Rules, built: Frame, as_of: datetime) -> BatchResult:
    """Every case-level instance of every case in a built frame, as of `as_of`."""
    frame, schema, histories, keyed = built.frame, built.schema, built.histories, built.keyed
    key_of = built.key_of
    as_of_us = micros(as_of)
    if frame.height == 0:
        return BatchResult(pl.DataFrame(schema=OUT_SCHEMA), pl.DataFrame(schema=CASES_SCHEMA),
                           [])
    frame = frame.with_columns(tk=_template_keys(frame, histories, key_of))
    frame = with_state(frame, schema, rules.stages)
    steps = Steps()
    by_type = ByType(frame)
    parts = [
        deadline_instances(by_type, schema, keyed, as_of_us, steps),
        prohibition_instances(by_type, schema, keyed, steps),
        recurring_instances(frame, schema, rules,
                            [ct for ch in histories.values() for ct in ch.compiled], keyed,
                            as_of_us, steps),
    ]
    instances = pl.concat([p.select(KEYED).cast(KEYED_SCHEMA) for p in parts])  # type: ignore[arg-type]
    # (case, trigger instant, step order, trigger event id), as the per-case engine sorts
    instances = instances.sort([FIRST, "order", ROW]).select(OUT)
    last_of_case = pl.col(CASE_NO) != pl.col(CASE_NO).shift(-1).fill_null(-1)
    cases = frame.filter(last_of_case).select("case", area="area_now", stage="stage")
    return BatchResult(instances, cases, steps.steps)


def _templates(histories: dict[str, CompiledHistory]
               ) -> tuple[list[CompiledTemplate], dict[int, int]]:
    keyed: list[CompiledTemplate] = []
    key_of: dict[int, int] = {}
    for ch in histories.values():
        for ct in ch.compiled:
            if id(ct) not in key_of:
                key_of[id(ct)] = len(keyed)
                keyed.append(ct)
    return keyed, key_of


def _template_keys(frame: pl.DataFrame, histories: dict[str, CompiledHistory],
                   key_of: dict[int, int]) -> pl.Expr:
    """The key of the template in force at each row's instant, in the row's area."""
    area, us = pl.col("area"), pl.col("us")
    first = {a: key_of[id(ch.compiled[0])] for a, ch in histories.items()}
    out: Any = None
    for a, ch in histories.items():  # later versions: one test per overlay start
        for ct in reversed(ch.compiled[1:]):
            hit = (area == a) & (us >= micros(ct.template.effective_from))
            key = pl.lit(key_of[id(ct)], pl.Int64)
            out = pl.when(hit).then(key) if out is None else out.when(hit).then(key)
    base = area.replace_strict(first, return_dtype=pl.Int64)
    return base if out is None else out.otherwise(base)
