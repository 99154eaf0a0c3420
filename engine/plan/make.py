"""Making a national plan or a variant impact: scenario, replay, result.

Both read the rules in force from the store (deployed versions, else overlay files),
build the counterfactual, replay only the steps whose rules differ (or the one step
asked for) and return plain counts. Nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from engine.calendar import local_date
from engine.errors import Refused
from engine.plan.replay import Tally, changed_steps, restrict
from engine.plan.run import run_replay
from engine.plan.scenario import (
    NATIONAL,
    Scenario,
    draft_rules,
    load_draft,
    template_sources,
    variant_rules,
)
from engine.rules import Rules
from engine.store import build_rules, checked_engine, deployed_versions, load_config_set, reading
from engine.vocabulary import did_you_mean


class PlanRefused(Refused):
    """The plan cannot be made as asked (an unknown area or step)."""


@dataclass(frozen=True)
class PlanResult:
    scenario: Scenario
    as_of: datetime
    steps: tuple[str, ...]  # the steps replayed and reported
    tally: Tally


def _check_areas(names: list[str] | tuple[str, ...], register: dict[str, object],
                 option: str) -> None:
    for a in names:
        if a not in register:
            raise PlanRefused(f"{option} {a!r} is not a police force area in the register"
                              f"{did_you_mean(a, register)}")


def _steps(before: Rules, after: Rules, asked: tuple[str, ...] | None) -> tuple[str, ...]:
    known = {s.id for r in (before, after) for h in (r.fallback, *(r.history(a) for a in r.areas))
             for t in h.templates for s in t.steps}
    for s in asked or ():
        if s not in known:
            raise PlanRefused(f"--step {s!r} is not a step of the framework or any overlay"
                              f"{did_you_mean(s, known)}")
    if asked:
        return tuple(asked)
    if before.stages != after.stages:
        return tuple(sorted(known))
    return tuple(sorted(changed_steps(before, after)))


def _run(db_url: str | None, scenario: Scenario, as_of: datetime, workers: int,
         config_dir: Path) -> PlanResult:
    steps = _steps(scenario.before, scenario.after, scenario.steps)
    wanted = frozenset(steps)
    tally = run_replay(db_url, restrict(scenario.before, wanted), restrict(scenario.after, wanted),
                       as_of, scenario.areas, workers, config_dir)
    return PlanResult(scenario, as_of, steps, tally)


def framework_plan(db_url: str | None, draft: Path, config_dir: Path = Path("area_configs"),
                   areas: list[str] | None = None, as_of: datetime | None = None,
                   workers: int = 1, steps: tuple[str, ...] | None = None) -> PlanResult:
    """Every case (of `areas`) under the draft national framework at `draft`, with the
    areas' overlays rebuilt on top of it."""
    as_of = as_of or datetime.now(UTC)
    config_set = load_config_set(config_dir)
    _check_areas(areas or [], config_set.register, "--area")
    with reading(checked_engine(db_url)) as conn:
        deployed = deployed_versions(conn)
    current = build_rules(config_set, deployed)
    national = load_draft(draft, config_dir)
    after, below = draft_rules(current, template_sources(config_set, deployed), national,
                               national.stages, local_date(as_of))
    scenario = Scenario("framework", f"draft framework {national.framework_version} ({draft})",
                        current.rules, after, tuple(areas) if areas else None, steps,
                        tuple(b for b in below if not areas or b.area in areas),
                        (config_set.framework_version, national.framework_version))
    return _run(db_url, scenario, as_of, workers, config_dir)


def variant_plan(db_url: str | None, area: str, under: str,
                 config_dir: Path = Path("area_configs"), steps: tuple[str, ...] | None = None,
                 as_of: datetime | None = None, workers: int = 1) -> PlanResult:
    """`area`'s cases under `under`'s variant (or the national framework alone)."""
    as_of = as_of or datetime.now(UTC)
    config_set = load_config_set(config_dir)
    _check_areas([area], config_set.register, "--area")
    if under != NATIONAL:
        _check_areas([under], config_set.register, "--under")
    with reading(checked_engine(db_url)) as conn:
        deployed = deployed_versions(conn)
    current = build_rules(config_set, deployed)
    label = ("the national framework alone" if under == NATIONAL
             else f"{under}'s variant")
    scenario = Scenario("variant", f"{area} under {label}", current.rules,
                        variant_rules(current.rules, area, under), (area,), steps, (),
                        (config_set.framework_version, config_set.framework_version))
    return _run(db_url, scenario, as_of, workers, config_dir)
