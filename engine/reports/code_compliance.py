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
from engine.store import reading

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
                                            ("area", "step", "owner"), str(q))
            for (area, step, owner, status), n in counts.items():
                if area not in rights:
                    rights[area] = rights_of(facts, area)
                right = rights[area].get(step)
                if right is None or owner not in BODIES:
                    continue
                cells[(str(q), area, right, owner)][status] += n
    return cells


FIELDS = ("due", "met", "late", "missed")


def _register(pub: disclosure.Publication, key: tuple[Any, ...], cell: Cell) -> None:
    met, late, missed = cell.get("met", 0), cell.get("late", 0), cell.get("missed", 0)
    for f, n in zip(FIELDS, (met + late + missed, met, late, missed), strict=True):
        pub.count((*key, f), n)
    pub.total((*key, "due"), [(*key, f) for f in FIELDS[1:]])


def _figures(shown: disclosure.Disclosed, key: tuple[Any, ...]) -> list[Any]:
    return [*(shown[(*key, f)] for f in FIELDS),
            *shown.rate_cells((*key, "met"), (*key, "due"))]


def _publication(cells: dict[tuple[str, str, int, str], Cell], quarters: list[Quarter],
                 keys: list[tuple[str, int, str]], right_keys: list[tuple[int, str]]
                 ) -> disclosure.Publication:
    """Every cell of every quarter, the per-right rows as sums over areas, and each
    right's "all" row as the sum over bodies: the sums a reader could subtract along."""
    pub = disclosure.Publication()
    for q in map(str, quarters):
        for a, r, b in keys:
            _register(pub, ("cell", q, a, r, b), cells.get((q, a, r, b), {}))
        for r, b in right_keys:
            parts = ([("cell", q, a, r, b) for a, r2, b2 in keys if (r2, b2) == (r, b)]
                     if b != "all" else [("right", q, r, b2) for r2, b2 in right_keys
                                         if r2 == r and b2 != "all"])
            for f in FIELDS:
                pub.count(("right", q, r, b, f), sum(pub.values[(*p, f)] for p in parts))
                pub.total(("right", q, r, b, f), [(*p, f) for p in parts])
    return pub


def build_code_compliance(engine: Engine, facts: Facts, quarter: Quarter,
                          areas: Collection[str] | None = None, scope_label: str = "all areas",
                          suppress: bool = True, now: datetime | None = None) -> Report:
    """The view for `quarter` (and the three before it, for the trend)."""
    quarters = quarters_ending(quarter)
    cells = _collect(engine, facts, areas, quarters)
    this = str(quarter)
    keys = sorted({(a, r, b) for (_, a, r, b) in cells})
    rights = sorted({r for (_, _, r, _) in cells})
    right_keys = [(r, b) for r in rights for b in (*BODIES, "all")
                  if b == "all" or any((r2, b2) == (r, b) for _a, r2, b2 in keys)]
    shown = _publication(cells, quarters, keys, right_keys).protect(suppress)
    rows = [(a, r, b, *_figures(shown, ("cell", this, a, r, b)))
            for a, r, b in keys if (this, a, r, b) in cells]
    present = {(qs, r, b) for (qs, _a, r, b) in cells} | {(qs, r, "all")
                                                         for (qs, _a, r, _b) in cells}
    right_rows = [(r, b, *_figures(shown, ("right", this, r, b)))
                  for r, b in right_keys if (this, r, b) in present]
    long_rows = []
    for a, r, b in keys:
        for q in quarters:
            values = _figures(shown, ("cell", str(q), a, r, b))
            long_rows += [(a, str(q), r, b, m, v) for m, v in zip(MEASURES, values, strict=True)]
    trend_rows = []
    charts: dict[str, str] = {}
    for r in rights:
        points = []
        for q in quarters:
            f = _figures(shown, ("right", str(q), r, "all"))
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
        "rights": {str(n): RIGHTS[n] for n in rights},
        "bodies": dict(BODIES),
        "compliance": [dict(zip(cols, row, strict=True)) for row in rows],
        "by_right": [dict(zip(tables[1].columns, row, strict=True)) for row in right_rows],
        "trend": [dict(zip(tables[2].columns, row, strict=True)) for row in trend_rows],
    }
    notes = [f"Steps are grouped by the Victims' Code 2020 right they serve; steps that serve "
             f"none are left out. {this} runs from {quarter.start.date().isoformat()} to "
             f"{quarter.end.date().isoformat()} (Europe/London)."]
    if suppress:
        notes.append(disclosure.NOTE)
    return Report("code_compliance", f"Victims' Code compliance, {scope_label}, {this}", data,
                  tables, charts, notes)
