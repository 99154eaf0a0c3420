"""How areas differ from the national floor: the per-area diff and the national matrix.

National leads compare local variants (contract §1): which steps each area inherits,
tightens, loosens under a derogation, disables, or adds. The matrix lists every area
with an overlay and every national step (then the local steps), so nothing is hidden.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from rich.console import Console
from rich.table import Table

from engine.config.build import ConfigSet
from engine.config.overlay import StepDiff

CELLS = ("inherited", "tightened", "loosened", "disabled", "local", "changed")
_STYLE = {"inherited": "dim", "tightened": "green", "loosened": "bold red", "disabled": "red",
          "local": "cyan", "changed": "yellow"}
# Short labels keep the table readable in an 80-column terminal; CSV and JSON spell out.
_LABEL = {"inherited": "·", "tightened": "tight", "loosened": "LOOSE", "disabled": "OFF",
          "local": "local", "changed": "chg"}


@dataclass(frozen=True)
class Matrix:
    """Areas (columns) x steps (rows), each cell one of CELLS or None (no such step)."""

    areas: tuple[str, ...]
    steps: tuple[str, ...]
    cells: dict[str, dict[str, str | None]]  # area -> step -> cell
    derogations: tuple[dict[str, Any], ...]
    extra_non_working_days: dict[str, list[str]]  # areas that list any

    def to_json(self) -> dict[str, Any]:
        return {"areas": list(self.areas), "steps": list(self.steps),
                "cells": {a: dict(c) for a, c in self.cells.items()},
                "derogations": list(self.derogations),
                "extra_non_working_days": self.extra_non_working_days}


def cell(diff: StepDiff | None) -> str:
    """The matrix cell for one step of one area ("unchanged" repeats count as inherited)."""
    if diff is None or diff.status == "unchanged":
        return "inherited"
    return diff.status


def matrix(config: ConfigSet, today: date | None = None) -> Matrix:
    """The comparison matrix of every overlay area against the national framework."""
    today = today or date.today()
    areas = tuple(config.templates)
    steps = [s.id for s in config.national.steps]
    for area in areas:
        steps += [s.id for s in config.templates[area].steps if s.local and s.id not in steps]
    cells: dict[str, dict[str, str | None]] = {}
    derogations: list[dict[str, Any]] = []
    national_ids = {s.id for s in config.national.steps}
    for area in areas:
        diffs = config.diffs(area)
        local_ids = {s.id for s in config.templates[area].steps if s.local}
        cells[area] = {sid: (cell(diffs.get(sid)) if sid in national_ids or sid in local_ids
                             else None) for sid in steps}
        for sid, d in diffs.items():
            if d.derogation is not None:
                derogations.append({
                    "area": area, "step": sid, "status": d.status,
                    "justification": d.derogation.justification,
                    "approved_by": d.derogation.approved_by,
                    "expires": d.derogation.expires.isoformat(),
                    "expired": d.derogation.expires < today})
    extra = {a: sorted(d.isoformat() for d in config.templates[a].extra_non_working_days)
             for a in areas if config.templates[a].extra_non_working_days}
    return Matrix(areas, tuple(steps), cells, tuple(derogations), extra)


def render_matrix(config: ConfigSet, fmt: str = "table", console: Console | None = None,
                  today: date | None = None) -> str:
    """The matrix as text: a Rich table, CSV or JSON. The table is also printed to
    `console` when one is given (the demo and `config compare` use this)."""
    m = matrix(config, today)
    if fmt == "json":
        return json.dumps(m.to_json(), indent=2)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["step", *m.areas])
        for sid in m.steps:
            w.writerow([sid, *[m.cells[a][sid] or "" for a in m.areas]])
        return buf.getvalue()
    table = Table(title=f"Areas against the national framework {config.framework_version}")
    table.add_column("step", no_wrap=True)
    for a in m.areas:
        table.add_column(a, overflow="fold", min_width=5)
    for sid in m.steps:
        row = []
        for a in m.areas:
            value = m.cells[a][sid]
            row.append(f"[{_STYLE[value]}]{_LABEL[value]}[/]" if value else "-")
        table.add_row(sid, *row)
    out = console or Console(file=io.StringIO(), width=200, record=True)
    out.print(table)
    out.print("· inherited   tight tightened   LOOSE loosened under a derogation   OFF disabled "
              "under a derogation   local local step   chg changed (neither tighter nor looser)   "
              "- no such step", highlight=False)
    for d in m.derogations:
        flag = " (EXPIRED)" if d["expired"] else ""
        out.print(f"derogation: {d['area']} {d['step']} ({d['status']}), approved by "
                  f"{d['approved_by']}, expires {d['expires']}{flag}")
    for area, days in m.extra_non_working_days.items():
        out.print(f"extra non-working days: {area}: {', '.join(days)}")
    return out.export_text() if console is None else ""


def diff_rows(config: ConfigSet, area: str) -> list[dict[str, Any]]:
    """`config diff AREA`: every step of the national framework and the area's own,
    with its status and the field-level changes."""
    diffs = config.diffs(area)
    rows: list[dict[str, Any]] = []
    order = [s.id for s in config.national.steps]
    tpl = config.templates.get(area)
    if tpl is not None:
        order += [s.id for s in tpl.steps if s.local]
    for sid in order:
        d = diffs.get(sid)
        status = "unchanged" if d is None or d.status == "inherited" else d.status
        rows.append({
            "step": sid,
            "status": "loosened under derogation" if status == "loosened" else status,
            "changes": [{"field": c.field, "verdict": c.verdict, "detail": c.detail}
                        for c in (d.changes if d else ())],
            "derogation": None if d is None or d.derogation is None else {
                "justification": d.derogation.justification,
                "approved_by": d.derogation.approved_by,
                "expires": d.derogation.expires.isoformat()},
        })
    return rows
