"""The simulator exercises every feature of the rules: some cases move to another force
(`case.transferred`), and the Welsh-language local prohibition is broken on purpose."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime

from engine.config import ConfigSet
from engine.evaluate import evaluate_case
from engine.simulate import CohortSummary
from tests.simulate.truth import read_cohort, truth


def test_some_cases_move_force_after_their_last_event(overlay_cohort: CohortSummary,
                                                      config: ConfigSet) -> None:
    cases, _, manifest = read_cohort(overlay_cohort.out, config)
    moved = {cid: evs for cid, evs in cases.items()
             if any(e.type == "case.transferred" for e in evs)}
    assert 40 <= len(moved) <= 200  # about 2% of 5,000
    as_of = datetime.fromisoformat(manifest["as_of"])
    rules = config.rules()
    for evs in list(moved.values())[:25]:
        last = max(evs, key=lambda e: e.sort_key)
        assert last.type == "case.transferred"
        assert last.data["to_area"] != last.area
        assert last.data["to_area"] in manifest["areas"]
        assert evaluate_case(rules, evs, as_of).area == last.data["to_area"]


def test_the_welsh_language_rule_is_broken_on_purpose(overlay_cohort: CohortSummary) -> None:
    kinds = Counter((t[2], t[4]) for t in truth(overlay_cohort.out))
    assert kinds[("welsh_language_respected", "violated")] > 0
    lines = (overlay_cohort.out / "truth.jsonl").read_text().splitlines()
    welsh = [json.loads(x) for x in lines if "welsh_language_respected" in x]
    assert all(t["case_id"].startswith("SW") for t in welsh)
