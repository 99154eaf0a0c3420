"""Reading the store: flags with filters and formats, one case (audited), the board."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from engine.cli.app import app
from engine.ingest import ingest_paths
from engine.store.audit import Actor, entries
from engine.store.reads import case_detail, flags
from engine.sweep import run_sweep
from tests.store.store_data import case_events, write_jsonl

AS_OF = datetime(2026, 3, 10, 12, tzinfo=UTC)
CY = Actor("cy", "cps_unit")


def _load(db: str, config_dir: Path, tmp_path: Path) -> None:
    evs = case_events(1, "kent") + case_events(5, "kent") + case_events(2, "dorset")
    ingest_paths(db, [str(write_jsonl(tmp_path / "a.jsonl", evs))], config_dir=config_dir)
    run_sweep(db, AS_OF, config_dir=config_dir)


def test_flags_filter_and_format(db: str, config_dir: Path, tmp_path: Path) -> None:
    _load(db, config_dir, tmp_path)
    missed_kent = flags(db, CY, ["kent"], "police", ["missed"])
    assert sorted((f["case_id"], f["step"]) for f in missed_kent) == [
        ("T-000001", "police_needs_assessment"), ("T-000001", "police_record_preferences"),
        ("T-000001", "police_refer_to_support"), ("T-000005", "police_record_preferences"),
        ("T-000005", "police_refer_to_support")]
    assert all(f["status"] == "missed" and f["area"] == "kent" for f in missed_kent)
    runner = CliRunner()
    as_json = runner.invoke(app, ["flags", "--db", db, "--area", "kent", "--status", "missed",
                                  "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    assert [(f["case_id"], f["step"]) for f in json.loads(as_json.output)] == \
        [(f["case_id"], f["step"]) for f in missed_kent]
    as_csv = runner.invoke(app, ["flags", "--db", db, "--area", "dorset", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(as_csv.output)))
    assert {r["case_id"] for r in rows} == {"T-000002"} and len(rows) == 3
    assert entries(db, "flags.read")[-1]["detail"]["areas"] == ["kent"]


def test_case_shows_timeline_and_instances_and_is_audited(db: str, config_dir: Path,
                                                          tmp_path: Path) -> None:
    _load(db, config_dir, tmp_path)
    d = case_detail(db, "T-000001", CY)
    assert d is not None
    assert [e["event_id"] for e in d["events"]] == ["T-000001-r", "T-000001-a", "T-000001-i"]
    assert d["stage"] == "investigation"
    arrest = next(i for i in d["instances"] if i["step"] == "police_inform_arrest")
    assert (arrest["status"], arrest["satisfied_by"]) == ("met", "T-000001-i")
    assert arrest["explanation"].startswith("Arrest on Tue 3 Mar 10:00")
    result = CliRunner().invoke(app, ["case", "NOPE", "--db", db, "--as", "dee",
                                      "--role", "auditor"])
    assert result.exit_code == 2 and "no case 'NOPE' in the store" in result.output
    reads = [(e["who"], e["role"], e["detail"]) for e in entries(db, "case.read")]
    assert reads == [("dee", "auditor", {"case_id": "NOPE", "found": False}),
                     ("cy", "cps_unit", {"case_id": "T-000001", "found": True})]


def test_board_is_the_report_board_in_80_columns(db: str, config_dir: Path,
                                                 tmp_path: Path) -> None:
    _load(db, config_dir, tmp_path)
    args = ["board", "--db", db, "--cps-area", "south-east", "--as-of",
            "2026-03-10T12:00:00+00:00", "--config-dir", str(config_dir)]
    as_json = CliRunner().invoke(app, [*args, "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.output)
    assert (data["scope"], data["as_of"]) == ("CPS South East", "2026-03-10T12:00:00+00:00")
    assert list(data["by_area"]) == ["kent", "surrey", "sussex"]  # every area in scope
    assert data["by_area"]["kent"]["investigation"] == 2
    as_table = CliRunner().invoke(app, args, env={"COLUMNS": "80"})
    assert as_table.exit_code == 0, as_table.output
    lines = [line.rstrip() for line in as_table.output.splitlines() if line.strip()]
    assert max(len(line) for line in as_table.output.splitlines()) <= 80
    # Stages down the side in process order, under their labels; ages from stage entry.
    assert [line.split("  ")[1].strip() for line in lines[3:13]] == [
        "Reported", "Investigation", "Awaiting charging decision", "Charged", "Pre-trial",
        "Concluded", "Closed: no further action by police", "Closed: no further action by CPS",
        "Withdrawn by the complainant", "Closed: other reason"]
    assert lines[4].split() == ["Investigation", "2", "5", "5"]
    assert lines[-1].split() == ["kent", "police", "5", "0"]


def test_case_table_keeps_event_ids_whole_in_80_columns(db: str, config_dir: Path,
                                                         tmp_path: Path) -> None:
    _load(db, config_dir, tmp_path)
    result = CliRunner().invoke(app, ["case", "T-000001", "--db", db], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80
    rows = [line.split() for line in result.output.splitlines() if "T-000001-" in line]
    assert [r[2] for r in rows[:3]] == ["T-000001-r", "T-000001-a", "T-000001-i"]
