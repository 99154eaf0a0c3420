"""The pure evaluator: events and rules in, stage and step instances out (contract §4)."""

from engine.evaluate.area import evaluate_area
from engine.evaluate.case import evaluate_case
from engine.evaluate.instance import Basis, CaseResult, Instance
from engine.evaluate.stages import stage_entry

__all__ = ["Basis", "CaseResult", "Instance", "evaluate_area", "evaluate_case",
           "stage_entry"]
