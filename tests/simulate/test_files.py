"""The cohort's files: contract §3 events only, stable ids, byte-identical for a seed."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

from typer.testing import CliRunner

from engine.cli.app import app
from engine.config import ConfigSet
from engine.event_lines import read_lines
from engine.events import parse_event
from engine.simulate import CohortSpec, CohortSummary, resolve_areas, write_cohort

CASE_ID = re.compile(r"^[A-Z]{2}-\d{2}-\d{6}$")


def test_every_event_is_valid_spec_vocabulary(overlay_cohort: CohortSummary,
                                              config: ConfigSet) -> None:
    ids: set[str] = set()
    types: set[str] = set()
    lines = (overlay_cohort.out / "events.jsonl").read_text().splitlines()
    assert len(lines) == overlay_cohort.events
    for n, line in enumerate(lines, start=1):
        obj = json.loads(line)
        ev = parse_event(obj, config.vocabulary, n)  # raises on anything outside contract §3
        assert ev.event_id not in ids
        ids.add(ev.event_id)
        types.add(ev.type)
        assert ev.at.utcoffset() is not None and obj["at"][-6] in "+-"
        if ev.case_id is None:
            assert ev.type == "area.scrutiny_meeting_held"
        else:
            assert CASE_ID.match(ev.case_id)
            assert ev.event_id.startswith(ev.case_id + "-")
    assert {"case.reported", "consent.recorded", "complainant.preferences_recorded",
            "complainant.contact_paused", "complainant.contact_resumed", "vrr.requested",
            "court.sentenced", "complainant.withdrew", "isva.notified",
            "area.scrutiny_meeting_held", "police.nfa", "cps.charging_decision"} <= types


def test_csv_holds_the_same_events(overlay_cohort: CohortSummary, config: ConfigSet) -> None:
    with open(overlay_cohort.out / "events.csv", encoding="utf-8") as fh:
        from_csv = [r.event for r in read_lines(fh, config.vocabulary, "csv")]
    with open(overlay_cohort.out / "events.jsonl", encoding="utf-8") as fh:
        from_jsonl = [r.event for r in read_lines(fh, config.vocabulary, "jsonl")]
    assert None not in from_csv
    assert from_csv == from_jsonl


def test_manifest(overlay_cohort: CohortSummary, config: ConfigSet) -> None:
    manifest = json.loads((overlay_cohort.out / "manifest.json").read_text())
    assert manifest == {"seed": 20261127, "areas": list(resolve_areas("overlays", config)),
                        "cases": 5000, "events": overlay_cohort.events,
                        "as_of": "2026-11-27T12:00:00+00:00"}


def test_truth_lines_are_sorted_and_shaped(overlay_cohort: CohortSummary) -> None:
    lines = [json.loads(x) for x in (overlay_cohort.out / "truth.jsonl").read_text().splitlines()]
    keys = [(t["case_id"] or "", t.get("area", ""), t["step"], t["trigger_event"] or "",
             t["failure"]) for t in lines]
    assert keys == sorted(keys)
    for t in lines:
        expected = {"case_id", "step", "trigger_event", "failure"}
        assert set(t) == (expected if t["case_id"] else expected | {"area"})
        assert t["failure"] in {"missed", "late", "violated"}


def _files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def test_same_seed_gives_byte_identical_files(config: ConfigSet, tmp_path: Path) -> None:
    areas = resolve_areas("all", config)
    a, b, c, d = (tmp_path / x for x in "abcd")
    write_cohort(CohortSpec(areas, 2500, seed=9), config, a, csv_too=True)
    write_cohort(CohortSpec(areas, 2500, seed=9), config, b, csv_too=True, workers=2)
    write_cohort(CohortSpec(areas, 300, seed=10), config, c)
    write_cohort(CohortSpec(areas, 300, seed=9), config, d)
    assert _files(a) == _files(b)
    assert not _files(a)["events.jsonl"].startswith(_files(c)["events.jsonl"][:300])
    # a case is the same whatever else is generated: the small cohort's cases are a prefix
    small = [x for x in _files(d)["events.jsonl"].splitlines() if b'"case_id"' in x]
    assert _files(a)["events.jsonl"].splitlines()[:len(small)] == small


def test_cli_writes_the_files(tmp_path: Path) -> None:
    out = tmp_path / "cohort"
    result = CliRunner().invoke(app, ["simulate", "--areas", "kent,south-wales", "--cases", "300",
                                      "--seed", "4", "--out", str(out), "--csv", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["events.csv", "events.jsonl",
                                                     "manifest.json", "truth.jsonl"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["areas"] == ["kent", "south-wales"] and manifest["cases"] == 300
    assert datetime.fromisoformat(manifest["as_of"]).utcoffset() is not None


def test_cli_rejects_an_unknown_area(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["simulate", "--areas", "kent,atlantis", "--cases", "3",
                                      "--seed", "1", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert not (tmp_path / "x").exists()


def test_cli_takes_calibration_and_rates_files(tmp_path: Path) -> None:
    (tmp_path / "cal.json").write_text(json.dumps({
        "cps_referral": {"rape": 1.0, "assault_by_penetration": 1.0, "sexual_assault": 1.0,
                         "other_sexual": 1.0},
        "outcome_mix": {"16": 1.0}}))
    (tmp_path / "rates.json").write_text(json.dumps({
        "default": {"missed": 0, "late": 0, "violated": 0}, "steps": {
            "police_regular_update": {"missed": 0, "late": 0, "violated": 0},
            "no_isva_sharing_without_consent": {"missed": 0, "late": 0, "violated": 0},
            "no_contact_by_unsafe_channel": {"missed": 0, "late": 0, "violated": 0},
            "scrutiny_group_meets": {"missed": 0, "late": 0, "violated": 0}}}))
    out = tmp_path / "cohort"
    result = CliRunner().invoke(app, [
        "simulate", "--areas", "kent", "--cases", "200", "--seed", "2", "--out", str(out),
        "--years", "8", "--calibration", str(tmp_path / "cal.json"),
        "--rates", str(tmp_path / "rates.json"), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert (out / "truth.jsonl").read_text() == ""
    events = [json.loads(x) for x in (out / "events.jsonl").read_text().splitlines()]
    reported = [e for e in events if e["type"] == "case.reported"]
    submitted = {e["case_id"] for e in events if e["type"] == "police.file_submitted"}
    assert len(reported) == 200 and len(submitted) > 150  # the newest are still investigated
    assert not any(e["type"] == "police.nfa" for e in events)  # every case was referred
