"""A page of cases judged, as columns: what the sweep writes, with no `Instance` object
and no explanation per row.

A page is judged either by the batch engine from its events read as columns (pages of
`BATCH_FROM` cases or more) or, for a few cases, by the per-case engine (a batch call's
fixed cost would dominate). Both give the same `Verdicts` frame, so everything after
judging (when to look at a case again, the rows stored, the counts, the key-step
exposure) is one column computation whichever engine judged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import polars as pl

from engine.calendar import local_date, start_of_day
from engine.events import Event
from engine.rules import Rules
from engine.spec import DeadlineStep, RecurringStep, Unit
from engine.sweep import facts as page_facts

if TYPE_CHECKING:
    from engine.batch.read import EventReader

# One row per instance: the verdict, the case's current area, and what deciding the
# case's next check needs of the step (an hour deadline? a recurring step's pause and
# resume event types).
INSTANCE_SCHEMA: dict[str, Any] = {
    "case": pl.String, "area": pl.String, "step": pl.String, "status": pl.String,
    "trigger_event": pl.String, "trigger_us": pl.Int64, "due_us": pl.Int64,
    "satisfied_by": pl.String, "owner": pl.String, "severity": pl.String,
    "version": pl.String, "order": pl.Int64, "hours": pl.Boolean, "pause_type": pl.String,
    "resume_type": pl.String,
}
CASE_SCHEMA: dict[str, Any] = {"case": pl.String, "stage": pl.String}
EVENT_SCHEMA: dict[str, Any] = {"case": pl.String, "type": pl.String, "us": pl.Int64,
                                "eid": pl.String}
STEP_SCHEMA: dict[str, Any] = {"ref": pl.Int64, "hours": pl.Boolean, "pause_type": pl.String,
                               "resume_type": pl.String}
OPEN = ("due", "due_soon")


@dataclass(frozen=True)
class Verdicts:
    """A judged page: `instances` (INSTANCE_SCHEMA), `cases` (each case with events in
    force, and its stage), `events` (the events in force: case, type, us, eid) and
    `future` (case, the first instant of an event not yet in force); `facts`, what the
    reports count about each case of the page (engine/sweep/facts.py)."""

    instances: pl.DataFrame
    cases: pl.DataFrame
    events: pl.DataFrame
    future: pl.DataFrame
    facts: pl.DataFrame


def step_traits(step: Any) -> tuple[bool, str | None, str | None]:
    """(an hour deadline, pause type, resume type) of a step, for its next check."""
    hours = isinstance(step, DeadlineStep) and step.deadline.unit is Unit.hours
    if isinstance(step, RecurringStep) and step.pause is not None:
        resume = step.resume.type if step.resume is not None else None
        return hours, step.pause.type, resume
    return hours, None, None


def read_columns(reader: EventReader, case_ids: Sequence[str]) -> pl.DataFrame:
    """The cases' raw event columns (engine/batch/read.py), for `judge_columns`."""
    from engine.store import placeholders

    return reader.read(f"case_id IN ({placeholders(len(case_ids))})", list(case_ids))


def judge_columns(rules: Rules, raw: pl.DataFrame, case_ids: Sequence[str], as_of: datetime
                  ) -> Verdicts:
    """Judge the cases' raw event columns (`read_columns`) with the batch engine."""
    from engine.batch.evaluate import build_frame_from_columns, evaluate_frame
    from engine.batch.frame import micros
    from engine.batch.read import instant_us

    as_of_us = micros(as_of)
    future = (raw.select(case=pl.col("case_id"), us=instant_us(raw))
              .filter(pl.col("us") > as_of_us).group_by("case").agg(first=pl.col("us").min()))
    built = build_frame_from_columns(rules, raw, as_of)
    result = evaluate_frame(rules, built, as_of)
    traits = pl.DataFrame([(i, *step_traits(cs.step)) for i, cs in enumerate(result.steps)],
                          schema=STEP_SCHEMA, orient="row")
    instances = (result.instances.join(result.cases.select("case", "area"), on="case")
                 .join(traits, on="ref", how="left").select(list(INSTANCE_SCHEMA)))
    return Verdicts(instances, result.cases.select("case", "stage"),
                    built.frame.select("case", "type", "us", "eid"), future,
                    page_facts.of_columns(rules.stages, raw, instant_us(raw), case_ids, as_of))


def judge_cases(rules: Rules, events: Mapping[str, Sequence[Event]], as_of: datetime
                ) -> Verdicts:
    """Judge a few cases one by one with the per-case engine, into the same columns."""
    from engine.batch.frame import micros
    from engine.evaluate import evaluate_case

    rows: list[tuple[Any, ...]] = []
    stages: list[tuple[str, str]] = []
    evs: list[tuple[str, str, int, str]] = []
    future: list[tuple[str, int]] = []
    for cid, case_events in events.items():
        later = [micros(e.at) for e in case_events if e.at > as_of]
        if later:
            future.append((cid, min(later)))
        in_force = [e for e in case_events if e.at <= as_of]
        if not in_force:
            continue
        evs += [(cid, e.type, micros(e.at), e.event_id) for e in in_force]
        result = evaluate_case(rules, in_force, as_of)
        stages.append((cid, result.stage))
        for i in result.instances:
            rows.append((cid, i.area or result.area, i.step, str(i.status), i.trigger_event,
                         micros(i.trigger_at), None if i.due is None else micros(i.due),
                         i.satisfied_by, str(i.owner), str(i.severity), i.version, i.order,
                         *step_traits(getattr(i.basis, "step", None))))
    return Verdicts(pl.DataFrame(rows, schema=INSTANCE_SCHEMA, orient="row"),
                    pl.DataFrame(stages, schema=CASE_SCHEMA, orient="row"),
                    pl.DataFrame(evs, schema=EVENT_SCHEMA, orient="row"),
                    pl.DataFrame(future, schema={"case": pl.String, "first": pl.Int64},
                                 orient="row"),
                    page_facts.of_events(rules.stages, events, list(events), as_of))


def local_midnight(us: pl.Expr) -> pl.Expr:
    """00:00 Europe/London of the local day of an instant (integer microseconds)."""
    local = pl.from_epoch(us, "us").dt.replace_time_zone("UTC").dt.convert_time_zone(
        "Europe/London")
    return local.dt.truncate("1d").dt.epoch("us")


def next_checks(v: Verdicts, as_of: datetime) -> pl.DataFrame:
    """(case, next) for every case with a next check: the earliest instant after `as_of`
    at which an open instance can change status, or a future-dated event comes into force.
    `due` -> `due_soon` when its warning window opens (contract §4.1: the due instant's
    local day, or the last 25% of an hour deadline's window), `due_soon` -> `missed` just
    after its due instant; a window already open (it moved with a running pause) and a
    recurring gap whose pause is still running are looked at again the next local day."""
    from engine.batch.frame import micros

    as_of_us = micros(as_of)
    tomorrow = micros(start_of_day(local_date(as_of) + timedelta(days=1)))
    due, trig = pl.col("due_us"), pl.col("trigger_us")
    span = due - trig
    quarter = span // 4 + pl.when(span % 4 == 3).then(1).when(
        (span % 4 == 2) & ((span // 4) % 2 == 1)).then(1).otherwise(0)  # timedelta's rounding
    window = pl.when(pl.col("hours")).then(due - quarter).otherwise(local_midnight(due))
    at = pl.when(pl.col("status") == "due_soon").then(due + 1).otherwise(window)
    open_ = v.instances.filter(pl.col("status").is_in(OPEN) & due.is_not_null())
    found = [open_.select("case", next=pl.when(at <= as_of_us).then(tomorrow).otherwise(at))]
    paused = open_.filter(pl.col("pause_type").is_not_null())
    for pause, resume in paused.select("pause_type", "resume_type").unique().rows():
        kinds = [pause] if resume is None else [pause, resume]
        running = (v.events.filter(pl.col("type").is_in(kinds)).sort("case", "us", "eid")
                   .group_by("case").agg(last=pl.col("type").last())
                   .filter(pl.col("last") == pause))
        hit = paused.filter((pl.col("pause_type") == pause)
                            & pl.col("resume_type").eq_missing(resume)).join(running, on="case")
        found.append(hit.select("case", next=pl.lit(tomorrow, pl.Int64)))
    found.append(v.future.select("case", next=pl.col("first")))
    return pl.concat(found).group_by("case").agg(pl.col("next").min())
