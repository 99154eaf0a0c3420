"""Case-level recurring steps over a frame (contract §4.2).

A series is a chain of gaps, each depending on the one before (its start is the last
satisfier, pauses carry over, a version change can change its step), so it is not one
join. The columnar part picks the few instants that concern any recurring step (their
events match a start, satisfier, stop, pause or resume, or the case enters a stage) and
tests every matcher as a bit column; a tight scan over those rows then walks each series.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from engine.batch.exprs import matcher_expr
from engine.batch.frame import from_micros, micros
from engine.batch.schema import Schema
from engine.batch.state import FIRST, LAST
from engine.calendar import end_of_day, local_date
from engine.evaluate.compiled import CompiledStep, CompiledTemplate
from engine.spec import RecurringStep

START, SAT, PAUSE, RESUME, STOP = 1, 2, 4, 8, 16
# stop matcher i sets bit STOP << i: the stopper is found matcher by matcher, as per case
DAY = 86400.0
Lookup = Callable[[str, float], CompiledTemplate]
Refs = Callable[[CompiledStep], int]


def recurring_steps(keyed: list[CompiledTemplate], every: list[CompiledTemplate]
                    ) -> list[CompiledStep]:
    """Every case-level recurring step of every template that may be in force."""
    seen: dict[int, CompiledStep] = {}
    for ct in [*keyed, *every]:
        for cs in ct.recurring:
            seen.setdefault(id(cs), cs)
    return list(seen.values())


def recurring_rows(
    frame: pl.DataFrame, s: Schema, steps: list[CompiledStep], types_of: dict[str, frozenset[str]],
    stage_types: frozenset[str],
) -> pl.DataFrame:
    """The rows of the instants the scan must see, with one bit column per step."""
    bits = {}
    for j, cs in enumerate(steps):
        parts = []
        for flag, m in ((START, cs.start), (SAT, cs.satisfied_by), (PAUSE, cs.pause),
                        (RESUME, cs.resume)):
            if m is not None:
                parts.append(pl.when(matcher_expr(m.matcher, s)).then(flag).otherwise(0))
        for i, m in enumerate(cs.stop):
            parts.append(pl.when(matcher_expr(m.matcher, s)).then(STOP << i).otherwise(0))
        bits[f"r{j}"] = pl.sum_horizontal(parts).cast(pl.Int64) if parts else pl.lit(0, pl.Int64)
    relevant = pl.lit(False)
    for area, types in types_of.items():
        relevant = relevant | ((pl.col("area") == area) & pl.col("type").is_in(list(types)))
    hits = relevant.cast(pl.Int64).cum_sum()
    in_instant = hits.gather(pl.col(LAST)) - hits.gather(pl.col(FIRST)) + relevant.gather(
        pl.col(FIRST)).cast(pl.Int64)
    keep = (in_instant > 0) | (pl.col("stage") != pl.col("stage_before"))
    cols = ["case", "eid", "area", "us", "tk", "stage", "stage_before",
            *(s.pref_int_col(p) for p in sorted(s.pref_ints))]
    sets_stage = pl.col("type").is_in(sorted(stage_types))
    return frame.filter(keep).select(*cols, **bits, sets_stage=sets_stage)


class _Gap:
    __slots__ = ("cs", "start_eid", "start", "start_us", "interval", "from_pref")

    def __init__(self, cs: CompiledStep, start_eid: str | None, start_us: int,
                 interval: int, from_pref: bool):
        self.cs = cs
        self.start_eid = start_eid
        self.start_us = start_us
        self.start = from_micros(start_us)
        self.interval = interval
        self.from_pref = from_pref


class _Series:
    __slots__ = ("sid", "gap", "pauses", "paused_since")

    def __init__(self, sid: str):
        self.sid = sid
        self.gap: _Gap | None = None
        self.pauses: list[tuple[float, float | None]] = []
        self.paused_since: float | None = None


class Scan:
    """Walks the series of one case after another; `out` collects instance tuples."""

    def __init__(self, steps: list[CompiledStep], lookup: Lookup, keyed: list[CompiledTemplate],
                 closed: frozenset[str], pref_names: list[str], as_of_us: int, refs: Refs):
        self.bit_of = {id(cs): f"r{j}" for j, cs in enumerate(steps)}
        self.refs = refs
        self.lookup = lookup
        self.keyed = keyed
        self.closed = closed
        self.pref_index = {p: 7 + i for i, p in enumerate(pref_names)}
        self.as_of_us = as_of_us
        self.as_of_ts = as_of_us / 1e6
        self.as_of = from_micros(as_of_us)
        self.as_of_day = local_date(self.as_of)
        self.out: list[tuple[Any, ...]] = []

    def run(self, rows: pl.DataFrame) -> None:
        names = rows.columns
        self.col = {n: i for i, n in enumerate(names)}
        self.sets_stage = self.col["sets_stage"]
        case = None
        series: dict[str, _Series] = {}
        for group in _instants(rows.iter_rows()):
            if group[0][0] != case:
                case = group[0][0]
                self._finish(series)
                series = {}
            self._group(case, group, series)
        self._finish(series)

    # --- one instant -------------------------------------------------------------
    def _group(self, case: Any, group: list[tuple[Any, ...]], series: dict[str, _Series]) -> None:
        self.case = case
        last = group[-1]
        stage, before = last[5], group[0][6]
        entered = stage if stage != before else None
        ct = self.keyed[last[4]]
        for cs in ct.recurring:
            sid = cs.step.id
            sr = series.get(sid)
            if sr is None:
                sr = series[sid] = _Series(sid)
            self._advance(sr, sr.gap.cs if sr.gap is not None else cs, group, entered)
        if len(series) > len(ct.recurring):
            for sid, sr in series.items():
                if sr.gap is not None and sid not in ct.by_id:
                    self._advance(sr, sr.gap.cs, group, entered)

    def _bits(self, cs: CompiledStep) -> int:
        return self.col[self.bit_of[id(cs)]]

    def _advance(self, sr: _Series, cs: CompiledStep, group: list[tuple[Any, ...]],
                 entered: str | None) -> None:
        b = self._bits(cs)
        if cs.pause is not None:
            for r in group:
                if r[b] & PAUSE:
                    if sr.paused_since is None:
                        sr.paused_since = r[3] / 1e6
                elif cs.resume is not None and r[b] & RESUME and sr.paused_since is not None:
                    sr.pauses.append((sr.paused_since, r[3] / 1e6))
                    sr.paused_since = None
        if sr.gap is None:
            if cs.start is None:
                return
            starter = next((r for r in group if r[b] & START), None)
            if starter is None or self._stops(cs, b, group, entered) is not None:
                return
            self._begin(sr, starter, group)
            if sr.gap is None:
                return
        gap = sr.gap
        gb = self._bits(gap.cs)
        satisfier = next((r for r in group if r[gb] & SAT), None)
        if satisfier is not None and satisfier[1] == gap.start_eid:
            satisfier = None
        if satisfier is not None:
            self._emit(sr, gap, satisfier=satisfier, end_us=satisfier[3])
            sr.gap = None
        stopper = self._stops(gap.cs, gb, group, entered)
        if stopper is not None:
            if satisfier is None:
                self._emit(sr, gap, end_us=group[0][3], stopper=stopper)
            sr.gap = None
        elif satisfier is not None:
            self._begin(sr, satisfier, group)

    def _stops(self, cs: CompiledStep, b: int, group: list[tuple[Any, ...]],
               entered: str | None) -> tuple[Any, ...] | None:
        """The row that stops the series at this instant: the first event of the first
        stop matcher that matches, else the last stage-setting event of a stop stage."""
        for i in range(len(cs.stop)):
            for r in group:
                if r[b] & (STOP << i):
                    return r
        if entered is not None and (entered in cs.stop_stages or entered in self.closed):
            setters = [row for row in group if row[self.sets_stage]]
            if setters:
                return setters[-1]
        return None

    def _begin(self, sr: _Series, r: tuple[Any, ...], group: list[tuple[Any, ...]]) -> None:
        cs = self.lookup(r[2], r[3] / 1e6).by_id.get(sr.sid)
        if cs is None:
            sr.gap = None
            return
        step = cs.step
        assert isinstance(step, RecurringStep)
        interval, from_pref = step.every.days, False
        if step.interval_preference is not None:
            pref = group[-1][self.pref_index[step.interval_preference]]
            if pref is not None:
                interval, from_pref = pref, True
        sr.gap = _Gap(cs, r[1], r[3], interval, from_pref)

    # --- the verdict on one gap ----------------------------------------------------
    def _due(self, sr: _Series, gap: _Gap, end_ts: float | None) -> tuple[datetime, int]:
        due = end_of_day(local_date(gap.start) + timedelta(days=gap.interval))
        pauses = list(sr.pauses)
        if sr.paused_since is not None:
            pauses.append((sr.paused_since, None))
        if not pauses:
            return due, 0
        added = 0
        g0 = gap.start_us / 1e6
        g1 = self.as_of_ts if end_ts is None else end_ts
        for ps, pe in pauses:
            start = max(ps, g0)
            end = min(self.as_of_ts if pe is None else pe, g1)
            if end <= start or start > due.timestamp():
                continue
            days = math.ceil((end - start) / DAY)
            added += days
            due = end_of_day(local_date(due) + timedelta(days=days))
        return due, added

    def _emit(self, sr: _Series, gap: _Gap, *, satisfier: tuple[Any, ...] | None = None,
              end_us: int | None, stopper: tuple[Any, ...] | None = None) -> None:
        end_ts = None if end_us is None else end_us / 1e6
        due, added = self._due(sr, gap, end_ts)
        due_us = micros(due)
        if satisfier is not None:
            status = "met" if satisfier[3] <= due_us else "late"
        elif stopper is not None:
            assert end_us is not None
            status = "missed" if end_us > due_us else "cancelled"
        elif self.as_of_us > due_us:
            status = "missed"
        elif local_date(due) == self.as_of_day:
            status = "due_soon"
        else:
            status = "due"
        cs = gap.cs
        self.out.append((self.case, cs.step.id, status, gap.start_eid, due_us,
                         satisfier[1] if satisfier is not None else None, cs.owner,
                         cs.severity, cs.version, gap.start_us, cs.order, self.refs(cs),
                         None, gap.interval, gap.from_pref, added,
                         stopper[1] if stopper is not None else None))

    def _finish(self, series: dict[str, _Series]) -> None:
        for sr in series.values():
            if sr.gap is not None:
                self._emit(sr, sr.gap, end_us=None)
                sr.gap = None


def _instants(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    group: list[tuple[Any, ...]] = []
    key = None
    for r in rows:
        k = (r[0], r[3])
        if k != key and group:
            yield group
            group = []
        key = k
        group.append(r)
    if group:
        yield group
