"""deploy_flow (validate, plan artifact, deploy; refuse on error) and
national_report_flow (files and a markdown artifact), as real flow runs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from engine.deploy import plan
from engine.ingest import ingest_paths
from engine.store.db import engine_for
from engine.store.tables import audit_log, config_versions
from engine.sweep import run_sweep
from flows import deploy_flow, national_report_flow
from tests.flows.flowkit import cohort, write_jsonl
from tests.flows.flowkit_artifacts import artifact_data

DORSET = """\
area: dorset
name: Dorset
cps_area: wessex
framework_version: "2026.1"
effective_from: 2026-03-01
spocs:
  police: {team: RASSO SPOC desk, mailbox: rasso-spoc@dorset.police.example}
  cps: {team: RASSO unit, mailbox: rasso@cps-wessex.example}
  isva: {team: ISVA service, mailbox: isva-spoc@support.example}
scrutiny_group: {name: Dorset Rape Scrutiny Panel}
steps:
  police_inform_arrest:
    deadline: {within: 4, unit: hours}
"""


def _versions(db_url: str) -> list[tuple[str, datetime]]:
    with engine_for(db_url).connect() as conn:
        return [(r.area, r.effective_from) for r in conn.execute(select(config_versions))]


def test_deploy_flow_publishes_the_plan_then_deploys(
        tmp_path: Path, db_url: str, config_dir: Path) -> None:
    ingest_paths(db_url, [str(write_jsonl(tmp_path / "e.jsonl", cohort(12)))],
                 config_dir=config_dir)
    candidate = tmp_path / "dorset.yaml"  # a candidate, not yet in the config directory
    candidate.write_text(DORSET)
    expected = plan(db_url, "dorset", config_dir, candidate, as_of=datetime.now(UTC))
    assert expected.new_flags  # the tighter arrest deadline makes on-time calls late

    state = deploy_flow("dorset", overlay=str(candidate), db_url=db_url,
                        config_dir=str(config_dir), who="flow-test", return_state=True)
    assert state.is_completed(), state.message
    assert state.result() == {"area": "dorset", "version_id": 1,
                              "effective_from": "2026-03-01T00:00:00+00:00",
                              "changes": len(expected.changes),
                              "new_flags": len(expected.new_flags)}
    assert _versions(db_url) == [("dorset", datetime(2026, 3, 1, tzinfo=UTC))]
    with engine_for(db_url).connect() as conn:
        [audit] = conn.execute(select(audit_log.c.who, audit_log.c.action)).all()
    assert tuple(audit) == ("flow-test", "config.deploy")
    md = artifact_data(state.state_details.flow_run_id, "deploy-plan-dorset")
    assert f"- instances changing status: {len(expected.changes)} in " \
           f"{expected.changed_cases} case(s)" in md
    assert f"- new flags: {len(expected.new_flags)}" in md


def test_deploy_flow_refuses_an_overlay_with_errors(
        tmp_path: Path, db_url: str, config_dir: Path) -> None:
    broken = DORSET.replace("within: 4, unit: hours", "within: 4, unit: fortnights")
    (config_dir / "areas" / "dorset.yaml").write_text(broken)

    state = deploy_flow("dorset", effective_from=date(2026, 3, 1), db_url=db_url,
                        config_dir=str(config_dir), return_state=True)

    assert state.is_failed()
    assert _versions(db_url) == []
    md = artifact_data(state.state_details.flow_run_id, "deploy-plan-dorset")
    assert md == (
        "# Deploy of dorset refused\n\nNothing was deployed.\n\n"
        f"- {config_dir / 'areas' / 'dorset.yaml'}:13:33: error: "
        'steps.police_inform_arrest.deadline.unit: "fortnights" is not allowed '
        "(allowed: working_days | calendar_days | hours)\n")


def test_national_report_flow_writes_files_and_publishes_markdown(
        tmp_path: Path, db_url: str, config_dir: Path) -> None:
    ingest_paths(db_url, [str(write_jsonl(tmp_path / "e.jsonl", cohort(12)))],
                 config_dir=config_dir)
    run_sweep(db_url, datetime(2026, 3, 16, 12, tzinfo=UTC), config_dir=config_dir)

    state = national_report_flow("2026Q1", out_dir=str(tmp_path / "reports"), db_url=db_url,
                                 config_dir=str(config_dir), return_state=True)

    assert state.is_completed(), state.message
    result = state.result()
    out = tmp_path / "reports" / "national-2026q1"
    assert result["period"] == "2026q1"
    assert result["as_of"] == "2026-03-31T23:59:59.999999+01:00"  # the quarter's last instant
    assert sorted(Path(p).name for p in result["files"]) == sorted(
        p.name for p in out.iterdir())
    assert (out / "national.html").is_file() and (out / "national.json").is_file()
    md = artifact_data(state.state_details.flow_run_id, "national-report")
    assert md.startswith("# National variant comparison\n")
    assert f"- `{out / 'national.html'}`" in md
