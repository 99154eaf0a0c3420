"""The append-only audit log (contract §8): every case-level read and every deployment.

There is deliberately no update or delete here; on both databases triggers refuse them,
and refuse an insert that does not come after the newest entry (REPLACE, UPSERT). Each
entry is chained to the one before by hash (engine/store/audit_chain.py).
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select, text

from engine.errors import InputError
from engine.store.audit_chain import entry_hash, last_link
from engine.store.db import reading
from engine.store.schema import checked_engine
from engine.store.tables import audit_log
from engine.terms import Role

ROLES = tuple(r.value for r in Role)


@dataclass(frozen=True)
class Actor:
    """Who is acting, and in which role (contract §8)."""

    who: str
    role: str


def current_actor(who: str | None = None, role: str | None = None) -> Actor:
    """The acting user: arguments, else `$LIAISON_USER` / `$LIAISON_ROLE`, else the login
    name as a force data team member (the role that configures and ingests)."""
    name = who or os.environ.get("LIAISON_USER") or _login()
    r = role or os.environ.get("LIAISON_ROLE") or Role.force_data_team.value
    if r not in ROLES:
        raise InputError(f"unknown role {r!r}; allowed: {' | '.join(ROLES)}")
    return Actor(name, r)


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def record(conn: Connection, who: str, role: str, action: str, detail: dict[str, Any]) -> None:
    """Append one entry, chained to the newest, inside the caller's transaction (so a
    deploy and its audit entry commit together). Writers queue: SQLite's writing
    transaction holds the write lock from BEGIN, and on PostgreSQL the table lock below
    makes the next writer wait, so two entries never claim the same predecessor."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE"))
    last_id, last_hash = last_link(conn)
    entry_id, at = last_id + 1, datetime.now(UTC)
    conn.execute(audit_log.insert().values(
        id=entry_id, at=at, who=who, role=role, action=action, detail=detail,
        prev_hash=last_hash,
        hash=entry_hash(entry_id, at, who, role, action, detail, last_hash)))


def entries(db_url: str | None, action: str | None = None, limit: int = 1000
            ) -> list[dict[str, Any]]:
    """The latest entries, newest first (for the auditor and for tests)."""
    q = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if action:
        q = q.where(audit_log.c.action == action)
    with reading(checked_engine(db_url)) as conn:
        return [dict(r._mapping) for r in conn.execute(q)]
