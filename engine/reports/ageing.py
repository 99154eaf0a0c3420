"""How long each open case has been in its current stage, in working days.

The stage comes from the same fold the evaluator uses (`CaseState`), so "entered its
stage" means the event that last moved the case into the stage it is in now; a later
event that sets the same stage again (a second arrest during investigation) does not
restart the clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from engine.calendar import WorkingCalendar, local_date
from engine.evaluate.compiled import compile_stages
from engine.evaluate.state import CaseState
from engine.events import Event
from engine.spec import StageRule


def stage_entry(stages: tuple[StageRule, ...], events: Sequence[Event]) -> tuple[str, datetime]:
    """The case's stage after `events` (in evaluation order) and the instant it entered
    that stage."""
    state = CaseState(compile_stages(stages))
    entered = events[0].at
    for e in events:
        before = state.stage
        state.apply(e)
        if state.stage != before:
            entered = e.at
    return state.stage, entered


def working_days_in_stage(entered: datetime, as_of: datetime, calendar: WorkingCalendar) -> int:
    """Working days after the local day of entry up to and including the as-of day."""
    return calendar.working_days_between(local_date(entered), local_date(as_of))
