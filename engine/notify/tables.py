"""The delivery log and acknowledgement tables (migration 0003_notify).

- `notify_sent`: one row per (flag, transition) ever notified, so each is notified at
  most once; `message_key` is null for a baseline row (a flag that already existed when
  an area's notifications began, recorded so it never floods the first digest).
- `notify_messages`: what was planned, stored whole so a retry resends the same message.
- `notify_deliveries`: one per (message, channel), with its state and backoff.
- `notify_attempts`: every attempt and its outcome; an attempt with no outcome is one a
  crash interrupted (the next run marks it `interrupted` and sends again).
- `flag_acks`: acknowledgements; they leave the flag's status alone.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from engine.store import UTCDateTime, metadata

ID = BigInteger().with_variant(Integer, "sqlite")

notify_areas = Table(
    "notify_areas", metadata,
    Column("area", String(64), primary_key=True),
    Column("started_at", UTCDateTime, nullable=False),
)

notify_messages = Table(
    "notify_messages", metadata,
    Column("message_key", String(200), primary_key=True),
    Column("kind", String(16), nullable=False),  # alert | digest | escalation
    Column("area", String(64), nullable=False),
    Column("recipient", String(96), nullable=False),
    Column("as_of", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("content", JSON, nullable=False),
)

notify_sent = Table(
    "notify_sent", metadata,
    Column("flag_id", String(32), primary_key=True),
    Column("transition", String(16), primary_key=True),
    Column("area", String(64), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("message_key", String(200), ForeignKey("notify_messages.message_key"),
           nullable=True),
    Column("noted_at", UTCDateTime, nullable=False),
    Index("ix_notify_sent_area", "area", "transition"),
)

notify_deliveries = Table(
    "notify_deliveries", metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("message_key", String(200), ForeignKey("notify_messages.message_key"),
           nullable=False),
    Column("channel", String(200), nullable=False),
    Column("state", String(16), nullable=False),  # pending | sent | failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=True),
    Column("message_id", String(255), nullable=True),
    Column("last_error", Text, nullable=True),
    UniqueConstraint("message_key", "channel", name="uq_notify_deliveries_channel"),
    Index("ix_notify_deliveries_state", "state", "next_attempt_at"),
)

notify_attempts = Table(
    "notify_attempts", metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("delivery_id", ID, ForeignKey("notify_deliveries.id"), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    # sent | retry | failed | interrupted; null while in flight
    Column("outcome", String(16), nullable=True),
    Column("detail", Text, nullable=True),
    Column("message_id", String(255), nullable=True),
    Index("ix_notify_attempts_delivery", "delivery_id", "attempt"),
)

flag_acks = Table(
    "flag_acks", metadata,
    Column("flag_id", String(32), primary_key=True),
    Column("area", String(64), nullable=False),
    Column("case_id", String(64), nullable=True),
    Column("step", String(64), nullable=False),
    Column("owner", String(16), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("who", String(128), nullable=False),
    Column("role", String(32), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_flag_acks_area", "area", "reason"),
)
