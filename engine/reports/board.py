"""The stage board (contract §1, CPS units): where cases stand and what is overdue.

Cases per stage per force area and per CPS Area; ageing of open cases in their stage
(working days, median and 90th percentile) per stage and per area; overdue (`missed`)
and `due_soon` instances by owner and area.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select

from engine.calendar import local_date
from engine.notify import acks
from engine.reports import disclosure, source, svg
from engine.reports.ageing import working_days_in_stage
from engine.reports.case_facts import judged_cases, scoped, usable
from engine.reports.facts import Facts
from engine.reports.model import Report, Table
from engine.reports.stats import percentile
from engine.store import cases, reading
from engine.terms import Status

# The board shows missed instances (overdue) and, beside them, those due soon.
MISSED_OR_DUE_SOON = (Status.missed.value, Status.due_soon.value)


def _stat(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def build_board(engine: Engine, facts: Facts, areas: Collection[str] | None = None,
                as_of: datetime | None = None, suppress: bool = False,
                scope_label: str = "all areas", now: datetime | None = None) -> Report:
    """The board over `areas` (None: every area), as of the latest sweep unless given.

    `suppress` applies disclosure control (for national leads): every count goes
    through `engine.reports.disclosure` with the sums a reader could use."""
    scope = None if areas is None else frozenset(areas)
    closed = facts.closed_stages
    with reading(engine) as conn:
        as_of = as_of or source.latest_as_of(conn) or datetime.now(UTC)
        stage_of = func.coalesce(cases.c.stage, "reported")  # an unswept case: reported
        per_stage = conn.execute(scoped(select(cases.c.area, stage_of, func.count())
                                        .group_by(cases.c.area, stage_of), scope)).all()
        # Open cases' stage entries: the stored ones counted in SQL, then those judged.
        entries = [tuple(r) for r in conn.execute(scoped(
            select(cases.c.area, cases.c.stage, cases.c.stage_entered_day, func.count())
            .where(usable(facts.stages, as_of))
            .group_by(cases.c.area, cases.c.stage, cases.c.stage_entered_day),
            scope, closed))]
        entries += [(c.area, c.facts.stage, c.facts.stage_entered_day, 1) for c in
                    judged_cases(conn, facts.stages, scope, as_of, leave_out=closed)]
        overdue = source.instance_counts(conn, scope, MISSED_OR_DUE_SOON, ("area", "owner"))
        data_errors = acks.data_errors(conn, None if scope is None else sorted(scope))
    ages: dict[tuple[str, str], list[int]] = defaultdict(list)
    as_of_day = local_date(as_of)
    for area, stage, entered, n in entries:  # cases with events in force
        if entered is not None and stage is not None:
            ages[(area, stage)] += [
                working_days_in_stage(entered, as_of_day, facts.calendar(area))] * n

    stage_ids = facts.stage_order
    per_area: dict[str, Counter[str]] = defaultdict(Counter)
    for area, stage_id, n in per_stage:
        per_area[area][stage_id] = n
    # Areas with cases, and areas whose only instances are area-level (a scrutiny group
    # that never met in an area with no cases yet is still overdue).
    seen = set(per_area) | {area for (area, _owner, _status) in overdue}
    area_list = sorted(seen if scope is None else scope | seen)
    cps_members: dict[str, list[str]] = defaultdict(list)
    for area in area_list:
        for cps in facts.cps_of.get(area, ()):
            cps_members[cps].append(area)
    by_stage: dict[str, list[int]] = defaultdict(list)
    for (_area, stage), values in ages.items():
        by_stage[stage].extend(values)
    open_stages = [s for s in stage_ids if s not in facts.closed_stages]
    owners = sorted({owner for (_a, owner, _s) in overdue})
    overdue_keys = [(owner, area) for owner in owners for area in area_list
                    if any(overdue.get((area, owner, st)) for st in MISSED_OR_DUE_SOON)]
    shown = _publication(stage_ids, open_stages, area_list, cps_members, per_area, ages,
                         overdue, overdue_keys, data_errors).protect(suppress)

    def stage_rows(prefix: str, keys: list[str]) -> list[tuple[object, ...]]:
        return [(k, *(shown[(prefix, k, s)] for s in stage_ids), shown[(prefix, k)])
                for k in keys]

    def age_stats(values: list[int]) -> tuple[float | None, float | None]:
        if suppress and disclosure.is_small(len(values)):
            return None, None
        return _stat(percentile(values, 50)), _stat(percentile(values, 90))

    ageing_rows = [(s, shown[("ageing", s)], *age_stats(by_stage[s])) for s in open_stages]
    ageing_area_rows = [(a, s, shown[("ageing", a, s)], *age_stats(ages[(a, s)]))
                        for a in area_list for s in open_stages if ages.get((a, s))]
    overdue_rows = [(owner, area, shown[("missed", owner, area)],
                     shown[("due_soon", owner, area)]) for owner, area in overdue_keys]
    tables = [
        Table("stages_by_area", "Cases per stage, by police force area",
              ("area", *stage_ids, "total"), stage_rows("stages", area_list)),
        Table("stages_by_cps_area", "Cases per stage, by CPS Area",
              ("cps_area", *stage_ids, "total"), stage_rows("cps", sorted(cps_members)),
              note="The Metropolitan Police area belongs to both London CPS Areas."),
        Table("ageing", "Open cases: working days in current stage",
              ("stage", "cases", "median_wd", "p90_wd"), ageing_rows),
        Table("ageing_by_area", "Open cases: working days in current stage, by area",
              ("area", "stage", "cases", "median_wd", "p90_wd"), ageing_area_rows),
        Table("overdue_by_owner", "Overdue (missed) and due-soon instances, by owner",
              ("owner", "area", "missed", "due_soon"), overdue_rows),
        Table("data_quality", "Flags acknowledged as data errors, by area",
              ("area", "data_errors"),
              [(a, shown[("data_errors", a)]) for a in sorted(data_errors)],
              note="A SPOC acknowledged the flag with the reason data_error: the events "
                   "are wrong or missing, not the work. The flag's status is unchanged."),
    ]
    names = {st.id: st.name for st in facts.stages}
    chart = svg.ageing([(names[s], *age_stats(by_stage[s])) for s in open_stages],
                       "Working days in current stage")
    data = {
        "report": "board", "scope": scope_label, "as_of": as_of.isoformat(),
        "generated_at": (now or datetime.now(UTC)).isoformat(), "suppressed": suppress,
        "stages": list(stage_ids),
        "by_area": {r[0]: dict(zip((*stage_ids, "total"), r[1:], strict=True))
                    for r in tables[0].rows},
        "by_cps_area": {r[0]: dict(zip((*stage_ids, "total"), r[1:], strict=True))
                        for r in tables[1].rows},
        "ageing": {r[0]: {"cases": r[1], "median_wd": r[2], "p90_wd": r[3]} for r in ageing_rows},
        "ageing_by_area": [dict(zip(tables[3].columns, r, strict=True)) for r in ageing_area_rows],
        "overdue_by_owner": [dict(zip(tables[4].columns, r, strict=True)) for r in overdue_rows],
        "data_errors_acknowledged": {r[0]: r[1] for r in tables[5].rows},
    }
    return Report("board", f"Stage board: {scope_label}", data, tables,
                  charts={"ageing": chart},
                  notes=["Ageing counts working days (Monday to Friday, not a bank holiday in "
                         "England and Wales, nor an area's extra non-working day) after the "
                         "day the case entered its stage, up to the as-of day."])


def _publication(stage_ids: tuple[str, ...] | list[str], open_stages: list[str],
                 area_list: list[str], cps_members: dict[str, list[str]],
                 per_area: dict[str, Counter[str]], ages: dict[tuple[str, str], list[int]],
                 overdue: dict[tuple[str, str, str], int],
                 overdue_keys: list[tuple[str, str]], data_errors: dict[str, int]
                 ) -> disclosure.Publication:
    """Every count of the board and every sum linking them: row totals, CPS Areas as
    sums of their forces, ageing per stage as the sum over areas, and an area's ageing
    count, which is its count of cases in that stage."""
    pub = disclosure.Publication()
    for area in area_list:
        for s in stage_ids:
            pub.count(("stages", area, s), per_area[area][s])
        pub.count(("stages", area), sum(per_area[area].values()))
        pub.total(("stages", area), [("stages", area, s) for s in stage_ids])
    for cps, members in sorted(cps_members.items()):
        for s in stage_ids:
            pub.count(("cps", cps, s), sum(per_area[a][s] for a in members))
            pub.total(("cps", cps, s), [("stages", a, s) for a in members])
        pub.count(("cps", cps), sum(sum(per_area[a].values()) for a in members))
        pub.total(("cps", cps), [("cps", cps, s) for s in stage_ids])
    for s in open_stages:
        listed = [a for a in area_list if ages.get((a, s))]
        for a in listed:
            pub.count(("ageing", a, s), len(ages[(a, s)]))
            if len(ages[(a, s)]) == per_area[a][s]:
                pub.balance([("ageing", a, s)], [("stages", a, s)])
        pub.count(("ageing", s), sum(len(ages[(a, s)]) for a in listed))
        pub.total(("ageing", s), [("ageing", a, s) for a in listed])
    for owner, area in overdue_keys:
        for st in MISSED_OR_DUE_SOON:
            pub.count((st, owner, area), overdue.get((area, owner, st), 0))
    for area, n in sorted(data_errors.items()):
        pub.count(("data_errors", area), n)
    return pub
