"""The area-level cadence: scrutiny group meetings (contract §5, `scrutiny_group_meets`).

An area with an overlay owes a meeting every N days from the day its overlay takes
effect; areas without one owe nothing at area level.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from random import Random

from engine.simulate.draft import DAY, HOUR, MINUTE, minute
from engine.simulate.failures import FailureRates
from engine.simulate.view import History, day_due
from engine.spec import RecurringStep


@dataclass
class AreaDraft:
    """An area's meetings (instants) and injected failures (index of the meeting that
    began the gap, -1 for the first gap whose trigger is null)."""

    area: str
    meetings: list[int] = field(default_factory=list)
    failures: list[tuple[str, int, str]] = field(default_factory=list)


def area_steps(history: History) -> list[str]:
    return [sid for sid in history.kinds(RecurringStep)
            if any(isinstance(s := v.steps.get(sid), RecurringStep) and s.scope == "area"
                   for v in history.versions)]


def meetings(rng: Random, area: str, history: History, rates: FailureRates,
             start: int, as_of: int) -> AreaDraft:
    """Meetings from the first overlay's `effective_from` until `as_of`, on time unless a
    late or missed gap is drawn. An area without an overlay owes none, but its group
    still meets now and then from `start` (no instance judges those)."""
    draft = AreaDraft(area)
    overlays = [v for v in history.versions if v.template.has_overlay]
    if not overlays:
        t = minute(start + rng.uniform(10, 90) * DAY)
        while t < as_of:
            draft.meetings.append(t)
            t = minute(t + rng.uniform(60, 100) * DAY)
        return draft
    for step_id in area_steps(history):
        r = rates.for_step(step_id, area)
        g, trigger = overlays[0].effective, -1
        while g < as_of:
            step = history.at(g).recurring(step_id)
            if step is None:
                break
            due = day_due(g, step.every.days)
            if due < as_of - HOUR:
                u = rng.random()
                if u < r.missed:
                    draft.failures.append((step_id, trigger, "missed"))
                    break
                if u < r.missed + r.late:
                    s = minute(due + HOUR + rng.uniform(0, 30) * DAY)
                    if s < as_of - HOUR:
                        draft.failures.append((step_id, trigger, "late"))
                        draft.meetings.append(s)
                        g, trigger = s, len(draft.meetings) - 1
                        continue
            s = minute(g + (due - g) * rng.uniform(0.6, 0.95))
            s = max(s, g + MINUTE)
            if s >= as_of:
                break
            draft.meetings.append(s)
            g, trigger = s, len(draft.meetings) - 1
    return draft
