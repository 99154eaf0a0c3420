"""Files that hold case data are created readable by their owner only (issue 10 §6): the
SQLite store (and its WAL), rejects files, exports and report outputs, whatever the umask."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli.app import app
from tests.store.store_data import cohort

CONFIG = str(Path(__file__).resolve().parents[1] / "area_configs")


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0o022)  # the usual default: files 0644 unless the code says otherwise
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_store_rejects_exports_and_reports_are_0600(tmp_path: Path, open_umask: None) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text("\n".join([json.dumps(o) for o in cohort(3)] + ["{bad"]) + "\n")
    db_file = tmp_path / "store" / "liaison.db"
    db = f"sqlite:///{db_file}"
    run = CliRunner()
    env = {"LIAISON_USER": "ana"}
    assert run.invoke(app, ["db", "upgrade", "--db", db], env=env).exit_code == 0
    ingested = run.invoke(app, ["ingest", str(events), "--db", db, "--config-dir", CONFIG],
                          env=env)
    assert ingested.exit_code == 1, ingested.output  # one line rejected
    swept = run.invoke(app, ["sweep", "--db", db, "--config-dir", CONFIG, "--as-of",
                             "2026-04-01T00:00:00+00:00"], env=env)
    assert swept.exit_code == 0, swept.output
    exported = run.invoke(app, ["export", "--format", "ocel", "--out", str(tmp_path / "log.json"),
                                "--db", db, "--config-dir", CONFIG], env=env)
    assert exported.exit_code == 0, exported.output
    reported = run.invoke(app, ["report", "board", "--out", str(tmp_path / "reports"),
                                "--db", db, "--config-dir", CONFIG], env=env)
    assert reported.exit_code == 0, reported.output
    written = [db_file, Path(f"{db_file}-wal"), tmp_path / "events.jsonl.rejects.jsonl",
               tmp_path / "log.json", *sorted((tmp_path / "reports").iterdir())]
    assert len(written) > 5 and all(p.exists() for p in written)
    assert {str(p.relative_to(tmp_path)): oct(mode(p)) for p in written} == {
        str(p.relative_to(tmp_path)): oct(0o600) for p in written}
