"""Each case's facts for the reports (engine/evaluate/milestones.py), judged while the
sweep has the page's events in hand and stored on the case's row beside its stage, so
the board and the national comparison count them instead of replaying events.

A page judged by the batch engine gets them by column expressions over the events of
`relevant_types` (the stage-setting, milestone and withdrawal types) and each case's first
instant in force; a page of a few cases, by `judge` on its events.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import polars as pl

from engine.batch.frame import micros
from engine.evaluate.milestones import (
    KEYS,
    MILESTONES,
    WITHDREW,
    CaseFacts,
    facts_key,
    judge,
    relevant_types,
)
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
    the instants as integer microseconds): `judge` as column expressions over the events
    of `relevant_types`, sorted in evaluation order (held equal to `of_events` by
    tests/store/test_sweep_facts.py).

    The stage after each event is folded over every relevant event, in force or not: it
    depends only on the events before it, so the stage entry (the last change among the
    events in force) and the stage before the first withdrawal (whenever it is) both
    read it. Milestones and the withdrawal count every event, as `judge` does."""
    from engine.batch.days import local_day
    from engine.batch.exprs import matcher_expr
    from engine.batch.read import frame_from_columns
    from engine.batch.schema import add_matcher, build_schema
    from engine.batch.state import CASE_NO, ROW, stage_after, stage_set_by, with_positions

    as_of_us = micros(as_of)
    first = (raw.filter(pl.col("case_id").is_not_null()).with_columns(us=us)
             .filter(pl.col("us") <= as_of_us)
             .group_by(case=pl.col("case_id")).agg(first=pl.col("us").min()))
    schema = build_schema((), stages)
    for _key, _label, matchers in MILESTONES:
        for cm in matchers:
            add_matcher(schema, cm.matcher)
    wanted = raw.filter(pl.col("type").is_in(sorted(relevant_types(stages))))
    frame = with_positions(frame_from_columns(wanted, schema)).with_columns(
        stage=stage_after(stage_set_by(stages, schema)))
    same_case = pl.col(CASE_NO) == pl.col(CASE_NO).shift(1)
    before = pl.when(same_case).then(pl.col("stage").shift(1)).otherwise(pl.lit("reported"))
    entered = (frame.filter((pl.col("stage") != before) & (pl.col("us") <= as_of_us))
               .group_by("case").agg(entered=pl.col("us").max()))
    reached = frame.group_by("case").agg(
        pl.col("us").filter(pl.any_horizontal([matcher_expr(cm.matcher, schema)
                                               for cm in matchers])).min().alias(f"{key}_us")
        for key, _label, matchers in MILESTONES)
    withdrew = (frame.filter(pl.col("type") == WITHDREW)
                .group_by("case").agg(withdrew_us=pl.col("us").min()))
    stage_then = (frame.join(withdrew, on="case").filter(pl.col("us") < pl.col("withdrew_us"))
                  .group_by("case").agg(pl.col("stage").sort_by(ROW).last().alias("then")))
    def ordinal(us: pl.Expr) -> pl.Expr:
        return (local_day(us) + _EPOCH_ORDINAL).cast(pl.Int64)

    entry = pl.coalesce("entered", "first")
    return (pl.DataFrame({"case": list(case_ids)}, schema={"case": pl.String})
            .join(first, on="case", how="left").join(entered, on="case", how="left")
            .join(reached, on="case", how="left").join(withdrew, on="case", how="left")
            .join(stage_then, on="case", how="left")
            .select("case", facts_key=pl.lit(facts_key(stages)),
                    stage_entered_day=pl.when(pl.col("first").is_not_null()).then(ordinal(entry)),
                    **{f"{k}_day": ordinal(pl.col(f"{k}_us")) for k in KEYS},
                    withdrew_us=pl.col("withdrew_us"),
                    withdrew_stage=pl.when(pl.col("withdrew_us").is_not_null())
                    .then(pl.col("then").fill_null("reported")))
            .cast(SCHEMA))  # type: ignore[arg-type]


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()  # `day` counts from year 1, polars from 1970
