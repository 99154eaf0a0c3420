"""Ingestion: every line accounted for, nothing stored twice, conflicts rejected with a
reason, and a crash or a second run never changes the outcome."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from engine.cli.app import app
from engine.ingest import ingest_paths
from engine.store.db import engine_for
from engine.store.migrate import upgrade
from engine.store.tables import cases, events, ingest_batches
from tests.store.snapshot import state
from tests.store.store_data import case_events, cohort, messy, write_jsonl


def test_counts_add_up_and_rejects_name_line_event_and_reason(db: str, config_dir: Path,
                                                             tmp_path: Path) -> None:
    objs = messy(4)
    src = write_jsonl(tmp_path / "events.jsonl", objs)
    report = ingest_paths(db, [str(src)], config_dir=config_dir)
    (f,) = report.files
    assert (f.lines, f.accepted, f.duplicate, f.rejected) == (len(objs), len(objs) - 4, 1, 3)
    assert f.accepted + f.duplicate + f.rejected == f.lines
    rejected = [json.loads(x) for x in Path(f.rejects_path or "").read_text().splitlines()]
    assert Path(f.rejects_path or "") == tmp_path / "events.jsonl.rejects.jsonl"
    assert [(r["line"], r["event_id"], r["field"], r["reason"]) for r in rejected] == [
        (7, None, None, "not valid JSON: Expecting property name enclosed in double quotes "
                        "at column 2"),
        (8, None, None, "blank line"),
        (len(objs), "T-000000-n", "event_id",
         "conflict: event T-000000-n appears on line 3 with a different body"),
    ]
    assert all("raw" not in r for r in rejected)  # a rejected line's text is never kept


def test_reingesting_the_same_file_is_a_no_op(db: str, config_dir: Path, tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "events.jsonl", messy(6))
    first = ingest_paths(db, [str(src)], config_dir=config_dir).files[0]
    before = state(db)
    rejects_before = Path(first.rejects_path or "").read_text()
    again = ingest_paths(db, [str(src)], config_dir=config_dir).files[0]
    assert (again.accepted, again.duplicate, again.rejected) == (
        0, first.accepted + first.duplicate, first.rejected)
    assert state(db) == before
    assert Path(again.rejects_path or "").read_text() == rejects_before  # rewritten, not appended
    # The same events in another file (other batches) are duplicates, not new rows.
    copy = write_jsonl(tmp_path / "copy.jsonl", cohort(6))
    third = ingest_paths(db, [str(copy)], config_dir=config_dir, batch_lines=7).files[0]
    assert (third.accepted, third.duplicate, third.rejected) == (0, third.lines, 0)
    assert state(db)["events"] == before["events"]


def test_conflicts_with_stored_events_are_rejected(db: str, config_dir: Path, tmp_path: Path
                                                  ) -> None:
    write_jsonl(tmp_path / "a.jsonl", case_events(1))
    ingest_paths(db, [str(tmp_path / "a.jsonl")], config_dir=config_dir)
    changed = case_events(1)
    changed[1]["at"] = "2026-03-04T09:00:00+00:00"  # same event id, different body
    changed[0]["data"] = {"complainant_age": "adult", "offence": "rape"}  # key order only
    src = write_jsonl(tmp_path / "b.jsonl", changed)
    f = ingest_paths(db, [str(src)], config_dir=config_dir).files[0]
    assert (f.accepted, f.duplicate, f.rejected) == (0, len(changed) - 1, 1)
    (r,) = [json.loads(x) for x in Path(f.rejects_path or "").read_text().splitlines()]
    assert (r["line"], r["event_id"], r["field"], r["reason"]) == (
        2, "T-000001-a", "event_id",
        "conflict: event T-000001-a is already stored with a different body")
    with engine_for(db).connect() as conn:
        at = conn.execute(select(events.c.at).where(events.c.event_id == "T-000001-a")).scalar()
    assert at is not None and at.isoformat() == "2026-03-03T10:00:00+00:00"


def test_area_rule_spans_stored_and_new_events(db: str, config_dir: Path, tmp_path: Path) -> None:
    evs = case_events(0, area="dorset")
    write_jsonl(tmp_path / "a.jsonl", evs[:1])
    ingest_paths(db, [str(tmp_path / "a.jsonl")], config_dir=config_dir)
    moved = dict(evs[1], area="kent")
    transfer = {"event_id": "T-000000-t", "case_id": "T-000000", "area": "dorset",
                "type": "case.transferred", "at": "2026-03-05T09:00:00+00:00",
                "source": "police", "data": {"to_area": "kent"}}
    after = {"event_id": "T-000000-x", "case_id": "T-000000", "area": "kent",
             "type": "police.suspect_interviewed", "at": "2026-03-06T09:00:00+00:00",
             "source": "police", "data": {}}
    src = write_jsonl(tmp_path / "b.jsonl", [moved, transfer, after])
    f = ingest_paths(db, [str(src)], config_dir=config_dir).files[0]
    assert (f.accepted, f.rejected) == (2, 1)
    (r,) = [json.loads(x) for x in Path(f.rejects_path or "").read_text().splitlines()]
    assert (r["line"], r["event_id"], r["field"]) == (1, "T-000000-a", "area")
    assert r["reason"] == ("area 'kent' differs from the case's area 'dorset' with no "
                           "case.transferred before it")
    with engine_for(db).connect() as conn:
        row = conn.execute(select(cases.c.area, cases.c.event_count, cases.c.event_version)).one()
    assert tuple(row) == ("kent", 3, 2)


def test_csv_and_exit_codes(db: str, config_dir: Path, tmp_path: Path) -> None:
    csv_file = tmp_path / "events.csv"
    csv_file.write_text(
        "event_id,case_id,area,type,at,source,data.offence,data.complainant_age\n"
        "c1,C-1,kent,case.reported,2026-03-02T09:00:00+00:00,police,rape,adult\n")
    runner = CliRunner()
    ok = runner.invoke(app, ["ingest", str(csv_file), "--db", db, "--config-dir", str(config_dir)])
    assert ok.exit_code == 0, ok.output
    assert f"{csv_file}: 1 lines: 1 accepted, 0 duplicate, 0 rejected" in ok.output
    bad = write_jsonl(tmp_path / "bad.jsonl", ['{"event_id": "x"}'])
    some = runner.invoke(app, ["ingest", str(bad), "--db", db, "--config-dir", str(config_dir)])
    assert some.exit_code == 1
    assert "1 lines: 0 accepted, 0 duplicate, 1 rejected" in some.output
    missing = runner.invoke(app, ["ingest", str(tmp_path / "nope.jsonl"), "--db", db,
                                  "--config-dir", str(config_dir)])
    assert missing.exit_code == 2
    assert "nope.jsonl: no such file" in missing.output
    # A byte that is not UTF-8 rejects its own line, by number; the rest is read.
    undecodable = tmp_path / "latin1.jsonl"
    undecodable.write_bytes(b'\n{"event_id": "caf\xe9"}\n')
    broken = runner.invoke(app, ["ingest", str(undecodable), "--db", db,
                                 "--config-dir", str(config_dir)])
    assert broken.exit_code == 1
    assert "2 lines: 0 accepted, 0 duplicate, 2 rejected" in broken.output
    assert [json.loads(x)["reason"] for x in
            (tmp_path / "latin1.jsonl.rejects.jsonl").read_text().splitlines()] == [
        "blank line", "not read: a byte that is not UTF-8 at column 18"]


def _ingest_cmd(db: str, path: Path, config_dir: Path, batch: int) -> list[str]:
    return [sys.executable, "-c", "from engine.cli.app import main; main()", "ingest",
            str(path), "--db", db, "--config-dir", str(config_dir), "--batch-lines", str(batch)]


@pytest.mark.slow
def test_kill_minus_nine_then_rerun_equals_a_clean_run(new_db: Callable[[], str],
                                                       config_dir: Path, tmp_path: Path) -> None:
    objs = messy(9000)  # about 30,000 lines
    src = write_jsonl(tmp_path / "big.jsonl", objs)
    batch = 500
    total_batches = -(-len(objs) // batch)
    crashed, clean = new_db(), new_db()
    upgrade(crashed)
    upgrade(clean)
    proc = subprocess.Popen(_ingest_cmd(crashed, src, config_dir, batch),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
    eng = engine_for(crashed)
    deadline = time.monotonic() + 120
    committed = 0
    while time.monotonic() < deadline and proc.poll() is None:
        with eng.connect() as conn:
            committed = conn.execute(select(func.count()).select_from(ingest_batches)).scalar_one()
        if committed >= 5:
            break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with eng.connect() as conn:
        committed = conn.execute(select(func.count()).select_from(ingest_batches)).scalar_one()
        stored = conn.execute(select(func.count()).select_from(events)).scalar_one()
    assert 0 < committed < total_batches, "the ingest was not killed mid-way"
    assert stored == conn_events_of_batches(crashed)  # no half-written batch
    resumed = ingest_paths(crashed, [str(src)], config_dir=config_dir, batch_lines=batch).files[0]
    assert resumed.resumed_batches == committed
    first_rejects = Path(resumed.rejects_path or "").read_text()
    ref = ingest_paths(clean, [str(src)], config_dir=config_dir, batch_lines=batch).files[0]
    assert Path(ref.rejects_path or "").read_text() == first_rejects
    assert state(crashed) == state(clean)
    assert (resumed.lines, resumed.accepted + resumed.duplicate, resumed.rejected) == (
        ref.lines, ref.accepted + ref.duplicate, ref.rejected)


def conn_events_of_batches(url: str) -> int:
    """Events the committed batches say they accepted."""
    with engine_for(url).connect() as conn:
        return int(conn.execute(select(func.coalesce(func.sum(ingest_batches.c.accepted), 0)))
                   .scalar_one())


@pytest.mark.slow
def test_two_ingests_at_once_on_sqlite(tmp_path: Path, config_dir: Path) -> None:
    url = f"sqlite:///{tmp_path / 'together.db'}"
    upgrade(url)
    a = write_jsonl(tmp_path / "a.jsonl", cohort(3000, 0))
    b = write_jsonl(tmp_path / "b.jsonl", cohort(3000, 2000))  # 1,000 cases in both
    procs = [subprocess.Popen(_ingest_cmd(url, p, config_dir, 300), cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for p in (a, b)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    both = state(url, batches=False)
    alone = f"sqlite:///{tmp_path / 'alone.db'}"
    upgrade(alone)
    ingest_paths(alone, [str(a), str(b)], config_dir=config_dir, batch_lines=300)
    ref = state(alone, batches=False)
    strip = lambda rows: [r[:-1] for r in rows]  # noqa: E731  (batch id: whoever came first)
    assert strip(both["events"]) == strip(ref["events"])
    assert [r[:6] for r in both["cases"]] == [r[:6] for r in ref["cases"]]
    lines = [int(o[0].split(": ")[1].split()[0]) for o in outs]
    accepted = [int(o[0].split(": ")[2].split()[0]) for o in outs]
    assert sum(accepted) == len(ref["events"]) and sum(lines) == len(cohort(3000)) * 2


def test_stdin_is_read_and_its_rejects_go_beside_the_working_directory(
        db: str, config_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    lines = "\n".join([json.dumps(e) for e in case_events(3)] + ['{"event_id": "bad"}']) + "\n"
    result = CliRunner().invoke(app, ["ingest", "-", "--db", db, "--config-dir", str(config_dir)],
                                input=lines)
    assert result.exit_code == 1, result.output
    assert "<stdin>: 3 lines: 2 accepted, 0 duplicate, 1 rejected" in result.output
    (r,) = [json.loads(x) for x in (tmp_path / "stdin.rejects.jsonl").read_text().splitlines()]
    assert (r["file"], r["line"], r["event_id"], r["field"]) == ("<stdin>", 3, "bad", "area")
