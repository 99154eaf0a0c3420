"""How long an open case has been in its current stage, in working days.

The stage and the instant the case entered it come from the evaluator
(`engine.evaluate.stage_entry`), so the board and the verdicts agree on stages.
"""

from __future__ import annotations

from datetime import datetime

from engine.calendar import WorkingCalendar, local_date


def working_days_in_stage(entered: datetime, as_of: datetime, calendar: WorkingCalendar) -> int:
    """Working days after the local day of entry up to and including the as-of day."""
    return calendar.working_days_between(local_date(entered), local_date(as_of))
