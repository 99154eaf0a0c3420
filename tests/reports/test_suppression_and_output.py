"""Disclosure control in the national report, and the three output formats."""

from __future__ import annotations

import csv
import json
import re

import pytest

from engine.reports.board import build_board
from engine.reports.disclosure import MARK
from engine.reports.national import build_national
from engine.reports.output import write_report

COUNT_KEYS = {"due", "met", "late", "missed", "violated", "reported", "referred", "charged",
              "court", "concluded", "cases"}


def _counts(obj, path=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in COUNT_KEYS:
                yield f"{path}.{k}", v
            yield from _counts(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _counts(v, f"{path}[{i}]")


@pytest.mark.parametrize("which", ["store", "simulated_store"])
def test_the_national_report_shows_no_count_from_one_to_four(which, request):
    store = request.getfixturevalue(which)
    report = build_national(store.engine, store.facts)
    counts = list(_counts(report.data))
    assert len(counts) > 500
    assert [(p, v) for p, v in counts if isinstance(v, int) and 1 <= v <= 4] == []
    assert MARK in [v for _p, v in counts]


def test_cumbria_with_three_cases_has_its_counts_and_rates_withheld(store):
    report = build_national(store.engine, store.facts)
    funnel = {r["area"]: r for r in report.data["funnel"]}["cumbria"]
    assert funnel["reported"] == MARK
    assert funnel["median_wd_reported→referred"] is None
    rows = [r for r in report.data["compliance"] if r["area"] == "cumbria" and r["due"] != 0]
    assert rows and all(r["due"] == MARK and r["rate"] is None and r["ci_low"] is None
                        for r in rows)


def test_a_rate_on_a_small_numerator_is_withheld_even_when_the_denominator_is_large(store):
    report = build_national(store.engine, store.facts)
    small_met = [r for r in report.data["compliance"]
                 if r["met"] == MARK and isinstance(r["due"], int) and r["due"] >= 5]
    assert small_met, "the cohort should have a step with 1-4 met out of 5 or more"
    assert all(r["rate"] is None for r in small_met)


def test_the_board_for_a_cps_unit_is_not_suppressed_but_can_be(store):
    plain = build_board(store.engine, store.facts, areas={"cumbria"}, scope_label="cumbria")
    assert plain.data["by_area"]["cumbria"]["total"] == 3
    hidden = build_board(store.engine, store.facts, areas={"cumbria"}, suppress=True)
    assert hidden.data["by_area"]["cumbria"]["total"] == MARK


def test_reports_are_written_as_json_csv_per_table_and_self_contained_html(store, tmp_path):
    report = build_national(store.engine, store.facts)
    paths = write_report(report, tmp_path)
    names = [p.name for p in paths]
    assert names == ["national.json", "national-variants.csv", "national-compliance.csv",
                     "national-compliance_by_step.csv", "national-funnel.csv",
                     "national-derogations.csv", "national-attrition.csv",
                     "national-association.csv", "national.html"]
    assert json.loads((tmp_path / "national.json").read_text()) == json.loads(
        json.dumps(report.data))
    with (tmp_path / "national-funnel.csv").open() as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == report.table("funnel").columns
    assert len(rows) - 1 == len(report.table("funnel").rows)
    html = (tmp_path / "national.html").read_text()
    assert html.count("<svg") == 2 and "<style>" in html
    # Offline: no external script, stylesheet, image or font.
    assert not re.search(r"<(script|link|img)\b", html)
    assert not re.search(r"(src|href)=['\"]?https?:", html)
    assert "[c]" in html and "&lt;5" not in html
