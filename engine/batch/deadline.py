"""Deadline and prohibition steps, judged for every case of a frame at once.

Triggers are rows that match a trigger matcher (and the step's `when`, on the state as
of the trigger's instant) under the template in force at that row. The first satisfier
and the first canceller at or after each trigger come from forward as-of joins per case;
due instants come from day ordinals and the calendar's working-day table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from engine.batch.days import add_working_days, end_of_day_us, local_day
from engine.batch.exprs import condition_expr, matcher_expr
from engine.batch.schema import Schema
from engine.batch.state import FIRST, ROW
from engine.evaluate.compiled import CompiledStep, CompiledTemplate
from engine.spec import DeadlineStep, Matcher, ProhibitionStep, Unit

OUT = ["case", "step", "status", "trigger_event", "due_us", "satisfied_by", "owner",
       "severity", "version", "trigger_us", "order",
       # what an explanation needs beyond the verdict (see engine.batch.materialize)
       "ref", "canceller", "interval", "from_pref", "pause_days", "stopper"]
OUT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "case": pl.String, "step": pl.String, "status": pl.String, "trigger_event": pl.String,
    "due_us": pl.Int64, "satisfied_by": pl.String, "owner": pl.String,
    "severity": pl.String, "version": pl.String, "trigger_us": pl.Int64, "order": pl.Int64,
    "ref": pl.Int64, "canceller": pl.String, "interval": pl.Int64, "from_pref": pl.Boolean,
    "pause_days": pl.Int64, "stopper": pl.String,
}
# OUT and the trigger row's instant and own row: the key that puts instances in the
# per-case engine's order (case, trigger instant, step order, trigger event id) as ints
KEYED = [*OUT, FIRST, ROW]
KEYED_SCHEMA = {**OUT_SCHEMA, FIRST: pl.Int64, ROW: pl.Int64}


class Steps:
    """Every compiled step an output row can name: `ref` is its index here."""

    def __init__(self) -> None:
        self.steps: list[CompiledStep] = []
        self._index: dict[int, int] = {}

    def ref(self, cs: CompiledStep) -> int:
        i = self._index.get(id(cs))
        if i is None:
            i = self._index[id(cs)] = len(self.steps)
            self.steps.append(cs)
        return i


class ByType:
    """The frame with each event type numbered once, so that each matcher first keeps
    only the rows of its own type (a step's trigger is a few percent of a partition's
    events) by an integer test, lazily: only the columns a query reads are copied."""

    def __init__(self, frame: pl.DataFrame):
        types = frame["type"].unique().to_list()
        self.code = {t: i for i, t in enumerate(types)}
        self.frame = frame.with_columns(
            tcode=pl.col("type").replace_strict(self.code, return_dtype=pl.Int32))

    def of(self, types: list[str]) -> pl.LazyFrame:
        """Rows of these types, in evaluation order within each case."""
        codes = [self.code[t] for t in dict.fromkeys(types) if t in self.code]
        return self.frame.lazy().filter(pl.col("tcode").is_in(codes))


_KEYS: dict[int, tuple[Matcher, str]] = {}


def _key(m: Matcher) -> str:
    """A matcher's identity as text, kept per matcher object (templates are immutable
    and compiled once): serialising every matcher again was most of a call's fixed cost."""
    hit = _KEYS.get(id(m))
    if hit is None or hit[0] is not m:
        if len(_KEYS) > 100_000:
            _KEYS.clear()
        hit = _KEYS[id(m)] = (m, m.model_dump_json())
    return hit[1]


@dataclass
class _Meta:
    cs: CompiledStep
    ct: CompiledTemplate


def _meta_frame(metas: list[_Meta], steps: Steps) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "csid": list(range(len(metas))),
            "ref": [steps.ref(m.cs) for m in metas],
            "step": [m.cs.step.id for m in metas],
            "order": [m.cs.order for m in metas],
            "owner": [m.cs.owner for m in metas],
            "severity": [m.cs.severity for m in metas],
            "version": [m.cs.version for m in metas],
        },
        schema={"csid": pl.Int64, "ref": pl.Int64, "step": pl.String, "order": pl.Int64,
                "owner": pl.String, "severity": pl.String, "version": pl.String},
    )


def deadline_instances(
    frame: ByType, s: Schema, keyed: list[CompiledTemplate], as_of_us: int,
    steps: Steps,
) -> pl.DataFrame:
    """Every deadline instance of every case in `frame` (`tk` names each row's template)."""
    metas: list[_Meta] = []
    # (trigger matcher, when) -> the matcher, the condition and its (template, step) pairs
    groups: dict[tuple[str, str], tuple[Matcher, Any, list[tuple[int, int]]]] = {}
    for k, ct in enumerate(keyed):
        for cs in ct.by_id.values():
            step = cs.step
            if not isinstance(step, DeadlineStep):
                continue
            csid = len(metas)
            metas.append(_Meta(cs, ct))
            for m in step.trigger:  # one instance per matching matcher, as per case
                key = (_key(m), "" if step.when is None else repr(step.when))
                groups.setdefault(key, (m, step.when, []))[2].append((k, csid))
    if not metas:
        return pl.DataFrame(schema=KEYED_SCHEMA)
    parts = [_rows(frame, s, m, when, pairs) for m, when, pairs in groups.values()]
    trig = pl.concat(parts).join(_meta_frame(metas, steps), on="csid", how="left")
    trig = _firsts(frame, s, trig, metas)
    trig = _dues(trig, metas)
    return _status(trig, as_of_us).select(KEYED)


def _rows(
    frame: ByType, s: Schema, m: Matcher, cond: Any, pairs: list[tuple[int, int]]
) -> pl.DataFrame:
    """Rows matching `m` (and `cond`) with the step id of each row's template."""
    tks = pl.DataFrame({"tk": [p[0] for p in pairs], "csid": [p[1] for p in pairs]},
                       schema={"tk": pl.Int64, "csid": pl.Int64})
    test = matcher_expr(m, s) & pl.col("tk").is_in(tks["tk"].implode())
    if cond is not None:
        test = test & condition_expr(cond, s)
    rows = frame.of([m.type]).filter(test).select("case", "eid", "us", "tk", "src",
                                                           FIRST, ROW).collect()
    return rows.join(tks, on="tk").drop("tk")


def _firsts(
    frame: ByType, s: Schema, trig: pl.DataFrame, metas: list[_Meta]
) -> pl.DataFrame:
    """Attach the first satisfier (`sat_eid`, `sat_us`) and canceller (`can_us`) at or
    after each trigger; a canceller strictly before the satisfier wins (contract §4.1)."""
    sat_key = [_key(m.cs.step.satisfied_by) for m in metas]  # type: ignore[union-attr]
    can_key = ["|".join(_key(c) for c in m.cs.step.cancelled_by) for m in metas]  # type: ignore[union-attr]
    keys = pl.DataFrame({"csid": list(range(len(metas))), "sk": sat_key, "ck": can_key})
    trig = trig.join(keys, on="csid", how="left")
    by_sat = {k: metas[i].cs.step.satisfied_by for i, k in enumerate(sat_key)}  # type: ignore[union-attr]
    by_can = {k: metas[i].cs.step.cancelled_by for i, k in enumerate(can_key)}  # type: ignore[union-attr]
    out = []
    for (sk, ck), part in trig.group_by(["sk", "ck"]):
        part = part.sort("us")
        sat_m = by_sat[sk]
        sat = _first_per_instant(frame.of([sat_m.type]).filter(matcher_expr(sat_m, s)))
        part = part.join_asof(
            sat.rename({"us": "sat_us", "eid": "sat_eid"}), left_on="us", right_on="sat_us",
            by="case", strategy="forward", check_sortedness=False,
        )
        cancellers = by_can[ck]
        if cancellers:
            test = pl.any_horizontal([matcher_expr(c, s) for c in cancellers])
            can = _first_per_instant(frame.of([c.type for c in cancellers]).filter(test))
            part = part.join_asof(
                can.rename({"us": "can_us", "eid": "can_eid"}), left_on="us", right_on="can_us",
                by="case", strategy="forward", check_sortedness=False,
            )
        else:
            part = part.with_columns(can_us=pl.lit(None, pl.Int64),
                                     can_eid=pl.lit(None, pl.String))
        out.append(part)
    trig = pl.concat(out, how="diagonal_relaxed")
    cancelled = pl.col("can_us").is_not_null() & (
        pl.col("sat_us").is_null() | (pl.col("can_us") < pl.col("sat_us"))
    )
    return trig.with_columns(
        sat_us=pl.when(cancelled).then(None).otherwise(pl.col("sat_us")),
        sat_eid=pl.when(cancelled).then(None).otherwise(pl.col("sat_eid")),
        can_us=pl.when(cancelled).then(pl.col("can_us")).otherwise(None),
        can_eid=pl.when(cancelled).then(pl.col("can_eid")).otherwise(None),
    )


def _first_per_instant(rows: pl.LazyFrame) -> pl.DataFrame:
    """The first row (by event id) of each case instant, sorted by instant: rows come in
    (case, instant, event id) order, so it is the row whose instant differs from the
    previous row's (`FIRST` numbers the instant)."""
    first = pl.col(FIRST) != pl.col(FIRST).shift(1).fill_null(-1)
    picked = rows.select("case", "us", "eid", FIRST).collect()  # then shift: in row order
    return picked.filter(first).drop(FIRST).sort("us")


def _dues(trig: pl.DataFrame, metas: list[_Meta]) -> pl.DataFrame:
    """`due_us`, `due_day` and the hour deadlines' warning start (`warn_s`, seconds)."""
    units = [m.cs.step.deadline.unit.value for m in metas]  # type: ignore[union-attr]
    within = [m.cs.step.deadline.within for m in metas]  # type: ignore[union-attr]
    cals = {id(m.ct.calendar): m.ct.calendar for m in metas}
    cal_ids = list(cals)
    cal_of = [cal_ids.index(id(m.ct.calendar)) for m in metas]
    info = pl.DataFrame({"csid": list(range(len(metas))), "unit": units, "within": within,
                         "cal": cal_of})
    trig = trig.join(info, on="csid", how="left").with_columns(day=local_day(pl.col("us")))
    due_day = trig["day"].cast(pl.Int64) + trig["within"].cast(pl.Int64)
    for ci, cid in enumerate(cal_ids):
        mask = (trig["unit"] == Unit.working_days.value) & (trig["cal"] == ci)
        if mask.any():
            rows = trig.filter(mask)
            due_day = due_day.scatter(mask.arg_true(),
                                      add_working_days(rows["day"], rows["within"], cals[cid]))
    trig = trig.with_columns(due_day=due_day)
    hours = pl.col("unit") == Unit.hours.value
    return trig.with_columns(
        due_us=pl.when(hours)
        .then(pl.col("us") + pl.col("within") * 3_600_000_000)
        .otherwise(end_of_day_us(pl.col("due_day"))),
        # as the per-case engine computes it: float seconds
        warn_s=pl.when(hours).then(
            pl.col("us").cast(pl.Float64) / 1e6 + 0.75 * pl.col("within").cast(pl.Float64) * 3600
        ),
    )


def _status(trig: pl.DataFrame, as_of_us: int) -> pl.DataFrame:
    as_of_day = pl.select(local_day(pl.lit(as_of_us, pl.Int64))).item()
    due, sat, can = pl.col("due_us"), pl.col("sat_us"), pl.col("can_us")
    status = (
        pl.when(sat.is_not_null()).then(pl.when(sat <= due).then(pl.lit("met"))
                                        .otherwise(pl.lit("late")))
        .when(can.is_not_null()).then(pl.when(can > due).then(pl.lit("missed"))
                                      .otherwise(pl.lit("cancelled")))
        .when(pl.lit(as_of_us) > due).then(pl.lit("missed"))
        .when(pl.col("warn_s").is_not_null())
        .then(pl.when(pl.lit(as_of_us / 1e6) >= pl.col("warn_s")).then(pl.lit("due_soon"))
              .otherwise(pl.lit("due")))
        .when(pl.col("due_day") == as_of_day).then(pl.lit("due_soon"))
        .otherwise(pl.lit("due"))
    )
    return trig.with_columns(
        status=status, trigger_event=pl.col("eid"), satisfied_by=pl.col("sat_eid"),
        trigger_us=pl.col("us"), canceller=pl.col("can_eid"), **_NO_SERIES,
    )


_NO_SERIES = {"interval": pl.lit(None, pl.Int64), "from_pref": pl.lit(None, pl.Boolean),
              "pause_days": pl.lit(None, pl.Int64), "stopper": pl.lit(None, pl.String)}


def prohibition_instances(
    frame: ByType, s: Schema, keyed: list[CompiledTemplate], steps: Steps
) -> pl.DataFrame:
    """Every violation: a row matching a prohibition's event, under the template in force
    then, whose condition says it breaks the rule (as of its instant)."""
    metas: list[_Meta] = []
    groups: dict[tuple[str, str, str], tuple[Matcher, pl.Expr, list[tuple[int, int]]]] = {}
    for k, ct in enumerate(keyed):
        for cs in ct.by_id.values():
            step = cs.step
            if not isinstance(step, ProhibitionStep):
                continue
            csid = len(metas)
            metas.append(_Meta(cs, ct))
            if step.unless is not None:
                broken = ~condition_expr(step.unless, s)
            elif step.violates_when is not None:
                broken = condition_expr(step.violates_when, s)
            else:
                continue
            key = (_key(step.event), repr(step.unless), repr(step.violates_when))
            groups.setdefault(key, (step.event, broken, []))[2].append((k, csid))
    if not groups:
        return pl.DataFrame(schema=KEYED_SCHEMA)
    parts = []
    for m, broken, pairs in groups.values():
        tks = pl.DataFrame({"tk": [p[0] for p in pairs], "csid": [p[1] for p in pairs]},
                           schema={"tk": pl.Int64, "csid": pl.Int64})
        test = matcher_expr(m, s) & pl.col("tk").is_in(tks["tk"].implode()) & broken
        rows = frame.of([m.type]).filter(test).select(
            "case", "eid", "us", "tk", "src", FIRST, ROW).collect()
        parts.append(rows.join(tks, on="tk").drop("tk"))
    meta = _meta_frame(metas, steps).drop("owner")
    return (
        pl.concat(parts)
        .join(meta, on="csid", how="left")
        .with_columns(
            status=pl.lit("violated"), trigger_event=pl.col("eid"),
            due_us=pl.lit(None, pl.Int64), satisfied_by=pl.lit(None, pl.String),
            owner=pl.col("src"), trigger_us=pl.col("us"),
            canceller=pl.lit(None, pl.String), **_NO_SERIES,
        )
        .select(KEYED)
    )
