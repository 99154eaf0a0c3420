"""The store's tables (SQLAlchemy Core). Plain columns, no domain logic: the evaluator
decides, the store remembers.

Instants are stored in UTC (`UTCDateTime`): SQLite keeps no offset, PostgreSQL keeps
`timestamptz`; both read back as aware UTC datetimes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData()


class UTCDateTime(TypeDecorator[datetime]):
    """An aware instant stored as UTC; naive values are refused (they are ambiguous)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored; give it an offset")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


ingest_batches = Table(
    "ingest_batches", metadata,
    # Deterministic id: the input's content hash and the line range. A batch that was
    # committed is skipped when the same input is ingested again (resume after a crash).
    Column("batch_id", String(96), primary_key=True),
    Column("file_key", String(64), nullable=False),
    Column("file_name", Text, nullable=False),
    Column("first_line", Integer, nullable=False),
    Column("last_line", Integer, nullable=False),
    Column("accepted", Integer, nullable=False),
    Column("duplicate", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("committed_at", UTCDateTime, nullable=False),
    Index("ix_ingest_batches_file", "file_key", "first_line"),
)

events = Table(
    "events", metadata,
    Column("event_id", String(128), primary_key=True),
    Column("case_id", String(64), nullable=True),
    Column("area", String(64), nullable=False),
    Column("type", String(64), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("source", String(16), nullable=False),
    Column("data", JSON, nullable=False),
    # engine.ingest.body_hash of the parsed event: equal = duplicate, else conflict.
    Column("body_hash", String(64), nullable=False),
    Column("batch_id", String(96), ForeignKey("ingest_batches.batch_id"), nullable=False),
    Index("ix_events_case_at", "case_id", "at", "event_id"),
    Index("ix_events_area", "area", "case_id"),
)

cases = Table(
    "cases", metadata,
    Column("case_id", String(64), primary_key=True),
    # The case's area now (after any transfer), as of its latest event.
    Column("area", String(64), nullable=False),
    # crc32(case_id) % 1024: stable across processes and databases, for partitioning.
    Column("bucket", Integer, nullable=False),
    Column("first_event_at", UTCDateTime, nullable=False),
    Column("last_event_at", UTCDateTime, nullable=False),
    Column("event_count", Integer, nullable=False),
    # Bumped by every ingest batch that adds events to the case; the sweep records the
    # version it read, so an event that lands during a sweep is never lost.
    Column("event_version", Integer, nullable=False),
    Column("evaluated_version", Integer, nullable=True),
    Column("stage", String(48), nullable=True),
    Column("evaluated_at", UTCDateTime, nullable=True),
    Column("evaluated_as_of", UTCDateTime, nullable=True),
    Column("rules_key", String(64), nullable=True),
    # The earliest instant at which an open instance can change status (due -> due_soon,
    # due_soon -> missed) or a future-dated event comes into force.
    Column("next_check", UTCDateTime, nullable=True),
    # What the case's last evaluation added to `compliance_counts` (engine/store/counts.py),
    # so the next one can take exactly that back out. Null: nothing counted yet.
    Column("contribution", Text, nullable=True),
    # The outcome report's exposure (engine/keysteps.py): were the case's decided key
    # liaison steps all met, and when did the last of them fall due. Null: none decided.
    Column("key_steps_on_time", Boolean, nullable=True),
    Column("key_steps_decided_until", UTCDateTime, nullable=True),
    # What the reports count about the case, judged by the sweep from its events
    # (engine/evaluate/milestones.py; migration 0010). NULL facts_key: not judged yet.
    Column("facts_key", String(16), nullable=True),
    Column("stage_entered_day", Integer, nullable=True),  # Europe/London, date.toordinal()
    Column("reported_day", Integer, nullable=True),
    Column("referred_day", Integer, nullable=True),
    Column("charged_day", Integer, nullable=True),
    Column("court_day", Integer, nullable=True),
    Column("concluded_day", Integer, nullable=True),
    Column("withdrew_at", UTCDateTime, nullable=True),
    Column("withdrew_stage", String(48), nullable=True),
    Index("ix_cases_area_case", "area", "case_id"),
    Index("ix_cases_next_check", "next_check"),
)

config_versions = Table(
    "config_versions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("area", String(64), nullable=False),
    Column("framework_version", String(32), nullable=False),
    Column("effective_from", UTCDateTime, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("yaml", Text, nullable=False),
    Column("deployed_by", String(128), nullable=False),
    Column("role", String(32), nullable=False),
    Column("deployed_at", UTCDateTime, nullable=False),
    # The resolved template as JSON: what rebuilds the version after a national change.
    Column("template", Text, nullable=True),
    UniqueConstraint("area", "effective_from", name="uq_config_versions_area_effective"),
)

# Step instances as of each case's last evaluation: every status but `met` for cases (met
# ones are counted in compliance_counts), every instance for area-level steps.
instances = Table(
    "instances", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("case_id", String(64), nullable=True),  # null for area-level instances
    Column("area", String(64), nullable=False),
    Column("step", String(64), nullable=False),
    Column("trigger_event", String(128), nullable=True),
    Column("trigger_at", UTCDateTime, nullable=True),
    Column("status", String(16), nullable=False),
    Column("due", UTCDateTime, nullable=True),
    Column("satisfied_by", String(128), nullable=True),
    Column("owner", String(16), nullable=False),
    Column("severity", String(16), nullable=False),
    # No explanation text: readers build it on read (engine/store/explanations.py).
    Column("version", String(96), nullable=False),  # Template.version that judged it
    Column("evaluated_as_of", UTCDateTime, nullable=False),
    Index("ix_instances_case", "case_id"),
    Index("ix_instances_area_status", "area", "status"),
    # covers the dashboard's work queue (migration 0005)
    Index("ix_instances_queue", "area", "status", "owner", "due", "trigger_at",
          "evaluated_as_of", "case_id", "step"),
)

# Instances counted per (area, step, version, owner, period, status), kept exact by the
# sweep in the same transaction as the rows (engine/store/counts.py, migration 0008).
# `period` is the Europe/London quarter the instance fell due in ("2026Q2"), "" if it
# has no due instant (a violated prohibition). The reports read compliance from here.
compliance_counts = Table(
    "compliance_counts", metadata,
    Column("area", String(64), primary_key=True),
    Column("step", String(64), primary_key=True),
    Column("version", String(96), primary_key=True),
    Column("owner", String(16), primary_key=True),
    Column("period", String(8), primary_key=True),
    Column("status", String(16), primary_key=True),
    Column("n", BigInteger, nullable=False),
)

rejects = Table(
    "rejects", metadata,
    Column("file_key", String(64), primary_key=True),
    Column("line", Integer, primary_key=True),
    Column("file_name", Text, nullable=False),
    Column("event_id", Text, nullable=True),
    Column("field", String(128), nullable=True),
    Column("reason", Text, nullable=False),
    Column("raw", Text, nullable=False),  # always empty: a rejected line is never kept
    Column("batch_id", String(96), ForeignKey("ingest_batches.batch_id"), nullable=False),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("who", String(128), nullable=False),
    Column("role", String(32), nullable=False),
    Column("action", String(64), nullable=False),
    Column("detail", JSON, nullable=False),
    # The hash chain (engine/store/audit_chain.py): the previous entry's hash, and this
    # entry's. Nullable only because SQLite cannot tighten a column it added.
    Column("prev_hash", String(64), nullable=True),
    Column("hash", String(64), nullable=True),
    Index("ix_audit_log_at", "at"),
)

snapshots = Table(
    "snapshots", metadata,
    # One row per kind ("national"): the report as the API serves it, written by the
    # sweep and the report flow (engine/reports/snapshot.py).
    Column("kind", String(32), primary_key=True),
    Column("as_of", UTCDateTime, nullable=False),
    Column("written_at", UTCDateTime, nullable=False),
    Column("written_by", String(64), nullable=False),
    Column("etag", String(80), nullable=False),
    Column("data_json", Text, nullable=False),
    Column("report_json", Text, nullable=False),
)

# Bearer tokens of the read API (engine.api.tokens): only each token's SHA-256 is kept.
# Defined here, with every other table, so that Alembic's metadata always has it.
api_tokens = Table(
    "api_tokens", metadata,
    Column("token_id", String(32), primary_key=True),
    Column("token_hash", String(64), nullable=False),
    Column("role", String(32), nullable=False),
    Column("area", String(64), nullable=True),
    Column("cps_area", String(64), nullable=True),
    Column("created_by", String(128), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
)


# The delivery log and acknowledgement tables (migration 0003_notify), used by engine.notify;
# defined here so that Alembic's metadata always has them.
# - `notify_sent`: one row per (flag, transition) ever notified, so each is notified at
#   most once; `message_key` is null for a baseline row (a flag that already existed when
#   an area's notifications began, recorded so it never floods the first digest).
# - `notify_messages`: what was planned, stored whole so a retry resends the same message.
# - `notify_deliveries`: one per (message, channel), with its state and backoff.
# - `notify_attempts`: every attempt and its outcome; an attempt with no outcome is one a
#   crash interrupted (the next run marks it `interrupted` and sends again).
# - `flag_acks`: acknowledgements; they leave the flag's status alone.
_NOTIFY_ID = BigInteger().with_variant(Integer, "sqlite")

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
    Column("id", _NOTIFY_ID, primary_key=True, autoincrement=True),
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
    Column("id", _NOTIFY_ID, primary_key=True, autoincrement=True),
    Column("delivery_id", _NOTIFY_ID, ForeignKey("notify_deliveries.id"), nullable=False),
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
