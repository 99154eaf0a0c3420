"""Refusals in the audit log, in bounded form, so an anonymous caller cannot flood it.

Every refusal is worth knowing about, but not at the caller's chosen size or rate. Each
text the caller controls is cut (a path to 160 characters, with its full length noted;
a case id or area to 64). The first refusal from one client in a minute is written in
full; the rest of that minute are only counted, and one `api.refused.repeated` entry per
client and minute gives the count, by status, when the minute is over (written with the
next refusal after it, or when the server stops). A client is the token's id, or for a
caller without a valid token the peer address.

Refusals of different kinds (status and reason, a fixed set) are kept apart, so the
first of each kind is seen in full. A flood from one client therefore costs at most two
entries a minute per kind of refusal, whatever its size. The
counts of the minute in progress are in memory: a crash loses at most one minute's
repeat counts, never the first refusal of any client.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from engine.store import record, writing

PATH_MAX = 160
VALUE_MAX = 64
MAX_CLIENTS = 10_000  # clients tracked in one minute before the counts are written early


def cut(text: str, limit: int) -> str:
    """`text`, or its first `limit` characters and a note of the full length."""
    return text if len(text) <= limit else f"{text[:limit]}…(+{len(text) - limit} chars)"


@dataclass
class _Minute:
    who: str
    role: str
    minute: datetime
    count: int = 0


class RefusalLog:
    """One per app: records refusals to the audit log in bounded, aggregated form."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] | None = None):
        self.engine = engine
        self.clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        self._repeats: dict[str, _Minute] = {}
        self._seen: dict[str, datetime] = {}  # client -> minute of its last full entry

    def refused(self, client: str, who: str, role: str, method: str, path: str, status: int,
                reason: str, detail: dict[str, Any]) -> None:
        minute = self.clock().replace(second=0, microsecond=0)
        client = f"{client} {status} {reason}"  # one full entry per kind of refusal
        with self._lock:
            due = self._take_finished(minute)
            first = self._seen.get(client) != minute
            if first:
                self._seen[client] = minute
            else:
                entry = self._repeats.setdefault(client, _Minute(who, role, minute))
                entry.count += 1
        self._write(due)
        if first:
            bounded = {k: cut(str(v), VALUE_MAX) if isinstance(v, str) else v
                       for k, v in detail.items()}
            with writing(self.engine) as conn:
                record(conn, who, role, "api.refused", {
                    "client": cut(client.split(" ", 1)[0], VALUE_MAX), "method": method[:16],
                    "path": cut(path, PATH_MAX), "status": status, "reason": reason,
                    **bounded})

    def flush(self) -> None:
        """Write every pending repeat count (at shutdown, and in tests)."""
        with self._lock:
            due = list(self._repeats.items())
            self._repeats.clear()
            self._seen.clear()
        self._write(due)

    def _take_finished(self, minute: datetime) -> list[tuple[str, _Minute]]:
        """Under the lock: remove and return the counts of minutes that are over (all of
        them when too many clients are tracked)."""
        if len(self._seen) > MAX_CLIENTS:
            due = list(self._repeats.items())
            self._repeats.clear()
            self._seen.clear()
            return due
        due = [(c, m) for c, m in self._repeats.items() if m.minute < minute]
        for c, _m in due:
            del self._repeats[c]
        for c in [c for c, m in self._seen.items() if m < minute]:
            del self._seen[c]
        return due

    def _write(self, due: list[tuple[str, _Minute]]) -> None:
        if not due:
            return
        with writing(self.engine) as conn:
            for key, m in due:
                client, status, reason = key.split(" ", 2)
                record(conn, m.who, m.role, "api.refused.repeated", {
                    "client": cut(client, VALUE_MAX), "status": int(status),
                    "reason": reason, "minute": m.minute.isoformat(), "refusals": m.count})
