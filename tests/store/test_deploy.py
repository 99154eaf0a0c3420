"""Deployment: a bad overlay is refused, the plan shows what would change, versions are
recorded with an audit entry, and a new version never rewrites earlier verdicts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from engine.cli.app import app
from engine.deploy import DeployRefused, deploy, plan
from engine.errors import ConfigError
from engine.ingest import ingest_paths
from engine.store import decode_contribution
from engine.store.audit import Actor, entries
from engine.store.db import engine_for
from engine.store.tables import cases, config_versions
from engine.store.versions import history
from engine.sweep import run_sweep
from tests.store.store_data import overlay_text, write_jsonl

ANA = Actor("ana", "force_data_team")
FOUR_HOURS = "  police_inform_arrest:\n    deadline: {within: 4, unit: hours}"
AREA = "avon-and-somerset"


def arrest_case(cid: str, arrested: str, informed: str) -> list[dict[str, object]]:
    return [
        {"event_id": f"{cid}-r", "case_id": cid, "area": AREA, "type": "case.reported",
         "at": "2026-03-02T09:00:00+00:00", "source": "police",
         "data": {"offence": "rape", "complainant_age": "adult"}},
        {"event_id": f"{cid}-a", "case_id": cid, "area": AREA,
         "type": "police.suspect_arrested", "at": arrested, "source": "police", "data": {}},
        {"event_id": f"{cid}-i", "case_id": cid, "area": AREA, "type": "complainant.informed",
         "at": informed, "source": "police", "data": {"topic": "arrest"}},
    ]


def write_overlay(config_dir: Path, effective_from: str, steps: str = "  {}") -> Path:
    path = config_dir / "areas" / f"{AREA}.yaml"
    path.write_text(overlay_text(effective_from, steps))
    return path


def arrest_verdicts(db: str) -> dict[str | None, tuple[str, str]]:
    """Each case's police_inform_arrest verdict and version, from what its last evaluation
    counted (met instances are counted, not stored as rows)."""
    with engine_for(db).connect() as conn:
        rows = conn.execute(select(cases.c.case_id, cases.c.contribution)).all()
    return {cid: (k[5], k[2]) for cid, text in rows for k in decode_contribution(text)
            if k[1] == "police_inform_arrest"}


def test_deploy_refuses_a_bad_overlay_and_records_nothing(db: str, config_dir: Path) -> None:
    loosened = "  police_inform_arrest:\n    deadline: {within: 5, unit: working_days}"
    write_overlay(config_dir, "2026-03-01", loosened)  # loosening without a derogation
    with pytest.raises(ConfigError) as err:
        deploy(db, AREA, ANA, config_dir)
    assert any(p.field.startswith("steps.police_inform_arrest") for p in err.value.problems)
    result = CliRunner().invoke(app, ["deploy", AREA, "--db", db, "--config-dir",
                                      str(config_dir), "--yes"])
    assert result.exit_code == 2
    assert "the configuration has errors" in result.output
    with engine_for(db).connect() as conn:
        assert conn.execute(select(func.count()).select_from(config_versions)).scalar() == 0
    assert entries(db, "config.deploy") == []


def test_a_new_deploy_leaves_earlier_verdicts_alone(db: str, config_dir: Path,
                                                    tmp_path: Path) -> None:
    write_overlay(config_dir, "2026-03-01")
    first = deploy(db, AREA, ANA, config_dir)
    # Arrested Tue 3 Mar 10:00, told 20 hours later: met under 1 working day.
    early = arrest_case("A-1", "2026-03-03T10:00:00+00:00", "2026-03-04T06:00:00+00:00")
    ingest_paths(db, [str(write_jsonl(tmp_path / "a.jsonl", early))], config_dir=config_dir)
    run_sweep(db, datetime(2026, 3, 10, tzinfo=UTC), config_dir=config_dir)
    v1 = arrest_verdicts(db)["A-1"]
    assert v1[0] == "met"

    write_overlay(config_dir, "2026-03-20", FOUR_HOURS)
    second = deploy(db, AREA, ANA, config_dir)
    assert second.version_id == first.version_id + 1
    # The same pattern after the new version takes effect: 20 hours is late under 4 hours.
    later = arrest_case("A-2", "2026-03-24T10:00:00+00:00", "2026-03-25T06:00:00+00:00")
    ingest_paths(db, [str(write_jsonl(tmp_path / "b.jsonl", later))], config_dir=config_dir)
    run_sweep(db, datetime(2026, 3, 30, tzinfo=UTC), config_dir=config_dir)
    after = arrest_verdicts(db)
    assert after["A-1"] == v1  # same status, same version that judged it
    assert after["A-2"][0] == "late"
    assert after["A-2"][1] != v1[1]
    run_sweep(db, datetime(2026, 3, 30, tzinfo=UTC), full=True, config_dir=config_dir)
    assert arrest_verdicts(db) == after
    assert [v.id for v in history(db, AREA)] == [first.version_id, second.version_id]


def test_plan_lists_status_changes_and_new_flags(db: str, config_dir: Path, tmp_path: Path) -> None:
    told_late = arrest_case("P-1", "2026-03-03T10:00:00+00:00", "2026-03-04T06:00:00+00:00")
    told_soon = arrest_case("P-2", "2026-03-03T10:00:00+00:00", "2026-03-03T12:00:00+00:00")
    ingest_paths(db, [str(write_jsonl(tmp_path / "a.jsonl", told_late + told_soon))],
                 config_dir=config_dir)
    write_overlay(config_dir, "2026-02-01")
    deploy(db, AREA, ANA, config_dir)
    run_sweep(db, datetime(2026, 3, 10, tzinfo=UTC), config_dir=config_dir)
    write_overlay(config_dir, "2026-03-01", FOUR_HOURS)
    p = plan(db, AREA, config_dir, as_of=datetime(2026, 3, 10, tzinfo=UTC))
    assert p.open_cases == 2
    assert [(c.case_id, c.step, c.trigger_event, c.before, c.after) for c in p.changes] == [
        ("P-1", "police_inform_arrest", "P-1-a", "met", "late")]
    assert [c.case_id for c in p.new_flags] == ["P-1"]
    # With a later effective date nothing triggered before it changes.
    assert plan(db, AREA, config_dir, effective_from=date(2026, 3, 20),
                as_of=datetime(2026, 3, 10, tzinfo=UTC)).changes == ()
    result = CliRunner().invoke(app, ["plan", AREA, "--db", db, "--config-dir", str(config_dir),
                                      "--as-of", "2026-03-10T00:00:00+00:00"])
    assert result.exit_code == 0, result.output
    assert "2 open cases evaluated as of 2026-03-10T00:00:00+00:00: 1 instances in 1 cases " \
           "would change status; 1 new flags" in result.output


def test_the_audit_log_records_deploys(db: str, config_dir: Path) -> None:
    write_overlay(config_dir, "2026-03-01")
    done = deploy(db, AREA, ANA, config_dir)
    result = CliRunner().invoke(app, ["deploy", AREA, "--db", db, "--config-dir",
                                      str(config_dir), "--effective-from", "2026-04-01", "--yes",
                                      "--as", "bo", "--role", "force_data_team"])
    assert result.exit_code == 0, result.output
    log = entries(db, "config.deploy")
    assert [(e["who"], e["role"], e["detail"]["version_id"], e["detail"]["effective_from"])
            for e in reversed(log)] == [
        ("ana", "force_data_team", done.version_id, "2026-03-01T00:00:00+00:00"),
        ("bo", "force_data_team", done.version_id + 1, "2026-04-01T00:00:00+01:00")]
    assert all(e["detail"]["area"] == AREA and len(e["detail"]["content_hash"]) == 64
               for e in log)


def test_versions_must_come_in_order(db: str, config_dir: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import engine.cli.deploy_cmd

    monkeypatch.setattr(engine.cli.deploy_cmd, "has_terminal", lambda: True)  # a person types n
    write_overlay(config_dir, "2026-03-01")
    deploy(db, AREA, ANA, config_dir)
    with pytest.raises(DeployRefused, match="already takes effect from 2026-03-01"):
        deploy(db, AREA, ANA, config_dir)
    answer_no = CliRunner().invoke(app, ["deploy", AREA, "--db", db, "--config-dir",
                                         str(config_dir), "--effective-from", "2026-05-01"],
                                   input="n\n")
    assert answer_no.exit_code == 1
    assert [v.effective_from.date() for v in history(db, AREA)] == [date(2026, 3, 1)]


def test_a_first_deploy_taking_effect_later_keeps_what_the_file_judged(
        db: str, config_dir: Path, tmp_path: Path) -> None:
    # Before any deployment the area is judged by its overlay file (4 hours from 1 March).
    write_overlay(config_dir, "2026-03-01", FOUR_HOURS)
    early = arrest_case("F-1", "2026-03-03T10:00:00+00:00", "2026-03-04T06:00:00+00:00")
    ingest_paths(db, [str(write_jsonl(tmp_path / "a.jsonl", early))], config_dir=config_dir)
    run_sweep(db, datetime(2026, 3, 10, tzinfo=UTC), config_dir=config_dir)
    before = arrest_verdicts(db)["F-1"]
    assert before[0] == "late"
    p = plan(db, AREA, config_dir, effective_from=date(2026, 3, 20),
             as_of=datetime(2026, 3, 10, tzinfo=UTC))
    assert p.changes == () and p.new_flags == ()
    deploy(db, AREA, ANA, config_dir, effective_from=date(2026, 3, 20))
    run_sweep(db, datetime(2026, 3, 10, tzinfo=UTC), full=True, config_dir=config_dir)
    assert arrest_verdicts(db)["F-1"] == before
