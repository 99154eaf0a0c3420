"""How long an open case has been in its current stage, in working days.

The stage and the day the case entered it come from the evaluator's fold
(`engine.evaluate.stage_entry`, stored by the sweep as a Europe/London day), so the board
and the verdicts agree on stages.
"""

from __future__ import annotations

from datetime import date

from engine.calendar import WorkingCalendar


def working_days_in_stage(entered_day: int, as_of_day: date, calendar: WorkingCalendar) -> int:
    """Working days after the local day of entry (`date.toordinal()`) up to and including
    the as-of day."""
    return calendar.working_days_between(date.fromordinal(entered_day), as_of_day)
