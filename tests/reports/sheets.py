"""What a reader knows about how each publication's tables add up, as attacker sheets.

Each function takes the published report and the same report built without suppression
(the truth the attack is checked against) and returns a `Sheet`.
"""

from __future__ import annotations

from typing import Any

from engine.reports.facts import Facts
from engine.reports.funnel import KEYS
from tests.reports.attacker import Sheet


def board_sheet(shown: dict[str, Any], true: dict[str, Any], facts: Facts) -> Sheet:
    sheet = Sheet()
    stages = shown["stages"]
    for area, row in shown["by_area"].items():
        t = true["by_area"][area]
        for s in (*stages, "total"):
            sheet.cell(("area", area, s), row[s], t[s])
        sheet.sums(("area", area, "total"), [("area", area, s) for s in stages])
    for cps, row in shown["by_cps_area"].items():
        t = true["by_cps_area"][cps]
        members = [a for a in shown["by_area"] if cps in facts.cps_of.get(a, ())]
        for s in (*stages, "total"):
            sheet.cell(("cps", cps, s), row[s], t[s])
            sheet.sums(("cps", cps, s), [("area", a, s) for a in members])
        sheet.sums(("cps", cps, "total"), [("cps", cps, s) for s in stages])
    by_stage: dict[str, list[tuple[Any, ...]]] = {}
    for r, t in zip(shown["ageing_by_area"], true["ageing_by_area"], strict=True):
        key = sheet.cell(("ageing", r["area"], r["stage"]), r["cases"], t["cases"])
        by_stage.setdefault(r["stage"], []).append(key)
        sheet.balance([key], [("area", r["area"], r["stage"])])  # same cases, if it holds
    for stage, row in shown["ageing"].items():
        key = sheet.cell(("ageing", stage), row["cases"], true["ageing"][stage]["cases"])
        sheet.sums(key, by_stage.get(stage, []))
        sheet.sums(key, [("area", a, stage) for a in shown["by_area"]])
    for r, t in zip(shown["overdue_by_owner"], true["overdue_by_owner"], strict=True):
        for k in ("missed", "due_soon"):
            sheet.cell(("overdue", r["owner"], r["area"], k), r[k], t[k])
    return sheet


def national_sheet(shown: dict[str, Any], true: dict[str, Any]) -> Sheet:
    sheet = Sheet()
    per_step: dict[str, dict[str, list[tuple[Any, ...]]]] = {}
    for r, t in zip(shown["compliance"], true["compliance"], strict=True):
        a, s = r["area"], r["step"]
        for k in ("due", "met", "late", "missed", "violated"):
            key = sheet.cell(("c", a, s, k), r[k], t[k])
            per_step.setdefault(s, {}).setdefault(k, []).append(key)
        sheet.sums(("c", a, s, "due"), [("c", a, s, k) for k in ("met", "late", "missed")])
        sheet.rate_pairs.append((("c", a, s, "met"), ("c", a, s, "due"), r["rate"]))
    for r, t in zip(shown["compliance_by_step"], true["compliance_by_step"], strict=True):
        s = r["step"]
        for k in ("due", "met", "violated"):
            sheet.cell(("all", s, k), r[k], t[k])
            sheet.sums(("all", s, k), per_step.get(s, {}).get(k, []))
        sheet.rate_pairs.append((("all", s, "met"), ("all", s, "due"), r["rate"]))
    rows = shown["funnel"]
    for r, t in zip(rows, true["funnel"], strict=True):
        for k in KEYS:
            sheet.cell(("f", r["area"], k), r[k], t[k])
    for k in KEYS:
        sheet.sums(("f", "all areas", k), [("f", r["area"], k) for r in rows[:-1]])
    return sheet


def scrutiny_sheet(shown: dict[str, Any], true: dict[str, Any]) -> Sheet:
    sheet = Sheet()
    columns: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    for table in ("compliance_by_step", "compliance_by_owner"):
        for r, t in zip(shown[table], true[table], strict=True):
            name = r.get("step") or r.get("owner")
            for k in ("due", "met", "late", "missed", "prev_due", "prev_met"):
                key = sheet.cell((table, name, k), r[k], t[k])
                columns.setdefault((table, k), []).append(key)
            sheet.sums((table, name, "due"), [(table, name, k) for k in ("met", "late",
                                                                         "missed")])
            sheet.rate_pairs.append(((table, name, "met"), (table, name, "due"), r["rate"]))
            sheet.rate_pairs.append(((table, name, "prev_met"), (table, name, "prev_due"),
                                     r["prev_rate"]))
    for k in ("due", "met", "late", "missed", "prev_due", "prev_met"):
        sheet.balance(columns.get(("compliance_by_step", k), []),
                      columns.get(("compliance_by_owner", k), []))
    return sheet


def code_compliance_sheet(shown: Any, true: Any) -> Sheet:
    """The Victims' Code view (Reports): every cell of the long table (area × quarter ×
    right × body), each right's row per body and for all bodies this quarter, and the
    trend per right and quarter, with the sums between them."""
    sheet = Sheet()
    counts = ("due", "met", "late", "missed")
    cells: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for r, t in zip(shown.table("long").rows, true.table("long").rows, strict=True):
        area, q, right, body, measure, value = r
        if measure in counts:
            key = sheet.cell(("long", area, q, str(right), body, measure), value, t[5])
            cells.setdefault((area, q, str(right), body), {})[measure] = key
    for keys in cells.values():
        sheet.sums(keys["due"], [keys["met"], keys["late"], keys["missed"]])
    this = shown.data["quarter"]
    for r, t in zip(shown.data["by_right"], true.data["by_right"], strict=True):
        right, body = str(r["right"]), r["body"]
        for m in counts:
            key = sheet.cell(("right", right, body, m), r[m], t[m])
            parts = [k[m] for (a, q, rr, b), k in cells.items()
                     if q == this and rr == right and (b == body or body == "all")]
            sheet.sums(key, parts)
    for r, t in zip(shown.data["trend"], true.data["trend"], strict=True):
        right, q = str(r["right"]), r["quarter"]
        for m in counts:
            key = sheet.cell(("trend", right, q, m), r[m], t[m])
            sheet.sums(key, [k[m] for (a, qq, rr, b), k in cells.items()
                             if qq == q and rr == right])
    return sheet
