"""A case's stage and when it entered it, by the same fold the evaluator uses.

"Entered its stage" means the event that last moved the case into the stage it is in
now; a later event that sets the same stage again (a second arrest during
investigation) does not restart the clock. The board ages open cases from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from engine.evaluate.compiled import compile_stages
from engine.evaluate.state import CaseState
from engine.events import Event
from engine.spec import StageRule


def stage_entry(stages: tuple[StageRule, ...], events: Sequence[Event],
                first_at: datetime | None = None) -> tuple[str, datetime]:
    """The case's stage after `events` (in evaluation order) and the instant it entered
    that stage. With `first_at` (the instant of the case's first event), `events` may be
    only those whose type sets a stage: no other event moves it."""
    state = CaseState(compile_stages(stages))
    entered = events[0].at if first_at is None else first_at
    for e in events:
        before = state.stage
        state.apply(e)
        if state.stage != before:
            entered = e.at
    return state.stage, entered
