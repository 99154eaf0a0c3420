"""Verdicts never go stale and one area never stops the sweep (issue 10 §4): a national
change after a deployment, a version that cannot be rebuilt, and an evaluator upgrade."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from engine.cli.app import app
from engine.deploy import deploy
from engine.ingest import ingest_paths
from engine.store import versions as store_versions
from engine.store.db import engine_for
from engine.store.tables import config_versions
from engine.sweep import run_sweep
from tests.store.store_data import case_events, write_jsonl
from tests.store.test_deploy import (
    ANA,
    AREA,
    FOUR_HOURS,
    arrest_case,
    arrest_verdicts,
    write_overlay,
)

AS_OF = datetime(2026, 3, 10, tzinfo=UTC)


def _setup(db: str, config_dir: Path, tmp_path: Path) -> None:
    write_overlay(config_dir, "2026-03-01", FOUR_HOURS)
    deploy(db, AREA, ANA, config_dir)
    late = arrest_case("A-1", "2026-03-03T10:00:00+00:00", "2026-03-04T06:00:00+00:00")
    kent = case_events(2, "kent")
    ingest_paths(db, [str(write_jsonl(tmp_path / "a.jsonl", late + kent))],
                 config_dir=config_dir)
    run_sweep(db, AS_OF, config_dir=config_dir)
    assert arrest_verdicts(db)["A-1"][0] == "late"  # 20 hours under the area's 4 hours


def _bump_national(config_dir: Path) -> None:
    """A new national framework version; the overlay file follows it, the deployed
    version in the store cannot (it names 2026.1)."""
    for path in (config_dir / "national" / "framework.yaml",
                 config_dir / "areas" / f"{AREA}.yaml"):
        path.write_text(path.read_text().replace('"2026.1"', '"2027.1"'))


def test_a_national_change_names_the_area_and_keeps_its_deployed_verdicts(
        db: str, config_dir: Path, tmp_path: Path) -> None:
    _setup(db, config_dir, tmp_path)
    _bump_national(config_dir)
    report = run_sweep(db, AS_OF, full=True, config_dir=config_dir)
    assert report.skipped == ()
    assert [a for a, _ in report.stale] == [AREA]
    assert report.stale[0][1].startswith("deployed version 1 (framework 2026.1) no longer "
                                         "validates: ")
    assert "framework version \"2026.1\" is not the national framework's" in report.stale[0][1]
    assert arrest_verdicts(db)["A-1"][0] == "late"  # still judged by what was deployed
    assert report.cases_evaluated == 2
    result = CliRunner().invoke(app, ["sweep", "--db", db, "--config-dir", str(config_dir),
                                      "--as-of", AS_OF.isoformat(), "--full"])
    assert result.exit_code == 0, result.output
    assert f"warning: {AREA}: below the national floor, judged by its deployed template" \
        in " ".join(result.stderr.split())


def test_an_area_that_cannot_be_rebuilt_is_skipped_and_the_others_are_swept(
        db: str, config_dir: Path, tmp_path: Path) -> None:
    _setup(db, config_dir, tmp_path)
    with engine_for(db).begin() as conn:  # a version deployed before templates were kept
        conn.execute(update(config_versions).values(template=None))
    _bump_national(config_dir)
    report = run_sweep(db, AS_OF, full=True, config_dir=config_dir)
    assert [a for a, _ in report.skipped] == [AREA]
    assert report.stale == ()
    assert [p.area for p in report.partitions] == ["kent"]
    assert report.cases_evaluated == 1
    assert arrest_verdicts(db)["A-1"][0] == "late"  # left as it was, not rewritten


def test_an_evaluator_upgrade_re_evaluates_every_case_without_full(
        db: str, config_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _setup(db, config_dir, tmp_path)
    assert run_sweep(db, AS_OF, config_dir=config_dir).cases_evaluated == 0
    monkeypatch.setattr(store_versions, "SEMANTICS_VERSION", "9999.1")
    store_versions._cached.cache_clear()
    assert run_sweep(db, AS_OF, config_dir=config_dir).cases_evaluated == 2
    assert run_sweep(db, AS_OF, config_dir=config_dir).cases_evaluated == 0
