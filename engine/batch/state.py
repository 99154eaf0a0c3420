"""The case state as of each row's instant, as columns (the per-case `CaseState`).

Each state field is set by some rows and carried forward within the case; then every
row takes the value after the *last* row of its instant, because contract §3 folds every
event at one instant into the state before anything at that instant is judged.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from engine.batch.exprs import matcher_expr
from engine.batch.schema import PREFERENCE_TYPE, Schema
from engine.spec import StageRule

INSTANT = ["case", "us"]


def with_state(frame: pl.DataFrame, s: Schema, stages: tuple[StageRule, ...]) -> pl.DataFrame:
    """`frame` plus `stage`, `area_now` (`area` condition), `stage_before` (the stage
    before the row's instant) and every consent, fact and preference column in `s`."""
    typ = pl.col("type")
    sets: dict[str, pl.Expr] = {}
    chain: Any = None  # a polars when/then chain, built one stage rule at a time
    for rule in stages:
        for m in rule.set_by:
            cond = matcher_expr(m, s)
            chain = (pl.when(cond) if chain is None else chain.when(cond)).then(pl.lit(rule.id))
    sets["stage_set"] = chain.otherwise(None) if chain is not None else pl.lit(None, pl.String)
    sets["area_set"] = (
        pl.when(typ == "case.transferred")
        .then(pl.col(s.fields["to_area"]).str.slice(2))
        .when(pl.col("case").is_first_distinct())
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
    frame = frame.with_columns(**sets)
    carried = {
        k: pl.col(k).forward_fill().over("case")
        for k in sets
    }
    frame = frame.with_columns(**carried)
    frame = frame.with_columns(
        stage_after_row=pl.col("stage_set").fill_null("reported"),
    )
    at_instant = {k: pl.col(k).last().over(INSTANT) for k in sets if k != "stage_set"}
    at_instant["stage"] = pl.col("stage_after_row").last().over(INSTANT)
    frame = frame.with_columns(**at_instant).rename({"area_set": "area_now"})
    # The stage before this instant: the stage after the previous instant of the case.
    frame = frame.with_columns(first_of_instant=pl.struct(INSTANT).is_first_distinct())
    frame = frame.with_columns(
        stage_before=pl.when(pl.col("first_of_instant"))
        .then(pl.col("stage").shift(1).fill_null("reported"))
        .forward_fill()
        .over("case")
    )
    for name in s.pref_ints:
        pref = pl.col(s.pref_col(name))
        frame = frame.with_columns(
            pl.when(pref.str.starts_with("i:"))
            .then(pref.str.slice(2).cast(pl.Int64, strict=False))
            .alias(s.pref_int_col(name))
        )
    return frame.drop("stage_set", "stage_after_row")
