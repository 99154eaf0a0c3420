"""The national plan and variant impact, against counts taken straight from the events.

The draft framework gives `police_inform_arrest` 12 hours instead of 1 working day;
Greater Manchester's overlay gives it (and the release) 24 hours. The reports' small store
has Kent, Avon and Somerset, the Metropolitan Police and Cumbria.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from engine.calendar import calendar_for
from engine.cli.app import app
from engine.plan import PlanRefused, framework_plan, variant_plan
from engine.plan.replay import changed_steps, restrict
from engine.plan.report import build_plan_report
from engine.plan.run import run_replay
from engine.plan.scenario import variant_rules
from engine.reports.disclosure import MARK
from engine.spec import Deadline, Unit
from engine.store.db import reading
from engine.store.tables import instances
from engine.store.versions import build_rules, load_config_set
from tests.plan.direct import informed_gaps, outcome_counts
from tests.reports.cohort import AS_OF

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "area_configs"
NATIONAL_DUE = Deadline(within=1, unit=Unit.working_days)


def _national_due(area: str, at: datetime) -> datetime:
    return NATIONAL_DUE.due(at, calendar_for(frozenset()))


def _hours(n: int):  # type: ignore[no-untyped-def]
    return lambda area, at: at + timedelta(hours=n)


@pytest.fixture(scope="module")
def draft(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A draft framework directory holding only framework.yaml (arrest: 12 hours)."""
    text = (CONFIG / "national" / "framework.yaml").read_text(encoding="utf-8")
    start = text.index("  - id: police_inform_arrest")
    old = "deadline: {within: 1, unit: working_days}"
    at = text.index(old, start)
    text = text[:at] + "deadline: {within: 12, unit: hours}" + text[at + len(old):]
    text = text.replace('framework_version: "2026.1"', 'framework_version: "2026.2"')
    d = tmp_path_factory.mktemp("draft")
    (d / "framework.yaml").write_text(text, encoding="utf-8")
    return d


def _rows(report, table: str) -> dict[tuple[str, str], dict[str, object]]:  # type: ignore[no-untyped-def]
    t = report.table(table)
    return {(r[0], r[1]): dict(zip(t.columns, r, strict=True)) for r in t.rows}


def test_draft_framework_counts_equal_the_events(store, draft: Path) -> None:  # type: ignore[no-untyped-def]
    with reading(store.engine) as conn:
        stored_before = conn.execute(select(func.count()).select_from(instances)).scalar()
    result = framework_plan(store.url, draft, CONFIG, as_of=AS_OF)
    assert result.steps == ("police_inform_arrest",)
    gaps = informed_gaps(store.events_file, "police.suspect_arrested", "arrest")
    before = outcome_counts(gaps, _national_due, AS_OF)
    after = outcome_counts(gaps, _hours(12), AS_OF)
    rows = _rows(build_plan_report(result, suppress=False), "steps")
    for area in ("kent", "avon-and-somerset", "metropolitan", "cumbria"):
        row = rows[(area, "police_inform_arrest")]
        due_b = sum(before[(area, s)] for s in ("met", "late", "missed"))
        due_a = sum(after[(area, s)] for s in ("met", "late", "missed"))
        assert (row["due_before"], row["met_before"]) == (due_b, before[(area, "met")])
        assert (row["due_after"], row["met_after"]) == (due_a, after[(area, "met")])
    # the transitions add up to the direct per-trigger comparison
    direct: Counter[tuple[str, str, str]] = Counter()
    for area, at, told in gaps:
        b = outcome_counts([(area, at, told)], _national_due, AS_OF)
        a = outcome_counts([(area, at, told)], _hours(12), AS_OF)
        (sb,), (sa,) = ([k[1] for k in b], [k[1] for k in a])
        if sb != sa:
            direct[(area, sb.replace("open", "due"), sa.replace("open", "due"))] += 1
    plan_transitions = {(r[0], r[2], r[3]): r[4]
                        for r in build_plan_report(result, suppress=False)
                        .table("transitions").rows}
    assert {k: v for k, v in plan_transitions.items() if "due" not in k[1:] and
            "due_soon" not in k[1:]} == {k: v for k, v in direct.items() if "due" not in k[1:]}
    assert sum(result.tally.cases.values()) == len({e for e in _case_ids(store.events_file)})
    with reading(store.engine) as conn:  # nothing was written
        assert conn.execute(select(func.count()).select_from(instances)).scalar() == stored_before


def _case_ids(path: Path) -> list[str]:
    import json

    return [json.loads(x)["case_id"] for x in path.read_text().splitlines()
            if json.loads(x).get("case_id")]


def test_draft_lists_the_overlays_pushed_below_the_floor_with_file_and_line(
        store, draft: Path) -> None:  # type: ignore[no-untyped-def]
    result = framework_plan(store.url, draft, CONFIG, as_of=AS_OF)
    below = [(b.area, Path(b.file).name, b.line, b.field) for b in result.scenario.below_floor]
    assert below == [("greater-manchester", "greater-manchester.yaml", 16,
                      "steps.police_inform_arrest.deadline")]
    assert "a derogation is required" in result.scenario.below_floor[0].message
    assert result.scenario.framework_versions == ("2026.1", "2026.2")


def test_variant_impact_kent_under_greater_manchester(store) -> None:  # type: ignore[no-untyped-def]
    result = variant_plan(store.url, "kent", "greater-manchester", CONFIG, as_of=AS_OF)
    assert result.steps == ("police_inform_arrest", "police_inform_release", "wcu_inform_hearing")
    assert set(result.tally.cases) == {"kent"}
    rows = _rows(build_plan_report(result, suppress=False), "steps")
    gaps = [g for g in informed_gaps(store.events_file, "police.suspect_arrested", "arrest")
            if g[0] == "kent"]
    before = outcome_counts(gaps, _national_due, AS_OF)
    after = outcome_counts(gaps, _hours(24), AS_OF)
    row = rows[("kent", "police_inform_arrest")]
    assert (row["met_before"], row["met_after"]) == (before[("kent", "met")],
                                                     after[("kent", "met")])
    # Kent's hearing rule (2 WD under derogation) against Greater Manchester's (national 1 WD)
    hearing = [g for g in informed_gaps(store.events_file, "court.hearing_listed", "hearing")
               if g[0] == "kent"]
    two = Deadline(within=2, unit=Unit.working_days)
    kent_rule = outcome_counts(hearing, lambda a, at: two.due(at, calendar_for(frozenset())),
                               AS_OF)
    gm_rule = outcome_counts(hearing, _national_due, AS_OF)
    row = rows[("kent", "wcu_inform_hearing")]
    assert (row["met_before"], row["met_after"]) == (kent_rule[("kent", "met")],
                                                     gm_rule[("kent", "met")])


def test_only_changed_steps_are_replayed_and_that_changes_no_verdict(store) -> None:  # type: ignore[no-untyped-def]
    current = build_rules(load_config_set(CONFIG), []).rules
    after = variant_rules(current, "kent", "national")
    steps = changed_steps(current, after)
    assert steps == frozenset({"wcu_inform_hearing"})
    full = run_replay(store.url, current, after, AS_OF, ["kent"], config_dir=CONFIG)
    cut = run_replay(store.url, restrict(current, steps), restrict(after, steps), AS_OF,
                     ["kent"], config_dir=CONFIG)
    assert {k: n for k, n in full.counts.items() if k[1] in steps} == dict(cut.counts)
    assert all(b == a for (_, s, b, a) in full.counts if s not in steps)


def test_a_process_pool_gives_the_same_tally(store, draft: Path) -> None:  # type: ignore[no-untyped-def]
    one = framework_plan(store.url, draft, CONFIG, as_of=AS_OF)
    two = framework_plan(store.url, draft, CONFIG, as_of=AS_OF, workers=2)
    assert one.tally == two.tally


def test_plan_report_suppresses_and_can_leave_case_ids_out(store) -> None:  # type: ignore[no-untyped-def]
    result = variant_plan(store.url, "cumbria", "greater-manchester", CONFIG, as_of=AS_OF)
    report = build_plan_report(result, suppress=True, with_cases=False)
    assert "most_affected" not in report.data
    assert all(t.name != "most_affected" for t in report.tables)
    row = _rows(report, "steps")[("cumbria", "police_inform_arrest")]
    assert row["due_before"] == MARK and row["rate_before"] is None
    assert report.table("summary").rows == [("cumbria", MARK, *report.table("summary").rows[0][2:])]


def test_unknown_names_are_refused(store, draft: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PlanRefused, match="'kentt' is not a police force area .*kent"):
        variant_plan(store.url, "kentt", "national", CONFIG, as_of=AS_OF)
    with pytest.raises(PlanRefused, match="--step 'police_inform_arest' is not a step"):
        variant_plan(store.url, "kent", "national", CONFIG, ("police_inform_arest",), AS_OF)


def test_cli_writes_the_three_formats_and_refuses_bad_input(store, draft: Path,
                                                            tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    base = ["--db", store.url, "--config-dir", str(CONFIG), "--as-of", AS_OF.isoformat(),
            "--out", str(tmp_path)]
    r = runner.invoke(app, ["plan", "--area", "kent", "--under", "national",
                            "--step", "wcu_inform_hearing", *base])
    assert r.exit_code == 0, r.output
    names = sorted(Path(p).name for p in r.stdout.split())
    assert names == ["plan-kent-under-national-below_floor.csv",
                     "plan-kent-under-national-most_affected.csv",
                     "plan-kent-under-national-steps.csv", "plan-kent-under-national-summary.csv",
                     "plan-kent-under-national-transitions.csv", "plan-kent-under-national.html",
                     "plan-kent-under-national.json"]
    html = (tmp_path / "plan-kent-under-national.html").read_text()
    assert "<svg" in html and "http" not in html.split("<body>")[1].replace(
        "http://www.w3.org/2000/svg", "")
    r = runner.invoke(app, ["plan", "kent", "--framework", str(draft), *base])
    assert r.exit_code == 2
    r = runner.invoke(app, ["plan", "--framework", str(tmp_path / "nowhere"), *base])
    assert r.exit_code == 2 and "no framework.yaml" in r.stderr
    r = runner.invoke(app, ["plan", "--area", "kent", "--area", "cumbria", "--under", "national",
                            *base])
    assert r.exit_code == 2 and "exactly one --area" in r.stderr


def test_a_local_step_is_removed_under_another_variant_and_the_others_apply(store) -> None:  # type: ignore[no-untyped-def]
    """South Wales's Welsh-language prohibition: under Kent's variant its violation is
    gone (to none); Kent's cases under South Wales's variant gain the step."""
    from engine.events import parse_event
    from engine.plan.replay import replay

    config = load_config_set(CONFIG)

    def ev(n: int, type_: str, at: str, **data: object) -> object:
        return parse_event({"event_id": f"sw-{n}", "case_id": "SW-26-000001",
                            "area": "south-wales", "type": type_, "at": at,
                            "source": "police", "data": data}, config.vocabulary)

    evs = [ev(1, "case.reported", "2026-05-04T10:00:00+01:00", offence="rape",
              complainant_age="adult"),
           ev(2, "complainant.preferences_recorded", "2026-05-04T11:00:00+01:00",
              language="cy"),
           ev(3, "complainant.informed", "2026-05-05T11:00:00+01:00", topic="update",
              language="en")]
    current = build_rules(config, []).rules
    under_kent = variant_rules(current, "south-wales", "kent")
    tally = replay(current, under_kent, [("SW-26-000001", "south-wales", evs)], AS_OF)
    assert tally.counts[("south-wales", "welsh_language_respected", "violated", "")] == 1
    assert "welsh_language_respected" in changed_steps(current, under_kent)
    assert "welsh_language_respected" in changed_steps(
        current, variant_rules(current, "kent", "south-wales"))
