"""A flag as the notifier sees it, and its stable id.

Stored instances are replaced on every sweep, so their row ids change; a flag is named
instead by what identifies its instance: area, case, step and the trigger (event id, or
instant for an area-level or recurring instance). The same instance keeps its id as it
moves from due to due_soon to missed, which is what lets each transition be notified once
and an acknowledgement outlive the next sweep.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


def flag_id(area: str, case_id: str | None, step: str, trigger_event: str | None,
            trigger_at: datetime | None) -> str:
    """`f` + 20 hex digits of a SHA-256 over the instance's identity."""
    at = trigger_at.astimezone(UTC).isoformat() if trigger_at is not None else ""
    text = "\x1f".join((area, case_id or "", step, trigger_event or "", at))
    return "f" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def flag_id_of(row: Any) -> str:
    """The flag id of a stored instances row (anything with those attributes)."""
    return flag_id(row.area, row.case_id, row.step, row.trigger_event, row.trigger_at)


@dataclass(frozen=True)
class Flag:
    """One instance worth telling someone about: open and due soon, or gone wrong.

    `changed_at` is when it reached its status (the due instant for missed and due,
    the satisfying event for late, the event for violated); `hours` marks an hour
    deadline, whose warnings and misses are alerts rather than digest lines.
    """

    flag_id: str
    area: str
    case_id: str | None
    step: str
    title: str
    status: str
    owner: str
    severity: str
    due: datetime | None
    explanation: str
    changed_at: datetime
    hours: bool
