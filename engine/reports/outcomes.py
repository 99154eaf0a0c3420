"""Outcomes beside compliance: attrition by the stage complainants withdrew at, and the
association between meeting key liaison steps on time and later withdrawal.

- **Attrition**: per area, the share of reported cases in which the complainant withdrew
  support (`complainant.withdrew`), split by the stage the case was in just before (the
  stage set by the events strictly earlier than the withdrawal).
- **Association**: a case is *on time* when every decided instance (met, late or missed)
  of its key steps was met: the ISVA referral, the needs assessment and the first regular
  update (the first gap of `police_regular_update`). It is *not on time* when any was late
  or missed; a case with none decided is left out. Withdrawal counts when it came after
  the last of those instances fell due ("later" withdrawal); a case that withdrew before
  is left out, since its withdrawal cannot follow from them. The rate ratio of withdrawal,
  on time ÷ not on time, is pooled over areas by Mantel-Haenszel with a 95% interval.

It is an association, not a cause, and it is labelled so wherever it is shown. Counts
from 1 to 4 are suppressed and any ratio built on them withheld.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, or_, select

from engine.keysteps import KEY_STEPS
from engine.reports import disclosure
from engine.reports.association import Stratum, mantel_haenszel
from engine.reports.case_facts import CaseRow, judged_cases, scoped, usable
from engine.reports.facts import Facts
from engine.reports.model import Table
from engine.store import cases

LABEL = ("An association, not a cause: complainants whose key liaison steps were met on time "
         "are compared with those whose were not, within each area. Who gets timely liaison is "
         "not decided at random, so other differences between the groups may explain part or "
         "all of it.")


@dataclass(frozen=True)
class OutcomeCounts:
    """What the outcome tables count, per area (the case's current area)."""

    areas: tuple[str, ...]
    stages: tuple[str, ...]  # stages some complainant withdrew at, in board order
    withdrew_at: dict[tuple[str, str], int]  # (area, stage) -> withdrawals
    # area -> [on time & withdrew later, on time, not on time & withdrew later, not on time]
    strata: dict[str, tuple[int, int, int, int]]


def gather(conn: Connection, facts: Facts, areas: Collection[str],
           judged: list[CaseRow] | None = None) -> OutcomeCounts:
    """The withdrawals, their stages and the key steps' verdicts of `areas`' cases: the
    withdrawal from each case's stored facts, counted in SQL (`judged`: the cases whose
    stored facts are not usable, engine/reports/case_facts.py, read here unless the
    caller has), the exposure as the sweep judged it (engine/keysteps.py)."""
    if judged is None:
        judged = judged_cases(conn, facts.stages, areas)
    withdrew_at, withdrew = cases.c.withdrew_at, cases.c.withdrew_stage
    on_time, until = cases.c.key_steps_on_time, cases.c.key_steps_decided_until
    by_stage: Counter[tuple[str, str]] = Counter()
    # (area, on time, withdrew, withdrew after the last key instance fell due) -> cases
    exposed: Counter[tuple[str, bool, bool, bool]] = Counter()
    later = func.coalesce(withdrew_at > until, False)
    q = (select(cases.c.area, withdrew, on_time, later, func.count())
         .where(usable(facts.stages), or_(withdrew.is_not(None), on_time.is_not(None)))
         .group_by(cases.c.area, withdrew, on_time, later))
    for area, stage, ok, withdrew_later, n in conn.execute(scoped(q, areas)):
        if stage is not None:
            by_stage[(area, stage)] += n
        if ok is not None:
            exposed[(area, bool(ok), stage is not None, bool(withdrew_later))] += n
    for r in judged:
        w_at = r.facts.withdrew_at
        if r.facts.withdrew_stage is not None:
            by_stage[(r.area, r.facts.withdrew_stage)] += 1
        if r.key_on_time is not None and r.key_until is not None:
            exposed[(r.area, r.key_on_time, w_at is not None,
                     w_at is not None and w_at > r.key_until)] += 1
    strata: dict[str, list[int]] = {a: [0, 0, 0, 0] for a in areas}
    for (area, ok, has_withdrawn, withdrew_later), n in exposed.items():
        if has_withdrawn and not withdrew_later:
            continue  # withdrew before the key steps were decided: not "later"
        k = 0 if ok else 2
        cell = strata.setdefault(area, [0, 0, 0, 0])
        cell[k] += n if has_withdrawn else 0
        cell[k + 1] += n
    stages = tuple(s for s in facts.stage_order if any(st == s for _, st in by_stage))
    return OutcomeCounts(tuple(sorted(areas)), stages, dict(by_stage),
                         {a: (v[0], v[1], v[2], v[3]) for a, v in strata.items()})


CELLS = ("on_time_withdrew", "on_time", "not_on_time_withdrew", "not_on_time")


def register(pub: disclosure.Publication, oc: OutcomeCounts) -> None:
    """Register the outcome counts, and the sums linking them, in a report's publication:
    an area's withdrawals are the sum over stages, and the all-areas row of the
    association is the sum of the areas'."""
    for a in oc.areas:
        parts = [pub.count(("withdrew", a, s), oc.withdrew_at.get((a, s), 0)) for s in oc.stages]
        pub.count(("withdrew", a), sum(pub.values[p] for p in parts))
        pub.total(("withdrew", a), parts)
        for i, name in enumerate(CELLS):
            pub.count(("assoc", a, name), oc.strata.get(a, (0, 0, 0, 0))[i])
    for name in CELLS:
        pub.count(("assoc", "all", name), sum(pub.values[("assoc", a, name)] for a in oc.areas))
        pub.total(("assoc", "all", name), [("assoc", a, name) for a in oc.areas])


def _rr(shown: disclosure.Disclosed, strata: list[tuple[int, int, int, int]],
        keys: list[tuple[str, str, str]]) -> tuple[float | None, float | None, float | None]:
    rr = mantel_haenszel([Stratum(*s) for s in strata])
    if rr is None or shown.is_hidden(*keys):
        return None, None, None
    return round(rr.estimate, 4), round(rr.low, 4), round(rr.high, 4)


def outcome_tables(shown: disclosure.Disclosed, oc: OutcomeCounts,
                   reported: Callable[[str], object]) -> tuple[list[Table], dict[str, Any]]:
    """The attrition and association tables and their JSON; `reported(area)` is the key
    under which the report registered the area's reported cases (its funnel's first bar)."""
    attrition_rows = []
    for a in oc.areas:
        r, ci = shown.rate(("withdrew", a), reported(a)), shown.interval(("withdrew", a),
                                                                         reported(a))
        attrition_rows.append((a, shown[reported(a)], shown[("withdrew", a)],
                               None if r is None else round(r, 4),
                               None if ci is None else ci.to_json()[0],
                               None if ci is None else ci.to_json()[1],
                               *(shown[("withdrew", a, s)] for s in oc.stages)))
    assoc_rows = []
    for a in [*oc.areas, "all"]:
        keys = [("assoc", a, name) for name in CELLS]
        strata = [oc.strata.get(a, (0, 0, 0, 0))] if a != "all" else list(oc.strata.values())
        label = a if a != "all" else "all areas (Mantel-Haenszel, stratified by area)"
        assoc_rows.append((label, shown[keys[1]], shown[keys[0]], shown[keys[3]],
                           shown[keys[2]], *_rr(shown, strata, keys)))
    attrition_cols = ("area", "reported", "withdrew", "rate", "ci_low", "ci_high",
                      *(f"withdrew_at_{s}" for s in oc.stages))
    assoc_cols = ("area", "on_time_cases", "on_time_withdrew", "not_on_time_cases",
                  "not_on_time_withdrew", "rate_ratio", "ci_low", "ci_high")
    tables = [
        Table("attrition", "Attrition: complainants who withdrew support, by the stage they "
              "withdrew at", attrition_cols, attrition_rows,
              note="Share of reported cases (Wilson 95% interval); each stage column counts "
                   "withdrawals from that stage."),
        Table("association", "Association (not cause): key liaison steps on time and later "
              "withdrawal", assoc_cols, assoc_rows,
              note=LABEL + " Key steps: ISVA referral, needs assessment, first update. Rate "
                   "ratio of withdrawal, on time ÷ not on time, with a 95% interval."),
    ]
    pooled = assoc_rows[-1]
    data = {
        "attrition": [dict(zip(attrition_cols, r, strict=True)) for r in attrition_rows],
        "association": {"label": LABEL, "key_steps": list(KEY_STEPS),
                        "rate_ratio": pooled[5], "ci_low": pooled[6], "ci_high": pooled[7],
                        "strata": [dict(zip(assoc_cols, r, strict=True)) for r in assoc_rows]},
    }
    return tables, data
