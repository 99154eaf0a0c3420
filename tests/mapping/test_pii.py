"""No personal detail in an extract leaves through mapping: the corpus of tests/pii.py
placed in every column the police example reads (and in a column it does not) goes
through `liaison ingest --mapping`; none of it, nor the key, is in the events file, the
rejects file, stdout, stderr or the SQLite file's bytes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli.app import app
from tests.mapping.kit import CONFIGS, KEY_TEXT, mapper
from tests.pii import CORPUS, leaks, leaks_in_files

BASE = {"Entry Ref": "E1", "Crime No": "46/1/26", "Force": "Kent Police",
        "Status Code": "REP - Reported", "Status Date": "02/03/2026 09:15", "Offence": "RAPE",
        "Victim Age Group": "Adult"}


def extract() -> str:
    columns = [*mapper("example-police-rms").m.columns(), "Officer Notes"]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(columns)
    n = 0
    for pii in CORPUS:
        for column in columns:
            n += 1
            row = dict(BASE, **{"Entry Ref": f"E{n}", column: pii})
            writer.writerow([row.get(c, "") for c in columns])
    return buf.getvalue()


def test_no_personal_detail_or_key_leaves_through_mapping(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "rms.csv"
    path.write_bytes(extract().encode("cp1252"))
    db = tmp_path / "liaison.db"
    runner = CliRunner()
    env = {"LIAISON_PSEUDONYM_KEY": KEY_TEXT}
    assert runner.invoke(app, ["db", "upgrade", "--db", f"sqlite:///{db}"]).exit_code == 0
    result = runner.invoke(app, ["ingest", "--mapping", "example-police-rms", str(path),
                                 "--db", f"sqlite:///{db}", "--config-dir", str(CONFIGS)],
                           env=env)
    assert result.exit_code == 1, result.output
    rows = len(CORPUS) * 21
    assert f"{path}: {rows} rows: " in result.stderr
    outputs = [Path(f"{path}.events.jsonl"), Path(f"{path}.rejects.jsonl"), db]
    assert all(p.stat().st_size > 0 for p in outputs)
    corpus = [*CORPUS, KEY_TEXT]
    assert leaks_in_files(outputs, corpus) == {}
    assert leaks((result.stdout + result.stderr).encode(), corpus) == []
