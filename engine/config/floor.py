"""The national floor (contract §6): is an area's version of a step tighter or looser?

Tightening is free; loosening a `minimum` step needs a derogation. The verdict on
deadlines is exact rather than a rule of thumb ("2 WD is about 48 hours"): both
deadlines are computed for every trigger day over two years from the overlay's
`effective_from`, with the area's calendar, and the step is looser if any trigger gets a
later due instant. Within one local day a day-unit due instant is constant and an
hour-unit one grows with the trigger, so the earliest and latest instants of each day
decide exactly; for hour units every hour of the day is checked as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from engine.calendar import LONDON, WorkingCalendar, end_of_day, start_of_day
from engine.spec import (
    AnyStep,
    Comparison,
    Deadline,
    DeadlineStep,
    Matcher,
    ProhibitionStep,
    RecurringStep,
    Unit,
)
from engine.terms import Severity

WINDOW_DAYS = 731  # two years, a leap day included
# A lower severity ranks a step's flags below others in every queue: a loosening.
SEVERITY_RANK = {Severity.low: 0, Severity.medium: 1, Severity.high: 2, Severity.critical: 3}
TIGHTER, LOOSER, CHANGED = "tighter", "looser", "changed"
SEMANTIC = {
    DeadlineStep: ("trigger", "satisfied_by", "cancelled_by", "when", "deadline"),
    RecurringStep: ("start", "stop", "stop_stages", "satisfied_by", "every",
                    "interval_preference", "pause", "resume"),
    ProhibitionStep: ("event", "unless", "violates_when"),
}


@dataclass(frozen=True)
class FloorChange:
    """One field of a step that differs from the national framework, and which way."""

    field: str
    verdict: str  # tighter | looser | changed
    detail: str


@dataclass(frozen=True)
class DeadlineVerdict:
    """Triggers (if any) for which the candidate is due later / earlier than the base."""

    later: tuple[datetime, datetime, datetime] | None  # trigger, base due, candidate due
    earlier: tuple[datetime, datetime, datetime] | None


def _day_instants(day: date, hourly: bool) -> list[datetime]:
    """The first and last instant of a local day, and each elapsed hour when `hourly`.

    The last instant is contract §4.1's end of the day, 23:59:59.999: instants are compared
    at the millisecond, the resolution of a day-unit due instant.
    """
    first = start_of_day(day).astimezone(UTC)
    following = start_of_day(day + timedelta(days=1)).astimezone(UTC)
    out = [first]
    if hourly:
        t = first + timedelta(hours=1)
        while t < following:
            out.append(t)
            t += timedelta(hours=1)
    out.append(end_of_day(day).astimezone(UTC))
    return out


@lru_cache(maxsize=4096)
def compare_deadlines(base: Deadline, candidate: Deadline, calendar: WorkingCalendar,
                      start: date, days: int = WINDOW_DAYS) -> DeadlineVerdict:
    """Exact comparison of two deadlines over `days` trigger days from `start`."""
    if base.unit is Unit.hours and candidate.unit is Unit.hours:
        # Elapsed hours from the same instant: the larger is later for every trigger.
        t = start_of_day(start).astimezone(UTC)
        example = (t, base.due(t, calendar), candidate.due(t, calendar))
        return DeadlineVerdict(example if candidate.within > base.within else None,
                               example if candidate.within < base.within else None)
    hourly = Unit.hours in (base.unit, candidate.unit)
    later = earlier = None
    for offset in range(days):
        for t in _day_instants(start + timedelta(days=offset), hourly):
            b, c = base.due(t, calendar), candidate.due(t, calendar)
            if later is None and c > b:
                later = (t, b, c)
            elif earlier is None and c < b:
                earlier = (t, b, c)
            if later is not None and earlier is not None:
                return DeadlineVerdict(later, earlier)
    return DeadlineVerdict(later, earlier)


def _when(t: datetime) -> str:
    local = t.astimezone(LONDON)
    text = f"{local:%a} {local.day} {local:%b %Y %H:%M}"
    if local.second or local.microsecond:
        text += f":{local:%S}.{local.microsecond // 1000:03d}"
    return text


def _values(v: Any) -> set[tuple[str, Any]]:
    items = v if isinstance(v, list) else [v]
    return {(type(x).__name__, x) for x in items}


def _value_within(narrow: Any, broad: Any) -> bool:
    """Every event value `narrow` accepts is accepted by `broad`."""
    if isinstance(broad, Comparison):
        lo = float("-inf") if broad.gte is None else broad.gte
        hi = float("inf") if broad.lte is None else broad.lte
        if isinstance(narrow, Comparison):
            nlo = float("-inf") if narrow.gte is None else narrow.gte
            nhi = float("inf") if narrow.lte is None else narrow.lte
            return lo <= nlo and nhi <= hi
        return all(isinstance(x, int) and not isinstance(x, bool) and lo <= x <= hi
                   for x in (narrow if isinstance(narrow, list) else [narrow]))
    if isinstance(narrow, Comparison):
        return False
    return _values(narrow) <= _values(broad)


def covers(broad: Matcher, narrow: Matcher) -> bool:
    """Every event matching `narrow` also matches `broad`."""
    if broad.type != narrow.type:
        return False
    return all(k in narrow.data and _value_within(narrow.data[k], v) for k, v in broad.data.items())


def _uncovered(items: list[Matcher], by: list[Matcher]) -> list[Matcher]:
    return [m for m in items if not any(covers(b, m) for b in by)]


def compare_steps(base: AnyStep, candidate: AnyStep, calendar: WorkingCalendar,
                  start: date) -> list[FloorChange]:
    """Every field of `candidate` that differs from `base`, with its verdict."""
    out: list[FloorChange] = []
    for name in type(base).model_fields:
        if name in ("id", "kind", "local", "minimum"):
            continue
        old, new = getattr(base, name), getattr(candidate, name)
        if old == new:
            continue
        if name == "severity":
            verdict = LOOSER if SEVERITY_RANK[new] < SEVERITY_RANK[old] else TIGHTER
            out.append(FloorChange(name, verdict, f"severity {new.value} instead of the national "
                              f"{old.value}"))
        elif name in SEMANTIC[type(base)]:
            out.extend(_semantic(name, old, new, calendar, start))
        else:
            out.append(FloorChange(name, CHANGED,
                                   f"{name} changed from {_short(old)} to {_short(new)}"))
    return out


def _short(v: Any) -> str:
    if isinstance(v, Matcher):
        return v.describe()
    if hasattr(v, "value"):
        return str(v.value)
    return str(v)


def _semantic(name: str, old: Any, new: Any, calendar: WorkingCalendar,
              start: date) -> list[FloorChange]:
    if name == "deadline":
        return [_deadline_change(old, new, calendar, start)]
    if name in ("trigger", "cancelled_by", "stop"):
        return _matcher_lists(name, old, new)
    if name == "stop_stages":
        added = [s for s in new if s not in old]
        if added:
            return [FloorChange(name, LOOSER, f"adds stop stages {', '.join(added)}")]
        return [FloorChange(name, TIGHTER, f"stops at fewer stages ({', '.join(new) or 'none'})")]
    if name in ("satisfied_by", "start", "event", "pause", "resume"):
        return [_single_matcher(name, old, new)]
    if name == "every":
        verdict = LOOSER if new.days > old.days else TIGHTER
        return [FloorChange(name, verdict,
                            f"every {new.days} days instead of the national {old.days}")]
    if name in ("when", "unless", "violates_when") and old is None:
        return [FloorChange(name, LOOSER, f"adds a condition ({name})")]
    if name in ("when",) and new is None:
        return [FloorChange(name, TIGHTER,
                            "removes the condition: every trigger opens an instance")]
    if name == "interval_preference":
        return [FloorChange(name, LOOSER, f"interval preference {new or 'removed'} instead of "
                       f"{old or 'none'}: the complainant's agreed frequency may no longer apply")]
    return [FloorChange(name, LOOSER, f"changes {name}: a changed condition may exempt cases the "
                   "national one covers")]


def _deadline_change(old: Deadline, new: Deadline, calendar: WorkingCalendar,
                     start: date) -> FloorChange:
    verdict = compare_deadlines(old, new, calendar, start)
    what = f"deadline {new.describe()} instead of the national {old.describe()}"
    if verdict.later is not None:
        t, b, c = verdict.later
        return FloorChange("deadline", LOOSER, f"{what} is later for a trigger on {_when(t)} "
                      f"(due {_when(c)} instead of {_when(b)})")
    if verdict.earlier is not None:
        return FloorChange("deadline", TIGHTER, f"{what} is never later and sometimes earlier")
    return FloorChange("deadline", CHANGED, f"{what} gives the same due instant for every trigger")


def _matcher_lists(name: str, old: list[Matcher], new: list[Matcher]) -> list[FloorChange]:
    removed, added = _uncovered(old, new), _uncovered(new, old)
    out: list[FloorChange] = []
    # For triggers more is tighter; for cancellers and stops more is looser.
    more = TIGHTER if name == "trigger" else LOOSER
    less = LOOSER if name == "trigger" else TIGHTER
    if removed:
        out.append(FloorChange(name, less, f"removes {', '.join(m.describe() for m in removed)}"))
    if added:
        out.append(FloorChange(name, more, f"adds {', '.join(m.describe() for m in added)}"))
    if not out:
        out.append(FloorChange(name, CHANGED, "matches the same events"))
    return out


def _single_matcher(name: str, old: Matcher | None, new: Matcher | None) -> FloorChange:
    # For satisfied_by and pause a narrower matcher is tighter; for start, event and
    # resume a broader one is.
    narrower_is_tighter = name in ("satisfied_by", "pause")
    if old is None or new is None:
        if name == "pause":
            return FloorChange(name, LOOSER if old is None else TIGHTER,
                          "adds a pause" if old is None else "removes the pause")
        return FloorChange(name, LOOSER, f"{'adds' if old is None else 'removes'} {name}")
    narrower = covers(old, new)
    broader = covers(new, old)
    if narrower and broader:
        return FloorChange(name, CHANGED, "matches the same events")
    tight = narrower if narrower_is_tighter else broader
    verdict = TIGHTER if tight else LOOSER
    return FloorChange(name, verdict, f"{new.describe()} instead of the national {old.describe()}")
