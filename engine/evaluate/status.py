"""Status of an instance as of T, by contract §4.1's precedence: satisfied (met or late),
else cancelled (or missed when the cancellation came after the deadline), else time."""

from __future__ import annotations

from datetime import datetime

from engine.calendar import LONDON
from engine.terms import Status


def timed_status(
    due: datetime, due_ts: float, as_of: datetime, as_of_ts: float, warn_from_ts: float | None
) -> Status:
    """An unsatisfied, uncancelled instance: missed, due_soon or due.

    `warn_from_ts` starts the warning window for hour deadlines; None means the window is
    the deadline's own local day (day units).
    """
    if as_of_ts > due_ts:
        return Status.missed
    if warn_from_ts is None:
        if as_of.astimezone(LONDON).date() == due.astimezone(LONDON).date():
            return Status.due_soon
    elif as_of_ts >= warn_from_ts:
        return Status.due_soon
    return Status.due


def closed_status(
    due_ts: float, satisfied_ts: float | None, cancelled_ts: float | None
) -> Status | None:
    """met/late for a satisfied instance, cancelled/missed for a cancelled one, else None."""
    if satisfied_ts is not None:
        return Status.met if satisfied_ts <= due_ts else Status.late
    if cancelled_ts is not None:
        return Status.missed if cancelled_ts > due_ts else Status.cancelled
    return None
