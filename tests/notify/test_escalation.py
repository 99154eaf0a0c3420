"""Escalation over a working week: critical and high flags nobody acknowledged go to the
scrutiny group's contact after N working days (2 in South Wales, 3 nationally), then to
the national contact after N more; acknowledged ones never do (issue 13, Deliver 5)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from engine.notify import acks
from engine.notify.flags import flag_id_of
from engine.notify.run import send
from engine.store.audit import Actor, entries
from engine.store.db import engine_for, reading, writing
from engine.store.tables import instances
from tests.notify.scenario import build
from tests.notify.sinks import HttpSink, SmtpSink

ACTOR = Actor("notifier", "force_data_team")


def at(day: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, 9, 0, tzinfo=UTC)


def acknowledge(url: str, case_id: str, step: str, reason: str) -> None:
    eng = engine_for(url)
    with reading(eng) as conn:
        row = conn.execute(select(instances).where(instances.c.case_id == case_id,
                                                   instances.c.step == step)).one()
    with writing(eng) as conn:
        acks.store(conn, acks.Ack(flag_id_of(row), row.area, row.case_id, row.step, row.owner,
                                  reason, "desk", "force_data_team", at(30)))


def test_a_week_of_escalations(tmp_path: Path, smtp: SmtpSink, hook: HttpSink) -> None:
    s = build(tmp_path, as_of=at(24))
    seen: dict[str, list[tuple[str, str, str, str]]] = {}
    for when in (at(24), at(25), at(26), at(27), at(30), at(1, 12)):
        if when == at(1, 12):  # the desk acknowledges one flag before Tuesday's run
            acknowledge(s.url, "SW-26-000002", "police_refer_to_support", "actioned")
        s.sweep(when)
        out = send(s.url, s.notifier, when, ACTOR, now=when)
        seen[when.date().isoformat()] = sorted(
            (p.recipient.key, i.flag.case_id or "", i.flag.step, i.transition)
            for p, _ in out.messages if p.kind == "escalation" for i in p.items)
    assert seen == {
        "2026-11-24": [], "2026-11-25": [], "2026-11-26": [],
        # told Tuesday; two working days (Wed, Thu) without acknowledgement
        "2026-11-27": [("south-wales/scrutiny", "SW-26-000001",
                        "no_isva_sharing_without_consent", "escalated_1")],
        # told Wednesday (missed on Tuesday night); Thu and Fri passed
        "2026-11-30": [("south-wales/scrutiny", "SW-26-000002", "cps_inform_decision",
                        "escalated_1")],
        "2026-12-01": [
            # the arrest missed on Tuesday noon, told Wednesday: 3 national working days
            ("greater-manchester/scrutiny", "GM-26-000001", "police_inform_arrest",
             "escalated_1"),
            # four working days after Tuesday: on to the national contact
            ("national", "SW-26-000001", "no_isva_sharing_without_consent", "escalated_2"),
            # told Thursday; high severity (police_record_preferences is medium: never;
            # police_refer_to_support was acknowledged)
            ("south-wales/scrutiny", "SW-26-000002", "police_needs_assessment",
             "escalated_1")],
    }
    escalated = [e["detail"] for e in reversed(entries(s.url, "notify.escalate"))]
    assert [(d["recipient"], d["levels"]) for d in escalated] == [
        ("south-wales/scrutiny", ["escalated_1"]), ("south-wales/scrutiny", ["escalated_1"]),
        ("greater-manchester/scrutiny", ["escalated_1"]), ("national", ["escalated_2"]),
        ("south-wales/scrutiny", ["escalated_1"])]
    to = [m["To"] for m in smtp.received if "Escalation" in str(m["Subject"])]
    assert to == ["scrutiny@south-wales.lcjb.example", "scrutiny@south-wales.lcjb.example",
                  "scrutiny@greater-manchester.lcjb.example", "rasso-national@justice.example",
                  "scrutiny@south-wales.lcjb.example"]
