"""Reading events (contract §3): every line is accounted for, and every rejection names the
line, the event id and the field."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from engine.check import accept_lines
from engine.config import load_config
from engine.errors import EventErrors
from engine.event_lines import read_lines

ROOT = Path(__file__).resolve().parents[1]
VOCAB = load_config(ROOT / "area_configs").vocabulary


def line(**overrides: object) -> str:
    obj: dict[str, object] = {"event_id": "e1", "case_id": "AS-26-000042", "area": "avon-and-somerset",
                              "type": "police.suspect_arrested", "at": "2026-03-06T16:40:00+00:00",
                              "source": "police", "data": {}}
    obj.update(overrides)
    return json.dumps({k: v for k, v in obj.items() if v is not ...})


def problems(text: str, fmt: str = "jsonl") -> list[str]:
    return [rl.problem.render() for rl in read_lines(io.StringIO(text), VOCAB, fmt, "in.jsonl")
            if rl.problem is not None]


@pytest.mark.parametrize("text, message", [
    (line(type="police.suspect_arested"),
     "in.jsonl:1, event e1, field type: is not an event type in the vocabulary "
     "(did you mean \"police.suspect_arrested\"?)"),
    (line(at="2026-03-06T16:40:00"),
     "in.jsonl:1, event e1, field at: has no UTC offset; write it as "
     "RFC 3339 with an offset, e.g. +00:00"),
    (line(at="2026-03-06"),
     "in.jsonl:1, event e1, field at: must be an RFC 3339 timestamp such as "
     "2026-03-06T16:40:00+00:00"),
    (line(at="1989-12-31T23:59:59+00:00"),
     "in.jsonl:1, event e1, field at: must be an instant in the years 1990 to 2099 (UTC)"),
    (line(at="2099-12-31T23:00:00-01:00"),
     "in.jsonl:1, event e1, field at: must be an instant in the years 1990 to 2099 (UTC)"),
    (line(at="9999-12-31T23:59:59-14:00"),
     "in.jsonl:1, event e1, field at: must be an instant in the years 1990 to 2099 (UTC)"),
    (line(at="0001-01-01T00:00:00+14:00"),
     "in.jsonl:1, event e1, field at: must be an instant in the years 1990 to 2099 (UTC)"),
    (line(type="complainant.informed", data={"topic": "arrest", "notes": "called her at home"}),
     "in.jsonl:1, event e1, field data: an unknown field for complainant.informed; "
     "allowed: topic, channel, via_isva, language"),
    (line(type="complainant.informed", data={"topic": "gossip"}),
     "in.jsonl:1, event e1, field data.topic: is not allowed (allowed: arrest | "
     "interview | release | bail | police_nfa | charge_decision | cps_decision | hearing | "
     "trial_date | outcome | sentence | update | vrr)"),
    (line(type="complainant.preferences_recorded", data={"update_interval_days": 3}),
     "in.jsonl:1, event e1, field data.update_interval_days: is not allowed "
     "(allowed: an integer from 7 to 90)"),
    (line(type="cps.charging_decision", data={}),
     "in.jsonl:1, event e1, field data.outcome: is required for cps.charging_decision "
     "(allowed: charge | nfa | action_plan | admin_finalised)"),
    (line(name="Jane"),
     "in.jsonl:1, event e1: an unknown key; allowed: event_id, case_id, area, type, "
     "at, source, data"),
    (line(area="avon"),
     "in.jsonl:1, event e1, field area: is not a police force area in the register"),
    (line(source="press"),
     "in.jsonl:1, event e1, field source: is not a source; allowed: court | cps | isva | "
     "police | probation | wcu"),
    (line(type="area.scrutiny_meeting_held"),
     "in.jsonl:1, event e1, field case_id: an area-level event (area.scrutiny_meeting_held) "
     "must not have a case_id"),
    (line(case_id=...),
     "in.jsonl:1, event e1, field case_id: a case-level event (police.suspect_arrested) needs a case_id"),
    ("{not json", "in.jsonl:1: not valid JSON: Expecting property name enclosed in double quotes at column 2"),
])
def test_a_bad_line_is_rejected_with_line_event_and_field(text: str, message: str) -> None:
    assert problems(text + "\n") == [message]


def test_blank_lines_are_accounted_for() -> None:
    assert problems(line() + "\n\n" + line(event_id="e2") + "\n") == ["in.jsonl:2: blank line"]


def test_csv_with_flattened_and_json_data_columns() -> None:
    text = ("event_id,case_id,area,type,at,source,data.topic,data.channel,data.via_isva\n"
            "e1,AS-1,avon-and-somerset,complainant.informed,2026-03-06T16:40:00+00:00,police,arrest,sms,true\n"
            "e2,AS-1,avon-and-somerset,complainant.informed,2026-03-06T17:40:00+00:00,police,arrest,,\n")
    rows = list(read_lines(io.StringIO(text), VOCAB, "csv", "in.csv"))
    assert [r.problem for r in rows] == [None, None]
    assert [r.event.data for r in rows if r.event] == [
        {"topic": "arrest", "channel": "sms", "via_isva": True}, {"topic": "arrest"}]
    text = ('event_id,case_id,area,type,at,source,data\n'
            'e1,AS-1,avon-and-somerset,court.sentenced,2026-03-06T16:40:00+00:00,court,"{""custody_months"": 14}"\n')
    rows = list(read_lines(io.StringIO(text), VOCAB, "csv", "in.csv"))
    assert rows[0].event is not None and rows[0].event.data == {"custody_months": 14}


def test_an_unknown_csv_column_rejects_every_line_with_the_reason() -> None:
    text = "event_id,case_id,area,type,at,source,note\ne1,AS-1,x,y,z,police,hello\n"
    assert problems(text, "csv") == [
        "in.jsonl:1: an unknown or unreadable CSV column; allowed: event_id, case_id, area, "
        "type, at, source, data and data.<field>",
        "in.jsonl:2: not read: the CSV header is invalid"]


def _accept(text: str) -> list[str]:
    try:
        accept_lines(read_lines(io.StringIO(text), VOCAB, "jsonl", "in.jsonl"), "in.jsonl")
    except EventErrors as exc:
        return [p.render() for p in exc.problems]
    return []


def test_identical_repeat_is_a_no_op_and_a_different_body_is_a_conflict() -> None:
    same = line()
    # key order is ignored when comparing bodies
    reordered = json.dumps(dict(reversed(list(json.loads(same).items()))))
    assert _accept("\n".join([same, reordered]) + "\n") == []
    assert _accept("\n".join([same, line(at="2026-03-06T16:41:00+00:00")]) + "\n") == [
        "in.jsonl:2, event e1, field event_id: conflicts with line 1: the same event id with a "
        "different body"]


def test_an_area_change_needs_a_transfer() -> None:
    moved = [line(event_id="e1"),
             line(event_id="e2", area="somerset", at="2026-03-07T10:00:00+00:00")]
    assert _accept("\n".join(moved) + "\n")[0].startswith("in.jsonl:2, event e2, field area:")
    moved = [line(event_id="e1"),
             line(event_id="e2", area="devon-and-cornwall", at="2026-03-07T10:00:00+00:00")]
    assert _accept("\n".join(moved) + "\n") == [
        "in.jsonl:2, event e2, field area: area 'devon-and-cornwall' differs from the case's area "
        "'avon-and-somerset' with no case.transferred before it"]
    transferred = [line(event_id="e1"),
                   line(event_id="t1", type="case.transferred", at="2026-03-07T09:00:00+00:00",
                        data={"to_area": "devon-and-cornwall"}),
                   line(event_id="e2", area="devon-and-cornwall", at="2026-03-07T10:00:00+00:00")]
    assert _accept("\n".join(reversed(transferred)) + "\n") == []


def test_a_rejected_line_keeps_its_number_and_problem_but_never_its_text() -> None:
    text = line(type="case.reported", complainant_name="Jane Doe",
                data={"offence": "rape", "complainant_age": "adult",
                      "narrative": "she said that he followed her home"}) + "\n"
    (rl,) = read_lines(io.StringIO(text), VOCAB, "jsonl", "in.jsonl")
    assert rl.problem is not None and rl.event is None
    assert rl.problem.render() == ("in.jsonl:1, event e1: an unknown key; allowed: event_id, "
                                   "case_id, area, type, at, source, data")
    assert not hasattr(rl, "raw")
