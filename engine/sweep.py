"""The sweep (issue 5 item 4): evaluate cases from the store with the rules in force and
persist their instances, so that flags stay current as time passes and events arrive.

Shape:
- Partitions are an area, or a case-id hash bucket of a large area
  (`cases.bucket % buckets == bucket`); they are independent, so a process pool (or
  Prefect mapping `sweep_partition`) can run them side by side.
- Inside a partition, cases are read in pages ordered by case id, each page's events in
  one query, so memory stays flat however many cases there are.
- Incremental by default: a case is evaluated when it has events its last evaluation did
  not see, when its `next_check` (the earliest instant at which an open instance can
  change status, or a future-dated event comes into force) has come, when the rules of
  its area changed, or when asked for an earlier `as_of` than last time.
- A page's instances are replaced and its cases updated in one transaction; the case
  keeps the `event_version` it read, so an event ingested meanwhile is picked up by the
  next sweep rather than lost.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import and_, bindparam, func, or_, select, update

from engine.calendar import local_date, start_of_day
from engine.events import Event
from engine.keysteps import exposure
from engine.spec import DeadlineStep, RecurringStep, Unit
from engine.store import (
    CountKey,
    StoreRules,
    cases,
    checked_engine,
    encode_contribution,
    events,
    in_partition,
    insert_rows,
    instances,
    instant_param,
    period_of,
    placeholders,
    read_events,
    reading,
    recount_area,
    recount_cases,
    rules_in_force,
    writing,
)
from engine.terms import FLAG_STATUSES, Status

log = structlog.get_logger(__name__)

PAGE_CASES = 2000  # a page is judged at once by the batch engine: bigger pages, fewer calls
# Pages with fewer cases go to the per-case engine (the two are held equal by tests/batch).
BATCH_FROM = 200
CASES_PER_PARTITION = 20_000
OPEN = (Status.due, Status.due_soon)


@dataclass(frozen=True)
class Partition:
    """A slice of the cases: one area, or bucket `bucket` of `buckets` within it."""

    area: str
    bucket: int = 0
    buckets: int = 1

    @property
    def label(self) -> str:
        return self.area if self.buckets == 1 else f"{self.area}#{self.bucket}/{self.buckets}"


@dataclass(frozen=True)
class PartitionResult:
    """What one partition did (plain counts: picklable, fine as a task result)."""

    area: str
    bucket: int
    buckets: int
    cases_evaluated: int
    instances: int
    flags: int
    area_instances: int
    seconds: float


@dataclass(frozen=True)
class SweepReport:
    as_of: datetime
    full: bool
    partitions: tuple[PartitionResult, ...]
    seconds: float
    # (area, why) for areas whose deployed versions no longer meet the national
    # framework: `stale` were judged by their stored templates, `skipped` not at all.
    stale: tuple[tuple[str, str], ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()

    @property
    def cases_evaluated(self) -> int:
        return sum(p.cases_evaluated for p in self.partitions)

    @property
    def instances(self) -> int:
        return sum(p.instances for p in self.partitions)

    @property
    def flags(self) -> int:
        return sum(p.flags for p in self.partitions)

    @property
    def area_instances(self) -> int:
        return sum(p.area_instances for p in self.partitions)


def plan_partitions(db_url: str | None, areas: Sequence[str] | None = None,
                    cases_per_partition: int = CASES_PER_PARTITION,
                    config_dir: Path = Path("area_configs")) -> list[Partition]:
    """One partition per area with cases, area-level events or an overlay; an area with
    more than `cases_per_partition` cases is split into hash buckets. Largest first, so
    a pool finishes evenly."""
    eng = checked_engine(db_url)
    with reading(eng) as conn:
        counts: dict[str, int] = {a: n for a, n in conn.execute(
            select(cases.c.area, func.count()).group_by(cases.c.area))}
        area_event_areas = {a for (a,) in conn.execute(
            select(events.c.area).where(events.c.case_id.is_(None)).distinct())}
    sr = rules_in_force(db_url, config_dir)
    wanted = (set(counts) | area_event_areas | sr.areas_with_templates) - set(sr.skipped)
    if areas is not None:
        wanted &= set(areas)
    out: list[Partition] = []
    for area in sorted(wanted, key=lambda a: (-counts.get(a, 0), a)):
        n = max(1, math.ceil(counts.get(area, 0) / cases_per_partition))
        out.extend(Partition(area, b, n) for b in range(n))
    return out


def run_sweep(db_url: str | None, as_of: datetime | None = None,
              areas: Sequence[str] | None = None, full: bool = False, workers: int = 1,
              config_dir: Path = Path("area_configs"),
              cases_per_partition: int = CASES_PER_PARTITION) -> SweepReport:
    """Sweep every partition (of `areas`, or all), in a process pool when workers > 1."""
    as_of = as_of or datetime.now(UTC)
    if as_of.tzinfo is None:
        raise ValueError("as_of needs a UTC offset")
    started = time.perf_counter()
    parts = plan_partitions(db_url, areas, cases_per_partition, config_dir)
    results: list[PartitionResult]
    if workers > 1 and len(parts) > 1:
        # spawn, not fork: each worker opens its own connections (never inherited ones)
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(sweep_partition, db_url, p, as_of, full, str(config_dir))
                       for p in parts]
            results = [f.result() for f in futures]
    else:
        results = [sweep_partition(db_url, p, as_of, full, str(config_dir)) for p in parts]
    sr = rules_in_force(db_url, config_dir)
    for area, why in sorted(sr.skipped.items()):
        log.warning("area skipped", area=area, reason=why)
    for area, why in sorted(sr.stale.items()):
        log.warning("area below the national floor", area=area, reason=why)
    report = SweepReport(as_of, full, tuple(results), time.perf_counter() - started,
                         tuple(sorted(sr.stale.items())), tuple(sorted(sr.skipped.items())))
    log.info("swept", as_of=as_of.isoformat(), full=full, cases=report.cases_evaluated,
             instances=report.instances, flags=report.flags, seconds=round(report.seconds, 2))
    return report


def sweep_partition(db_url: str | None, partition: Partition, as_of: datetime, full: bool = False,
                    config_dir: str = "area_configs") -> PartitionResult:
    """Evaluate the partition's cases that need it (all with `full`) and store the results.

    Each page of cases is judged at once by the batch engine (held equal to the per-case
    engine by tests/batch); instances are rebuilt from its rows and explained on write."""
    from engine.batch import evaluate_batch
    from engine.batch.materialize import case_results
    from engine.evaluate import evaluate_case

    started = time.perf_counter()
    eng = checked_engine(db_url)
    sr = rules_in_force(db_url, Path(config_dir))
    key = sr.key(partition.area)
    evaluated = n_instances = n_flags = 0
    instant = instant_param(eng)
    as_of_param = instant(as_of)
    for page in _pages(eng, partition, as_of, full, key):
        evs = events_of(eng, [cid for cid, _ in page])
        inst_rows: list[tuple[Any, ...]] = []
        case_rows: list[dict[str, Any]] = []
        contributions: dict[str, Counter[CountKey]] = {}
        now = datetime.now(UTC)
        judged = [e for cid, _ in page for e in evs.get(cid, []) if e.at <= as_of]
        if len(page) >= BATCH_FROM:
            results = {r.case_id: r for r in case_results(
                evaluate_batch(sr.rules, judged, as_of), judged, as_of)}
        else:  # a few cases (an incremental sweep): a batch call's fixed cost would dominate
            by_case: dict[str, list[Event]] = {}
            for e in judged:
                by_case.setdefault(e.case_id or "", []).append(e)
            results = {cid: evaluate_case(sr.rules, evs_, as_of)
                       for cid, evs_ in by_case.items()}
        for cid, version in page:
            case_events = evs.get(cid, [])
            in_force = [e for e in case_events if e.at <= as_of]
            future = [e.at for e in case_events if e.at > as_of]
            row: dict[str, Any] = {"b_case_id": cid, "evaluated_version": version,
                                   "evaluated_at": now, "evaluated_as_of": as_of,
                                   "rules_key": key, "stage": None,
                                   "next_check": min(future) if future else None}
            contribution: Counter[CountKey] = Counter()
            exposed = None
            if in_force:
                result = results[cid]
                row["stage"] = result.stage
                crossing = _next_check(result.instances, in_force, as_of)
                row["next_check"] = _earliest(crossing, row["next_check"])
                for inst in result.instances:
                    inst_rows.append(_instance_row(inst, cid, result.area, as_of_param, instant))
                    n_flags += inst.status in FLAG_STATUSES
                    contribution[_key(inst, result.area)] += 1
                exposed = exposure((i.step, i.trigger_at, str(i.status), i.due)
                                   for i in result.instances)
            contributions[cid] = contribution
            row["contribution"] = encode_contribution(contribution)
            row["key_steps_on_time"] = None if exposed is None else exposed[0]
            row["key_steps_decided_until"] = None if exposed is None else exposed[1]
            case_rows.append(row)
        _store_page(eng, contributions, inst_rows, case_rows)
        evaluated += len(page)
        n_instances += len(inst_rows)
    area_count = area_flags = 0
    if partition.bucket == 0:
        area_count, area_flags = _sweep_area_level(eng, sr, partition, as_of)
    n_flags += area_flags
    return PartitionResult(partition.area, partition.bucket, partition.buckets, evaluated,
                           n_instances, n_flags, area_count, time.perf_counter() - started)


def _pages(eng: Any, p: Partition, as_of: datetime, full: bool, key: str
           ) -> Iterator[list[tuple[str, int]]]:
    """Case ids (with the event version read) needing evaluation, a page at a time.
    Each page is its own short read, so writers are never held up by a long cursor."""
    where = [in_partition(p.area, p.bucket, p.buckets)]
    if not full:
        where.append(or_(
            cases.c.evaluated_version.is_(None),
            cases.c.evaluated_version != cases.c.event_version,
            cases.c.next_check <= as_of,
            cases.c.evaluated_as_of > as_of,
            cases.c.rules_key.is_(None),
            cases.c.rules_key != key,
        ))
    last = ""
    while True:
        with reading(eng) as conn:
            page = [(cid, v) for cid, v in conn.execute(
                select(cases.c.case_id, cases.c.event_version)
                .where(and_(*where), cases.c.case_id > last)
                .order_by(cases.c.case_id).limit(PAGE_CASES))]
        if not page:
            return
        yield page
        last = page[-1][0]


def events_of(eng: Any, case_ids: list[str]) -> dict[str, list[Event]]:
    """Every event of these cases, by case (unordered: the evaluator sorts)."""
    out: dict[str, list[Event]] = {}
    with reading(eng) as conn:
        for ev in read_events(conn, f"case_id IN ({placeholders(len(case_ids))})", case_ids):
            out.setdefault(ev.case_id or "", []).append(ev)
    return out


INSTANCE_COLUMNS = ("case_id", "area", "step", "trigger_event", "trigger_at", "status", "due",
                    "satisfied_by", "owner", "severity", "explanation", "version",
                    "evaluated_as_of")


def _instance_row(inst: Any, case_id: str | None, area: str, as_of_param: Any,
                  instant: Any) -> tuple[Any, ...]:
    """An instances row in INSTANCE_COLUMNS order, instants already driver values."""
    due = inst.due
    return (case_id, inst.area or area, inst.step, inst.trigger_event,
            instant(inst.trigger_at), str(inst.status), None if due is None else instant(due),
            inst.satisfied_by, str(inst.owner), str(inst.severity), inst.explanation,
            inst.version, as_of_param)


def _key(inst: Any, area: str) -> CountKey:
    """The compliance-count key of an instance (engine/store/counts.py)."""
    return (inst.area or area, inst.step, inst.version, str(inst.owner), period_of(inst.due),
            str(inst.status))


def _store_page(eng: Any, contributions: dict[str, Counter[CountKey]],
                inst_rows: list[tuple[Any, ...]], case_rows: list[dict[str, Any]]) -> None:
    """Replace the page's instances, its cases' rows and their share of the compliance
    counts in one transaction."""
    with writing(eng) as conn:
        recount_cases(conn, contributions)
        conn.execute(instances.delete().where(instances.c.case_id.in_(sorted(contributions))))
        insert_rows(conn, instances, INSTANCE_COLUMNS, inst_rows, prepared=True)
        conn.execute(update(cases).where(cases.c.case_id == bindparam("b_case_id")), case_rows)


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _next_check(insts: Sequence[Any], in_force: Sequence[Event], as_of: datetime
                ) -> datetime | None:
    """The earliest instant after `as_of` at which an open instance can change status:
    `due` -> `due_soon` when its warning window opens, `due_soon` -> `missed` just after
    its due instant. A recurring gap with a pause still running moves its due instant as
    time passes, so such a case is checked again the next local day."""
    best: datetime | None = None
    for inst in insts:
        if inst.status not in OPEN or inst.due is None:
            continue
        if inst.status == Status.due_soon:
            at = inst.due + timedelta(microseconds=1)
        else:
            at = _window_opens(inst)
        if at <= as_of:  # the window moved with a running pause: look again tomorrow
            at = start_of_day(local_date(as_of) + timedelta(days=1))
        best = _earliest(best, at)
        step = getattr(getattr(inst, "basis", None), "step", None)
        if isinstance(step, RecurringStep) and _pause_running(step, in_force):
            best = _earliest(best, start_of_day(local_date(as_of) + timedelta(days=1)))
    return best


def _window_opens(inst: Any) -> datetime:
    """Where the warning window begins (contract §4.1): the due instant's local day for day
    units, the last 25% of the window for hour deadlines."""
    step = getattr(getattr(inst, "basis", None), "step", None)
    due: datetime = inst.due
    if isinstance(step, DeadlineStep) and step.deadline.unit is Unit.hours and inst.trigger_at:
        trigger: datetime = inst.trigger_at
        return due - (due - trigger) / 4
    return start_of_day(local_date(due))


def _pause_running(step: RecurringStep, evs: Sequence[Event]) -> bool:
    if step.pause is None:
        return False
    last = None
    for e in evs:
        if e.type == step.pause.type or (step.resume is not None and e.type == step.resume.type):
            if last is None or e.sort_key > last.sort_key:
                last = e
    return last is not None and last.type == step.pause.type


def _sweep_area_level(eng: Any, sr: StoreRules, p: Partition, as_of: datetime
                      ) -> tuple[int, int]:
    """Area-level instances (the scrutiny group cadence): few, so always re-evaluated.
    Returns how many there are and how many are flags."""
    from engine.evaluate import evaluate_area

    with reading(eng) as conn:
        area_events = [e for e in read_events(conn, "case_id IS NULL AND area = ?", [p.area])
                       if e.at <= as_of]
    result = evaluate_area(sr.rules, p.area, area_events, as_of)
    instant = instant_param(eng)
    rows = [_instance_row(i, None, p.area, instant(as_of), instant) for i in result]
    with writing(eng) as conn:
        recount_area(conn, p.area, [_key(i, p.area) for i in result])
        insert_rows(conn, instances, INSTANCE_COLUMNS, rows, prepared=True)
    return len(rows), sum(i.status in FLAG_STATUSES for i in result)
