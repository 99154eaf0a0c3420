"""Sending for real: the messages a real SMTP server and a real HTTP receiver get, parsed
and asserted exactly; and a second run that sends nothing again (issue 13, Deliver 2-3)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from engine.notify.compose import message_id
from engine.notify.run import send
from engine.store import VERDICT_COLUMNS, explain_rows, rules_for
from engine.store.audit import Actor, entries
from engine.store.db import engine_for, reading
from engine.store.tables import instances
from tests.notify.scenario import AS_OF, build
from tests.notify.sinks import HttpSink, SmtpSink

ACTOR = Actor("notifier", "force_data_team")
NOW = datetime(2026, 11, 24, 9, 1, tzinfo=UTC)
GM_ALERT_KEY = "alert:greater-manchester/police:20261124T090000:df5d692cba11898d"


def explanation(url: str, case_id: str, step: str) -> str:
    """The instance's explanation as every reader builds it on read (no text is stored)."""
    eng = engine_for(url)
    with reading(eng) as conn:
        row = conn.execute(select(*VERDICT_COLUMNS).where(
            instances.c.case_id == case_id, instances.c.step == step)).one()
        return explain_rows(conn, [row], rules_for(eng))[0]


def test_alerts_and_digests_reach_smtp_and_the_teams_webhook_exactly(
        tmp_path: Path, smtp: SmtpSink, hook: HttpSink) -> None:
    s = build(tmp_path)
    out = send(s.url, s.notifier, AS_OF, ACTOR, now=NOW)
    assert [(p.kind, p.recipient.key, [(i.flag.case_id, i.flag.step, i.transition)
                                       for i in p.items]) for p, _ in out.messages] == [
        ("alert", "greater-manchester/police",
         [("GM-26-000001", "police_inform_arrest", "due_soon")]),
        ("alert", "south-wales/police",
         [("SW-26-000001", "no_isva_sharing_without_consent", "violated")]),
        ("digest", "south-wales/cps", [("SW-26-000002", "cps_inform_decision", "due_today")]),
        ("digest", "south-wales/police",
         [("SW-26-000001", "police_inform_arrest", "late"),
          ("SW-26-000002", "police_needs_assessment", "due_soon"),
          ("SW-26-000002", "police_record_preferences", "due_soon"),
          ("SW-26-000002", "police_refer_to_support", "due_soon")]),
    ]
    assert dict(out.deliveries) == {"sent": 6}

    # email: one per message to the SPOC's address, text and HTML, the Message-ID fixed
    assert [(m["To"], m["From"]) for m in smtp.received] == [
        ("rasso-spoc@gmp.police.example", "liaison-notices@rasso.example"),
        ("rasso-spoc@south-wales.police.example", "liaison-notices@rasso.example"),
        ("rasso@cps-wales.example", "liaison-notices@rasso.example"),
        ("rasso-spoc@south-wales.police.example", "liaison-notices@rasso.example")]
    gm = smtp.received[0]
    assert gm["Subject"] == ("[liaison] Alert 2026-11-24 for Rape and Serious Sexual Offences "
                             "SPOC (greater-manchester): 1 item (1 due soon)")
    assert gm["Message-ID"] == message_id(GM_ALERT_KEY)
    text = gm.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    assert text == (
        "Alert for Rape and Serious Sexual Offences SPOC (greater-manchester/police), as of "
        "2026-11-24T09:00:00+00:00.\n\n"
        "* Due soon [high] Tell the complainant about the arrest\n"
        "  case GM-26-000001, area greater-manchester, step police_inform_arrest, due Tue 24 "
        "Nov 2026 12:00 GMT\n"
        f"  {explanation(s.url, 'GM-26-000001', 'police_inform_arrest')}\n"
        "  http://127.0.0.1:8000/dashboard/cases/GM-26-000001\n\n"
        "Acknowledge a flag on the dashboard once you have acted on it.\n")
    html = gm.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert '<a href="http://127.0.0.1:8000/dashboard/cases/GM-26-000001">open</a>' in html
    digest = smtp.received[3]
    assert digest["Subject"] == ("[liaison] Daily digest 2026-11-24 for RASSO SPOC desk "
                                 "(south-wales): 4 items (1 done late, 3 due soon)")

    # webhook: the South Wales police desk's Teams channel got both of its messages
    assert len(hook.requests) == 2
    headers, card = hook.requests[0]
    assert headers["content-type"] == "application/json"
    assert headers["idempotency-key"] == out.messages[1][1]["id"]
    content = card["attachments"][0]["content"]
    assert card["type"] == "message" and content["type"] == "AdaptiveCard"
    assert [b.get("text") for b in content["body"] if b["type"] == "TextBlock"] == [
        "[liaison] Alert 2026-11-24 for RASSO SPOC desk (south-wales): 1 item (1 violated)",
        "Violated [critical]: Do not share information with the ISVA without consent",
        explanation(s.url, "SW-26-000001", "no_isva_sharing_without_consent")]

    # a second run finds nothing new and sends nothing again
    again = send(s.url, s.notifier, AS_OF, ACTOR, now=NOW)
    assert again.messages == [] and dict(again.deliveries) == {}
    assert len(smtp.received) == 4 and len(hook.requests) == 2
    audited = entries(s.url, "notify.send")
    assert sorted((e["detail"]["channel"], e["detail"]["outcome"]) for e in audited) == [
        ("email:rasso-spoc@gmp.police.example", "sent"),
        ("email:rasso-spoc@south-wales.police.example", "sent"),
        ("email:rasso-spoc@south-wales.police.example", "sent"),
        ("email:rasso@cps-wales.example", "sent"),
        ("webhook:teams:SOUTH_WALES_POLICE_TEAMS_WEBHOOK", "sent"),
        ("webhook:teams:SOUTH_WALES_POLICE_TEAMS_WEBHOOK", "sent")]


def test_the_digest_waits_for_its_time_and_skips_non_working_days(
        tmp_path: Path, smtp: SmtpSink, hook: HttpSink) -> None:
    s = build(tmp_path)
    early = datetime(2026, 11, 24, 7, 29, tzinfo=UTC)  # a minute before South Wales's 07:30
    out = send(s.url, s.notifier, early, ACTOR, now=early)
    assert [p.kind for p, _ in out.messages] == ["alert", "alert"]
    saturday = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    s.sweep(saturday)
    out = send(s.url, s.notifier, saturday, ACTOR, now=saturday)
    assert [p.kind for p, _ in out.messages if p.kind == "digest"] == []
    monday = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)
    s.sweep(monday)
    out = send(s.url, s.notifier, monday, ACTOR, now=monday)
    digests = [(p.key, sorted((i.flag.case_id, i.flag.step, i.transition) for i in p.items))
               for p, _ in out.messages if p.kind == "digest"]
    assert digests == [
        ("digest:south-wales/cps:2026-11-30", [("SW-26-000002", "cps_inform_decision", "missed")]),
        ("digest:south-wales/police:2026-11-30", [
        ("SW-26-000001", "police_inform_arrest", "late"),
        ("SW-26-000002", "police_needs_assessment", "missed"),
        ("SW-26-000002", "police_record_preferences", "missed"),
        ("SW-26-000002", "police_refer_to_support", "missed")])]


def test_the_json_webhook_receives_the_documented_payload(tmp_path: Path, hook: HttpSink) -> None:
    import os

    from engine.notify.channels import post_webhook
    from engine.notify.run import preview

    s = build(tmp_path)
    (p, content), *_ = preview(s.url, s.notifier, AS_OF).messages
    reply = post_webhook(os.environ["SOUTH_WALES_POLICE_TEAMS_WEBHOOK"], content, content["id"],
                         5.0)
    assert reply == "HTTP 200"
    ((headers, body),) = hook.requests
    assert body == content and headers["idempotency-key"] == content["id"]
    assert set(body) == {"schema", "id", "kind", "area", "recipient", "team", "as_of",
                         "acknowledged_left_out", "items"}
    assert body["schema"] == "liaison.notice/1" and body["kind"] == "alert"
    assert body["items"] == [{
        "flag_id": p.items[0].flag.flag_id, "case_id": "GM-26-000001",
        "area": "greater-manchester", "step": "police_inform_arrest",
        "title": "Tell the complainant about the arrest", "transition": "due_soon",
        "status": "due_soon", "due": "2026-11-24T12:00:00+00:00",
        "due_text": "Tue 24 Nov 2026 12:00 GMT", "severity": "high",
        "explanation": explanation(s.url, "GM-26-000001", "police_inform_arrest"),
        "link": "http://127.0.0.1:8000/dashboard/cases/GM-26-000001"}]
