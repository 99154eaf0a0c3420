"""The three example mappings on their small synthetic extracts: exact events, exact
rejects (row, column, field, reason) and no value of a rejected row kept anywhere."""

from __future__ import annotations

from pathlib import Path

from tests.mapping.kit import KEY, copy_sample, map_to_list, mapper, rejects_of

CASE_1 = KEY.case_id("46/1001/26", "RS-")
CASE_2 = KEY.case_id("46/1002/26", "RS-")


def test_police_extract_cp1252_every_row_accounted_for(tmp_path: Path) -> None:
    path = copy_sample("police-rms-sample.csv", tmp_path)
    events, [report] = map_to_list(mapper("example-police-rms"), [path])
    assert (report.rows, report.mapped, report.skipped, report.duplicate, report.rejected,
            report.events) == (13, 6, 2, 0, 5, 6)
    assert [(e.get("case_id"), e["type"], e["at"], e["data"]) for e in events] == [
        (CASE_1, "case.reported", "2026-03-02T09:15:00+00:00",
         {"offence": "rape", "complainant_age": "adult"}),
        (CASE_1, "complainant.informed", "2026-03-03T10:00:00+00:00",
         {"topic": "update", "channel": "phone", "via_isva": False}),
        # 01:30 on the autumn change day: the earlier instant (summer time), as documented
        (CASE_1, "police.suspect_interviewed", "2026-10-25T01:30:00+01:00", {}),
        # the same wall-clock time written with its offset: the later instant
        (CASE_1, "police.suspect_released", "2026-10-25T01:30:00+00:00", {"status": "bail"}),
        (None, "area.scrutiny_meeting_held", "2026-06-15T14:00:00+01:00", {}),
        # " 46/1002/26 " with spaces is the same reference as "46/1002/26"
        (CASE_2, "complainant.preferences_recorded", "2026-05-14T16:45:00+01:00",
         {"channel": "email", "language": "cy", "update_interval_days": 14,
          "unsafe_channels": ["phone", "letter"]}),
    ]
    assert {e["area"] for e in events} == {"kent"} and {e["source"] for e in events} == {"police"}
    assert all(e["event_id"].startswith("example-police-rms:") for e in events)
    assert rejects_of(path) == [
        {"file": "police-rms-sample.csv", "row": 5, "column": "Status Date", "field": "at",
         "reason": "does not exist in Europe/London: the clocks went forward over it"},
        {"file": "police-rms-sample.csv", "row": 8, "column": "Status Code", "field": "type",
         "reason": 'the code is not in the value map "status_codes" (allowed: '
                   '"REP - Reported" | "TRF - Transferred" | "CLS - Closed" | '
                   '"VNA - Needs Assessed" | "VPR - Preferences" | "VUP - Victim Updated" | '
                   '"VPA - Contact Paused" | "VRE - Contact Resumed" and 20 more)'},
        {"file": "police-rms-sample.csv", "row": 9, "column": "Force", "field": "area",
         "reason": 'the code is not in the value map "register" (allowed: a police force '
                   "area's name or id)"},
        {"file": "police-rms-sample.csv", "row": 10, "column": "Status Date", "field": "at",
         "reason": "does not match the format %d/%m/%Y %H:%M or %d/%m/%Y %H:%M %z"},
        {"file": "police-rms-sample.csv", "row": 12, "column": "Consent Given",
         "field": "data.granted",
         "reason": 'the code is not in the value map "yes_no" (allowed: "Y" | "N")'},
    ]


def test_cps_extract_with_bom_and_semicolons(tmp_path: Path) -> None:
    path = copy_sample("cps-cms-sample.csv", tmp_path)
    events, [report] = map_to_list(mapper("example-cps-cms"), [path])
    assert (report.rows, report.mapped, report.skipped, report.rejected) == (8, 3, 1, 4)
    assert [(e["case_id"], e["type"], e["source"], e["at"], e["data"]) for e in events] == [
        (CASE_1, "cps.charging_decision", "cps", "2026-06-01T14:00:00+01:00",
         {"outcome": "charge"}),
        (CASE_1, "court.hearing_listed", "court", "2026-06-02T09:30:00+01:00",
         {"hearing": "trial", "hearing_date": "2027-01-14"}),
        (CASE_1, "complainant.informed", "wcu", "2026-06-02T15:10:00+01:00",
         {"topic": "trial_date", "channel": "letter", "language": "en"}),
    ]
    assert [(r["row"], r["column"], r["field"], r["reason"]) for r in rejects_of(path)] == [
        (6, "Decision Time", "at", "does not match the format %Y-%m-%dT%H:%M:%S%z"),
        (7, "Recorded By", "source", 'the code is not in the value map "agencies" (allowed: '
                                     '"CPS" | "Court" | "WCU" | "Probation")'),
        (8, "Outcome", "data.outcome", "has a value, but court.plea has no field outcome"),
        (9, "Custody Months", "data.custody_months",
         "is not a whole number (allowed: an integer from 0 to 1200)"),
    ]


def test_isva_workbook_dates_and_waiting_referrals(tmp_path: Path) -> None:
    path = copy_sample("isva-referrals-sample.xlsx", tmp_path)
    events, [report] = map_to_list(mapper("example-isva-referrals"), [path])
    assert (report.rows, report.mapped, report.skipped, report.rejected) == (5, 3, 1, 1)
    assert [(e["case_id"], e["type"], e["at"]) for e in events] == [
        (CASE_1, "isva.assigned", "2026-03-04T09:30:00+00:00"),
        # a date without a time: the end of that day (date_only: end_of_day)
        (KEY.case_id("46/1003/26", "RS-"), "isva.assigned", "2026-05-06T23:59:59+01:00"),
        (KEY.case_id("46/1005/26", "RS-"), "isva.assigned", "2026-10-25T01:15:00+01:00"),
    ]
    assert rejects_of(path) == [
        {"file": "isva-referrals-sample.xlsx", "row": 5, "column": "Date Allocated",
         "field": "at", "reason": "is empty; the event's instant is required"}]


def test_police_and_cps_extracts_of_one_case_meet(tmp_path: Path) -> None:
    police, _ = map_to_list(mapper("example-police-rms"),
                            [copy_sample("police-rms-sample.csv", tmp_path)])
    cps, _ = map_to_list(mapper("example-cps-cms"), [copy_sample("cps-cms-sample.csv", tmp_path)])
    assert {e["case_id"] for e in police if e["type"] == "case.reported"} & \
        {e["case_id"] for e in cps} == {CASE_1}


def test_no_value_of_a_row_is_kept_in_events_or_rejects(tmp_path: Path) -> None:
    secrets = ["46/1001/26", "46/1002/26", "Kent Constabulary", "XYZ", "Maybe", "Defence",
               "eighty", "Synthetic", "12/05/2026", "2026-06-04 10:00", "R-4", "E0004", "D-81"]
    for name, sample in (("example-police-rms", "police-rms-sample.csv"),
                         ("example-cps-cms", "cps-cms-sample.csv"),
                         ("example-isva-referrals", "isva-referrals-sample.xlsx")):
        path = copy_sample(sample, tmp_path)
        events, _ = map_to_list(mapper(name), [path])
        written = str(events) + Path(str(path) + ".rejects.jsonl").read_text(encoding="utf-8")
        assert [s for s in secrets if s in written] == []


def test_a_re_export_gives_the_same_event_ids(tmp_path: Path) -> None:
    first, _ = map_to_list(mapper("example-police-rms"),
                           [copy_sample("police-rms-sample.csv", tmp_path)])
    again, _ = map_to_list(mapper("example-police-rms"),
                           [copy_sample("police-rms-sample.csv", tmp_path)])
    assert [e["event_id"] for e in first] == [e["event_id"] for e in again]
    assert len({e["event_id"] for e in first}) == len(first)
