"""`liaison map`, `liaison ingest --mapping`, `config validate` and `config schema
--mapping` from the command line: outputs, exit codes and messages."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli.app import app
from engine.mapping.schema import mapping_schema_text
from tests.mapping.kit import CONFIGS, KEY, KEY_TEXT, ROOT, copy_sample

runner = CliRunner()


def run(*args: str, key: str | None = KEY_TEXT) -> tuple[int, str, str]:
    env = {"LIAISON_PSEUDONYM_KEY": key} if key is not None else {"LIAISON_PSEUDONYM_KEY": ""}
    result = runner.invoke(app, [*args], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_map_writes_events_and_rejects_and_exits_1(tmp_path: Path) -> None:
    path = copy_sample("cps-cms-sample.csv", tmp_path)
    out = tmp_path / "events.jsonl"
    code, stdout, stderr = run("map", "--mapping", "example-cps-cms", str(path), "-o", str(out),
                               "--config-dir", str(CONFIGS))
    assert (code, stdout) == (1, "")
    assert stderr == ("note: example-cps-cms is an illustrative mapping, not a real system's "
                      f"layout\n{path}: 8 rows: 3 mapped (3 events), 1 skipped, 0 duplicate, "
                      f"4 rejected\n  rejected rows and reasons: {path}.rejects.jsonl\n")
    events = [json.loads(line) for line in out.read_text().splitlines()]
    assert [e["type"] for e in events] == ["cps.charging_decision", "court.hearing_listed",
                                           "complainant.informed"]
    assert not (tmp_path / "events.jsonl.partial").exists()


def test_map_to_stdout_exits_0_when_nothing_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "clean.csv"
    lines = (ROOT / "tests/data/mappings/cps-cms-sample.csv").read_bytes().split(b"\r\n")
    path.write_bytes(b"\r\n".join(lines[:4]) + b"\r\n")
    code, stdout, _ = run("map", "--mapping", "example-cps-cms", str(path),
                          "--config-dir", str(CONFIGS))
    assert code == 0
    assert [json.loads(line)["case_id"] for line in stdout.splitlines()] == \
        [KEY.case_id("46/1001/26", "RS-")] * 3


def test_map_without_the_key_is_bad_input(tmp_path: Path) -> None:
    path = copy_sample("cps-cms-sample.csv", tmp_path)
    code, stdout, stderr = run("map", "--mapping", "example-cps-cms", str(path),
                               "--config-dir", str(CONFIGS), key=None)
    assert (code, stdout) == (2, "")
    assert stderr == ("error: LIAISON_PSEUDONYM_KEY is not set: pseudonymised case ids need "
                      "the deployment's key (the key itself, at least 32 characters, or "
                      "file:PATH naming a key file)\n")


def test_a_mapping_with_errors_is_bad_input_with_its_positions(tmp_path: Path) -> None:
    (tmp_path / "mappings").mkdir()
    bad = tmp_path / "mappings" / "bad.yaml"
    text = (CONFIGS / "mappings" / "example-isva-referrals.yaml").read_text()
    bad.write_text(text.replace("type: {value: isva.assigned}", "type: {value: isva.asigned}"))
    code, stdout, stderr = run("map", "--mapping", str(bad), "x.xlsx",
                               "--config-dir", str(CONFIGS))
    assert (code, stdout) == (2, "")
    assert stderr == (f"error: the mapping has errors:\n{bad}:21:19: error: "
                      'events[0].type.value: "isva.asigned" is not allowed (did you mean '
                      '"isva.assigned"?) (allowed: an event type of the vocabulary)\n')
    code, stdout, _ = run("config", "validate", str(bad))
    assert code == 2
    assert stdout.splitlines()[-1] == ("1 error, 0 warnings; 1 mapping checked against the "
                                       "national vocabulary")


def test_a_missing_extract_is_bad_input(tmp_path: Path) -> None:
    code, _, stderr = run("map", "--mapping", "example-cps-cms", str(tmp_path / "no.csv"),
                          "--config-dir", str(CONFIGS))
    assert (code, stderr.splitlines()[-1]) == (2, f"error: {tmp_path}/no.csv: no such file")


def test_ingest_with_a_mapping_maps_then_stores(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    db = f"sqlite:///{tmp_path / 'liaison.db'}"
    assert run("db", "upgrade", "--db", db)[0] == 0
    path = copy_sample("police-rms-sample.csv", tmp_path)
    code, stdout, stderr = run("ingest", "--mapping", "example-police-rms", str(path),
                               "--db", db, "--config-dir", str(CONFIGS))
    assert code == 1, stderr
    assert f"{path}: 13 rows: 6 mapped (6 events), 2 skipped, 0 duplicate, 5 rejected" in stderr
    assert f"{path}.events.jsonl: 6 lines: 6 accepted, 0 duplicate, 0 rejected" in stdout
    with sqlite3.connect(tmp_path / "liaison.db") as conn:
        ids = sorted({r[0] for r in conn.execute("SELECT case_id FROM events")}, key=str)
    assert ids == sorted([KEY.case_id("46/1001/26", "RS-"), KEY.case_id("46/1002/26", "RS-"),
                          None], key=str)
    # a re-export of the same rows deduplicates
    code, stdout, _ = run("ingest", "--mapping", "example-police-rms", str(path), "--db", db,
                          "--config-dir", str(CONFIGS))
    assert f"{path}.events.jsonl: 6 lines: 0 accepted, 6 duplicate, 0 rejected" in stdout
    raw = (tmp_path / "liaison.db").read_bytes()
    assert b"46/1001/26" not in raw and b"Kent Constabulary" not in raw


def test_the_committed_mapping_schema_is_current() -> None:
    committed = (CONFIGS / "mapping.schema.json").read_text(encoding="utf-8")
    assert committed == mapping_schema_text(), "regenerate with: liaison config schema --mapping"
    code, stdout, _ = run("config", "schema", "--mapping")
    assert (code, stdout) == (0, committed)


def test_simulate_as_extracts_then_map_gives_the_simulated_events(tmp_path: Path) -> None:
    code, _, stderr = run("simulate", "--areas", "kent", "--cases", "15", "--seed", "5",
                          "--workers", "1", "--out", str(tmp_path / "sim"), "--as-extracts",
                          str(tmp_path / "ext"), "--config-dir", str(CONFIGS))
    assert code == 0, stderr
    names = ["example-isva-referrals.xlsx", "example-police-rms.csv", "example-cps-cms.csv"]
    assert stderr.splitlines()[1] == "extracts: " + ", ".join(str(tmp_path / "ext" / n)
                                                          for n in names)
    simulated = (tmp_path / "sim" / "events.jsonl").read_text().splitlines()
    mapped = []
    for name in names:
        out = tmp_path / f"{name}.jsonl"
        code, _, _ = run("map", "--mapping", name.rsplit(".", 1)[0], str(tmp_path / "ext" / name),
                         "-o", str(out), "--config-dir", str(CONFIGS))
        assert code == 0
        mapped += out.read_text().splitlines()
    assert len(mapped) == len(simulated) > 100
    refs = {json.loads(line).get("case_id") for line in simulated} - {None}
    assert {json.loads(line).get("case_id") for line in mapped} - {None} == \
        {KEY.case_id(r, "RS-") for r in refs}
