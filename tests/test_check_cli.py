"""`liaison check` follows contract §9: JSON keys, order, due instants, exit codes, stderr."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from engine.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
RUNNER = CliRunner()
EVENTS = [
    {"event_id": "pol-7f3a-0000", "case_id": "AS-26-000042", "area": "avon-and-somerset",
     "type": "case.reported", "at": "2026-03-05T10:00:00+00:00", "source": "police",
     "data": {"offence": "rape", "complainant_age": "adult"}},
    {"event_id": "pol-7f3a-0001", "case_id": "AS-26-000042", "area": "avon-and-somerset",
     "type": "police.suspect_arrested", "at": "2026-03-06T16:40:00+00:00", "source": "police",
     "data": {}},
    {"event_id": "pol-7f3a-0002", "case_id": "AS-26-000042", "area": "avon-and-somerset",
     "type": "complainant.needs_assessed", "at": "2026-03-06T09:00:00+00:00", "source": "police",
     "data": {}},
    {"event_id": "sw-1", "case_id": "SW-26-000001", "area": "south-wales", "type": "case.reported",
     "at": "2026-04-06T10:00:00+01:00", "source": "police",
     "data": {"offence": "rape", "complainant_age": "child"}},
    {"event_id": "sw-m1", "area": "south-wales", "type": "area.scrutiny_meeting_held",
     "at": "2026-05-06T10:00:00+01:00", "source": "police", "data": {}},
]


def run(tmp_path: Path, events: list[dict] | str, *args: str):  # noqa: ANN201
    path = tmp_path / "events.jsonl"
    path.write_text(events if isinstance(events, str) else "".join(json.dumps(e) + "\n" for e in events))
    return RUNNER.invoke(app, ["check", "--events", str(path), "--config-dir",
                               str(ROOT / "area_configs"), *args])


def test_json_contract(tmp_path: Path) -> None:
    result = run(tmp_path, EVENTS, "--as-of", "2026-03-10T12:00:00+00:00", "--format", "json",
                 "--area", "avon-and-somerset")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert list(out) == ["as_of", "cases", "area_instances"]
    assert out["as_of"] == "2026-03-10T12:00:00+00:00"
    (case,) = out["cases"]
    assert [case["case_id"], case["area"], case["stage"]] == ["AS-26-000042", "avon-and-somerset",
                                                            "investigation"]
    rows = [(i["step"], i["status"], i["trigger_event"], i["due"], i["satisfied_by"])
            for i in case["instances"]]
    assert rows == [
        ("police_needs_assessment", "met", "pol-7f3a-0000", "2026-03-09T23:59:59.999000+00:00", "pol-7f3a-0002"),
        ("police_record_preferences", "missed", "pol-7f3a-0000", "2026-03-09T23:59:59.999000+00:00", None),
        ("police_refer_to_support", "missed", "pol-7f3a-0000", "2026-03-09T23:59:59.999000+00:00", None),
        ("police_regular_update", "due", "pol-7f3a-0000", "2026-04-02T23:59:59.999000+01:00", None),
        ("police_inform_arrest", "missed", "pol-7f3a-0001", "2026-03-09T23:59:59.999000+00:00", None),
    ]
    arrest = case["instances"][4]
    assert list(arrest) == ["step", "status", "trigger_event", "due", "satisfied_by", "owner",
                            "severity", "explanation"]
    assert arrest["owner"] == "police" and arrest["severity"] == "high"
    assert arrest["explanation"].startswith(
        "Arrest on Fri 6 Mar 16:40 (event pol-7f3a-0001); the police must tell the complainant "
        "about the arrest within 1 working day (by the end of Mon 9 Mar); no "
        "complainant.informed{topic: arrest} by Tue 10 Mar 12:00: missed.")
    # avon-and-somerset has no overlay: no area-level instances
    assert out["area_instances"] == []


def test_area_instances_and_case_order(tmp_path: Path) -> None:
    result = run(tmp_path, EVENTS, "--as-of", "2026-08-01T12:00:00+01:00", "--format", "json")
    out = json.loads(result.stdout)
    assert [c["case_id"] for c in out["cases"]] == ["AS-26-000042", "SW-26-000001"]
    assert [(i["area"], i["step"], i["status"], i["trigger_event"], i["due"], i["satisfied_by"])
            for i in out["area_instances"]] == [
        ("south-wales", "scrutiny_group_meets", "met", None, "2026-07-02T23:59:59.999000+01:00", "sw-m1"),
        ("south-wales", "scrutiny_group_meets", "due", "sw-m1", "2026-08-06T23:59:59.999000+01:00", None),
    ]


def test_fail_on_exits_1_and_still_prints(tmp_path: Path) -> None:
    result = run(tmp_path, EVENTS, "--as-of", "2026-03-10T12:00:00+00:00", "--format", "json",
                 "--fail-on", "missed,violated")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["cases"]
    result = run(tmp_path, EVENTS, "--as-of", "2026-03-10T12:00:00+00:00", "--format", "json",
                 "--fail-on", "violated")
    assert result.exit_code == 0


def test_bad_event_exits_2_with_nothing_on_stdout(tmp_path: Path) -> None:
    bad = EVENTS[:1] + [dict(EVENTS[1], data={"suspect": "named"})]
    result = run(tmp_path, bad, "--as-of", "2026-03-10T12:00:00+00:00", "--format", "json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert ("events.jsonl:2, event pol-7f3a-0001, field data: an unknown field for "
            "police.suspect_arrested; allowed: none") in " ".join(result.stderr.split())


def test_as_of_without_offset_and_unknown_status_are_bad_input(tmp_path: Path) -> None:
    result = run(tmp_path, EVENTS, "--as-of", "2026-03-10T12:00:00", "--format", "json")
    assert (result.exit_code, result.stdout) == (2, "")
    assert "has no UTC offset" in result.stderr
    result = run(tmp_path, EVENTS, "--as-of", "2026-03-10T12:00:00Z", "--fail-on", "overdue")
    assert (result.exit_code, result.stdout) == (2, "")
    assert "unknown status 'overdue'" in result.stderr


def test_a_config_with_errors_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "area_configs"
    shutil.copytree(ROOT / "area_configs", config)
    overlay = config / "areas" / "kent.yaml"
    overlay.write_text(overlay.read_text().replace("    derogation:\n", "    derogatoin:\n", 1))
    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps(EVENTS[0]) + "\n")
    result = RUNNER.invoke(app, ["check", "--events", str(path), "--config-dir", str(config),
                                 "--as-of", "2026-03-10T12:00:00Z", "--format", "json"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert "the configuration has errors; nothing was evaluated" in result.stderr
    assert "kent.yaml:" in result.stderr


def test_the_table_ends_with_totals_per_status_in_80_columns(tmp_path: Path) -> None:
    result = RUNNER.invoke(app, ["check", "--events", str(_write(tmp_path)), "--config-dir",
                                 str(ROOT / "area_configs"), "--as-of",
                                 "2026-03-10T12:00:00+00:00", "--area", "avon-and-somerset"],
                           env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.stdout.splitlines() if line.strip()]
    assert lines[-8:] == [["met", "1"], ["late", "0"], ["missed", "3"], ["due_soon", "0"],
                          ["due", "1"], ["cancelled", "0"], ["violated", "0"], ["total", "5"]]
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def _write(tmp_path: Path) -> Path:
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in EVENTS))
    return path
