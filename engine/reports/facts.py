"""The configuration facts a report needs, taken from a loaded config set: stage order,
the register (names, CPS Areas), each area's resolved template and calendar.

Kept as a small frozen bundle so the report builders can be tested with any config and
never reach for files themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

from engine.calendar import WorkingCalendar, calendar_for
from engine.config import ConfigSet, compare
from engine.spec import StageRule, Template


@dataclass(frozen=True)
class Facts:
    stages: tuple[StageRule, ...]
    area_names: dict[str, str]
    cps_of: dict[str, tuple[str, ...]]  # force area -> its CPS Area(s)
    cps_names: dict[str, str]
    national: Template
    templates: dict[str, Template] = field(default_factory=dict)  # areas with an overlay
    # area -> step -> how the overlay differs from the national framework: the cells of
    # the config's comparison matrix (inherited, tightened, loosened, disabled, local,
    # changed; None where the area has no such step). Areas without an overlay inherit.
    variants: dict[str, dict[str, str | None]] = field(default_factory=dict)
    scrutiny_groups: dict[str, str] = field(default_factory=dict)  # area -> group name
    # areas whose overlay is an example, not the area's real policy
    illustrative: frozenset[str] = frozenset()
    # where the config came from: readers judge cases again by the rules it holds
    config_dir: Path = Path("area_configs")

    @property
    def stage_order(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.stages)

    @property
    def closed_stages(self) -> frozenset[str]:
        return frozenset(s.id for s in self.stages if s.closed)

    def template(self, area: str) -> Template:
        return self.templates.get(area, self.national)

    def calendar(self, area: str) -> WorkingCalendar:
        """The area's working days: England and Wales plus its extra non-working days."""
        extra: frozenset[date] = self.template(area).extra_non_working_days
        return calendar_for(frozenset(extra))

    def step_order(self) -> list[str]:
        """National steps in framework order, then local steps by first appearance."""
        order = [s.id for s in self.national.steps]
        for area in sorted(self.templates):
            order += [s.id for s in self.templates[area].steps if s.id not in order]
        return order

    def variant(self, area: str, step_id: str) -> str:
        """How `area` treats `step_id` relative to the national floor (contract §6)."""
        if area in self.variants:
            return self.variants[area].get(step_id) or "absent"
        return "inherited" if step_id in self._national_steps else "absent"

    @cached_property
    def _national_steps(self) -> frozenset[str]:
        return frozenset(s.id for s in self.national.steps)

    def areas_of_cps(self, cps_area: str) -> list[str]:
        return sorted(a for a, cps in self.cps_of.items() if cps_area in cps)


def facts_from(config: ConfigSet) -> Facts:
    """Facts from a loaded config set; the variants are the config's own comparison."""
    variants = compare.matrix(config).cells
    return Facts(
        stages=tuple(config.stages),
        area_names={a: info.name for a, info in config.register.items()},
        cps_of={a: tuple(info.cps_areas) for a, info in config.register.items()},
        cps_names=dict(config.cps_areas),
        national=config.national,
        templates=dict(config.templates),
        variants=variants,
        scrutiny_groups={area: built.overlay.scrutiny_group.name
                         for area, built in config.built.items() if built.overlay is not None},
        illustrative=frozenset(area for area, built in config.built.items()
                               if built.overlay is not None and built.overlay.illustrative),
        config_dir=config.config_dir,
    )
