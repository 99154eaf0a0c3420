"""What is known about a case at an instant: its facts, stage, consent and preferences.

The evaluator walks a case's events in time order and updates one `CaseState`; every
condition is judged against the state *as of* the instant in question (contract §4.4).
"""

from __future__ import annotations

from typing import Any

from engine.evaluate.compiled import CompiledStages
from engine.events import Event


class CaseState:
    __slots__ = ("facts", "stage", "consent", "preferences", "area", "stages", "preference_type")

    def __init__(
        self, stages: CompiledStages, preference_type: str = "complainant.preferences_recorded"
    ):
        self.facts: dict[str, Any] = {}
        self.stage = "reported"
        self.consent: dict[str, bool] = {}
        self.preferences: dict[str, Any] = {}
        self.area: str | None = None
        self.stages = stages
        self.preference_type = preference_type

    def apply(self, e: Event) -> None:
        """Fold one event (in evaluation order) into the state."""
        t = e.type
        if self.area is None:
            self.area = e.area
        if t == "case.reported":
            self.facts.update(e.data)
        elif t == "consent.recorded":
            self.consent[e.data["scope"]] = e.data["granted"]
        elif t == self.preference_type:
            self.preferences.update(e.data)
        elif t == "case.transferred":
            self.area = e.data["to_area"]
        rules = self.stages.by_type.get(t)
        if rules:
            for matcher, stage in rules:
                if matcher.test(e):
                    self.stage = stage
                    break

    def case_fact(self, name: str) -> Any:
        if name == "stage":
            return self.stage
        if name == "area":
            return self.area
        return self.facts.get(name)
