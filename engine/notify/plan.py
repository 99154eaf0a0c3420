"""What is due to be sent (pure: no clock, no database).

Given the current flags, what was already notified, the acknowledgements and the
instant, `plan` returns the messages to record and the baseline rows. Rules:

- **Alerts** (sent in the cycle that finds them): `violated`, and an hour deadline's
  `due_soon` (its last quarter) and `missed`.
- **Digest** (once per recipient per working day, from the area's digest time, only when
  non-empty): day-deadline steps due by the next working day (`due_soon`) and due today
  (`due_today`), and new `late` and `missed` instances.
- Each (flag, transition) is planned once; acknowledged flags are left out.
- **Baseline**: the first run for an area records flags that went wrong before the
  previous working day's digest time as already known, so the first digest holds one
  day's news, not the area's history.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from engine.calendar import LONDON, WorkingCalendar, local_date
from engine.notify.flags import Flag
from engine.notify.routing import Recipient
from engine.notify.settings import AreaSettings
from engine.terms import FAILED_STATUSES

WENT_WRONG = frozenset(FAILED_STATUSES)


@dataclass(frozen=True)
class Item:
    """One line of a message: a flag and the transition it reports."""

    flag: Flag
    transition: str  # due_soon | due_today | late | missed | violated | escalated_1 | escalated_2


@dataclass(frozen=True)
class Planned:
    key: str
    kind: str  # alert | digest | escalation
    area: str
    recipient: Recipient
    items: tuple[Item, ...]


@dataclass
class Plan:
    messages: list[Planned] = field(default_factory=list)
    baseline: list[Item] = field(default_factory=list)
    unroutable: list[Item] = field(default_factory=list)
    # recipient key -> acknowledged flags that would otherwise be in its digest
    acked_left_out: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class AreaContext:
    """What the planner needs of one area."""

    settings: AreaSettings
    calendar: WorkingCalendar
    started: bool  # notifications already began for this area (no baseline needed)


Router = Callable[[str, str], Recipient | None]


def transition_of(flag: Flag, today: date, calendar: WorkingCalendar) -> str | None:
    """The transition a flag reports now, or None (an open step not yet due soon)."""
    if flag.status in WENT_WRONG:
        return flag.status
    if flag.status == "due_soon":
        return "due_soon" if flag.hours else "due_today"
    if flag.status == "due" and not flag.hours and flag.due is not None:
        horizon = calendar.add_working_days(today, 1)
        return "due_soon" if local_date(flag.due) <= horizon else None
    return None


def is_alert(item: Item) -> bool:
    return item.transition == "violated" or (
        item.flag.hours and item.transition in ("due_soon", "missed"))


def digest_instant(day: date, settings: AreaSettings) -> datetime:
    return datetime.combine(day, settings.digest_at, LONDON)


def previous_working_day(day: date, calendar: WorkingCalendar) -> date:
    d = day - timedelta(days=1)
    while not calendar.is_working_day(d):
        d -= timedelta(days=1)
    return d


def digest_day(as_of: datetime, ctx: AreaContext) -> date | None:
    """The local date whose digest may go out at `as_of` (None: not a working day, or
    before the digest time)."""
    today = local_date(as_of)
    if not ctx.calendar.is_working_day(today) or as_of < digest_instant(today, ctx.settings):
        return None
    return today


def items_key(prefix: str, items: Iterable[Item]) -> str:
    digest = hashlib.sha256("|".join(sorted(f"{i.flag.flag_id}:{i.transition}"
                                            for i in items)).encode()).hexdigest()[:16]
    return f"{prefix}:{digest}"


def order(items: Iterable[Item]) -> tuple[Item, ...]:
    """By due instant (undated last), then case and step: the order a SPOC works in."""
    far = datetime.max.replace(tzinfo=LONDON)
    return tuple(sorted(items, key=lambda i: (i.flag.due or far, i.flag.case_id or "",
                                              i.flag.step, i.transition)))


def plan(flags: Iterable[Flag], *, as_of: datetime, areas: Mapping[str, AreaContext],
         router: Router, notified: set[tuple[str, str]], acked: set[str],
         existing: set[str]) -> Plan:
    """The messages to send now. `notified` holds (flag_id, transition) already sent or
    baselined, `existing` the keys of messages already recorded (a digest key existing
    means today's digest went out: later news waits for tomorrow's)."""
    out = Plan()
    alerts: dict[Recipient, list[Item]] = defaultdict(list)
    digests: dict[Recipient, list[Item]] = defaultdict(list)
    area_of: dict[Recipient, str] = {}
    for flag in flags:
        ctx = areas.get(flag.area)
        if ctx is None:
            continue
        today = local_date(as_of)
        transition = transition_of(flag, today, ctx.calendar)
        if transition is None or (flag.flag_id, transition) in notified:
            continue
        if flag.flag_id in acked:
            r = router(flag.owner, flag.area)
            if r is not None:
                out.acked_left_out[r.key] = out.acked_left_out.get(r.key, 0) + 1
            continue
        item = Item(flag, transition)
        if not ctx.started and transition in WENT_WRONG:
            cut = digest_instant(previous_working_day(today, ctx.calendar), ctx.settings)
            if flag.changed_at < cut:
                out.baseline.append(item)
                continue
        recipient = router(flag.owner, flag.area)
        if recipient is None:
            out.unroutable.append(item)
            continue
        area_of[recipient] = flag.area
        (alerts if is_alert(item) else digests)[recipient].append(item)
    stamp = as_of.astimezone(LONDON).strftime("%Y%m%dT%H%M%S")
    for r, items in sorted(alerts.items(), key=lambda kv: kv[0].key):
        key = items_key(f"alert:{r.key}:{stamp}", items)
        if key not in existing:
            out.messages.append(Planned(key, "alert", area_of[r], r, order(items)))
    for r, items in sorted(digests.items(), key=lambda kv: kv[0].key):
        day = digest_day(as_of, areas[area_of[r]])
        key = f"digest:{r.key}:{day.isoformat()}" if day else ""
        if day is not None and key not in existing:
            out.messages.append(Planned(key, "digest", area_of[r], r, order(items)))
    return out
