"""Recurring series as columns, for the cases whose series is a plain chain.

Most cases start a series once, never pause it, and stop it at most once: then its gaps
are "start, every satisfier before the stop" paired with "every satisfier up to the
stop, then the stop (or nothing: still open)", which is two numbered lists joined per
case. Cases outside that shape (a second start, a pause, a start that stops at once)
and steps whose versions differ in shape are left to the scan (`engine.batch.recurring`),
which follows the per-case engine step by step. The differential test covers both.
"""

from __future__ import annotations

import polars as pl

from engine.batch.days import end_of_day_us, local_day
from engine.batch.deadline import OUT, Steps
from engine.batch.recurring import PAUSE, RESUME, SAT, START, STOP
from engine.evaluate.compiled import CompiledStep, CompiledTemplate
from engine.spec import RecurringStep


def _shape(cs: CompiledStep) -> tuple[object, ...]:
    step = cs.step
    assert isinstance(step, RecurringStep)
    return (repr(step.start), repr(step.satisfied_by), repr(step.stop), tuple(step.stop_stages),
            repr(step.pause), repr(step.resume), step.interval_preference, step.scope)


def chain_step(steps: list[CompiledStep], keyed: list[CompiledTemplate]) -> str | None:
    """The one case-level recurring step that every template has, in one shape; None
    when the templates in play have no such single step (then the scan does it all)."""
    sids = {cs.step.id for cs in steps}
    if len(sids) != 1:
        return None
    (sid,) = sids
    if any([c.step.id for c in ct.recurring] != [sid] for ct in keyed):
        return None
    return sid if len({_shape(cs) for cs in steps}) == 1 else None


def chained(rows: pl.DataFrame, bit: str, cs0: CompiledStep, keyed: list[CompiledTemplate],
            closed: frozenset[str], pref: str | None, as_of_us: int, steps: Steps
            ) -> tuple[pl.DataFrame, pl.Series]:
    """Instances (`OUT` columns) of the cases whose series is a plain chain, and the ids
    of the other cases (for the scan)."""
    b = pl.col(bit)
    step0 = cs0.step
    assert isinstance(step0, RecurringStep)
    stop_stages = sorted(set(step0.stop_stages) | closed)
    is_start, is_sat = (b & START) != 0, (b & SAT) != 0
    stopper = pl.coalesce([pl.col("eid").filter((b & (STOP << i)) != 0).first()
                           for i in range(len(cs0.stop))] or [pl.lit(None, pl.String)])
    groups = (
        rows.group_by(["case", "us"], maintain_order=True)
        .agg(
            has_start=is_start.any(),
            starter=pl.col("eid").filter(is_start).first(),
            starter_tk=pl.col("tk").filter(is_start).first(),
            sat=pl.col("eid").filter(is_sat).first(),
            sat_tk=pl.col("tk").filter(is_sat).first(),
            paused=((b & (PAUSE | RESUME)) != 0).any(),
            stop_hit=(b >= STOP).any(),
            stopper=stopper,
            setter=pl.col("eid").filter(pl.col("sets_stage")).last(),
            stage=pl.col("stage").last(),
            before=pl.col("stage_before").first(),
            pref=pl.col(pref).last() if pref else pl.lit(None, pl.Int64),
        )
        .with_columns(
            entered=(pl.col("stage") != pl.col("before")) & pl.col("stage").is_in(stop_stages))
        .with_columns(
            stops=pl.col("stop_hit") | pl.col("entered"),
            stopper=pl.coalesce("stopper", pl.when(pl.col("entered")).then(pl.col("setter"))),
        )
    )
    per_case = groups.group_by("case").agg(
        starts=pl.col("has_start").sum(),
        paused=pl.col("paused").any(),
        g0=pl.col("us").filter(pl.col("has_start")).first(),
        g0_stops=pl.col("stops").filter(pl.col("has_start")).first(),
    )
    plain = (pl.col("starts") == 0) | (
        (pl.col("starts") == 1) & ~pl.col("paused") & ~pl.col("g0_stops"))
    others = per_case.filter(~plain)["case"]
    g = (groups.join(per_case.filter(plain & (pl.col("starts") == 1)).select("case", "g0"),
                     on="case")
         .filter(pl.col("us") >= pl.col("g0")))
    first_stop = (g.filter(pl.col("stops") & (pl.col("us") > pl.col("g0")))
                  .group_by("case").agg(s=pl.col("us").min()))
    g = (g.join(first_stop, on="case", how="left")
         .filter(pl.col("s").is_null() | (pl.col("us") <= pl.col("s")))
         .with_columns(sat=pl.when((pl.col("us") == pl.col("g0"))
                                   & (pl.col("sat") == pl.col("starter")))
                       .then(None).otherwise(pl.col("sat"))))
    before_stop = pl.col("s").is_null() | (pl.col("us") < pl.col("s"))
    begins = pl.concat([
        g.filter(pl.col("us") == pl.col("g0"))
        .select("case", "us", eid=pl.col("starter"), tk=pl.col("starter_tk"), pref="pref"),
        g.filter(pl.col("sat").is_not_null() & before_stop)
        .select("case", "us", eid=pl.col("sat"), tk=pl.col("sat_tk"), pref="pref"),
    ]).sort(["case", "us"]).with_columns(idx=pl.int_range(pl.len()).over("case"))
    ends = (g.filter(pl.col("sat").is_not_null()).sort(["case", "us"])
            .select("case", end_eid=pl.col("sat"), end_us=pl.col("us"))
            .with_columns(idx=pl.int_range(pl.len()).over("case")))
    stops = g.filter(pl.col("us") == pl.col("s")).select(
        "case", stop_us=pl.col("us"), stop_eid=pl.col("stopper"))
    meta = _meta(keyed, cs0.step.id, steps)
    gaps = (begins.join(ends, on=["case", "idx"], how="left")
            .join(stops, on="case", how="left")
            .join(meta, on="tk", how="left")
            .with_columns(
                stopped=pl.col("end_eid").is_null() & pl.col("stop_us").is_not_null(),
                interval=pl.coalesce("pref", "every"),
                from_pref=pl.col("pref").is_not_null(),
            )
            .with_columns(due_day=local_day(pl.col("us")) + pl.col("interval"))
            .with_columns(due_us=end_of_day_us(pl.col("due_day"))))
    as_of_day = pl.select(local_day(pl.lit(as_of_us, pl.Int64))).item()
    due = pl.col("due_us")
    status = (
        pl.when(pl.col("end_eid").is_not_null())
        .then(pl.when(pl.col("end_us") <= due).then(pl.lit("met")).otherwise(pl.lit("late")))
        .when(pl.col("stopped"))
        .then(pl.when(pl.col("stop_us") > due).then(pl.lit("missed"))
              .otherwise(pl.lit("cancelled")))
        .when(pl.lit(as_of_us) > due).then(pl.lit("missed"))
        .when(pl.col("due_day") == as_of_day).then(pl.lit("due_soon"))
        .otherwise(pl.lit("due"))
    )
    out = gaps.with_columns(
        step=pl.lit(cs0.step.id), status=status, trigger_event=pl.col("eid"),
        satisfied_by=pl.col("end_eid"), trigger_us=pl.col("us"),
        canceller=pl.lit(None, pl.String), pause_days=pl.lit(0, pl.Int64),
        stopper=pl.when(pl.col("stopped")).then(pl.col("stop_eid")),
    ).select(OUT)
    return out, others


def _meta(keyed: list[CompiledTemplate], sid: str, steps: Steps) -> pl.DataFrame:
    rows = []
    for k, ct in enumerate(keyed):
        cs = ct.by_id[sid]
        step = cs.step
        assert isinstance(step, RecurringStep)
        rows.append((k, cs.owner, cs.severity, cs.version, cs.order, steps.ref(cs),
                     step.every.days))
    return pl.DataFrame(rows, orient="row", schema={
        "tk": pl.Int64, "owner": pl.String, "severity": pl.String, "version": pl.String,
        "order": pl.Int64, "ref": pl.Int64, "every": pl.Int64})
