"""The delivery log's reads and writes.

The order of writes is what makes a send at most once per (flag, transition) and never
silently lost:

1. `record` commits the planned messages, one delivery per channel, and the
   (flag, transition) rows, in one transaction: a crash before it plans again from
   scratch, a crash after it leaves pending deliveries.
2. `begin_attempt` commits an attempt row before anything leaves the machine.
3. `finish_attempt` commits the outcome and its audit entry together.

A crash between 2 and 3 (the only window) leaves an attempt with no outcome:
`recover_interrupted` marks it `interrupted` and the delivery is sent again, with the
same Message-ID / Idempotency-Key. That is the at-least-once window (docs/notify.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from engine.contacts import EmailChannel
from engine.notify.plan import Item, Planned
from engine.notify.routing import AnyChannel
from engine.notify.settings import Retry
from engine.store import (
    notify_areas,
    notify_attempts,
    notify_deliveries,
    notify_messages,
    notify_sent,
)
from engine.store import record as audit


def channel_name(ch: AnyChannel) -> str:
    """How a channel is named in the log: the address, or the secret's name (never the
    webhook URL, which carries a key)."""
    if isinstance(ch, EmailChannel):
        return f"email:{ch.email}"
    return f"webhook:{ch.webhook.format}:{ch.webhook.secret}"


def backoff(attempt: int, retry: Retry) -> timedelta:
    """The wait after the `attempt`-th failed attempt: first * 2**(attempt-1), capped."""
    return timedelta(seconds=min(retry.first_seconds * 2 ** (attempt - 1), retry.max_seconds))


def notified(conn: Connection, areas: Sequence[str]) -> dict[tuple[str, str], datetime]:
    """(flag_id, transition) -> when it was noted, for every row in `areas`."""
    q = select(notify_sent.c.flag_id, notify_sent.c.transition, notify_sent.c.noted_at,
               notify_sent.c.message_key).where(notify_sent.c.area.in_(list(areas)))
    return {(r.flag_id, r.transition): r.noted_at for r in conn.execute(q)}


def told(conn: Connection, areas: Sequence[str]) -> dict[str, datetime]:
    """flag_id -> when its owner was first sent news that it went wrong (baseline rows,
    which were never sent, do not count)."""
    q = (select(notify_sent.c.flag_id, func.min(notify_sent.c.noted_at))
         .where(notify_sent.c.area.in_(list(areas)), notify_sent.c.message_key.is_not(None),
                notify_sent.c.transition.in_(["missed", "violated"]))
         .group_by(notify_sent.c.flag_id))
    return {fid: at for fid, at in conn.execute(q)}


def message_keys(conn: Connection, areas: Sequence[str]) -> set[str]:
    q = select(notify_messages.c.message_key).where(notify_messages.c.area.in_(list(areas)))
    return set(conn.execute(q).scalars())


def started(conn: Connection) -> set[str]:
    return set(conn.execute(select(notify_areas.c.area)).scalars())


def record(conn: Connection, messages: Sequence[tuple[Planned, dict[str, Any]]],
           baseline: Sequence[Item], areas: Sequence[str], as_of: datetime, now: datetime,
           who: str, role: str) -> None:
    """Commit the plan (inside the caller's transaction)."""
    begun = started(conn)
    for area in sorted(set(areas) - begun):
        conn.execute(insert(notify_areas).values(area=area, started_at=now))
    for p, content in messages:
        conn.execute(insert(notify_messages).values(
            message_key=p.key, kind=p.kind, area=p.area, recipient=p.recipient.key,
            as_of=as_of, created_at=now, content=content))
        for ch in p.recipient.channels:
            conn.execute(insert(notify_deliveries).values(
                message_key=p.key, channel=channel_name(ch), state="pending", attempts=0,
                next_attempt_at=now))
        conn.execute(insert(notify_sent), [
            {"flag_id": i.flag.flag_id, "transition": i.transition, "area": i.flag.area,
             "severity": i.flag.severity, "message_key": p.key, "noted_at": now}
            for i in p.items])
        if p.kind == "escalation":
            audit(conn, who, role, "notify.escalate", {
                "message": p.key, "recipient": p.recipient.key,
                "flags": [i.flag.flag_id for i in p.items],
                "levels": sorted({i.transition for i in p.items})})
    if baseline:
        conn.execute(insert(notify_sent), [
            {"flag_id": i.flag.flag_id, "transition": i.transition, "area": i.flag.area,
             "severity": i.flag.severity, "message_key": None, "noted_at": now}
            for i in baseline])


@dataclass(frozen=True)
class Due:
    delivery_id: int
    message_key: str
    channel: str
    attempts: int
    kind: str
    area: str
    recipient: str
    content: dict[str, Any]


def recover_interrupted(conn: Connection, now: datetime) -> int:
    """Mark attempts a crash left without an outcome; their deliveries go again now."""
    rows = conn.execute(select(notify_attempts.c.id, notify_attempts.c.delivery_id)
                        .where(notify_attempts.c.outcome.is_(None))).all()
    for r in rows:
        conn.execute(update(notify_attempts).where(notify_attempts.c.id == r.id).values(
            outcome="interrupted", finished_at=now,
            detail="the process stopped before the outcome was recorded; sent again"))
        conn.execute(update(notify_deliveries).where(notify_deliveries.c.id == r.delivery_id)
                     .values(next_attempt_at=now))
    return len(rows)


def due_deliveries(conn: Connection, now: datetime, areas: Sequence[str] | None
                   ) -> list[Due]:
    q = (select(notify_deliveries, notify_messages.c.kind, notify_messages.c.area,
                notify_messages.c.recipient, notify_messages.c.content)
         .join(notify_messages,
               notify_messages.c.message_key == notify_deliveries.c.message_key)
         .where(notify_deliveries.c.state == "pending",
                notify_deliveries.c.next_attempt_at <= now)
         .order_by(notify_deliveries.c.id))
    if areas is not None:
        q = q.where(notify_messages.c.area.in_(list(areas)))
    return [Due(r.id, r.message_key, r.channel, r.attempts, r.kind, r.area, r.recipient,
                r.content) for r in conn.execute(q)]


def begin_attempt(conn: Connection, d: Due, now: datetime) -> int:
    n = d.attempts + 1
    conn.execute(update(notify_deliveries).where(notify_deliveries.c.id == d.delivery_id)
                 .values(attempts=n))
    res = conn.execute(insert(notify_attempts).values(
        delivery_id=d.delivery_id, attempt=n, started_at=now))
    key = res.inserted_primary_key
    assert key is not None
    return int(key[0])


def finish_attempt(conn: Connection, d: Due, attempt_id: int, outcome: str, detail: str,
                   message_id: str | None, now: datetime, retry: Retry, who: str, role: str
                   ) -> str:
    """Record the outcome: `sent`, `retry` (temporary failure: back off, or `failed`
    once the attempts are used up) or `failed` (permanent). Returns the final outcome."""
    n = d.attempts + 1
    if outcome == "retry" and n >= retry.attempts:
        outcome, detail = "failed", f"{detail}; gave up after {n} attempts"
    state = {"sent": "sent", "retry": "pending", "failed": "failed"}[outcome]
    conn.execute(update(notify_attempts).where(notify_attempts.c.id == attempt_id).values(
        finished_at=now, outcome=outcome, detail=detail, message_id=message_id))
    conn.execute(update(notify_deliveries).where(notify_deliveries.c.id == d.delivery_id).values(
        state=state, message_id=message_id if outcome == "sent" else None,
        last_error=None if outcome == "sent" else detail,
        next_attempt_at=now + backoff(n, retry) if outcome == "retry" else None))
    audit(conn, who, role, "notify.send", {
        "message": d.message_key, "kind": d.kind, "area": d.area, "recipient": d.recipient,
        "channel": d.channel, "attempt": n, "outcome": outcome, "message_id": message_id,
        "flags": [i["flag_id"] for i in d.content["items"]]})
    return outcome


def log(conn: Connection, areas: Sequence[str] | None, limit: int) -> list[dict[str, Any]]:
    """Deliveries, newest first, each with every attempt's outcome in order
    (`liaison notify log`)."""
    q = (select(notify_deliveries, notify_messages.c.kind, notify_messages.c.area,
                notify_messages.c.recipient, notify_messages.c.created_at)
         .join(notify_messages,
               notify_messages.c.message_key == notify_deliveries.c.message_key)
         .order_by(notify_deliveries.c.id.desc()).limit(limit))
    if areas is not None:
        q = q.where(notify_messages.c.area.in_(list(areas)))
    rows = conn.execute(q).all()
    tries: dict[int, list[str]] = {}
    if rows:
        aq = (select(notify_attempts.c.delivery_id, notify_attempts.c.outcome)
              .where(notify_attempts.c.delivery_id.in_([r.id for r in rows]))
              .order_by(notify_attempts.c.delivery_id, notify_attempts.c.attempt))
        for a in conn.execute(aq):
            tries.setdefault(a.delivery_id, []).append(a.outcome or "in flight")
    return [{"delivery": r.id, "created_at": r.created_at.isoformat(), "kind": r.kind,
             "area": r.area, "recipient": r.recipient, "channel": r.channel,
             "state": r.state, "attempts": tries.get(r.id, []), "message_id": r.message_id,
             "last_error": r.last_error, "message": r.message_key} for r in rows]
