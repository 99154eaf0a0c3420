"""The notifier on PostgreSQL: the same messages, the same log, a retry, an
acknowledgement and the interrupted-attempt recovery as on SQLite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update

from engine.notify.outbox import log
from engine.notify.run import deliver, send
from engine.store import notify_attempts, notify_deliveries
from engine.store.audit import Actor
from engine.store.db import engine_for, reading, writing
from tests.notify.scenario import AS_OF, build
from tests.notify.sinks import HttpSink, SmtpSink

ACTOR = Actor("notifier", "force_data_team")
NOW = datetime(2026, 11, 24, 9, 1, tzinfo=UTC)


@pytest.mark.postgres
def test_send_retry_and_recovery_on_postgres(tmp_path: Path, pg_url: str, smtp: SmtpSink,
                                             hook: HttpSink) -> None:
    s = build(tmp_path, url=pg_url)
    hook.status = lambda n: 500 if n == 1 else 200
    out = send(s.url, s.notifier, AS_OF, ACTOR, now=NOW)
    assert [(p.kind, p.recipient.key, len(p.items)) for p, _ in out.messages] == [
        ("alert", "greater-manchester/police", 1), ("alert", "south-wales/police", 1),
        ("digest", "south-wales/cps", 1), ("digest", "south-wales/police", 4)]
    assert dict(out.deliveries) == {"sent": 5, "retry": 1}
    # a crash mid-attempt, simulated by an attempt row with no outcome
    eng = engine_for(s.url)
    with writing(eng) as conn:
        did = conn.execute(select(notify_deliveries.c.id).where(
            notify_deliveries.c.state == "pending")).scalar_one()
        conn.execute(insert(notify_attempts).values(delivery_id=did, attempt=2,
                                                    started_at=NOW + timedelta(seconds=30)))
        conn.execute(update(notify_deliveries).where(notify_deliveries.c.id == did)
                     .values(attempts=2))
    counts = deliver(s.url, s.notifier, ACTOR, None, NOW + timedelta(minutes=1))
    assert dict(counts) == {"interrupted": 1, "sent": 1}
    with reading(eng) as conn:
        rows = log(conn, None, 100)
    assert sorted(tuple(r["attempts"]) for r in rows) == [
        ("retry", "interrupted", "sent"), *[("sent",)] * 5]
    assert len(smtp.received) == 4 and len(hook.requests) == 3
    again = send(s.url, s.notifier, AS_OF, ACTOR, now=NOW + timedelta(minutes=2))
    assert again.messages == [] and dict(again.deliveries) == {}
