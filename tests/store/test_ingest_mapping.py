"""`liaison ingest --mapping` on both databases: extracts of the three example systems map
and store with pseudonymised case ids, the police and CPS rows of one case meet on one
case, and a re-export deduplicates."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from engine.cli.app import app
from engine.store.db import engine_for
from engine.store.tables import cases, events, rejects
from tests.mapping.kit import CONFIGS, KEY, KEY_TEXT, copy_sample


def ingest(db: str, mapping: str, path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["ingest", "--mapping", mapping, str(path), "--db", db,
                                      "--config-dir", str(CONFIGS)],
                                env={"LIAISON_PSEUDONYM_KEY": KEY_TEXT})
    summary = [line for line in result.stdout.splitlines()
               if line.startswith(f"{path}.events.jsonl: ")]
    return result.exit_code, summary[0].split(": ", 1)[1] if summary else result.stdout


def test_three_systems_meet_on_pseudonymised_cases(db: str, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    outs = []
    for mapping, sample in (("example-police-rms", "police-rms-sample.csv"),
                            ("example-cps-cms", "cps-cms-sample.csv"),
                            ("example-isva-referrals", "isva-referrals-sample.xlsx")):
        path = copy_sample(sample, tmp_path)
        code, out = ingest(db, mapping, path)
        assert code == 1  # each sample has rejected rows
        outs.append(out)
    assert outs == [
        "6 lines: 6 accepted, 0 duplicate, 0 rejected",
        "3 lines: 3 accepted, 0 duplicate, 0 rejected",
        "3 lines: 3 accepted, 0 duplicate, 0 rejected"]
    case_1 = KEY.case_id("46/1001/26", "RS-")
    with engine_for(db).connect() as conn:
        stored = conn.execute(select(events.c.source).where(events.c.case_id == case_1)
                              .order_by(events.c.at)).scalars().all()
        count = conn.execute(select(cases.c.event_count).where(cases.c.case_id == case_1)
                             ).scalar_one()
        refs = conn.execute(select(events.c.case_id)).scalars().all()
    assert stored == ["police", "police", "isva", "cps", "court", "wcu", "police", "police"]
    assert count == 8
    assert all(r is None or r.startswith("RS-") for r in refs)
    police = str(tmp_path / "police-rms-sample.csv")
    with engine_for(db).connect() as conn:
        stored_rejects = conn.execute(
            select(rejects.c.line, rejects.c.field, rejects.c.reason)
            .where(rejects.c.file_name == police).order_by(rejects.c.line)).all()
        total = conn.execute(select(rejects.c.line)).all()
    assert [tuple(r) for r in stored_rejects] == [
        (5, "at", 'column "Status Date": does not exist in Europe/London: the clocks went '
                  "forward over it"),
        (8, "type", 'column "Status Code": the code is not in the value map "status_codes" '
                    '(allowed: "REP - Reported" | "TRF - Transferred" | "CLS - Closed" | '
                    '"VNA - Needs Assessed" | "VPR - Preferences" | "VUP - Victim Updated" | '
                    '"VPA - Contact Paused" | "VRE - Contact Resumed" and 20 more)'),
        (9, "area", 'column "Force": the code is not in the value map "register" (allowed: '
                    "a police force area's name or id)"),
        (10, "at", 'column "Status Date": does not match the format %d/%m/%Y %H:%M or '
                   "%d/%m/%Y %H:%M %z"),
        (12, "data.granted", 'column "Consent Given": the code is not in the value map '
                             '"yes_no" (allowed: "Y" | "N")')]
    assert len(total) == 5 + 4 + 1  # the three samples' rejected rows
    code, out = ingest(db, "example-cps-cms", tmp_path / "cps-cms-sample.csv")
    # the same rows map to the same bytes: ingest finds the batch already stored
    assert (code, out) == (1, "3 lines: 0 accepted, 3 duplicate, 0 rejected (1 batches "
                              "already stored by an earlier run)")
    with engine_for(db).connect() as conn:
        assert len(conn.execute(select(rejects.c.line)).all()) == 10  # stored once
