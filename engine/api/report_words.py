"""Report tables in words: column headings and cells of the board and the national
comparison as people say them (stage labels, step titles, area and agency names), with
the id kept as the data attribute."""

from __future__ import annotations

from typing import Any

from engine.reports import Facts, Words, words

HEADINGS = {"area": "Area", "cps_area": "CPS Area", "stage": "Stage", "step": "Step",
            "owner": "Agency", "cases": "Cases", "median_wd": "Median (working days)",
            "p90_wd": "90th percentile (working days)", "total": "Total",
            "missed": "Missed", "due_soon": "Due soon", "variant": "Difference from national",
            "due": "Due", "met": "Met on time", "late": "Late", "rate": "Rate met on time",
            "ci_low": "95% interval, low", "ci_high": "95% interval, high",
            "violated": "Violated", "justification": "Justification",
            "approved_by": "Approved by", "expires": "Expires", "state": "State"}


class TableWords:
    def __init__(self, facts: Facts, w: Words):
        self.facts, self.w = facts, w
        self.stages = set(facts.stage_order)
        self.steps = set(facts.step_order())

    def heading(self, column: str) -> str:
        if column in self.stages:
            return self.w.stage(column)
        if column in self.steps:
            return self.w.step(column)
        if column.startswith("median_wd_"):
            return "Median working days, " + column.removeprefix("median_wd_").replace("_", " ")
        return HEADINGS.get(column, words.plain(column))

    def cell(self, column: str, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if column == "area":
            return self.facts.area_names.get(value, value)
        if column == "cps_area":
            return self.facts.cps_names.get(value, value)
        if column == "owner":
            return words.agency(value)
        if column == "stage":
            return self.w.stage(value)
        if column == "step":
            return self.w.step(value)
        return value
