"""The sweep (issue 5 item 4): evaluate cases from the store with the rules in force and
persist their instances, so that flags stay current as time passes and events arrive.

Shape:
- Partitions are an area, or a case-id hash bucket of a large area
  (`cases.bucket % buckets == bucket`); they are independent, so a process pool (each
  worker a share of them) or Prefect mapping `sweep_partition` runs them side by side.
- A process reads the cases of its partitions in pages ordered by case id that mix
  them (and their areas), each page's events in one query, so memory stays flat however
  many cases there are and each fixed cost is paid once a page.
- Incremental by default: a case is evaluated when it has events its last evaluation did
  not see, when its `next_check` (the earliest instant at which an open instance can
  change status, or a future-dated event comes into force) has come, when the rules of
  its area changed, or when asked for an earlier `as_of` than last time.
- A page's instances are replaced, its cases updated and its share of the compliance
  counts replaced in one transaction; the case keeps the `event_version` it read, so an
  event ingested meanwhile is picked up by the next sweep rather than lost.
- Only instances other than `met` are stored as rows (engine/sweep/rows.py); met ones
  are counted (engine/store/counts.py).
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy import and_, func, or_, select

from engine.events import Event
from engine.store import (
    CountKey,
    StoreRules,
    cases,
    checked_engine,
    events,
    in_partition,
    insert_rows,
    instances,
    instant_param,
    keyed,
    placeholders,
    read_events,
    reading,
    recount_areas,
    rules_in_force,
    totals,
    writing,
)
from engine.terms import FLAG_STATUSES

if TYPE_CHECKING:
    from engine.sweep.verdicts import Verdicts

log = structlog.get_logger(__name__)

PAGE_CASES = 2000  # a page is judged at once by the batch engine: bigger pages, fewer calls
# Pages with fewer cases go to the per-case engine (the two are held equal by tests/batch):
# below about this many, a batch call's fixed cost is more than judging them one by one.
BATCH_FROM = 50
CASES_PER_PARTITION = 20_000


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
    instances: int  # case-level instance rows stored: every status but met (those are counted)
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
        # Each worker sweeps a share of the partitions (every workers-th, largest first,
        # so the shares are even) in pages that mix them, as one process does alone.
        # spawn, not fork: each worker opens its own connections (never inherited ones)
        shares = [parts[i::workers] for i in range(min(workers, len(parts)))]
        with ProcessPoolExecutor(max_workers=len(shares), mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(sweep_partitions, db_url, share, as_of, str(config_dir), full)
                       for share in shares]
            done = {(r.area, r.bucket): r for f in futures for r in f.result()}
        results = [done[(p.area, p.bucket)] for p in parts]
    else:
        results = sweep_partitions(db_url, parts, as_of, str(config_dir), full)
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
    """Evaluate the partition's cases that need it (all with `full`) and store the results
    (the unit of the Prefect flow's mapped task)."""
    return sweep_partitions(db_url, [partition], as_of, config_dir, full)[0]


def sweep_partitions(db_url: str | None, parts: Sequence[Partition], as_of: datetime,
                     config_dir: str = "area_configs", full: bool = False
                     ) -> list[PartitionResult]:
    """Sweep `parts` in one process: the cases that need evaluating (all of them with
    `full`) are found by one query across the partitions and judged in pages that mix
    them, and the area-level instances of every area whose first bucket is among them are
    written in one transaction.

    Why mixed pages: each fixed cost (a query, a batch call of a few hundred polars
    queries, a transaction) is paid once a page, not once a partition. A full sweep of 43
    areas makes a batch call per 2,000 cases instead of one per area, small areas
    included; a sweep after a few new events makes one.

    A page of many cases is read as columns and judged at once by the batch engine (held
    equal to the per-case engine by tests/batch), a page of a few cases by the per-case
    engine; either way the rows are written straight from the judged columns
    (engine/sweep/rows.py). One result per partition, in the order given; `seconds` is
    the whole run's."""
    if not parts:  # nothing to sweep (an area asked for has no cases or was skipped)
        return []
    started = time.perf_counter()
    eng = checked_engine(db_url)
    sr = rules_in_force(db_url, Path(config_dir))
    keys = {p.area: sr.key(p.area) for p in parts}
    where = [_covering(parts)]
    if not full:
        where.append(_stale(as_of, keys))
    done = _sweep_cases(eng, sr, where, keys, {p.area: p.buckets for p in parts}, as_of)
    area_level = _sweep_area_level(eng, sr, sorted({p.area for p in parts if p.bucket == 0}),
                                   as_of)
    seconds = time.perf_counter() - started
    out = []
    for p in parts:
        evaluated, stored, flags = done.get((p.area, p.bucket), (0, 0, 0))
        count, area_flags = area_level.get(p.area, (0, 0)) if p.bucket == 0 else (0, 0)
        out.append(PartitionResult(p.area, p.bucket, p.buckets, evaluated, stored,
                                   flags + area_flags, count, seconds))
    return out


def _covering(parts: Sequence[Partition]) -> Any:
    """The cases of `parts`: an area all of whose buckets are there by its name alone."""
    buckets: dict[str, set[int]] = {}
    for p in parts:
        buckets.setdefault(p.area, set()).add(p.bucket)
    whole = sorted(a for a, bs in buckets.items()
                   if len(bs) == next(p.buckets for p in parts if p.area == a))
    terms: list[Any] = [cases.c.area.in_(whole)] if whole else []
    terms += [in_partition(p.area, p.bucket, p.buckets) for p in parts if p.area not in whole]
    return or_(*terms)


def _stale(as_of: datetime, keys: dict[str, str]) -> Any:
    """Cases needing evaluation: events their last evaluation did not see, a next check
    that has come, an earlier as-of than last time, or rules of their area changed."""
    return or_(
        cases.c.evaluated_version.is_(None),
        cases.c.evaluated_version != cases.c.event_version,
        cases.c.next_check <= as_of,
        cases.c.evaluated_as_of > as_of,
        cases.c.rules_key.is_(None),
        # one term per distinct key (most areas share the national framework's)
        *(and_(cases.c.area.in_(areas), cases.c.rules_key != k)
          for k, areas in _areas_by_key(keys).items()),
    )


def _areas_by_key(keys: dict[str, str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for area, key in sorted(keys.items()):
        out.setdefault(key, []).append(area)
    return out


def _sweep_cases(eng: Any, sr: StoreRules, where: list[Any], keys: dict[str, str],
                 buckets: dict[str, int], as_of: datetime
                 ) -> dict[tuple[str, int], tuple[int, int, int]]:
    """Judge and store the cases matching `where`, a page at a time; per partition (area,
    bucket of the area's `buckets`) of the cases: (cases, rows stored, flags)."""
    import polars as pl

    from engine.batch.read import EventReader
    from engine.sweep.rows import store_page
    from engine.sweep.verdicts import judge_cases, judge_columns, read_columns

    done: dict[tuple[str, int], list[int]] = {}
    flagged = pl.col("status").is_in([str(s) for s in FLAG_STATUSES])

    def tally(page: list[tuple[str, int, str, int]], verdicts: Verdicts) -> None:
        part = {cid: (area, bucket % buckets.get(area, 1)) for cid, _v, area, bucket in page}
        for key in part.values():
            done.setdefault(key, [0, 0, 0])[0] += 1
        per_case = verdicts.instances.group_by("case").agg(
            stored=(pl.col("status") != "met").sum(), flags=flagged.sum())
        for cid, stored, flags in per_case.rows():
            t = done[part[cid]]
            t[1] += stored
            t[2] += flags

    def read(page: list[tuple[str, int, str, int]]) -> Any:
        ids = [cid for cid, _v, _a, _b in page]
        if len(page) >= BATCH_FROM:
            return read_columns(columns, ids)
        return events_of(eng, ids)  # a few cases: a batch call's fixed cost would dominate

    # Three stages overlap: the next page is read while this one is judged and the one
    # before is written. The reader and the writer wait on the database, the judge mostly
    # on polars, all with the interpreter's lock released, so they share two cores. One
    # page in flight either side: memory stays a few pages deep, and a failed read or
    # write stops the sweep at the next page.
    pages = _pages(eng, where)
    with EventReader(eng.url.render_as_string(hide_password=False)) as columns, \
            ThreadPoolExecutor(max_workers=1) as reader, \
            ThreadPoolExecutor(max_workers=1) as writer:
        page = next(pages, None)
        loading = None if page is None else reader.submit(read, page)
        writing: Future[None] | None = None
        while page is not None and loading is not None:
            loaded = loading.result()
            following = next(pages, None)
            if following is not None:
                loading = reader.submit(read, following)
            ids = [cid for cid, _v, _a, _b in page]
            verdicts = (judge_columns(sr.rules, loaded, ids, as_of) if len(page) >= BATCH_FROM
                        else judge_cases(sr.rules, loaded, as_of))
            if writing is not None:
                writing.result()
            writing = writer.submit(store_page, eng,
                                    [(cid, v, keys[a]) for cid, v, a, _b in page], verdicts, as_of)
            tally(page, verdicts)
            page = following
        if writing is not None:
            writing.result()
    return {k: (t[0], t[1], t[2]) for k, t in done.items()}


def _pages(eng: Any, where: list[Any]) -> Iterator[list[tuple[str, int, str, int]]]:
    """(case id, event version read, area, bucket) of the cases matching `where`, a page at a
    time. Each page is its own short read, so writers are never held up by a long cursor.
    A short page is the last: no query (a scan of the cases on an incremental sweep) to
    find nothing after it."""
    last = ""
    while True:
        with reading(eng) as conn:
            page = [(cid, v, a, b) for cid, v, a, b in conn.execute(
                select(cases.c.case_id, cases.c.event_version, cases.c.area, cases.c.bucket)
                .where(and_(*where), cases.c.case_id > last)
                .order_by(cases.c.case_id).limit(PAGE_CASES))]
        if page:
            yield page
        if len(page) < PAGE_CASES:
            return
        last = page[-1][0]


def events_of(eng: Any, case_ids: list[str]) -> dict[str, list[Event]]:
    """Every event of these cases, by case (unordered: the evaluator sorts)."""
    out: dict[str, list[Event]] = {}
    with reading(eng) as conn:
        for ev in read_events(conn, f"case_id IN ({placeholders(len(case_ids))})", case_ids):
            out.setdefault(ev.case_id or "", []).append(ev)
    return out


def _sweep_area_level(eng: Any, sr: StoreRules, areas: Sequence[str], as_of: datetime
                      ) -> dict[str, tuple[int, int]]:
    """Area-level instances (the scrutiny group cadence) of `areas`: few, so always
    re-evaluated, and all stored, met included (the compliance counts take their share
    from these rows); one read and one transaction for all the areas. Per area: how many
    instances there are and how many are flags."""
    from engine.evaluate import evaluate_area

    if not areas:
        return {}
    wanted: dict[str, list[Event]] = {a: [] for a in areas}
    with reading(eng) as conn:
        for e in read_events(conn, f"case_id IS NULL AND area IN ({placeholders(len(areas))})",
                             list(areas)):
            if e.at <= as_of:
                wanted[e.area].append(e)
    judged = {a: evaluate_area(sr.rules, a, evs, as_of) for a, evs in wanted.items()}
    instant = instant_param(eng)
    rows = [(None, i.area or a, i.step, i.trigger_event, instant(i.trigger_at),
             str(i.status), None if i.due is None else instant(i.due), i.satisfied_by,
             str(i.owner), str(i.severity), i.version, instant(as_of))
            for a, result in judged.items() for i in result]
    with writing(eng) as conn:
        recount_areas(conn, areas, _area_counts(judged))
        insert_rows(conn, instances, AREA_COLUMNS, rows, prepared=True)
    return {a: (len(result), sum(i.status in FLAG_STATUSES for i in result))
            for a, result in judged.items()}


AREA_COLUMNS = ("case_id", "area", "step", "trigger_event", "trigger_at", "status", "due",
                "satisfied_by", "owner", "severity", "version", "evaluated_as_of")


def _area_counts(judged: dict[str, list[Any]]) -> Counter[CountKey]:
    import polars as pl

    from engine.batch.frame import micros

    frame = pl.DataFrame(
        [(None, i.area or a, i.step, i.version, str(i.owner), str(i.status),
          None if i.due is None else micros(i.due)) for a, result in judged.items()
         for i in result],
        schema={"case": pl.String, "area": pl.String, "step": pl.String, "version": pl.String,
                "owner": pl.String, "status": pl.String, "due_us": pl.Int64}, orient="row")
    return totals(keyed(frame))
