"""Who may read what (contract §8).

A `Principal` is what a bearer token stands for: a role and the one area or CPS Area it
is tied to. The rules live here, apart from HTTP, so the API, the dashboard and the tests
ask the same questions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from engine.errors import ScopeError as ScopeError  # re-exported: raised by check_scope
from engine.spec import AnyStep, DeadlineStep, Matcher, ProhibitionStep, RecurringStep
from engine.terms import Role as Role  # re-exported: the API speaks of roles

# Roles tied to one police force area, and to one CPS Area.
AREA_ROLES = frozenset({Role.force_data_team, Role.isva_service})
CPS_AREA_ROLES = frozenset({Role.cps_unit})
CASE_ROLES = AREA_ROLES | CPS_AREA_ROLES


@dataclass(frozen=True, slots=True)
class Principal:
    """The holder of a token: `name` is the token's public id, for the audit log."""

    name: str
    role: Role
    area: str | None = None
    cps_area: str | None = None

    def __post_init__(self) -> None:
        check_scope(self.role, self.area, self.cps_area)

    @property
    def reads_cases(self) -> bool:
        """Case-level reads: only the force, CPS and ISVA roles; national leads get
        aggregates and auditors the audit log."""
        return self.role in CASE_ROLES

    def areas(self, cps_map: Mapping[str, Iterable[str]]) -> frozenset[str] | None:
        """The force areas this principal sees (None: every area, for aggregates).

        `cps_map` maps each force area to its CPS Areas (the Met has two).
        """
        if self.role in AREA_ROLES:
            return frozenset({self.area}) if self.area else frozenset()
        if self.role in CPS_AREA_ROLES:
            return frozenset(a for a, cps in cps_map.items() if self.cps_area in set(cps))
        if self.role is Role.national_lead:
            return None
        return frozenset()

    def may_read_case(self, case_area: str, cps_map: Mapping[str, Iterable[str]]) -> bool:
        if not self.reads_cases:
            return False
        allowed = self.areas(cps_map)
        return allowed is not None and case_area in allowed

    @property
    def scope(self) -> str:
        return self.area or self.cps_area or "all"


def check_scope(role: Role, area: str | None, cps_area: str | None) -> None:
    """Raise ScopeError unless the role has exactly the scope it needs."""
    if role in AREA_ROLES and (not area or cps_area):
        raise ScopeError(f"role {role} needs --area (a police force area) and no --cps-area")
    if role in CPS_AREA_ROLES and (not cps_area or area):
        raise ScopeError(f"role {role} needs --cps-area (a CPS Area) and no --area")
    if role not in CASE_ROLES and (area or cps_area):
        raise ScopeError(f"role {role} covers all areas; give neither --area nor --cps-area")


def matchers(step: AnyStep) -> list[Matcher]:
    """Every event matcher a step's rules name (trigger, satisfaction, cancellation...)."""
    if isinstance(step, DeadlineStep):
        return [*step.trigger, step.satisfied_by, *step.cancelled_by]
    if isinstance(step, RecurringStep):
        found = [step.satisfied_by, *step.stop]
        return found + [m for m in (step.start, step.pause, step.resume) if m is not None]
    if isinstance(step, ProhibitionStep):
        return [step.event]
    return []


def isva_related(step: AnyStep) -> bool:
    """An ISVA service sees the steps it owns or that turn on ISVA events (referral,
    keeping the ISVA informed, sharing without consent): decided from the rules, so a
    local step about ISVAs is covered too."""
    return step.owner == "isva" or any(m.type.startswith("isva.") for m in matchers(step))
