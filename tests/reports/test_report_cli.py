"""`liaison report board|national|scrutiny` writes the files and prints their paths."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from engine.cli.app import app


def _paths(result) -> list[Path]:
    return [Path(line) for line in result.stdout.splitlines()]


def test_each_report_command_prints_the_paths_it_wrote(store, tmp_path):
    runner = CliRunner()
    for args, stem in ((["board"], "board"),
                       (["board", "--cps-area", "london-south"], "board-london-south"),
                       (["national"], "national"),
                       (["scrutiny", "--area", "kent", "--quarter", "2026Q2", "--seed", "4"],
                        "scrutiny-kent-2026Q2")):
        result = runner.invoke(app, ["report", *args, "--out", str(tmp_path), "--db", store.url])
        assert result.exit_code == 0, result.output
        paths = _paths(result)
        assert paths[0] == tmp_path / f"{stem}.json" and paths[-1] == tmp_path / f"{stem}.html"
        assert all(p.is_file() and p.stat().st_size > 0 for p in paths)
        assert all(p.suffix == ".csv" for p in paths[1:-1]) and len(paths) >= 5
    board = json.loads((tmp_path / "board-london-south.json").read_text())
    assert set(board["by_area"]) == {"metropolitan"}


def test_the_scrutiny_pack_command_audits_its_case_reads(store, tmp_path):
    from sqlalchemy import text

    result = CliRunner().invoke(app, ["report", "scrutiny", "--area", "kent", "--quarter",
                                      "2026Q2", "--sample", "3", "--out", str(tmp_path),
                                      "--db", store.url, "--as", "panel-clerk"])
    assert result.exit_code == 0, result.output
    pack = json.loads((tmp_path / "scrutiny-kent-2026Q2.json").read_text())
    with store.engine.connect() as conn:
        who, action, detail = conn.execute(text(
            "SELECT who, action, detail FROM audit_log ORDER BY id DESC LIMIT 1")).one()
    detail = json.loads(detail) if isinstance(detail, str) else detail
    assert (who, action) == ("panel-clerk", "report.scrutiny")
    assert detail["cases"] == [c["case_id"] for c in pack["sample"]["cases"]]
    assert len(detail["cases"]) == 3


def test_bad_report_arguments_exit_2_with_a_message(store, tmp_path):
    runner = CliRunner()
    for args, message in ((["scrutiny", "--area", "kent", "--quarter", "2026Q5"],
                           "'2026Q5' is not a quarter; write it like 2026Q2"),
                          (["scrutiny", "--area", "atlantis", "--quarter", "2026Q2"],
                           "unknown area 'atlantis'"),
                          (["board", "--cps-area", "mars"], "unknown CPS Area 'mars'")):
        result = runner.invoke(app, ["report", *args, "--out", str(tmp_path), "--db", store.url])
        assert result.exit_code == 2 and message in " ".join(result.stderr.split())
        assert result.stdout == ""
