"""The case state as of each row's instant, as columns (the per-case `CaseState`).

Each state field is set by some rows and carried forward within the case; then every
row takes the value after the *last* row of its instant, because contract §3 folds every
event at one instant into the state before anything at that instant is judged.

Why no `over("case")` windows: the frame is sorted by case and instant, so "carry
forward within the case" is a plain forward fill masked where the value came from an
earlier case, and "the value at the instant's last row" is a gather at that row's index.
Both are linear passes; polars' windows hash the key and, for a forward fill, run per
group, which cost about 25x more on a partition's half-million rows.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from engine.batch.exprs import matcher_expr
from engine.batch.schema import PREFERENCE_TYPE, Schema
from engine.spec import StageRule

# helper columns added by `with_positions`: a number per case, the row's own index and
# the indexes of its instant's first and last rows (in (case, instant, event id) order)
CASE_NO, ROW, FIRST, LAST = "ci", "row", "first_row", "last_row"


def with_positions(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` (sorted by case, instant, event id) plus the `CASE_NO`, `ROW`, `FIRST` and
    `LAST` columns."""
    row = pl.int_range(pl.len(), dtype=pl.Int64)
    new_case = pl.col("case") != pl.col("case").shift(1)
    new_instant = (new_case | (pl.col("us") != pl.col("us").shift(1))).fill_null(True)
    frame = frame.with_columns(
        pl.col("case").rle_id().cast(pl.Int64).alias(CASE_NO), row.alias(ROW),
        pl.when(new_instant).then(row).forward_fill().alias(FIRST),
    )
    last_of_instant = pl.col(FIRST) != pl.col(FIRST).shift(-1)
    return frame.with_columns(
        pl.when(last_of_instant.fill_null(True)).then(row).backward_fill().alias(LAST))


def carried(value: pl.Expr) -> pl.Expr:
    """`value` carried forward from the rows where it is set, within each case."""
    source = pl.when(value.is_not_null()).then(pl.col(CASE_NO)).forward_fill()
    return pl.when(source == pl.col(CASE_NO)).then(value.forward_fill())


def at_instant_end(value: pl.Expr) -> pl.Expr:
    """`value` as it stands at the last row of each row's instant."""
    return value.gather(pl.col(LAST))


def stage_set_by(stages: tuple[StageRule, ...], s: Schema) -> pl.Expr:
    """The stage a row sets (the first rule, in order, with a matcher it satisfies), or
    null for a row that sets none: `CaseState.apply`'s stage rules."""
    chain: Any = None  # a polars when/then chain, built one stage rule at a time
    for rule in stages:
        for m in rule.set_by:
            cond = matcher_expr(m, s)
            chain = (pl.when(cond) if chain is None else chain.when(cond)).then(pl.lit(rule.id))
    return chain.otherwise(None) if chain is not None else pl.lit(None, pl.String)


def stage_after(stage_set: pl.Expr) -> pl.Expr:
    """The case's stage after each row (folded in row order, from `reported`)."""
    return carried(stage_set).fill_null("reported")


def with_state(frame: pl.DataFrame, s: Schema, stages: tuple[StageRule, ...]) -> pl.DataFrame:
    """`frame` plus `stage`, `area_now` (`area` condition), `stage_before` (the stage
    before the row's instant) and every consent, fact and preference column in `s`."""
    frame = with_positions(frame)
    typ = pl.col("type")
    sets: dict[str, pl.Expr] = {}
    stage_set = stage_set_by(stages, s)
    sets["area_now"] = (
        pl.when(typ == "case.transferred")
        .then(pl.col(s.fields["to_area"]).str.slice(2))
        .when(pl.col(CASE_NO) != pl.col(CASE_NO).shift(1).fill_null(-1))
        .then(pl.col("area"))
    )
    for scope in s.scopes:
        sets[s.consent_col(scope)] = pl.when(
            (typ == "consent.recorded") & (pl.col(s.fields["scope"]) == f"s:{scope}")
        ).then(pl.col(s.fields["granted"]))
    for name in s.facts:
        col = pl.col(s.fields[name])
        sets[s.fact_col(name)] = pl.when((typ == "case.reported") & col.is_not_null()).then(col)
    for name in s.prefs:
        col = pl.col(s.fields[name])
        is_set = (typ == PREFERENCE_TYPE) & col.is_not_null()
        sets[s.pref_col(name)] = pl.when(is_set).then(col)
        if name in s.pref_lists:
            sets[s.pref_list_col(name)] = pl.when(is_set).then(pl.col(s.lists[name]))
    sets["stage"] = stage_after(stage_set)
    state = {k: at_instant_end(v if k == "stage" else carried(v)) for k, v in sets.items()}
    frame = frame.with_columns(**state)
    # The stage before this instant: the stage at the previous row, if of the same case.
    previous = (pl.col(FIRST) - 1).clip(0)
    same_case = (pl.col(FIRST) > 0) & (pl.col(CASE_NO).gather(previous) == pl.col(CASE_NO))
    frame = frame.with_columns(
        stage_before=pl.when(same_case).then(pl.col("stage").gather(previous))
        .otherwise(pl.lit("reported"))
    )
    ints = {}
    for name in s.pref_ints:
        pref = pl.col(s.pref_col(name))
        ints[s.pref_int_col(name)] = (pl.when(pref.str.starts_with("i:"))
                                      .then(pref.str.slice(2).cast(pl.Int64, strict=False)))
    return frame.with_columns(**ints) if ints else frame
