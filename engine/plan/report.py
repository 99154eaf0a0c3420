"""A plan as a report: JSON, CSV tables and an offline HTML page with a delta heat map.

Figures are counts of replayed instances. Compliance is met on time ÷ instances whose
outcome is decided (met, late or missed), as in the national comparison, with Wilson 95%
intervals, before and after. Every count goes through disclosure control when the plan
leaves the store's operators (always through the API); the most affected cases are ids
only, for the plan's auditor, and are left out of what the API returns.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

from engine.plan.make import PlanResult
from engine.plan.svg import delta_heat_map
from engine.reports import Report, Table, disclosure
from engine.terms import DECIDED_STATUSES, FLAG_STATUSES

COLUMNS_STEPS = ("area", "step", "due_before", "met_before", "rate_before", "ci_low_before",
                 "ci_high_before", "due_after", "met_after", "rate_after", "ci_low_after",
                 "ci_high_after", "delta", "changed", "new_flags")


def _side(counts: dict[tuple[str, str], int], side: int) -> dict[str, int]:
    out: dict[str, int] = Counter()
    for (b, a), n in counts.items():
        out[(b, a)[side]] += n
    return out


def build_plan_report(result: PlanResult, suppress: bool = True, with_cases: bool = True,
                      now: datetime | None = None) -> Report:
    """The plan's report; `with_cases=False` leaves the case ids out (aggregates only)."""
    t = result.tally
    cells: dict[tuple[str, str], dict[tuple[str, str], int]] = defaultdict(dict)
    for (area, step, b, a), n in t.counts.items():
        cells[(area, step)][(b, a)] = n
    areas = sorted({a for a, _ in cells} | set(t.cases))
    steps = list(result.steps)
    shown = _publication(result, cells, areas, steps).protect(suppress)
    step_rows, transition_rows, summary_rows = [], [], []
    heat: dict[tuple[str, str], tuple[float | None, str]] = {}
    for area in areas:
        for step in steps:
            counts = cells.get((area, step), {})
            if not counts:
                continue
            k = (area, step)
            rb, rb_lo, rb_hi = shown.rate_cells(("met_b", *k), ("due_b", *k))
            ra, ra_lo, ra_hi = shown.rate_cells(("met_a", *k), ("due_a", *k))
            delta = None if rb is None or ra is None else round(ra - rb, 4)
            step_rows.append((area, step, shown[("due_b", *k)], shown[("met_b", *k)], rb, rb_lo,
                              rb_hi, shown[("due_a", *k)], shown[("met_a", *k)], ra, ra_lo,
                              ra_hi, delta, shown[("changed", *k)], shown[("flags", *k)]))
            for (b, a), _n in sorted(counts.items()):
                if b != a:
                    transition_rows.append((area, step, b or "(none)", a or "(none)",
                                            shown[("tr", *k, b, a)]))
            hover = (f"{area} · {step}: " + ("withheld or nothing decided" if delta is None
                     else f"{rb:.0%} → {ra:.0%} met on time; {shown[('changed', *k)]} "
                          "instances change"))
            heat[(area, step)] = (delta, hover)
        summary_rows.append((area, shown[("cases", area)], shown[("changed_cases", area)],
                             shown[("changed", area)], shown[("flags", area)]))
    below = [b.to_json() for b in result.scenario.below_floor]
    below_rows = [(b["area"], b["file"], b["line"], b["field"], b["message"]) for b in below]
    tables = [
        Table("below_floor", "Overlays the draft pushes below the floor (need a derogation "
              "or a change)", ("area", "file", "line", "field", "message"), below_rows,
              note="Each such step is replayed at the draft's national rule."),
        Table("summary", "Cases replayed and changed, per area",
              ("area", "cases", "changed_cases", "changed_instances", "new_flags"), summary_rows),
        Table("steps", "Compliance before → after, per area and step", COLUMNS_STEPS, step_rows,
              note="Compliance is met on time ÷ instances due (met, late or missed), with "
                   "Wilson 95% intervals; delta is after − before."),
        Table("transitions", "Instances whose status would change",
              ("area", "step", "before", "after", "instances"), transition_rows),
    ]
    top = [(cid, area, n) for n, cid, area in t.top] if with_cases else []
    if with_cases:
        tables.append(Table("most_affected", "Cases most affected (ids only, for the auditor)",
                            ("case_id", "area", "changed_instances"), top))
    s = result.scenario
    data: dict[str, Any] = {
        "report": "plan", "kind": s.kind, "scenario": s.label,
        "as_of": result.as_of.isoformat(),
        "generated_at": (now or datetime.now(UTC)).isoformat(), "suppressed": suppress,
        "framework_version": {"before": s.framework_versions[0], "after": s.framework_versions[1]},
        "areas": areas, "steps": steps,
        "below_floor": below,
        "summary": [dict(zip(tables[1].columns, r, strict=True)) for r in summary_rows],
        "steps_compared": [dict(zip(COLUMNS_STEPS, r, strict=True)) for r in step_rows],
        "transitions": [dict(zip(tables[3].columns, r, strict=True)) for r in transition_rows],
    }
    if with_cases:
        data["most_affected"] = [{"case_id": cid, "area": a, "changed_instances": n}
                                 for cid, a, n in top]
    charts = {"delta_heat_map": delta_heat_map(areas, steps, heat,
                                               f"Change in met on time: {s.label}")}
    notes = [f"Replayed as of {result.as_of.isoformat()} in memory; nothing was written. "
             "Only steps whose rules differ are replayed (or the step asked for): every "
             "other step gets the same verdicts under both."]
    if suppress:
        notes.append(disclosure.NOTE)
    return Report("plan", f"Plan: {s.label}", data, tables, charts, notes)



def _publication(result: PlanResult, cells: dict[tuple[str, str], dict[tuple[str, str], int]],
                 areas: list[str], steps: list[str]) -> disclosure.Publication:
    """Every count of the plan and the sums linking them: each step's changed and new-flag
    counts are sums of its transitions, the change in met (and in due) is what moved in
    minus what moved out, and an area's totals are sums over its steps."""
    t = result.tally
    pub = disclosure.Publication()
    for area in areas:
        for step in steps:
            counts = cells.get((area, step), {})
            if not counts:
                continue
            k = (area, step)
            before, after = _side(counts, 0), _side(counts, 1)
            pub.count(("due_b", *k), sum(before[s] for s in DECIDED_STATUSES))
            pub.count(("met_b", *k), before["met"])
            pub.count(("due_a", *k), sum(after[s] for s in DECIDED_STATUSES))
            pub.count(("met_a", *k), after["met"])
            moved = {(b, a): n for (b, a), n in counts.items() if b != a}
            for (b, a), n in moved.items():
                pub.count(("tr", *k, b, a), n)
            pub.count(("changed", *k), sum(moved.values()))
            pub.total(("changed", *k), [("tr", *k, b, a) for b, a in moved])
            new = [(b, a) for b, a in moved if a in FLAG_STATUSES and b not in FLAG_STATUSES]
            pub.count(("flags", *k), sum(moved[m] for m in new))
            pub.total(("flags", *k), [("tr", *k, b, a) for b, a in new])
            for name, inside in (("met", {"met"}), ("due", set(DECIDED_STATUSES))):
                pub.balance([(f"{name}_a", *k)] + [("tr", *k, b, a) for b, a in moved
                                                   if b in inside and a not in inside],
                            [(f"{name}_b", *k)] + [("tr", *k, b, a) for b, a in moved
                                                   if a in inside and b not in inside])
        listed = [s for s in steps if cells.get((area, s))]
        pub.count(("cases", area), t.cases[area])
        pub.count(("changed_cases", area), t.changed_cases[area])
        for name in ("changed", "flags"):
            pub.count((name, area), sum(pub.values[(name, area, s)] for s in listed))
            pub.total((name, area), [(name, area, s) for s in listed])
    return pub
