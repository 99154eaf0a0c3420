"""A case being generated: its facts and its events, before ids are given.

Times are whole POSIX seconds (minute-aligned) so that comparisons are exact and the
files carry tidy timestamps; ids are given once the case is complete, in time order, so
that the evaluator's order (by `at`, then `event_id`) is the order the generator meant.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

MINUTE = 60
HOUR = 3600
DAY = 86400


def minute(ts: float) -> int:
    """Round an instant down to a whole minute."""
    t = int(ts)
    return t - t % MINUTE


class Ev:
    """One generated event. `seq` breaks ties between events at the same instant."""

    __slots__ = ("ts", "type", "source", "data", "seq", "eid")

    def __init__(self, ts: int, type_: str, source: str, data: dict[str, Any], seq: int):
        self.ts = ts
        self.type = type_
        self.source = source
        self.data = data
        self.seq = seq
        self.eid = ""

    def __repr__(self) -> str:
        return f"Ev({self.ts}, {self.type}, {self.data})"


@dataclass
class Failure:
    """An injected failure: its step, the event that triggered the instance (None for the
    first gap of an area's scrutiny cadence) and what was injected."""

    step: str
    trigger: Ev | None
    failure: str


@dataclass
class CaseDraft:
    index: int
    case_id: str
    area: str
    offence: str
    age: str
    events: list[Ev] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    # the complainant's choices, decided with the story and recorded by the liaison layer
    preferences: dict[str, Any] = field(default_factory=dict)
    has_isva: bool = False
    pauses: list[tuple[int, int | None]] = field(default_factory=list)
    by_type: dict[str, list[Ev]] = field(default_factory=dict)
    _seq: int = 0

    def add(self, ts: float, type_: str, source: str, data: dict[str, Any] | None = None) -> Ev:
        self._seq += 1
        ev = Ev(minute(ts), type_, source, data if data is not None else {}, self._seq)
        self.events.append(ev)
        self.by_type.setdefault(type_, []).append(ev)
        return ev

    def reindex(self) -> None:
        """Rebuilds `by_type` after events were dropped."""
        self.by_type = {}
        for ev in self.events:
            self.by_type.setdefault(ev.type, []).append(ev)

    def ordered(self) -> list[Ev]:
        return sorted(self.events, key=lambda e: (e.ts, e.seq))

    def of_type(self, type_: str) -> list[Ev]:
        return self.by_type.get(type_, [])


class Timeline:
    """Values recorded over time; `at(ts)` gives the latest recorded at or before `ts`."""

    __slots__ = ("times", "values")

    def __init__(self) -> None:
        self.times: list[int] = []
        self.values: list[Any] = []

    def record(self, ts: int, value: Any) -> None:
        i = bisect_right(self.times, ts)
        self.times.insert(i, ts)
        self.values.insert(i, value)

    def at(self, ts: int, default: Any = None) -> Any:
        i = bisect_right(self.times, ts)
        return self.values[i - 1] if i else default
