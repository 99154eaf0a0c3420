"""Step instances: the evaluator's verdicts, with their contract §9 JSON form.

The explanation is built on first access: the sweep and benchmarks evaluate far more
instances than anyone reads, and the text needs only what the instance already holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.calendar import LONDON
from engine.evaluate.basis import Basis as Basis  # re-exported: instances carry one
from engine.terms import Status


class Instance:
    """One occurrence of a step in a case (or, for area-level steps, an area)."""

    __slots__ = (
        "step",
        "status",
        "trigger_event",
        "due",
        "satisfied_by",
        "owner",
        "severity",
        "version",
        "trigger_at",
        "area",
        "order",
        "basis",
        "_explanation",
    )

    def __init__(
        self,
        step: str,
        status: Status,
        trigger_event: str | None,
        due: datetime | None,
        satisfied_by: str | None,
        owner: str,
        severity: str,
        version: str,
        trigger_at: datetime,
        order: int,
        basis: Basis,
        area: str | None = None,
    ):
        self.step = step
        self.status = status
        self.trigger_event = trigger_event
        self.due = due
        self.satisfied_by = satisfied_by
        self.owner = owner
        self.severity = severity
        self.version = version
        self.trigger_at = trigger_at
        self.order = order
        self.basis = basis
        self.area = area
        self._explanation: str | None = None

    @property
    def explanation(self) -> str:
        if self._explanation is None:
            from engine.evaluate.explain import explain

            self._explanation = explain(self)
        return self._explanation

    @property
    def due_local(self) -> str | None:
        """`due` as RFC 3339 in Europe/London local time with its offset."""
        return None if self.due is None else self.due.astimezone(LONDON).isoformat()

    def to_json(self) -> dict[str, Any]:
        """The contract §9 shape (plus `area` for area-level instances)."""
        out: dict[str, Any] = {}
        if self.area is not None:
            out["area"] = self.area
        out.update(
            step=self.step,
            status=str(self.status),
            trigger_event=self.trigger_event,
            due=self.due_local,
            satisfied_by=self.satisfied_by,
            owner=self.owner,
            severity=self.severity,
            explanation=self.explanation,
        )
        return out

    def __repr__(self) -> str:
        return (
            f"Instance({self.step}, {self.status}, trigger={self.trigger_event}, "
            f"due={self.due_local}, satisfied_by={self.satisfied_by})"
        )


@dataclass(frozen=True, slots=True)
class CaseResult:
    """A case's stage and every step instance, as of the evaluation instant."""

    case_id: str
    area: str
    stage: str
    instances: list[Instance]

    def to_json(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "area": self.area,
            "stage": self.stage,
            "instances": [i.to_json() for i in self.instances],
        }
