"""Victims' Code compliance per area, right and body: every figure against the events."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import datetime
from pathlib import Path

from typer.testing import CliRunner

from engine.calendar import calendar_for
from engine.cli.app import app
from engine.reports.code_compliance import build_code_compliance, quarters_ending
from engine.reports.quarter import Quarter
from engine.spec import Deadline, Unit
from tests.plan.direct import gaps, informed_gaps
from tests.reports.cohort import AS_OF

TWO_WD = Deadline(within=2, unit=Unit.working_days)
ONE_WD = Deadline(within=1, unit=Unit.working_days)
CAL = calendar_for(frozenset())


def _by_quarter(found: list[tuple[str, datetime, datetime | None]], deadline: Deadline
                ) -> Counter[tuple[str, str, str]]:
    """(quarter the instance fell due in, area, met | late | missed), decided ones only."""
    out: Counter[tuple[str, str, str]] = Counter()
    for area, at, done in found:
        due = deadline.due(at, CAL)
        if done is not None:
            status = "met" if done <= due else "late"
        elif due < AS_OF:
            status = "missed"
        else:
            continue
        out[(str(Quarter.containing(due)), area, status)] += 1
    return out


def _right_4(store) -> Counter[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """Right 4, police: the needs assessment and the referral, both 2 WD from the report."""
    needs = gaps(store.events_file, "case.reported",
                 lambda e: e["type"] == "complainant.needs_assessed")
    referral = gaps(store.events_file, "case.reported",
                    lambda e: e["type"] == "isva.referral_made")
    return _by_quarter(needs, TWO_WD) + _by_quarter(referral, TWO_WD)


def test_each_figure_equals_the_count_from_the_events(store) -> None:  # type: ignore[no-untyped-def]
    report = build_code_compliance(store.engine, store.facts, Quarter(2026, 2), suppress=False)
    rows = {(r[0], r[1], r[2]): dict(zip(report.table("compliance").columns, r, strict=True))
            for r in report.table("compliance").rows}
    direct = _right_4(store)
    hearing = _by_quarter(informed_gaps(store.events_file, "court.hearing_listed", "hearing"),
                          ONE_WD)
    for area in ("kent", "avon-and-somerset", "metropolitan", "cumbria"):
        met, late, missed = (direct[("2026Q2", area, s)] for s in ("met", "late", "missed"))
        row = rows[(area, 4, "police")]
        assert (row["due"], row["met"], row["late"], row["missed"]) == (
            met + late + missed, met, late, missed)
        # Right 8 is the witness care unit's: Kent's hearing deadline is 2 WD from April
    for area in ("avon-and-somerset", "metropolitan"):
        met = hearing[("2026Q2", area, "met")]
        late = hearing[("2026Q2", area, "late")]
        missed = hearing[("2026Q2", area, "missed")]
        if met + late + missed:
            row = rows[(area, 8, "wcu")]
            assert (row["met"], row["late"], row["missed"]) == (met, late, missed)


def test_the_long_csv_has_one_row_per_area_quarter_right_body_and_measure(
        store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = CliRunner().invoke(app, ["report", "code-compliance", "--quarter", "2026Q2",
                                 "--db", store.url, "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    with (tmp_path / "code-compliance-2026Q2-long.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["area", "quarter", "right", "body", "measure", "value"]
    keys = [(x["area"], x["quarter"], x["right"], x["body"], x["measure"]) for x in rows]
    assert len(keys) == len(set(keys))
    assert {x["quarter"] for x in rows} == {"2025Q3", "2025Q4", "2026Q1", "2026Q2"}
    assert {x["measure"] for x in rows} == {"due", "met", "late", "missed", "rate", "ci_low",
                                            "ci_high"}
    direct = _right_4(store)
    for q in ("2026Q1", "2026Q2"):
        value = {x["measure"]: x["value"] for x in rows
                 if (x["area"], x["quarter"], x["right"], x["body"]) == ("kent", q, "4", "police")}
        met = direct[(q, "kent", "met")]
        # withheld when 1 to 4, and possibly as a secondary suppression otherwise
        assert value["met"] in (("[c]",) if 1 <= met <= 4 else (str(met), "[c]"))
    # counts from 1 to 4 never appear (the view is published)
    assert not any(x["measure"] in ("due", "met", "late", "missed") and x["value"] in
                   ("1", "2", "3", "4") for x in rows)
    html = (tmp_path / "code-compliance-2026Q2.html").read_text()
    assert html.count("<svg") == 4 and "Right 4: To be referred" in html  # rights 4, 6, 8, 9


def test_trend_covers_four_quarters_and_scope_options(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert [str(q) for q in quarters_ending(Quarter(2026, 1))] == [
        "2025Q2", "2025Q3", "2025Q4", "2026Q1"]
    report = build_code_compliance(store.engine, store.facts, Quarter(2026, 2), ["kent"], "Kent",
                                   suppress=False)
    trend = [(r[0], r[1], r[3]) for r in report.table("trend").rows if r[0] == 4]
    direct = _right_4(store)
    assert trend == [(4, q, direct[(q, "kent", "met")])
                     for q in ("2025Q3", "2025Q4", "2026Q1", "2026Q2")]
    runner = CliRunner()
    base = ["report", "code-compliance", "--db", store.url, "--out", str(tmp_path)]
    r = runner.invoke(app, [*base, "--quarter", "2026Q5"])
    assert r.exit_code == 2 and "'2026Q5' is not a quarter" in r.stderr
    r = runner.invoke(app, [*base, "--quarter", "2026Q2", "--area", "kentt"])
    assert r.exit_code == 2 and "did you mean" in r.stderr
    r = runner.invoke(app, [*base, "--quarter", "2026Q2", "--cps-area", "south-east"])
    assert r.exit_code == 0 and "code-compliance-2026Q2-south-east.json" in r.stdout
