"""Victims' Code compliance: per police area, per right, per criminal justice body.

For the joint compliance reviews that the Victims and Prisoners Act 2024 (ss. 6-8) asks
criminal justice bodies and Police and Crime Commissioners to hold. Each national step
names the right it serves (framework.yaml, `victims_code_rights`); an instance belongs
to the quarter in which it fell due, and to the body that owns it (police, CPS, witness
care, ISVA service, probation). Compliance is met on time ÷ instances due (met, late or
missed) with Wilson 95% intervals, under the same disclosure control as every other
published table. A trend over the last four quarters is drawn per right, and every
figure is also written as one tidy long CSV (one row per area × quarter × right × body ×
measure) that spreadsheets and BI tools read directly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from engine.reports import disclosure, source
from engine.reports.facts import Facts
from engine.reports.model import Report, Table
from engine.reports.quarter import Quarter
from engine.reports.trend_svg import trend_chart
from engine.rights import BODIES, RIGHTS, right_label
from engine.store.db import reading

MEASURES = ("due", "met", "late", "missed", "rate", "ci_low", "ci_high")
TREND_QUARTERS = 4
Cell = dict[str, int]  # status -> instances


def rights_of(facts: Facts, area: str) -> dict[str, int]:
    """Step id -> right, for the steps of the area's template that serve one."""
    return {s.id: s.victims_code_right for s in facts.template(area).steps
            if s.victims_code_right is not None}


def quarters_ending(q: Quarter, n: int = TREND_QUARTERS) -> list[Quarter]:
    out = [q]
    while len(out) < n:
        out.insert(0, out[0].previous())
    return out


def _collect(engine: Engine, facts: Facts, areas: Collection[str] | None,
             quarters: list[Quarter]) -> dict[tuple[str, str, int, str], Cell]:
    """(quarter, area, right, body) -> status counts of instances due in that quarter."""
    cells: dict[tuple[str, str, int, str], Cell] = defaultdict(lambda: defaultdict(int))
    rights: dict[str, dict[str, int]] = {}
    with reading(engine) as conn:
        for q in quarters:
            counts = source.instance_counts(conn, areas, source.DECIDED,
                                            ("area", "step", "owner"), q.start, q.end)
            for (area, step, owner, status), n in counts.items():
                if area not in rights:
                    rights[area] = rights_of(facts, area)
                right = rights[area].get(step)
                if right is None or owner not in BODIES:
                    continue
                cells[(str(q), area, right, owner)][status] += n
    return cells


def _figures(cell: Cell, suppress: bool) -> list[Any]:
    met, late, missed = cell.get("met", 0), cell.get("late", 0), cell.get("missed", 0)
    due = met + late + missed
    r = disclosure.rate(met, due, suppress)
    ci = disclosure.interval(met, due, suppress)
    c = [disclosure.count(n, suppress) for n in (due, met, late, missed)]
    return [*c, None if r is None else round(r, 4),
            None if ci is None else ci.to_json()[0], None if ci is None else ci.to_json()[1]]


def build_code_compliance(engine: Engine, facts: Facts, quarter: Quarter,
                          areas: Collection[str] | None = None, scope_label: str = "all areas",
                          suppress: bool = True, now: datetime | None = None) -> Report:
    """The view for `quarter` (and the three before it, for the trend)."""
    quarters = quarters_ending(quarter)
    cells = _collect(engine, facts, areas, quarters)
    this = str(quarter)
    keys = sorted({(a, r, b) for (_, a, r, b) in cells})
    rows = [(a, r, b, *_figures(cells.get((this, a, r, b), {}), suppress))
            for a, r, b in keys if (this, a, r, b) in cells]
    by_right: dict[tuple[str, int, str], Cell] = defaultdict(lambda: defaultdict(int))
    for (qs, _a, r, b), cell in cells.items():
        for k in (b, "all"):
            for status, n in cell.items():
                by_right[(qs, r, k)][status] += n
    right_rows = [(r, b, *_figures(by_right[(this, r, b)], suppress))
                  for r in sorted({r for (_, r, _) in by_right})
                  for b in (*BODIES, "all") if (this, r, b) in by_right]
    long_rows = []
    for a, r, b in keys:
        for q in quarters:
            values = _figures(cells.get((str(q), a, r, b), {}), suppress)
            long_rows += [(a, str(q), r, b, m, v) for m, v in zip(MEASURES, values, strict=True)]
    trend_rows = []
    charts: dict[str, str] = {}
    for r in sorted({r for (_, r, _) in by_right}):
        points = []
        for q in quarters:
            f = _figures(by_right.get((str(q), r, "all"), {}), suppress)
            trend_rows.append((r, str(q), *f))
            points.append((str(q), f[4], f[0]))
        charts[f"right_{r}"] = trend_chart(points, right_label(r))
    cols = ("area", "right", "body", *MEASURES)
    tables = [
        Table("compliance", f"Compliance per area, right and body, {this}", cols, rows,
              note="Instances due in the quarter (met, late or missed); rate is met on time ÷ "
                   "due, with Wilson's 95% interval."),
        Table("by_right", f"Compliance per right and body, {scope_label}, {this}",
              ("right", "body", *MEASURES), right_rows),
        Table("trend", f"Compliance per right over the last {TREND_QUARTERS} quarters",
              ("right", "quarter", *MEASURES), trend_rows),
        Table("long", "Every figure, one row per area × quarter × right × body × measure",
              ("area", "quarter", "right", "body", "measure", "value"), long_rows),
    ]
    data = {
        "report": "code_compliance", "quarter": this, "quarters": [str(q) for q in quarters],
        "scope": scope_label, "as_of": quarter.end.isoformat(),
        "generated_at": (now or datetime.now(UTC)).isoformat(), "suppressed": suppress,
        "rights": {str(n): RIGHTS[n] for n in sorted({r for (_, r, _) in by_right})},
        "bodies": dict(BODIES),
        "compliance": [dict(zip(cols, row, strict=True)) for row in rows],
        "by_right": [dict(zip(tables[1].columns, row, strict=True)) for row in right_rows],
        "trend": [dict(zip(tables[2].columns, row, strict=True)) for row in trend_rows],
    }
    notes = [f"Steps are grouped by the Victims' Code 2020 right they serve; steps that serve "
             f"none are left out. {this} runs from {quarter.start.date().isoformat()} to "
             f"{quarter.end.date().isoformat()} (Europe/London)."]
    if suppress:
        notes.append("Counts from 1 to 4 are shown as <5; rates and intervals built on them "
                     "are withheld (contract §8).")
    return Report("code_compliance", f"Victims' Code compliance, {scope_label}, {this}", data,
                  tables, charts, notes)
