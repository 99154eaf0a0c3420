"""Accepted events as columns, and a decided batch of lines: what ingest stores and
`engine.line_batch` (lines decided in bulk) or `from_read_lines` (lines decided one at a
time) produce. Kept apart from the deciding so that the store's writers depend on the
shape of a batch, not on how its lines were read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.errors import EventProblem
from engine.event_lines import ReadLine
from engine.events import Event

__all__ = ["WHOLE_SECOND_ISO", "EventColumns", "LineBatch", "from_read_lines"]

_COLUMNS = ("line", "event_id", "case_id", "area", "type", "at", "source", "data", "data_key")
# A whole second with an offset, as `datetime.isoformat` writes it.
WHOLE_SECOND_ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", re.ASCII)


@dataclass
class EventColumns:
    """Accepted events as columns, in line order. `case_id` is None for area-level
    events; `data` is the parsed object ({} when absent or null) and `data_key` its
    repr: equal exactly when the objects are equal, value types included (the repr of
    a JSON value is a literal that reads back as the same value).

    `at_iso` is each instant as `datetime.isoformat` writes it, kept only while every
    instant is a whole second (`YYYY-MM-DDTHH:MM:SS+HH:MM`; else None): then it is the
    line's own text (UTC written "+00:00"), known without a call per event; the body hash
    is made from it, and when all are in UTC so is the stored instant."""

    line: list[int] = field(default_factory=list)
    event_id: list[str] = field(default_factory=list)
    case_id: list[str | None] = field(default_factory=list)
    area: list[str] = field(default_factory=list)
    type: list[str] = field(default_factory=list)
    at: list[datetime] = field(default_factory=list)
    source: list[str] = field(default_factory=list)
    data: list[dict[str, Any]] = field(default_factory=list)
    data_key: list[str] = field(default_factory=list)
    at_iso: list[str] | None = None

    def __len__(self) -> int:
        return len(self.line)

    def event(self, i: int) -> Event:
        at = self.at[i]
        return Event(self.event_id[i], self.case_id[i], self.area[i], self.type[i], at,
                     self.source[i], self.data[i], at.timestamp())

    def timestamps(self) -> list[float]:
        return list(map(datetime.timestamp, self.at))

    def append(self, line: int, e: Event) -> None:
        values = (line, e.event_id, e.case_id, e.area, e.type, e.at, e.source, e.data,
                  repr(e.data))
        for name, value in zip(_COLUMNS, values, strict=True):
            getattr(self, name).append(value)
        if self.at_iso is not None:
            iso = e.at.isoformat()
            if WHOLE_SECOND_ISO.fullmatch(iso):
                self.at_iso.append(iso)
            else:
                self.at_iso = None

    def in_line_order(self) -> EventColumns:
        order = sorted(range(len(self.line)), key=self.line.__getitem__)
        out = EventColumns()
        for name in _COLUMNS:
            column = getattr(self, name)
            setattr(out, name, [column[i] for i in order])
        if self.at_iso is not None:
            out.at_iso = [self.at_iso[i] for i in order]
        return out


@dataclass
class LineBatch:
    """Lines first..last of an input: accepted events and rejected lines."""

    first: int
    last: int
    events: EventColumns
    rejects: list[EventProblem]


def from_read_lines(lines: Sequence[ReadLine]) -> LineBatch:
    """A batch from lines already decided one at a time (CSV, a mapping's rejects)."""
    cols = EventColumns(at_iso=[])
    rejects: list[EventProblem] = []
    for rl in lines:
        if rl.event is not None:
            cols.append(rl.line, rl.event)
        else:
            assert rl.problem is not None
            rejects.append(rl.problem)
    return LineBatch(lines[0].line, lines[-1].line, cols, rejects)
