"""The national variant comparison (contract §1 and §6, national leads).

Side by side for every area and step: how the area's overlay differs from the national
floor, and how the area performs against its own rules (met on time ÷ instances whose
outcome is decided, with a Wilson 95% interval). Then the funnel per area, the median
working days between milestones, and every derogation with its expiry. Always under
disclosure control: this report leaves the area.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from engine.calendar import local_date
from engine.reports import disclosure, source, svg
from engine.reports.case_facts import judged_cases
from engine.reports.facts import Facts
from engine.reports.funnel import KEYS, LABELS, funnels, gap_keys
from engine.reports.model import Report, Table
from engine.reports.outcomes import gather, outcome_tables, register
from engine.reports.stats import median
from engine.store import reading

MARKS = {"tightened": "T", "loosened": "L", "disabled": "D", "local": "+", "changed": "C"}
MEANINGS = {"T": "tightened", "L": "loosened under derogation", "D": "disabled under derogation",
            "+": "local step", "C": "changed, neither tighter nor looser"}


def _median_shown(values: list[int], suppress: bool) -> float | None:
    if suppress and disclosure.is_small(len(values)):
        return None
    m = median(values)
    return None if m is None else round(m, 1)


COUNTS = ("decided", "met", "late", "missed", "violated")


def build_national(engine: Engine, facts: Facts, as_of: datetime | None = None,
                   suppress: bool = True, now: datetime | None = None,
                   heat_map: bool = True) -> Report:
    """The comparison. Without `heat_map` the SVG heat map is not drawn (the dashboard
    shows the same figures as a table of its own, each cell a link to the flags behind
    it: engine/api/heat.py)."""
    with reading(engine) as conn:
        as_of = as_of or source.latest_as_of(conn) or datetime.now(UTC)
        counts = source.instance_counts(conn, None, (*source.DECIDED, "violated"),
                                        ("area", "step"))
        judged = judged_cases(conn, facts.stages, None)
        area_funnels = funnels(conn, facts, judged=judged)
        outcomes = gather(conn, facts, sorted(facts.area_names),
                          judged=[r for r in judged if r.area in facts.area_names])

    areas = sorted(facts.area_names)
    steps = facts.step_order()
    pub = disclosure.Publication()
    listed: list[tuple[str, str, str]] = []
    for area in areas:
        for step in steps:
            n = {k: counts.get((area, step, k), 0) for k in ("met", "late", "missed",
                                                               "violated")}
            n["decided"] = n["met"] + n["late"] + n["missed"]
            for k in COUNTS:
                pub.count((area, step, k), n[k])
            pub.total((area, step, "decided"), [(area, step, k) for k in source.DECIDED])
            variant = facts.variant(area, step)
            if variant != "absent" or n["decided"] or n["violated"]:
                listed.append((area, step, variant))
    for step in steps:
        for k in ("decided", "met", "violated"):
            pub.count(("all", step, k), sum(pub.values[(a, step, k)] for a in areas))
            pub.total(("all", step, k), [(a, step, k) for a in areas])
    for area in areas:
        f = area_funnels.get(area)
        for k in KEYS:
            pub.count(("funnel", area, k), f.reached[k] if f else 0)
    for k in KEYS:
        pub.count(("funnel", "all", k), sum(pub.values[("funnel", a, k)] for a in areas))
        pub.total(("funnel", "all", k), [("funnel", a, k) for a in areas])
    register(pub, outcomes)
    shown = pub.protect(suppress)

    compliance_rows = [(area, step, variant,
                        *(shown[(area, step, k)] for k in ("decided", "met", "late", "missed")),
                        *shown.rate_cells((area, step, "met"), (area, step, "decided")),
                        shown[(area, step, "violated")]) for area, step, variant in listed]
    cells: dict[tuple[str, str], svg.Cell] = {}
    for area in areas if heat_map else ():
        for step in steps:
            variant = facts.variant(area, step)
            due = shown[(area, step, "decided")]
            rate = shown.rate((area, step, "met"), (area, step, "decided"))
            withheld = due != 0 and rate is None
            hover = (f"{area} · {step} · {variant}: "
                     + ("no instances due" if due == 0 else "withheld" if withheld
                        else f"{rate:.0%} met on time of {due}"))
            cells[(area, step)] = svg.Cell(None if withheld else rate, withheld,
                                           MARKS.get(variant, ""), hover)
    step_rows = [(step, shown[("all", step, "decided")], shown[("all", step, "met")],
                  *shown.rate_cells(("all", step, "met"), ("all", step, "decided")),
                  shown[("all", step, "violated")]) for step in steps]
    variant_rows = [(area, *(facts.variant(area, s) for s in steps)) for area in areas]
    funnel_rows = []
    for area in areas:
        f = area_funnels.get(area)
        gaps = [_median_shown(f.gaps.get(g, []) if f else [], suppress) for g in gap_keys()]
        funnel_rows.append((area, *(shown[("funnel", area, k)] for k in KEYS), *gaps))
    all_gaps = {g: [d for f in area_funnels.values() for d in f.gaps.get(g, [])]
                for g in gap_keys()}
    funnel_rows.append(("all areas", *(shown[("funnel", "all", k)] for k in KEYS),
                        *(_median_shown(all_gaps[g], suppress) for g in gap_keys())))
    today = local_date(as_of)
    derogation_rows = []
    for area in sorted(facts.templates):
        for step, d in sorted(facts.templates[area].derogations.items()):
            derogation_rows.append((area, step, facts.variant(area, step), d.justification,
                                    d.approved_by, d.expires.isoformat(),
                                    "expired" if d.expires < today else "in force"))
    tables = [
        Table("variants", "Overlay differences from the national floor, areas × steps",
              ("area", *steps), variant_rows),
        Table("compliance", "Compliance per area and step: met on time ÷ instances due",
              ("area", "step", "variant", "due", "met", "late", "missed", "rate", "ci_low",
               "ci_high", "violated"), compliance_rows,
              note="Instances due are those whose outcome is decided (met, late or missed); "
                   "the interval is Wilson's 95%. Prohibitions count violations only."),
        Table("compliance_by_step", "Compliance per step, all areas",
              ("step", "due", "met", "rate", "ci_low", "ci_high", "violated"), step_rows),
        Table("funnel", "Funnel per area, with median working days between milestones",
              ("area", *KEYS, *(f"median_wd_{g}" for g in gap_keys())), funnel_rows,
              note="Each milestone counts the cases that reached it or a later one."),
        Table("derogations", "Derogations from the national floor",
              ("area", "step", "variant", "justification", "approved_by", "expires", "state"),
              derogation_rows),
    ]
    charts = {
        "heat_map": svg.heat_map(areas, steps, cells,
                                 "Met on time, by area and step (letters: overlay differences)",
                                 legend_marks=MEANINGS),
    } if heat_map else {}
    charts["funnel"] = svg.funnel([(LABELS[k], shown[("funnel", "all", k)]) for k in KEYS],
                                  "Funnel, all areas")
    data = {
        "report": "national", "as_of": as_of.isoformat(),
        "generated_at": (now or datetime.now(UTC)).isoformat(), "suppressed": suppress,
        "areas": areas, "steps": steps,
        "variants": {r[0]: dict(zip(steps, r[1:], strict=True)) for r in variant_rows},
        "compliance": [dict(zip(tables[1].columns, r, strict=True)) for r in compliance_rows],
        "compliance_by_step": [dict(zip(tables[2].columns, r, strict=True)) for r in step_rows],
        "funnel": [dict(zip(tables[3].columns, r, strict=True)) for r in funnel_rows],
        "derogations": [dict(zip(tables[4].columns, r, strict=True)) for r in derogation_rows],
    }
    outcome_part, outcome_data = outcome_tables(shown, outcomes,
                                                lambda a: ("funnel", a, "reported"))
    tables += outcome_part
    data.update(outcome_data)
    return Report("national", "National variant comparison", data, tables, charts,
                  notes=[disclosure.NOTE] if suppress else [])
