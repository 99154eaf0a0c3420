"""Area-level steps (contract §5, `scrutiny_group_meets`): evaluated per area from area events.

The series of an area-level recurring step begins when the area's overlay takes effect
(00:00 local on its `effective_from`; the first gap has no trigger event). Areas without
an overlay have no area-level instances.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from engine.evaluate.compiled import CompiledStep, compile_template
from engine.evaluate.instance import Instance
from engine.evaluate.recurring import Series
from engine.events import Event
from engine.rules import Rules
from engine.spec import RecurringStep


def evaluate_area(
    rules: Rules, area: str, events: Sequence[Event], as_of: datetime
) -> list[Instance]:
    """Every area-level instance of `area` as of `as_of`, from its area-level events."""
    history = rules.history(area)
    as_of_ts = as_of.timestamp()
    evs = sorted(
        (e for e in events if e.case_id is None and e.area == area and e.ts <= as_of_ts),
        key=lambda e: (e.ts, e.event_id),
    )
    starts: dict[str, datetime] = {}
    for template in history.templates:
        if not template.has_overlay or template.effective_from > as_of:
            continue
        for step in template.steps:
            if isinstance(step, RecurringStep) and step.scope == "area":
                starts.setdefault(step.id, template.effective_from)
    out: list[Instance] = []
    for step_id, start in starts.items():

        def lookup(at: datetime, _area: str, sid: str = step_id) -> CompiledStep | None:
            return compile_template(history.at(at)).by_id.get(sid)

        series = Series(step_id, lookup, area_label=area)
        series.begin(start, None, area, {})
        start_ts = start.timestamp()
        for e in evs:
            if e.ts < start_ts or series.gap is None:
                continue
            satisfied_by = series.gap.cs.satisfied_by
            if satisfied_by is not None and satisfied_by.matches(e):
                series.close(e, as_of, as_of_ts)
                series.begin(e.at, e, area, {})
        out.extend(series.finish(as_of, as_of_ts))
    out.sort(key=lambda i: (i.trigger_at, i.order))
    return out
