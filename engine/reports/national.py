"""The national variant comparison (contract §1 and §6, national leads).

Side by side for every area and step: how the area's overlay differs from the national
floor, and how the area performs against its own rules (met on time ÷ instances whose
outcome is decided, with a Wilson 95% interval). Then the funnel per area, the median
working days between milestones, and every derogation with its expiry. Always under
disclosure control: this report leaves the area.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import Engine

from engine.calendar import local_date
from engine.reports import disclosure, source, svg
from engine.reports.facts import Facts
from engine.reports.funnel import KEYS, LABELS, funnels, gap_keys
from engine.reports.model import Report, Table
from engine.reports.stats import median
from engine.store.db import reading

MARKS = {"tightened": "T", "loosened": "L", "disabled": "D", "local": "+", "changed": "C"}
MEANINGS = {"T": "tightened", "L": "loosened under derogation", "D": "disabled under derogation",
            "+": "local step", "C": "changed, neither tighter nor looser"}


def _rate_cells(met: int, decided: int, suppress: bool
                ) -> tuple[float | None, float | None, float | None]:
    r = disclosure.rate(met, decided, suppress)
    ci = disclosure.interval(met, decided, suppress)
    return (None if r is None else round(r, 4), None if ci is None else ci.to_json()[0],
            None if ci is None else ci.to_json()[1])


def _median_shown(values: list[int], suppress: bool) -> float | None:
    if suppress and disclosure.is_small(len(values)):
        return None
    m = median(values)
    return None if m is None else round(m, 1)


def build_national(engine: Engine, facts: Facts, as_of: datetime | None = None,
                   suppress: bool = True, now: datetime | None = None) -> Report:
    with reading(engine) as conn:
        as_of = as_of or source.latest_as_of(conn) or datetime.now(UTC)
        counts = source.instance_counts(conn, None, (*source.DECIDED, "violated"),
                                        ("area", "step"))
        area_funnels = funnels(conn, facts)

    def c(n: int) -> disclosure.Shown:
        return disclosure.count(n, suppress)

    areas = sorted(facts.area_names)
    steps = facts.step_order()
    national_totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    compliance_rows = []
    cells: dict[tuple[str, str], svg.Cell] = {}
    for area in areas:
        for step in steps:
            variant = facts.variant(area, step)
            met = counts.get((area, step, "met"), 0)
            late = counts.get((area, step, "late"), 0)
            missed = counts.get((area, step, "missed"), 0)
            violated = counts.get((area, step, "violated"), 0)
            decided = met + late + missed
            for k, v in (("met", met), ("decided", decided), ("violated", violated)):
                national_totals[step][k] += v
            rate, low, high = _rate_cells(met, decided, suppress)
            if variant != "absent" or decided or violated:
                compliance_rows.append((area, step, variant, c(decided), c(met), c(late),
                                        c(missed), rate, low, high, c(violated)))
            withheld = decided > 0 and rate is None
            hover = (f"{area} · {step} · {variant}: "
                     + ("no instances due" if decided == 0 else "withheld (<5)" if withheld
                        else f"{rate:.0%} met on time of {decided}"))
            cells[(area, step)] = svg.Cell(None if withheld else rate, withheld,
                                           MARKS.get(variant, ""), hover)
    step_rows = []
    for step in steps:
        t = national_totals[step]
        step_rows.append((step, c(t["decided"]), c(t["met"]),
                          *_rate_cells(t["met"], t["decided"], suppress), c(t["violated"])))
    variant_rows = [(area, *(facts.variant(area, s) for s in steps)) for area in areas]
    funnel_rows = []
    for area in areas:
        f = area_funnels.get(area)
        reached = [c(f.reached[k]) if f else 0 for k in KEYS]
        gaps = [_median_shown(f.gaps.get(g, []) if f else [], suppress) for g in gap_keys()]
        funnel_rows.append((area, *reached, *gaps))
    total = {k: sum(f.reached[k] for f in area_funnels.values()) for k in KEYS}
    all_gaps = {g: [d for f in area_funnels.values() for d in f.gaps.get(g, [])]
                for g in gap_keys()}
    funnel_rows.append(("all areas", *(c(total[k]) for k in KEYS),
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
        "funnel": svg.funnel([(LABELS[k], c(total[k])) for k in KEYS], "Funnel, all areas"),
    }
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
    return Report("national", "National variant comparison", data, tables, charts,
                  notes=["Counts from 1 to 4 are shown as <5; rates, intervals and medians "
                         "built on them are withheld (contract §8)."] if suppress else [])
