"""ingest_flow over a real drop folder, with real flow runs and artifacts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from engine.ingest import ingest_paths
from engine.store.db import engine_for
from engine.store.tables import events
from flows import ingest_flow
from flows.dropfolder import DropFolder
from tests.flows.flowkit import case_events, write_jsonl
from tests.flows.flowkit_artifacts import artifact_data, run_log_messages


def _stored_ids(db_url: str) -> list[str]:
    with engine_for(db_url).connect() as conn:
        return sorted(r for (r,) in conn.execute(select(events.c.event_id)))


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _run(drop: Path, db_url: str, config_dir: Path) -> tuple[dict[str, Any], Any]:
    state = ingest_flow(str(drop), db_url=db_url, config_dir=str(config_dir),
                        return_state=True)
    assert state.is_completed(), state.message
    return state.result(), state.state_details.flow_run_id


def test_good_duplicate_and_bad_files(tmp_path: Path, db_url: str, config_dir: Path) -> None:
    drop = tmp_path / "drop"
    good = case_events(1, "dorset") + case_events(2, "dorset")          # 3 + 4 events
    write_jsonl(drop / "dorset" / "2026-03-10.jsonl", good)
    # the same events again, one new event, and a line of an unknown type
    bad_line = dict(case_events(3, "dorset")[0], event_id="D-bad", type="police.unknown")
    write_jsonl(drop / "dorset" / "2026-03-11.jsonl",
                good[:4] + case_events(3, "dorset")[:1] + [bad_line])
    # not UTF-8: since issue 10 its line is a reject by number, and the file is processed
    (drop / "kent-2026-03-10.jsonl").write_bytes(b'{"event_id": "\xff\xfe"}\n')
    write_jsonl(drop / "dorset" / "2026-03-12.jsonl.part", good)  # still being written

    totals, run_id = _run(drop, db_url, config_dir)

    assert totals == {"files": 3, "processed": 3, "failed": 0, "pending": 0, "taken": 0,
                      "resumed": 0, "lines": 14, "accepted": 8, "duplicate": 4, "rejected": 2}
    assert _files(drop) == [
        "dorset/2026-03-12.jsonl.part",
        "processed/dorset/2026-03-10.jsonl",
        "processed/dorset/2026-03-11.jsonl",
        "processed/dorset/2026-03-11.jsonl.rejects.jsonl",
        "processed/kent-2026-03-10.jsonl",
        "processed/kent-2026-03-10.jsonl.rejects.jsonl",
    ]
    [reject] = [json.loads(line) for line in
                (drop / "processed/dorset/2026-03-11.jsonl.rejects.jsonl").read_text().splitlines()]
    assert (reject["line"], reject["event_id"], reject["field"]) == (6, "D-bad", "type")
    assert _stored_ids(db_url) == sorted(
        [e["event_id"] for e in good] + [case_events(3, "dorset")[0]["event_id"]])

    rows = artifact_data(run_id, "ingest-files")
    assert [(r["file"], r["area"], r["outcome"], int(r["lines"]), int(r["accepted"]),
             int(r["duplicate"]), int(r["rejected"])) for r in rows] == [
        ("dorset/2026-03-10.jsonl", "dorset", "processed", 7, 7, 0, 0),
        ("dorset/2026-03-11.jsonl", "dorset", "processed", 6, 1, 4, 1),
        ("kent-2026-03-10.jsonl", "kent", "processed", 1, 0, 0, 1),
    ]
    assert rows[1]["rejects_file"] == str(
        (drop / "processed/dorset/2026-03-11.jsonl.rejects.jsonl").resolve())
    [bad_bytes] = [json.loads(line) for line in
                   (drop / "processed/kent-2026-03-10.jsonl.rejects.jsonl").read_text()
                   .splitlines()]
    assert (bad_bytes["line"], bad_bytes["reason"]) == (
        1, "not read: a byte that is not UTF-8 at column 15")
    summary = artifact_data(run_id, "ingest-summary")
    assert "3 file(s): 3 processed, 0 failed, 0 pending; 8 events accepted, 4 duplicate, " \
        "2 rejected." in summary
    # the engine's own log line reached the run log, with the area bound
    engine_lines = [json.loads(m) for m in run_log_messages(run_id) if m.startswith("{")]
    # (areas' files may run side by side: the order across areas is not fixed)
    assert sorted((e["logger"], e["event"], e["area"], e["accepted"]) for e in engine_lines) == [
        ("liaison.engine.ingest", "ingested", "dorset", 1),
        ("liaison.engine.ingest", "ingested", "dorset", 7),
        ("liaison.engine.ingest", "ingested", "kent", 0)]


def test_an_interrupted_run_resumes_without_loss_or_duplicates(
        tmp_path: Path, db_url: str, config_dir: Path) -> None:
    drop = tmp_path / "drop"
    first = [e for n in range(4) for e in case_events(n, "kent")]
    second = [e for n in range(4, 8) for e in case_events(n, "kent")]
    third = [e for n in range(8, 10) for e in case_events(n, "dorset")]
    write_jsonl(drop / "kent" / "a.jsonl", first)
    write_jsonl(drop / "kent" / "b.jsonl", second)
    # A run claimed both kent files, ingested the first completely and died before
    # moving it; the second was claimed but never started. Then a new file arrived.
    claims = DropFolder(drop).claim_all()
    assert [c.name for c in claims] == ["kent/a.jsonl", "kent/b.jsonl"]
    ingest_paths(db_url, [claims[0].path], actor="killed-run", config_dir=config_dir)
    write_jsonl(drop / "dorset-2026-03-12.jsonl", third)

    totals, _ = _run(drop, db_url, config_dir)

    assert totals == {"files": 3, "processed": 3, "failed": 0, "pending": 0, "taken": 0,
                      "resumed": 2,
                      "lines": len(first) + len(second) + len(third),
                      "accepted": len(second) + len(third), "duplicate": len(first),
                      "rejected": 0}
    assert _files(drop) == ["processed/dorset-2026-03-12.jsonl", "processed/kent/a.jsonl",
                            "processed/kent/b.jsonl"]
    assert _stored_ids(db_url) == sorted(e["event_id"] for e in first + second + third)
    with engine_for(db_url).connect() as conn:
        assert conn.execute(select(func.count()).select_from(events)).scalar_one() == \
            len(first) + len(second) + len(third)

    again, _ = _run(drop, db_url, config_dir)  # nothing left: nothing ingested twice
    assert (again["files"], again["accepted"]) == (0, 0)


def test_a_file_the_store_cannot_take_waits_in_processing_for_the_next_run(
        tmp_path: Path, config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import flows.ingest
    from engine.store.migrate import upgrade

    monkeypatch.setattr(flows.ingest, "ingest_file",
                        flows.ingest.ingest_file.with_options(retries=0))
    drop = tmp_path / "drop"
    evs = case_events(1, "kent")
    write_jsonl(drop / "kent" / "a.jsonl", evs)
    url = f"sqlite:///{tmp_path / 'not-upgraded.db'}"  # no schema yet: the store refuses

    state = ingest_flow(str(drop), db_url=url, config_dir=str(config_dir), return_state=True)

    assert state.is_failed()
    assert _files(drop) == ["processing/kent/a.jsonl"]
    [row] = artifact_data(state.state_details.flow_run_id, "ingest-files")
    assert (row["file"], row["outcome"]) == ("kent/a.jsonl", "pending")
    assert "has no liaison schema" in row["error"]

    upgrade(url)
    totals, _ = _run(drop, url, config_dir)
    assert (totals["processed"], totals["resumed"], totals["accepted"]) == (1, 1, len(evs))
    assert _files(drop) == ["processed/kent/a.jsonl"]


def test_a_claim_another_run_already_finished_is_reported_as_taken(
        tmp_path: Path, db_url: str, config_dir: Path) -> None:
    from flows.ingest import ingest_file

    drop = tmp_path / "drop"
    write_jsonl(drop / "kent" / "a.jsonl", case_events(1, "kent"))
    [claim] = DropFolder(drop).claim_all()
    DropFolder(drop).finish(claim, "processed")  # the other run got there first

    row = ingest_file.fn(db_url, claim, str(drop), "test", str(config_dir))

    assert (row["file"], row["outcome"], row["accepted"], row["error"]) == (
        "kent/a.jsonl", "taken", 0, "finished by another run")
    assert _files(drop) == ["processed/kent/a.jsonl"]
    assert _stored_ids(db_url) == []
