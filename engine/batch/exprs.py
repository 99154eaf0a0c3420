"""Matchers and conditions as polars expressions over a frame's columns.

Each form mirrors one branch of `engine.evaluate.compiled.CompiledMatcher.test` or
`engine.evaluate.conditions.holds`; the differential test holds them to the same answers.
Every expression is null-safe: a missing field or an unset state is False, as there.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from engine.batch.schema import Schema
from engine.batch.tokens import token
from engine.spec import (
    AllCondition,
    AnyCondition,
    CaseCondition,
    Comparison,
    ConsentCondition,
    EventCondition,
    InPreference,
    Matcher,
    NotCondition,
    PreferenceCondition,
)


def _equals(col: pl.Expr, expected: Any) -> pl.Expr:
    """Token equality with any-of for a list (the per-case `_equals`)."""
    if isinstance(expected, list):
        return col.is_in([token(v) for v in expected])
    return col == token(expected)


def matcher_expr(m: Matcher, s: Schema) -> pl.Expr:
    """True on rows of `m.type` whose data satisfies every check of `m`."""
    out = pl.col("type") == m.type
    for name, value in m.data.items():
        if isinstance(value, Comparison):
            n = pl.col(s.ints[name])
            test = n.is_not_null()
            if value.gte is not None:
                test = test & (n >= value.gte)
            if value.lte is not None:
                test = test & (n <= value.lte)
            out = out & test
        else:
            out = out & _equals(pl.col(s.fields[name]), value)
    return out.fill_null(False)


def condition_expr(cond: Any, s: Schema) -> pl.Expr:
    """True where `cond` holds for the row's state (as of its instant) and the row."""
    if isinstance(cond, ConsentCondition):
        return (pl.col(s.consent_col(cond.consent)) == "b:true").fill_null(False)
    if isinstance(cond, CaseCondition):
        parts = []
        for k, v in cond.case.items():
            if k in ("stage", "area"):
                raw = pl.col("stage" if k == "stage" else "area_now")
                parts.append(raw.is_in(v) if isinstance(v, list) else raw == v)
            else:
                parts.append(_equals(pl.col(s.fact_col(k)), v))
        return pl.all_horizontal(parts).fill_null(False)
    if isinstance(cond, PreferenceCondition):
        return pl.all_horizontal(
            [_equals(pl.col(s.pref_col(k)), v) for k, v in cond.preference.items()]
        ).fill_null(False)
    if isinstance(cond, EventCondition):
        return pl.all_horizontal(
            [_event_field(s, name, ref) for name, ref in cond.event.items()]
        ).fill_null(False)
    if isinstance(cond, AllCondition):
        return pl.all_horizontal([condition_expr(c, s) for c in cond.all])
    if isinstance(cond, AnyCondition):
        return pl.any_horizontal([condition_expr(c, s) for c in cond.any])
    if isinstance(cond, NotCondition):
        return ~condition_expr(cond.not_, s)
    raise TypeError(f"unknown condition {cond!r}")


def _event_field(s: Schema, name: str, ref: Any) -> pl.Expr:
    value = pl.col(s.fields[name])
    if isinstance(ref, InPreference):
        pref = pl.col(s.pref_col(ref.in_preference))
        members = pl.col(s.pref_list_col(ref.in_preference))
        test = (
            pl.when(pref.str.starts_with("l:"))
            .then(members.list.contains(value))
            .otherwise(value == pref)
        )
        return (value.is_not_null() & pref.is_not_null() & test).fill_null(False)
    pref = pl.col(s.pref_col(ref.not_preference))
    both_text = value.str.starts_with("s:") & pref.str.starts_with("s:")
    test = (
        pl.when(both_text)
        .then(value.str.to_lowercase() != pref.str.to_lowercase())
        .otherwise(value != pref)
    )
    return (value.is_not_null() & pref.is_not_null() & test).fill_null(False)
