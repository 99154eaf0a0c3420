"""The case store: tables, connections, migrations, reads and the audit log.

This is the store's front door: code outside `engine/store` imports from here, never
from its modules (a test pins it). Entry points take a `db_url: str | None`, resolved
by `engine_for` (`$LIAISON_DATABASE_URL`, else SQLite under ./.liaison/).
"""

from engine.store.audit import Actor, current_actor, entries, record
from engine.store.audit_chain import verify as verify_audit_chain
from engine.store.audit_reads import who_read
from engine.store.batches import (
    StoredForm,
    body_hash,
    case_bucket,
    commit_batch,
    commit_lines,
    stored_form,
)
from engine.store.bulk import insert_rows, instant_param, placeholders, read_events
from engine.store.counts import (
    CountKey,
    contributions,
    decode_contribution,
    keyed,
    recount_areas,
    recount_cases,
    stored_counts,
    totals,
)
from engine.store.db import (
    connected,
    describe,
    engine_for,
    is_sqlite,
    reading,
    resolve_url,
    writing,
)
from engine.store.explanations import (
    BATCH_FROM,
    VERDICT_COLUMNS,
    case_events,
    explain_from,
    explain_rows,
    judge_again,
    judge_area,
    judge_batch,
    keyed_instances,
    materialize,
    rules_for,
)
from engine.store.migrate import current_revision, head_revision, upgrade
from engine.store.partition import in_partition, partition_sql
from engine.store.reads import (
    case_detail,
    case_timeline,
    flag_json,
    flag_query,
    flags,
    flags_json,
    instance_json,
)
from engine.store.schema import checked_engine, require_schema
from engine.store.tables import (
    UTCDateTime,
    api_tokens,
    audit_log,
    cases,
    compliance_counts,
    config_versions,
    events,
    flag_acks,
    ingest_batches,
    instances,
    metadata,
    notify_areas,
    notify_attempts,
    notify_deliveries,
    notify_messages,
    notify_sent,
    rejects,
    snapshots,
)
from engine.store.versions import (
    StoreRules,
    Version,
    build_rules,
    candidate_template,
    content_hash,
    history,
    load_config_set,
    rules_in_force,
    template_from_version,
)

# Not `versions`: that name is the module engine.store.versions (tests patch it).
from engine.store.versions import versions as deployed_versions

__all__ = [
    "Actor", "StoreRules", "UTCDateTime", "Version", "api_tokens", "audit_log", "body_hash",
    "build_rules", "candidate_template", "case_bucket", "case_detail", "case_timeline",
    "cases", "checked_engine", "commit_batch", "commit_lines", "config_versions", "connected",
    "content_hash",
    "current_actor", "current_revision", "deployed_versions", "describe", "engine_for",
    "entries", "events", "flag_json", "flag_query", "flags", "head_revision", "history",
    "in_partition", "ingest_batches", "insert_rows", "instance_json", "instances",
    "instant_param", "is_sqlite", "load_config_set", "metadata", "placeholders", "read_events",
    "reading", "record", "rejects", "require_schema", "resolve_url", "rules_in_force",
    "snapshots", "template_from_version", "upgrade", "verify_audit_chain", "who_read",
    "writing",
    "flag_acks", "notify_areas", "notify_attempts", "notify_deliveries", "notify_messages",
    "notify_sent", "partition_sql",
    "BATCH_FROM", "VERDICT_COLUMNS", "case_events", "explain_from", "explain_rows", "flags_json",
    "judge_again", "judge_area", "judge_batch", "keyed_instances", "materialize", "rules_for",
    "CountKey", "compliance_counts", "contributions", "decode_contribution", "keyed",
    "recount_areas", "recount_cases", "stored_counts", "totals",
    "StoredForm", "stored_form",
]
