"""XES's instance attributes, in the cases a cohort rarely has, written out exactly: a
second instance of a step on one event (`#2`), values that need escaping, an owner
without a value, an instance without a due instant or a trigger event, and a satisfying
event's steps (sorted, once each)."""

from __future__ import annotations

import io
from typing import Any

from engine.export.log import Driver
from engine.export.xes import write_xes

AS_OF = "2026-03-01 12:00:00.000000"


class _Trace:
    """A trace as the writer reads it, with SQLite's driver values."""

    def __init__(self, rows: list[tuple[Any, ...]], events: list[str]):
        self.name, self.area, self.stage = "C1", "kent", None
        self.driver = Driver.__new__(Driver)
        self.driver.sqlite = True
        self.rows = rows
        self.event_rows = [(e, "C1", "kent", "case.reported", "2026-01-01 09:00:00.000000",
                            "police", "{}") for e in events]

    def verdict_rows(self) -> list[tuple[Any, ...]]:
        return self.rows


def _row(step: str, status: str, trigger: str | None, due: str | None, satisfied: str | None,
         owner: str | None = "police") -> tuple[Any, ...]:
    """A verdict row in the columns of LoggedInstance."""
    return (f"C1:{step}", "C1", "kent", step, status, trigger, "2026-01-01 09:00:00.000000",
            due, satisfied, owner, "high", "2026.1", AS_OF)


def _verdict(prefix: str, status: str, owner: str = "police") -> str:
    return (f'<string key="{prefix}:status" value="{status}"/>'
            f'<string key="{prefix}:owner" value="{owner}"/>'
            f'<string key="{prefix}:severity" value="high"/>'
            f'<string key="{prefix}:version" value="2026.1"/>')


def test_instance_attributes_on_their_events() -> None:
    rows = [
        _row("s1", "missed", "E1", "2026-01-02 10:00:00.250000", None, owner='po&l"ice<>'),
        _row("s1", "met", "E1", None, "E2", owner=None),
        _row("s2", "met", None, None, "E2"),
        _row("s0", "met", "E3", None, "E2"),
    ]
    out = io.StringIO()
    assert write_xes(out, [_Trace(rows, ["E1", "E2", "E3"])]) == 3  # type: ignore[list-item]
    events = out.getvalue().split("<event>")[1:]
    head = ('<string key="concept:name" value="case.reported"/>'
            '<date key="time:timestamp" value="2026-01-01T09:00:00.000+00:00"/>'
            '<string key="org:resource" value="police"/><string key="event_id" value="{}"/>'
            '<string key="area" value="kent"/>')
    assert events[0] == (
        head.format("E1") + _verdict("step:s1", "missed", "po&amp;l&quot;ice&lt;&gt;")
        + '<date key="step:s1:due" value="2026-01-02T10:00:00.250+00:00"/>'
        + _verdict("step:s1#2", "met", "null") + "</event>\n  ")
    assert events[1] == (head.format("E2") + '<string key="satisfies" value="s0,s1,s2"/>'
                         "</event>\n  ")
    assert events[2] == head.format("E3") + _verdict("step:s0", "met") + "</event>\n </trace>\n</log>\n"
