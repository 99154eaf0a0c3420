"""No personal detail from the events ever reaches a SPOC message (issue 13, Deliver 2):
the privacy work's corpus, in every place an event line can carry it, goes through ingest
beside a scenario that produces alerts, digests and an escalation; every byte the real
SMTP server and HTTP receiver get is searched for it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from engine.ingest import ingest_paths
from engine.notify.run import send
from engine.store.audit import Actor
from tests.notify.scenario import AS_OF, build
from tests.notify.sinks import HttpSink, SmtpSink
from tests.pii import CORPUS, bad_jsonl_lines, leaks

ACTOR = Actor("notifier", "force_data_team")


def test_no_corpus_string_reaches_any_message(tmp_path: Path, smtp: SmtpSink,
                                              hook: HttpSink) -> None:
    s = build(tmp_path)
    dirty = tmp_path / "dirty.jsonl"
    dirty.write_text("\n".join(bad_jsonl_lines()) + "\n", encoding="utf-8")
    report = ingest_paths(s.url, [str(dirty)], actor="test")
    assert report.accepted == 0 and report.rejected > len(CORPUS)
    s.sweep(AS_OF)
    send(s.url, s.notifier, AS_OF, ACTOR, now=AS_OF)
    later = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # escalations are due by then
    s.sweep(later)
    out = send(s.url, s.notifier, later, ACTOR, now=later)
    assert {p.kind for p, _ in out.messages} >= {"escalation"}
    assert len(smtp.received) >= 6 and len(hook.requests) >= 3
    blob = b"".join(m.as_bytes() for m in smtp.received)
    blob += b"".join(json.dumps(body, ensure_ascii=False).encode() for _, body in hook.requests)
    assert leaks(blob) == []
    # and what was sent is only what the payload documents
    allowed = {"flag_id", "case_id", "area", "step", "title", "transition", "status", "due",
               "due_text", "severity", "explanation", "link"}
    for _, body in hook.requests:
        for block in body["attachments"][0]["content"]["body"]:
            assert block["type"] in ("TextBlock", "FactSet", "ActionSet")
    assert all(set(i) == allowed for p, c in out.messages for i in c["items"])
