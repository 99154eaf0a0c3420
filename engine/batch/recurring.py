"""Case-level recurring steps over a frame (contract §4.2).

Each matcher of each recurring step becomes a bit of one integer column per step; the
rows that set a bit or enter a stage are all a series can react to. A step that every
template in play has in one shape is judged as columns (`engine.batch.series`). A step
whose shape differs between the templates in play (an overlay that changes what starts,
satisfies, pauses or stops it, or removes it) is judged by the per-case engine itself
(`evaluate_case`, on events rebuilt from the frame's rows) for the cases it concerns:
the semantics of a series then live in one place, and no Python copy of them exists
here. No configuration in this repository needs that path; a test builds one that does.
"""

from __future__ import annotations

import polars as pl

from engine.batch.deadline import KEYED, KEYED_SCHEMA, OUT_SCHEMA, Steps
from engine.batch.exprs import matcher_expr
from engine.batch.frame import from_micros, micros
from engine.batch.schema import Schema
from engine.batch.series import PAUSE, RESUME, SAT, START, STOP, columnar, series_instances
from engine.batch.state import CASE_NO, FIRST, ROW
from engine.batch.tokens import value_of
from engine.evaluate.case import evaluate_case
from engine.evaluate.compiled import CompiledStep, CompiledTemplate, compile_stages
from engine.events import Event
from engine.rules import Rules


def recurring_instances(frame: pl.DataFrame, s: Schema, rules: Rules,
                        every: list[CompiledTemplate], keyed: list[CompiledTemplate],
                        as_of_us: int, steps: Steps) -> pl.DataFrame:
    """Every case-level recurring instance of every case in `frame` (`KEYED` columns)."""
    versions: dict[str, list[CompiledStep]] = {}
    seen: set[int] = set()
    for ct in [*keyed, *every]:
        for cs in ct.recurring:
            if id(cs) not in seen:
                seen.add(id(cs))
                versions.setdefault(cs.step.id, []).append(cs)
    if not versions:
        return pl.DataFrame(schema=KEYED_SCHEMA)
    stages = compile_stages(rules.stages)
    entering = pl.col("stage") != pl.col("stage_before")
    sets_stage = pl.col("type").is_in(sorted(stages.by_type))
    parts = []
    by_rules: list[str] = []
    for sid, css in versions.items():
        if not columnar(sid, css, keyed):
            by_rules.append(sid)
            continue
        cs0 = css[0]
        pref = cs0.step.interval_preference  # type: ignore[union-attr]
        pref_col = s.pref_int_col(pref) if pref else None
        rows = (frame.lazy()
                .select("case", "eid", "us", "tk", "stage", "stage_before", CASE_NO, FIRST, ROW,
                        *([pref_col] if pref_col else []), bits=_bits(cs0, s),
                        sets_stage=sets_stage, entering=entering)
                .filter((pl.col("bits") != 0) | pl.col("entering"))
                .collect())
        parts.append(series_instances(rows, "bits", cs0, keyed, stages.closed, pref_col,
                                      as_of_us, steps))
    if by_rules:
        parts.append(_per_case(frame, s, rules, versions, by_rules, as_of_us, steps))
    return pl.concat([p.select(KEYED).cast(KEYED_SCHEMA) for p in parts])  # type: ignore[arg-type]


def _bits(cs: CompiledStep, s: Schema) -> pl.Expr:
    parts = []
    for flag, m in ((START, cs.start), (SAT, cs.satisfied_by), (PAUSE, cs.pause),
                    (RESUME, cs.resume)):
        if m is not None:
            parts.append(pl.when(matcher_expr(m.matcher, s)).then(flag).otherwise(0))
    for i, m in enumerate(cs.stop):
        parts.append(pl.when(matcher_expr(m.matcher, s)).then(STOP << i).otherwise(0))
    return pl.sum_horizontal(parts).cast(pl.Int64) if parts else pl.lit(0, pl.Int64)


def _per_case(frame: pl.DataFrame, s: Schema, rules: Rules,
              versions: dict[str, list[CompiledStep]], sids: list[str], as_of_us: int,
              steps: Steps) -> pl.DataFrame:
    """The instances of steps `sids`, from `evaluate_case` on every case that has an
    event of a type they react to (or that sets a stage), its events rebuilt from the
    frame: a row keeps every data field the rules read (`Schema`), which is all the
    per-case engine reads."""
    compiled = {id(cs.step): cs for sid in sids for cs in versions[sid]}
    types = {m.type for sid in sids for cs in versions[sid]
             for m in [cs.start, cs.satisfied_by, cs.pause, cs.resume, *cs.stop] if m is not None}
    touched = frame.filter(pl.col("type").is_in(sorted(types)))["case"].unique()
    rows = frame.filter(pl.col("case").is_in(touched.implode()))
    names = {c: name for name, c in s.fields.items()}
    by_case: dict[str, list[Event]] = {}
    for r in rows.select("case", "eid", "area", "type", "src", "us", *names).iter_rows():
        data = {names[c]: value_of(v) for c, v in zip(names, r[6:], strict=True)
                if v is not None}
        at = from_micros(r[5])
        by_case.setdefault(r[0], []).append(
            Event(r[1], r[0], r[2], r[3], at, r[4], data, at.timestamp()))
    as_of = from_micros(as_of_us)
    out = []
    for case, events in by_case.items():
        for i in evaluate_case(rules, events, as_of).instances:
            cs = compiled.get(id(i.basis.step)) if i.step in sids else None
            if cs is None:
                continue
            b = i.basis
            out.append((case, i.step, i.status.value, i.trigger_event,
                        None if i.due is None else micros(i.due), i.satisfied_by, i.owner,
                        i.severity, i.version, micros(i.trigger_at), i.order, steps.ref(cs),
                        None, b.interval_days, b.interval_from_preference, b.pause_days,
                        b.stopper.event_id if b.stopper is not None else None))
    keys = frame.select("case", trigger_event="eid", **{FIRST: FIRST, ROW: ROW})
    return pl.DataFrame(out, schema=OUT_SCHEMA, orient="row").join(
        keys, on=["case", "trigger_event"], how="left")
