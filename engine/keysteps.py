"""The key liaison steps of the outcome report, and a case's exposure to them.

The association in engine/reports/outcomes.py compares cases whose key steps (the ISVA
referral, the needs assessment and the first regular update) were all met on time with
cases where any was late or missed. Met instances are not stored as rows, so the sweep
judges each case's exposure here when it evaluates the case, and keeps it on the case's
row; the report reads it from there. One function, used by the sweep and by migration
0008 (which computes it from the rows of a store that still held them).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

KEY_STEPS = ("police_refer_to_support", "police_needs_assessment", "police_regular_update")
FIRST_GAP_ONLY = "police_regular_update"  # a recurring step: only its first gap counts
DECIDED = ("met", "late", "missed")

# (step, trigger_at, status, due) of one instance
Item = tuple[str, datetime | None, str, datetime | None]


def exposure(items: Iterable[Item]) -> tuple[bool, datetime] | None:
    """(all decided key instances met, the last due instant among them) for one case's
    instances, or None when none of its key instances is decided. Of the recurring key
    step only the gap with the earliest trigger is read (the first of equals)."""
    first: Item | None = None
    found: list[tuple[str, datetime]] = []
    for item in items:
        step, trigger_at, status, due = item
        if step == FIRST_GAP_ONLY:
            if first is None or (trigger_at is not None and first[1] is not None
                                 and trigger_at < first[1]):
                first = item
        elif step in KEY_STEPS and status in DECIDED and due is not None:
            found.append((status, due))
    if first is not None and first[2] in DECIDED and first[3] is not None:
        found.append((first[2], first[3]))
    if not found:
        return None
    return all(s == "met" for s, _ in found), max(d for _, d in found)
