"""Each case's facts for the reports (engine/evaluate/milestones.py), judged while the
sweep has the page's events in hand and stored on the case's row beside its stage, so
the board and the national comparison count them instead of replaying events.

Only the events of `relevant_types` become Python objects (the stage-setting, milestone
and withdrawal types), plus each case's first instant in force, read as columns.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import polars as pl

from engine.batch.frame import from_micros, micros
from engine.evaluate.milestones import KEYS, CaseFacts, facts_key, judge, relevant_types
from engine.events import Event
from engine.spec import StageRule

SCHEMA: dict[str, Any] = {
    "case": pl.String, "facts_key": pl.String, "stage_entered_day": pl.Int64,
    **{f"{k}_day": pl.Int64 for k in KEYS}, "withdrew_us": pl.Int64,
    "withdrew_stage": pl.String}
# The `cases` columns they are stored in, in SCHEMA's order (withdrew_us as withdrew_at).
STORED = ("facts_key", "stage_entered_day", *(f"{k}_day" for k in KEYS), "withdrew_at",
          "withdrew_stage")


def _row(case_id: str, key: str, f: CaseFacts) -> tuple[Any, ...]:
    return (case_id, key, f.stage_entered_day, *(f.milestone_days.get(k) for k in KEYS),
            None if f.withdrew_at is None else micros(f.withdrew_at), f.withdrew_stage)


def of_events(stages: tuple[StageRule, ...], events: Mapping[str, Sequence[Event]],
              case_ids: Sequence[str], as_of: datetime) -> pl.DataFrame:
    """The facts of `case_ids` from their events (the per-case path)."""
    key = facts_key(stages)
    return pl.DataFrame([_row(cid, key, judge(stages, events.get(cid, ()), as_of))
                         for cid in case_ids], schema=SCHEMA, orient="row")


def of_columns(stages: tuple[StageRule, ...], raw: pl.DataFrame, us: pl.Expr,
               case_ids: Sequence[str], as_of: datetime) -> pl.DataFrame:
    """The facts of `case_ids` from their raw event columns (engine/batch/read.py; `us`
    the instants as integer microseconds)."""
    as_of_us = micros(as_of)
    cased = raw.filter(pl.col("case_id").is_not_null()).with_columns(us=us)
    first = dict(cased.filter(pl.col("us") <= as_of_us).group_by("case_id")
                 .agg(pl.col("us").min()).iter_rows())
    wanted = cased.filter(pl.col("type").is_in(sorted(relevant_types(stages))))
    events: dict[str, list[Event]] = {}
    # A page's payloads repeat (a few hundred distinct among thousands of events): each is
    # decoded once. The events live only for `judge`, which never changes their data.
    decoded: dict[str, Any] = {}
    for eid, cid, area, type_, at_us, source, data in wanted.select(
            "event_id", "case_id", "area", "type", "us", "source", "data").iter_rows():
        if isinstance(data, str):
            text, data = data, decoded.get(data)
            if data is None:
                data = decoded[text] = json.loads(text)
        events.setdefault(cid, []).append(Event(eid, cid, area, type_, from_micros(at_us),
                                                source, data, at_us / 1e6))
    key = facts_key(stages)
    rows = []
    for cid in case_ids:
        first_us = first.get(cid)
        facts = judge(stages, events.get(cid, ()), as_of,
                      None if first_us is None else from_micros(first_us))
        rows.append(_row(cid, key, facts))
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")
