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
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from engine.evaluate.compiled import compile_stages
from engine.evaluate.state import CaseState
from engine.events import Event
from engine.keysteps import KEY_STEPS
from engine.reports import disclosure
from engine.reports.association import Stratum, mantel_haenszel
from engine.reports.facts import Facts
from engine.reports.model import Table
from engine.store import cases, events

WITHDREW = "complainant.withdrew"
LABEL = ("An association, not a cause: complainants whose key liaison steps were met on time "
         "are compared with those whose were not, within each area. Who gets timely liaison is "
         "not decided at random, so other differences between the groups may explain part or "
         "all of it.")


@dataclass(frozen=True)
class Exposure:
    area: str
    on_time: bool
    decided_until: datetime  # the last due instant among the decided key instances


def exposures(conn: Connection, areas: Collection[str] | None) -> dict[str, Exposure]:
    """Case id -> whether its decided key instances were all met (cases with none left
    out), as the sweep judged it (engine/keysteps.py; met instances have no rows)."""
    q = (select(cases.c.case_id, cases.c.area, cases.c.key_steps_on_time,
                cases.c.key_steps_decided_until)
         .where(cases.c.key_steps_on_time.is_not(None)))
    if areas is not None:
        q = q.where(cases.c.area.in_(sorted(areas)))
    return {cid: Exposure(area, bool(on_time), until)
            for cid, area, on_time, until in conn.execute(q)}


def withdrawals(conn: Connection, areas: Collection[str] | None) -> dict[str, datetime]:
    """Case id -> the instant of its first withdrawal."""
    q = (select(events.c.case_id, func.min(events.c.at)).where(events.c.type == WITHDREW,
                                                                 events.c.case_id.is_not(None))
         .group_by(events.c.case_id))
    if areas is not None:
        q = q.where(events.c.case_id.in_(select(cases.c.case_id)
                                         .where(cases.c.area.in_(sorted(areas)))))
    return {cid: at for cid, at in conn.execute(q)}


def stages_at(conn: Connection, facts: Facts, withdrawn: dict[str, datetime]) -> dict[str, str]:
    """The stage each case was in just before it withdrew."""
    types = sorted({m.type for rule in facts.stages for m in rule.set_by})
    stages = compile_stages(facts.stages)
    ids = sorted(withdrawn)
    out: dict[str, str] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        state: dict[str, CaseState] = {cid: CaseState(stages) for cid in chunk}
        q = (select(events).where(events.c.case_id.in_(chunk), events.c.type.in_(types))
             .order_by(events.c.at, events.c.event_id))
        for r in conn.execute(q):
            if r.at < withdrawn[r.case_id]:
                state[r.case_id].apply(Event(r.event_id, r.case_id, r.area, r.type, r.at,
                                             r.source, r.data, 0.0))
        out.update({cid: s.stage for cid, s in state.items()})
    return out


@dataclass(frozen=True)
class OutcomeCounts:
    """What the outcome tables count, per area (the case's current area)."""

    areas: tuple[str, ...]
    stages: tuple[str, ...]  # stages some complainant withdrew at, in board order
    withdrew_at: dict[tuple[str, str], int]  # (area, stage) -> withdrawals
    # area -> [on time & withdrew later, on time, not on time & withdrew later, not on time]
    strata: dict[str, tuple[int, int, int, int]]


def gather(conn: Connection, facts: Facts, areas: Collection[str]) -> OutcomeCounts:
    """Read the withdrawals, their stages and the key steps' verdicts of `areas`' cases."""
    withdrawn = withdrawals(conn, areas)
    area_of = dict(conn.execute(select(cases.c.case_id, cases.c.area)
                                .where(cases.c.case_id.in_(sorted(withdrawn)))).all()) \
        if withdrawn else {}
    at_stage = stages_at(conn, facts, withdrawn)
    by_stage = Counter((area_of[cid], at_stage[cid]) for cid in withdrawn)
    strata: dict[str, list[int]] = {a: [0, 0, 0, 0] for a in areas}
    for cid, ex in exposures(conn, areas).items():
        w_at = withdrawn.get(cid)
        if w_at is not None and w_at <= ex.decided_until:
            continue  # withdrew before the key steps were decided: not "later"
        k = 0 if ex.on_time else 2
        cell = strata.setdefault(ex.area, [0, 0, 0, 0])
        cell[k] += w_at is not None
        cell[k + 1] += 1
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
