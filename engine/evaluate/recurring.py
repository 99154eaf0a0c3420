"""Recurring steps (contract §4.2): a series of gaps between satisfying events.

One `Series` follows one recurring step through a case (or an area). The first gap
begins at the start event (or, for the area-level scrutiny cadence, when the overlay
takes effect); each satisfying event closes the open gap and begins the next; a stop
ends the series. Pauses move a gap's due instant later by their whole-day length.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta

from engine.calendar import end_of_day, local_date
from engine.evaluate.compiled import CompiledStep
from engine.evaluate.instance import Basis, Instance
from engine.evaluate.status import closed_status, timed_status
from engine.events import Event
from engine.spec import RecurringStep

DAY = 86400.0


class _Gap:
    __slots__ = ("cs", "start_event", "start", "interval", "from_pref")

    def __init__(
        self,
        cs: CompiledStep,
        start_event: Event | None,
        start: datetime,
        interval: int,
        from_pref: bool,
    ):
        self.cs = cs
        self.start_event = start_event
        self.start = start
        self.interval = interval
        self.from_pref = from_pref


class Series:
    """The gaps of one recurring step. `lookup(instant, area)` gives the compiled step in
    force then (None when the template in force has no such step)."""

    __slots__ = ("step_id", "lookup", "gap", "pauses", "paused_since", "out", "area_label")

    def __init__(
        self,
        step_id: str,
        lookup: Callable[[datetime, str], CompiledStep | None],
        area_label: str | None = None,
    ):
        self.step_id = step_id
        self.lookup = lookup
        self.gap: _Gap | None = None
        self.pauses: list[tuple[float, float | None]] = []
        self.paused_since: float | None = None
        self.out: list[Instance] = []
        self.area_label = area_label

    @property
    def running(self) -> bool:
        return self.gap is not None

    # --- transitions --------------------------------------------------------------
    def begin(
        self, at: datetime, event: Event | None, area: str, preferences: dict[str, object]
    ) -> None:
        """Open a gap at `at` (a start event, a satisfying event, or the overlay start)."""
        cs = self.lookup(at, area)
        if cs is None:
            self.gap = None
            return
        step = cs.step
        assert isinstance(step, RecurringStep)
        interval, from_pref = step.every.days, False
        if step.interval_preference is not None:
            pref = preferences.get(step.interval_preference)
            if isinstance(pref, int) and not isinstance(pref, bool):
                interval, from_pref = pref, True
        self.gap = _Gap(cs, event, at, interval, from_pref)

    def pause(self, ts: float) -> None:
        if self.paused_since is None:
            self.paused_since = ts

    def resume(self, ts: float) -> None:
        if self.paused_since is not None:
            self.pauses.append((self.paused_since, ts))
            self.paused_since = None

    def close(self, event: Event, as_of: datetime, as_of_ts: float) -> None:
        """A satisfying event closes the open gap as met or late."""
        self._emit(as_of, as_of_ts, satisfier=event, end_ts=event.ts)

    def stop(self, event: Event | None, at_ts: float, as_of: datetime, as_of_ts: float) -> None:
        """A stop ends the series: the open gap is cancelled unless already missed."""
        if self.gap is not None:
            self._emit(as_of, as_of_ts, stopper=event, end_ts=at_ts)
        self.gap = None

    def finish(self, as_of: datetime, as_of_ts: float) -> list[Instance]:
        """Report the open gap as of T and return every instance of the series."""
        if self.gap is not None:
            self._emit(as_of, as_of_ts, end_ts=None)
            self.gap = None
        return self.out

    # --- the verdict on one gap -----------------------------------------------------
    def _due(self, gap: _Gap, end_ts: float | None, as_of_ts: float) -> tuple[datetime, int]:
        due = end_of_day(local_date(gap.start) + timedelta(days=gap.interval))
        if not self.pauses and self.paused_since is None:
            return due, 0
        g0 = gap.start.timestamp()
        g1 = as_of_ts if end_ts is None else end_ts
        pauses = list(self.pauses)
        if self.paused_since is not None:
            pauses.append((self.paused_since, None))
        added = 0
        for ps, pe in pauses:
            s = max(ps, g0)
            e = min(as_of_ts if pe is None else pe, g1)
            if e <= s or s > due.timestamp():
                continue
            days = math.ceil((e - s) / DAY)
            added += days
            due = end_of_day(local_date(due) + timedelta(days=days))
        return due, added

    def _emit(
        self,
        as_of: datetime,
        as_of_ts: float,
        *,
        satisfier: Event | None = None,
        stopper: Event | None = None,
        end_ts: float | None,
    ) -> None:
        gap = self.gap
        assert gap is not None
        due, added = self._due(gap, end_ts, as_of_ts)
        due_ts = due.timestamp()
        status = closed_status(
            due_ts, satisfier.ts if satisfier else None, end_ts if satisfier is None else None
        )
        if status is None:
            status = timed_status(due, due_ts, as_of, as_of_ts, None)
        step = gap.cs.step
        basis = Basis(
            step,
            gap.start_event,
            satisfier,
            None,
            as_of,
            gap_start=gap.start,
            interval_days=gap.interval,
            interval_from_preference=gap.from_pref,
            pause_days=added,
            stopper=stopper,
        )
        self.out.append(
            Instance(
                step.id,
                status,
                gap.start_event.event_id if gap.start_event else None,
                due,
                satisfier.event_id if satisfier else None,
                gap.cs.owner,
                gap.cs.severity,
                gap.cs.version,
                gap.start,
                gap.cs.order,
                basis,
                self.area_label,
            )
        )
