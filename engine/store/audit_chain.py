"""The audit log's hash chain: each entry carries the hash of the one before it and a
hash of its own contents, so an entry changed, removed or slipped in later breaks the
chain at that entry, whatever was done to the database (triggers dropped, the file
edited). `verify` walks the chain and names the first entry that does not fit.

What a chain cannot show is entries cut off the end: `verify` prints the last id and
hash so they can be noted elsewhere (a ticket, a signed email) and compared later.

The hash must never change: entries written years ago are checked with it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from engine.store.tables import audit_log

GENESIS = "0" * 64  # the prev_hash of the first entry


def entry_hash(entry_id: int, at: datetime, who: str, role: str, action: str,
               detail: Any, prev_hash: str) -> str:
    """sha256 over the entry's canonical JSON (sorted keys, no spaces, UTF-8)."""
    body = json.dumps([entry_id, at.isoformat(), who, role, action, detail, prev_hash],
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def last_link(conn: Connection) -> tuple[int, str]:
    """(id, hash) of the newest entry, or (0, GENESIS) for an empty log."""
    row = conn.execute(select(audit_log.c.id, audit_log.c.hash)
                       .order_by(audit_log.c.id.desc()).limit(1)).first()
    return (0, GENESIS) if row is None else (int(row.id), str(row.hash))


@dataclass(frozen=True)
class Verdict:
    entries: int
    last_id: int
    last_hash: str
    broken_at: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def _rows(conn: Connection, chunk: int = 5000) -> Iterator[Any]:
    after = -1
    while True:
        rows = conn.execute(select(audit_log).where(audit_log.c.id > after)
                            .order_by(audit_log.c.id).limit(chunk)).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].id


def verify(conn: Connection) -> Verdict:
    """Walk the chain from the first entry; stop at the first that does not fit."""
    prev_id, prev_hash, n = 0, GENESIS, 0
    for r in _rows(conn):
        n += 1
        if r.prev_hash != prev_hash:
            what = ("the entry before it is missing or was changed" if prev_id else
                    "it is not the first entry ever written: entries before it are missing")
            return Verdict(n, r.id, r.hash, r.id,
                           f"entry {r.id} does not follow entry {prev_id}: {what}")
        if entry_hash(r.id, r.at, r.who, r.role, r.action, r.detail, r.prev_hash) != r.hash:
            return Verdict(n, r.id, r.hash, r.id,
                           f"entry {r.id} ({r.at.isoformat()}, {r.who}, {r.action}): its "
                           "contents do not match its hash; it was changed after it was "
                           "written")
        prev_id, prev_hash = r.id, r.hash
    return Verdict(n, prev_id, prev_hash)
