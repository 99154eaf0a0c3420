"""No value from a rejected line leaves the system (issue 10 §1): a corpus of personal
details, placed in every field and as key names, goes through `check` and `ingest`, and
none of it is found in the SQLite file's bytes, the rejects files, stdout, stderr or the
structured log (turned up to DEBUG, on stderr)."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from engine.config import load_config
from engine.errors import REJECT_TEXT_MAX
from engine.event_lines import read_lines
from tests.pii import CORPUS, bad_csv_text, bad_jsonl_lines, leaks, leaks_in_files

ROOT = Path(__file__).resolve().parents[1]
VOCAB = load_config(ROOT / "area_configs").vocabulary


def liaison(*args: str, stdin: bytes = b"", cwd: Path) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, LIAISON_LOG_LEVEL="DEBUG", COLUMNS="200")
    return subprocess.run([sys.executable, "-c", "from engine.cli.app import main; main()",
                           *args], input=stdin, capture_output=True, env=env, cwd=cwd,
                          timeout=300, check=False)


def test_the_corpus_reaches_every_place_and_every_line_is_rejected() -> None:
    lines = bad_jsonl_lines()
    read = list(read_lines(io.StringIO("\n".join(lines) + "\n"), VOCAB, "jsonl", "in.jsonl"))
    assert len(read) == len(lines) > 14 * 20
    assert [rl.line for rl in read if rl.event is not None] == []
    for rl in read:
        assert rl.problem is not None
        shown = rl.problem.render()
        assert leaks(shown.encode()) == [], (rl.line, shown)
        assert len(rl.problem.message) <= REJECT_TEXT_MAX
    csv_read = list(read_lines(io.StringIO(bad_csv_text()), VOCAB, "csv", "in.csv"))
    assert len(csv_read) == 4 * len(CORPUS)
    assert [rl.line for rl in csv_read if rl.problem is None] == []
    assert [leaks(rl.problem.render().encode()) for rl in csv_read if rl.problem] == \
        [[]] * len(csv_read)


def test_check_and_ingest_keep_no_value_from_a_rejected_line(tmp_path: Path) -> None:
    jsonl = tmp_path / "bad.jsonl"
    jsonl.write_text("\n".join(bad_jsonl_lines()) + "\n", encoding="utf-8")
    csv = tmp_path / "bad.csv"
    csv.write_text(bad_csv_text(), encoding="utf-8")
    config = str(ROOT / "area_configs")
    outputs: list[bytes] = []

    for events, stdin in ((str(jsonl), b""), ("-", jsonl.read_bytes()), (str(csv), b"")):
        run = liaison("check", "--events", events, "--config-dir", config,
                      "--as-of", "2026-04-01T00:00:00+00:00", stdin=stdin, cwd=tmp_path)
        assert (run.returncode, run.stdout) == (2, b""), run.stderr[-2000:]
        assert b"Traceback" not in run.stderr
        outputs += [run.stdout, run.stderr]

    db_file = tmp_path / "store.db"
    db = f"sqlite:///{db_file}"
    assert liaison("db", "upgrade", "--db", db, cwd=tmp_path).returncode == 0
    run = liaison("ingest", str(jsonl), str(csv), "--db", db, "--config-dir", config,
                  cwd=tmp_path)
    assert run.returncode == 1, run.stderr[-2000:]  # rejects, and nothing else wrong
    assert b"Traceback" not in run.stderr
    assert b'"event": "ingested"' in run.stderr  # the structured log is in what is scanned
    outputs += [run.stdout, run.stderr]
    run = liaison("ingest", "-", "--db", db, "--config-dir", config, stdin=jsonl.read_bytes(),
                  cwd=tmp_path)
    assert run.returncode == 1
    outputs += [run.stdout, run.stderr]

    rejects_files = [tmp_path / "bad.jsonl.rejects.jsonl", tmp_path / "bad.csv.rejects.jsonl",
                     tmp_path / "stdin.rejects.jsonl"]
    assert all(p.is_file() for p in rejects_files)
    with sqlite3.connect(db_file) as conn:
        rows = conn.execute("SELECT count(*), max(length(reason)), max(length(raw)), "
                            "count(event_id) FROM rejects").fetchone()
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (0,)
    # every line of both files is a reject; a reject keeps an event id only by the id rule
    assert rows[0] == len(bad_jsonl_lines()) + 4 * len(CORPUS)
    assert rows[1] <= REJECT_TEXT_MAX and rows[2] == 0
    assert leaks(b"\n".join(outputs)) == []
    assert leaks_in_files([db_file, *rejects_files]) == {}
