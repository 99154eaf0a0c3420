"""Faults, with a real SMTP server and a real HTTP receiver: refusals, a timeout, a
webhook answering 500, and `kill -9` between the send and its log entry. In each, nothing
is lost, and the only duplicate is the one the channel's at-least-once window allows: a
message the server accepted while the sender could not hear it (timeout, crash) is sent
again with the same Message-ID / Idempotency-Key (docs/notify.md)."""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.notify.outbox import log
from engine.notify.run import Notifier, deliver, send
from engine.notify.settings import Retry
from engine.store import notify_sent
from engine.store.audit import Actor, entries
from engine.store.db import engine_for, reading
from tests.notify.scenario import AS_OF, Scenario, build
from tests.notify.sinks import HttpSink, SmtpSink, free_port

ACTOR = Actor("notifier", "force_data_team")
NOW = datetime(2026, 11, 24, 9, 1, tzinfo=UTC)
GM = ["greater-manchester"]
ROOT = Path(__file__).resolve().parents[2]


def tuned(s: Scenario, **changes: object) -> Notifier:
    return Notifier(s.notifier.cs, s.notifier.national.model_copy(update=changes))


def attempts(url: str) -> list[tuple[str, str, list[str], str | None]]:
    with reading(engine_for(url)) as conn:
        return [(r["recipient"], r["channel"], r["attempts"], r["last_error"])
                for r in reversed(log(conn, None, 100))]


def sent_rows(url: str) -> int:
    with reading(engine_for(url)) as conn:
        return int(conn.execute(select(func.count()).select_from(notify_sent)
                                .where(notify_sent.c.message_key.is_not(None))).scalar_one())


def test_smtp_refusing_then_recovering_loses_nothing_and_sends_once(
        tmp_path: Path, smtp: SmtpSink) -> None:
    s = build(tmp_path)
    smtp.mode = "refuse-temp"
    out = send(s.url, s.notifier, AS_OF, ACTOR, GM, now=NOW)
    assert dict(out.deliveries) == {"retry": 1}
    assert attempts(s.url) == [("greater-manchester/police", "email:rasso-spoc@gmp.police.example",
                                ["retry"], "SMTP 451 4.3.0 try again later")]
    # not yet due again: the first backoff is 60 s
    assert dict(deliver(s.url, s.notifier, ACTOR, GM, NOW + timedelta(seconds=59))) == {}
    smtp.mode = "accept"
    assert dict(deliver(s.url, s.notifier, ACTOR, GM, NOW + timedelta(seconds=60))) == {"sent": 1}
    assert [m["To"] for m in smtp.received] == ["rasso-spoc@gmp.police.example"]
    assert attempts(s.url)[0][2:] == (["retry", "sent"], None)
    # a later run plans nothing new and sends nothing again
    again = send(s.url, s.notifier, AS_OF, ACTOR, GM, now=NOW + timedelta(minutes=15))
    assert again.messages == [] and len(smtp.received) == 1


def test_a_server_that_is_not_listening_backs_off_then_gives_up(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = build(tmp_path)
    monkeypatch.setenv("LIAISON_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    n = tuned(s, retry=Retry(attempts=3, first_seconds=60, max_seconds=3600))
    send(s.url, n, AS_OF, ACTOR, GM, now=NOW)
    assert dict(deliver(s.url, n, ACTOR, GM, NOW + timedelta(seconds=60))) == {"retry": 1}
    assert dict(deliver(s.url, n, ACTOR, GM, NOW + timedelta(seconds=179))) == {}
    assert dict(deliver(s.url, n, ACTOR, GM, NOW + timedelta(seconds=180))) == {"failed": 1}
    ((_, _, tries, error),) = attempts(s.url)
    assert tries == ["retry", "retry", "failed"]
    assert error is not None and error.startswith("smtp://127.0.0.1:") and \
        error.endswith("gave up after 3 attempts")
    assert dict(deliver(s.url, n, ACTOR, GM, NOW + timedelta(days=1))) == {}
    outcomes = [e["detail"]["outcome"] for e in reversed(entries(s.url, "notify.send"))]
    assert outcomes == ["retry", "retry", "failed"]


def test_a_permanent_refusal_fails_at_once(tmp_path: Path, smtp: SmtpSink) -> None:
    s = build(tmp_path)
    smtp.mode = "refuse-perm"
    out = send(s.url, s.notifier, AS_OF, ACTOR, GM, now=NOW)
    assert dict(out.deliveries) == {"failed": 1}
    assert attempts(s.url)[0][2:] == (["failed"], "SMTP 550 5.1.1 mailbox unavailable")


def test_a_timeout_then_recovery_resends_with_the_same_message_id(
        tmp_path: Path, smtp: SmtpSink) -> None:
    s = build(tmp_path)
    n = tuned(s, timeout_seconds=0.5)
    smtp.mode, smtp.sleep = "slow", 1.5
    out = send(s.url, n, AS_OF, ACTOR, GM, now=NOW)
    assert dict(out.deliveries) == {"retry": 1}
    smtp.mode = "accept"
    assert dict(deliver(s.url, n, ACTOR, GM, NOW + timedelta(minutes=1))) == {"sent": 1}
    # The server had the first copy although the sender timed out: the at-least-once
    # window. Both copies carry one Message-ID, so they are recognisably one notice.
    ids = [m["Message-ID"] for m in smtp.received]
    assert len(ids) == 2 and ids[0] == ids[1]
    ((_, _, tries, _),) = attempts(s.url)
    assert tries == ["retry", "sent"]


def test_a_webhook_answering_500_is_retried_with_the_same_idempotency_key(
        tmp_path: Path, smtp: SmtpSink, hook: HttpSink) -> None:
    s = build(tmp_path)
    hook.status = lambda n: 500 if n == 1 else 200
    out = send(s.url, s.notifier, AS_OF, ACTOR, ["south-wales"], now=NOW)
    assert dict(out.deliveries) == {"sent": 4, "retry": 1}
    assert dict(deliver(s.url, s.notifier, ACTOR, None, NOW + timedelta(minutes=1))) == {
        "sent": 1}
    keys = [h["idempotency-key"] for h, _ in hook.requests]
    assert len(keys) == 3 and keys[0] == keys[2] != keys[1]
    hooks = [(r[2], r[3]) for r in attempts(s.url) if r[1].startswith("webhook:")]
    assert hooks == [(["retry", "sent"], None), (["sent"], None)]
    assert len(smtp.received) == 3  # one email per message, never repeated


def run_cli_send(url: str, area: str) -> subprocess.Popen[bytes]:
    """`liaison notify send` in its own process (the fixtures' environment points it at
    the sinks), so that it can be killed."""
    return subprocess.Popen(
        [sys.executable, "-c", "from engine.cli.app import main; main()", "notify", "send",
         "--db", url, "--area", area, "--as-of", AS_OF.isoformat(), "--as", "notifier"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.slow
def test_kill_minus_nine_between_send_and_log_resends_once_and_loses_nothing(
        tmp_path: Path, smtp: SmtpSink, hook: HttpSink) -> None:
    s = build(tmp_path)
    # 1. SMTP: the server takes the message, then the sender is killed before it hears
    smtp.mode = "kill"
    proc = run_cli_send(s.url, "greater-manchester")
    smtp.kill_pid = proc.pid
    proc.wait(timeout=120)
    assert proc.returncode == -signal.SIGKILL
    assert [r[2] for r in attempts(s.url)] == [["in flight"]]
    planned = sent_rows(s.url)
    # the re-run marks the attempt interrupted, sends again, and plans nothing twice
    out = send(s.url, s.notifier, AS_OF, ACTOR, GM)
    assert out.messages == [] and dict(out.deliveries) == {"interrupted": 1, "sent": 1}
    assert sent_rows(s.url) == planned
    assert attempts(s.url)[0][2] == ["interrupted", "sent"]
    ids = [m["Message-ID"] for m in smtp.received]
    assert len(ids) == 2 and ids[0] == ids[1]

    # 2. webhook: the receiver reads the request, then the sender is killed
    proc = run_cli_send(s.url, "south-wales")
    hook.kill_pid = proc.pid
    proc.wait(timeout=120)
    assert proc.returncode == -signal.SIGKILL
    # (the killed process stamped its log with the wall clock, so the re-run uses it too)
    out = send(s.url, s.notifier, AS_OF, ACTOR, ["south-wales"])
    assert out.messages == []
    assert out.deliveries["interrupted"] == 1
    keys = [h["idempotency-key"] for h, _ in hook.requests]
    assert keys[0] == keys[1] and len(set(keys)) == 2 and len(keys) == 3
    states = {(r[1], tuple(r[2])) for r in attempts(s.url) if r[0] == "south-wales/police"}
    assert ("webhook:teams:SOUTH_WALES_POLICE_TEAMS_WEBHOOK", ("interrupted", "sent")) in states
    # every email went exactly once (the crash was on the webhook)
    tos = [m["To"] for m in smtp.received]
    assert tos.count("rasso@cps-wales.example") == 1
    assert tos.count("rasso-spoc@south-wales.police.example") == 2  # alert + digest, once each
