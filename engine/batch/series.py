"""Recurring series as columns (contract §4.2): every case's gaps of one recurring step.

A series looks sequential (each gap starts at the last satisfier, a stop ends it, a
later start opens a new run, pauses push a gap's due day out), but each of those
reduces to column work over the instants that concern the step:

- *runs*: an instant with a start and no stop is marker A, one with a stop is marker B;
  the series runs after an instant exactly when the last marker so far is A. A run
  begins at an A whose previous marker is not A and ends at the next B;
- *gaps* of a run: "the start, then every satisfier before the stop" paired by number
  with "every satisfier up to the stop", the last one left open or stopped by the B;
- *pauses*: a pause opens at a pause event when the last pause/resume event before it
  was not a pause, and closes at the next resume; each gap's due day moves out by the
  whole days of the pauses that overlap it, one pause at a time (a few rounds over the
  few gaps that have any).

This is the batch form of `engine.evaluate.recurring.Series` driven by
`engine.evaluate.case._advance`; a step may be judged so only when every template in
play has it in one shape (`columnar`), so that the version in force cannot change which
events start, satisfy, pause or stop it (`engine.batch.recurring` sends the others to
the per-case engine). The differential test holds the two to identical instances.
"""

from __future__ import annotations

import polars as pl

from engine.batch.days import end_of_day_us, local_day
from engine.batch.deadline import KEYED, KEYED_SCHEMA, Steps
from engine.batch.state import CASE_NO, FIRST, ROW, carried
from engine.evaluate.compiled import CompiledStep, CompiledTemplate
from engine.spec import RecurringStep

START, SAT, PAUSE, RESUME, STOP = 1, 2, 4, 8, 16
# stop matcher i sets bit STOP << i: the stopper is found matcher by matcher, as per case
DAY_S = 86400.0


def shape(cs: CompiledStep) -> tuple[object, ...]:
    """What decides which events start, satisfy, pause or stop a series."""
    step = cs.step
    assert isinstance(step, RecurringStep)
    return (repr(step.start), repr(step.satisfied_by), repr(step.stop), tuple(step.stop_stages),
            repr(step.pause), repr(step.resume), step.interval_preference, step.scope)


def columnar(sid: str, versions: list[CompiledStep], keyed: list[CompiledTemplate]) -> bool:
    """True when every template in play has step `sid`, in one shape."""
    return (all(sid in {c.step.id for c in ct.recurring} for ct in keyed)
            and len({shape(cs) for cs in versions}) == 1)


def _previous_in_case(value: pl.Expr) -> pl.Expr:
    """The last non-null `value` on an earlier row of the same case."""
    return pl.when(pl.col(CASE_NO).shift(1) == pl.col(CASE_NO)).then(carried(value).shift(1))


def series_instances(rows: pl.DataFrame, bit: str, cs0: CompiledStep,
                     keyed: list[CompiledTemplate], closed: frozenset[str], pref: str | None,
                     as_of_us: int, steps: Steps) -> pl.DataFrame:
    """Every instance (`KEYED` columns) of step `cs0.step.id` in `rows`: the frame's rows
    that match one of the step's matchers (bit column `bit`) or enter a stage."""
    step0 = cs0.step
    assert isinstance(step0, RecurringStep)
    if cs0.start is None or rows.height == 0:
        return pl.DataFrame(schema=KEYED_SCHEMA)
    b = pl.col(bit)
    stop_stages = sorted(set(step0.stop_stages) | closed)
    is_start, is_sat = (b & START) != 0, (b & SAT) != 0
    stopper = pl.coalesce([pl.col("eid").filter((b & (STOP << i)) != 0).first()
                           for i in range(len(cs0.stop))] or [pl.lit(None, pl.String)])
    g = (
        rows.group_by(FIRST, maintain_order=True)
        .agg(
            case=pl.col("case").first(), us=pl.col("us").first(), ci=pl.col(CASE_NO).first(),
            has_start=is_start.any(),
            starter=pl.col("eid").filter(is_start).first(),
            starter_tk=pl.col("tk").filter(is_start).first(),
            starter_row=pl.col(ROW).filter(is_start).first(),
            sat=pl.col("eid").filter(is_sat).first(),
            sat_tk=pl.col("tk").filter(is_sat).first(),
            sat_row=pl.col(ROW).filter(is_sat).first(),
            stop_hit=(b >= STOP).any(),
            stopper=stopper,
            setter=pl.col("eid").filter(pl.col("sets_stage")).last(),
            entered=((pl.col("stage") != pl.col("stage_before"))
                     & pl.col("stage").is_in(stop_stages)).first(),
            pref=pl.col(pref).first() if pref else pl.lit(None, pl.Int64),
        )
        .with_columns(
            stops=pl.col("stop_hit") | (pl.col("entered") & pl.col("setter").is_not_null()),
            stopper=pl.coalesce("stopper", pl.when(pl.col("entered")).then(pl.col("setter"))),
        )
        .with_columns(marker=pl.when(pl.col("stops")).then(pl.lit("B"))
                      .when(pl.col("has_start")).then(pl.lit("A")))
        .with_columns(running=(_previous_in_case(pl.col("marker")) == "A").fill_null(False))
        .with_columns(begins=(pl.col("marker") == "A") & ~pl.col("running"))
        .with_columns(run=pl.col("begins").cum_sum())
        .filter(pl.col("begins") | pl.col("running"))
        .with_columns(
            ends_run=pl.col("running") & pl.col("stops"),
            sat=pl.when(pl.col("begins") & (pl.col("sat") == pl.col("starter")))
            .then(None).otherwise(pl.col("sat")),
        )
    )
    gap_starts = pl.concat([
        g.filter("begins").select("run", "case", "us", FIRST, eid="starter", tk="starter_tk",
                                  pref="pref", k=pl.lit(0), **{ROW: pl.col("starter_row")}),
        g.filter(pl.col("sat").is_not_null() & ~pl.col("ends_run"))
        .select("run", "case", "us", FIRST, eid="sat", tk="sat_tk", pref="pref", k=pl.lit(1),
                **{ROW: pl.col("sat_row")}),
    ]).sort(["run", "us", "k"]).with_columns(idx=pl.int_range(pl.len()).over("run"))
    gap_ends = (g.filter(pl.col("sat").is_not_null())
                .select("run", end_eid="sat", end_us="us")
                .with_columns(idx=pl.int_range(pl.len()).over("run")))
    run_stops = g.filter("ends_run").select("run", stop_us="us", stop_eid="stopper")
    gaps = (
        gap_starts.join(gap_ends, on=["run", "idx"], how="left")
        .join(run_stops, on="run", how="left")
        .join(_meta(keyed, step0.id, steps), on="tk", how="left")
        .with_columns(
            stopped=pl.col("end_eid").is_null() & pl.col("stop_us").is_not_null(),
            interval=pl.coalesce("pref", "every"),
            from_pref=pl.col("pref").is_not_null(),
            gid=pl.int_range(pl.len(), dtype=pl.Int64),
        )
        .with_columns(due_day=local_day(pl.col("us")) + pl.col("interval"))
    )
    if cs0.pause is not None:
        gaps = _paused(gaps, _pauses(rows, b, cs0.resume is not None), as_of_us)
    else:
        gaps = gaps.with_columns(pause_days=pl.lit(0, pl.Int64))
    return _judged(gaps.with_columns(due_us=end_of_day_us(pl.col("due_day"))), step0.id,
                   as_of_us)


def _pauses(rows: pl.DataFrame, b: pl.Expr, resumable: bool) -> pl.DataFrame:
    """Every pause of every case: (`case`, `ps`, `pe`), `pe` null while still paused."""
    paused = (b & PAUSE) != 0
    mark: pl.Expr = pl.when(paused).then(pl.lit("P"))
    if resumable:
        mark = pl.when(paused).then(pl.lit("P")).when((b & RESUME) != 0).then(pl.lit("R"))
    marks = (rows.select("case", "us", CASE_NO, mark=mark).filter(pl.col("mark").is_not_null())
             .with_columns(prev=_previous_in_case(pl.col("mark"))))
    opens = (marks.filter((pl.col("mark") == "P") & (pl.col("prev") != "P").fill_null(True))
             .select("case", ps="us").with_columns(idx=pl.int_range(pl.len()).over("case")))
    closes = (marks.filter((pl.col("mark") == "R") & (pl.col("prev") == "P"))
              .select("case", pe="us").with_columns(idx=pl.int_range(pl.len()).over("case")))
    return opens.join(closes, on=["case", "idx"], how="left").drop("idx")


def _paused(gaps: pl.DataFrame, pauses: pl.DataFrame, as_of_us: int) -> pl.DataFrame:
    """`gaps` with `due_day` moved out by the pauses overlapping each gap, and
    `pause_days`: as `Series._due`, in float seconds as it computes them."""
    secs = 1e6
    g1 = pl.coalesce("end_us", "stop_us", pl.lit(as_of_us)).cast(pl.Float64) / secs
    laps = (
        gaps.select("gid", "case", g0=pl.col("us").cast(pl.Float64) / secs, g1=g1)
        .join(pauses, on="case")
        .with_columns(
            start=pl.max_horizontal(pl.col("ps").cast(pl.Float64) / secs, "g0"),
            end=pl.min_horizontal(pl.coalesce("pe", pl.lit(as_of_us)).cast(pl.Float64) / secs,
                                  "g1"),
        )
        .filter(pl.col("end") > pl.col("start"))
        .sort(["gid", "ps"])
        .with_columns(k=pl.int_range(pl.len()).over("gid"))
    )
    moved = gaps.filter(pl.col("gid").is_in(laps["gid"].implode())).select(
        "gid", "due_day", pause_days=pl.lit(0, pl.Int64))
    rounds = int(laps["k"].max()) + 1 if laps.height else 0  # type: ignore[arg-type]
    for k in range(rounds):
        step = (
            laps.filter(pl.col("k") == k).join(moved, on="gid")
            .with_columns(days=((pl.col("end") - pl.col("start")) / DAY_S).ceil().cast(pl.Int64))
            .with_columns(days=pl.when(pl.col("start") <= end_of_day_us(pl.col("due_day"))
                                       .cast(pl.Float64) / secs)
                          .then("days").otherwise(0))
            .select("gid", due_day=pl.col("due_day") + pl.col("days"),
                    pause_days=pl.col("pause_days") + pl.col("days"))
        )
        moved = moved.update(step, on="gid")
    return (gaps.join(moved.rename({"due_day": "moved_day"}), on="gid", how="left")
            .with_columns(due_day=pl.coalesce("moved_day", "due_day"),
                          pause_days=pl.col("pause_days").fill_null(0))
            .drop("moved_day"))


def _judged(gaps: pl.DataFrame, sid: str, as_of_us: int) -> pl.DataFrame:
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
    return gaps.with_columns(
        step=pl.lit(sid), status=status, trigger_event=pl.col("eid"),
        satisfied_by=pl.col("end_eid"), trigger_us=pl.col("us"),
        canceller=pl.lit(None, pl.String),
        stopper=pl.when(pl.col("stopped")).then(pl.col("stop_eid")),
    ).select(KEYED)


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
