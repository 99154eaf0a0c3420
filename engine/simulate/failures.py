"""How often the cohort's liaison steps fail, per step and per area.

Every step instance the templates open is done on time unless the generator draws a
failure for it: `missed` (never done, the deadline passed before `as_of`), `late` (done
after the deadline) or, for a prohibition, `violated`. The rates are data so that a test
or a benchmark can ask for a cohort with more or fewer failures in one step or one area.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class StepRates:
    """Probabilities per eligible instance: missed, late; or violated for a prohibition
    (per eligible case)."""

    missed: float = 0.03
    late: float = 0.05
    violated: float = 0.01


@dataclass(frozen=True)
class FailureRates:
    """The default rates, per-step overrides and a multiplier per area.

    An area without an entry in `areas` gets a stable multiplier between 0.6 and 1.6 drawn
    from its id, so that areas differ in the demo without anyone choosing a ranking.
    """

    default: StepRates = field(default_factory=StepRates)
    steps: Mapping[str, StepRates] = field(default_factory=lambda: {
        "no_isva_sharing_without_consent": StepRates(violated=0.01),
        "no_contact_by_unsafe_channel": StepRates(violated=0.02),
        "scrutiny_group_meets": StepRates(missed=0.05, late=0.15),
        "police_regular_update": StepRates(missed=0.01, late=0.03),
    })
    areas: Mapping[str, float] = field(default_factory=dict)

    def area_factor(self, area: str) -> float:
        given = self.areas.get(area)
        if given is not None:
            return given
        return 0.6 + (zlib.crc32(area.encode()) % 1001) / 1000.0

    def for_step(self, step: str, area: str) -> StepRates:
        base = self.steps.get(step, self.default)
        k = self.area_factor(area)
        return StepRates(min(base.missed * k, 1.0), min(base.late * k, 1.0),
                         min(base.violated * k, 1.0))

    @classmethod
    def none(cls) -> FailureRates:
        """No injected failures at all: every instance is done on time."""
        zero = StepRates(0.0, 0.0, 0.0)
        return cls(default=zero, steps={}, areas={})

    @classmethod
    def from_mapping(cls, doc: Mapping[str, Any]) -> FailureRates:
        """From a JSON/YAML document: {default: {...}, steps: {id: {...}}, areas: {id: k}}."""
        base = cls()
        default = StepRates(**doc["default"]) if "default" in doc else base.default
        steps = dict(base.steps)
        steps.update({k: StepRates(**v) for k, v in (doc.get("steps") or {}).items()})
        areas = {k: float(v) for k, v in (doc.get("areas") or {}).items()}
        return cls(default=default, steps=steps, areas=areas)
