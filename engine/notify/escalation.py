"""Escalation (pure): a critical or high flag that went wrong (missed or violated) and is
not acknowledged within N working days of the notice goes to the next contact: the
scrutiny group's contact, then, N working days later, the national contact.

A `late` instance is not escalated: the step was done, late, and nothing is left for a
second contact to chase; it stays in the owner's digest and the reports.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from engine.calendar import LONDON, end_of_day, local_date
from engine.notify.flags import Flag
from engine.notify.plan import AreaContext, Item, Planned, items_key, order
from engine.notify.routing import Recipient

ESCALATED = frozenset({"missed", "violated"})
SERIOUS = frozenset({"high", "critical"})
LEVELS = (1, 2)

EscalationRouter = Callable[[int, str], Recipient | None]


def escalation_due(noted_at: datetime, level: int, n_days: int, ctx: AreaContext) -> datetime:
    """The instant after which level `level` is due: the end of the (n_days * level)-th
    working day after the notice."""
    day = ctx.calendar.add_working_days(local_date(noted_at), n_days * level)
    return end_of_day(day)


def escalate(flags: Iterable[tuple[Flag, datetime]], *, as_of: datetime,
             areas: Mapping[str, AreaContext], router: EscalationRouter,
             notified: set[tuple[str, str]], acked: set[str], existing: set[str]
             ) -> list[Planned]:
    """Escalation messages due now. `flags` pairs each current flag with when its
    owner was first told of what went wrong."""
    due: dict[Recipient, list[Item]] = defaultdict(list)
    area_of: dict[Recipient, str] = {}
    for flag, noted_at in flags:
        ctx = areas.get(flag.area)
        if (ctx is None or flag.flag_id in acked or flag.status not in ESCALATED
                or flag.severity not in SERIOUS):
            continue
        n = ctx.settings.escalate_after_working_days
        for level in LEVELS:
            transition = f"escalated_{level}"
            if (flag.flag_id, transition) in notified:
                continue
            if as_of <= escalation_due(noted_at, level, n, ctx):
                break
            recipient = router(level, flag.area)
            if recipient is None:
                break
            due[recipient].append(Item(flag, transition))
            area_of[recipient] = flag.area
            break  # one level per run: the next waits for its own period
    stamp = as_of.astimezone(LONDON).strftime("%Y%m%dT%H%M%S")
    out = []
    for r, items in sorted(due.items(), key=lambda kv: kv[0].key):
        key = items_key(f"escalation:{r.key}:{stamp}", items)
        if key not in existing:
            out.append(Planned(key, "escalation", area_of[r], r, order(items)))
    return out
