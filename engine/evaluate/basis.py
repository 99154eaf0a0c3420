"""What an explanation needs beyond an instance's verdict: the step, the events that
decided it, and (for a recurring gap) how its due instant was reached.

Its own module so that the explainer and the instance both depend on it, and not on
each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engine.events import Event
from engine.spec import AnyStep


@dataclass(slots=True)
class Basis:
    """What the explanation needs beyond the verdict itself."""

    step: AnyStep
    trigger: Event | None
    satisfier: Event | None
    canceller: Event | None
    as_of: datetime
    gap_start: datetime | None = None  # recurring: when the gap began
    interval_days: int | None = None  # recurring: N used for this gap
    interval_from_preference: bool = False
    pause_days: int = 0  # recurring: days added for pauses inside the gap
    stopper: Event | None = None  # recurring: the event that stopped the series
