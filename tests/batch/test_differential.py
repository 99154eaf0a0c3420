"""One semantics, two engines: the batch evaluator gives exactly the per-case engine's
instances — (case, step, trigger, due, satisfied_by, status) and owner, severity,
version, trigger instant, plus every case's stage and area — on the golden scenarios
against every overlay, on simulator cohorts and on hypothesis-generated streams."""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from engine.batch import evaluate_batch
from engine.events import Event, parse_event, parse_timestamp
from engine.simulate import CohortSpec, FailureRates, StepRates, resolve_areas, write_cohort
from tests.batch.differential import batch_rows, compare, reference_results, reference_rows
from tests.batch.streams import streams
from tests.evaluate.test_scenarios import ALL, CONFIG, TARGETS, _events

RULES = CONFIG.rules()


def test_golden_scenarios_against_every_overlay() -> None:
    by_as_of: dict[str, list[Event]] = defaultdict(list)
    for n, sc in enumerate(ALL):
        for area in TARGETS:
            evs = [dataclasses.replace(e, case_id=f"S{n}-{area}") for e in _events(sc, area)]
            for check in sc["checks"]:
                by_as_of[check["as_of"]].extend(evs)
    compared = 0
    for text, events in sorted(by_as_of.items()):
        as_of = parse_timestamp(text)
        assert compare(RULES, events, as_of) == [], text
        compared += sum(reference_rows(reference_results(RULES, events, as_of)).values())
    assert compared > 2000  # the scenarios do produce instances to compare


def _cohort(tmp_path: Path, spec: CohortSpec) -> list[Event]:
    write_cohort(spec, CONFIG, tmp_path)
    with open(tmp_path / "events.jsonl", encoding="utf-8") as fh:
        return [parse_event(json.loads(line), CONFIG.vocabulary, n)
                for n, line in enumerate(fh, start=1)]


HIGH = FailureRates(default=StepRates(missed=0.3, late=0.4, violated=0.5),
                    steps={"police_regular_update": StepRates(missed=0.3, late=0.4)})


@pytest.mark.parametrize(
    ("name", "spec"),
    [
        ("overlays", CohortSpec(resolve_areas("overlays", CONFIG), 1500, seed=14)),
        ("high failure rates", CohortSpec(resolve_areas("overlays", CONFIG), 800, seed=15,
                                          rates=HIGH)),
        ("national, six years", CohortSpec(resolve_areas("all", CONFIG), 800, seed=16,
                                           years=6)),
    ],
)
def test_simulator_cohorts(tmp_path: Path, name: str, spec: CohortSpec) -> None:
    events = _cohort(tmp_path, spec)
    assert any(e.type == "case.transferred" for e in events)
    ref = reference_rows(reference_results(RULES, events, spec.as_of))
    assert {r[5] for r in ref} >= {"met", "late", "missed", "violated"}
    assert compare(RULES, events, spec.as_of) == []


@pytest.mark.parametrize("as_of", ["2026-03-29T01:30:00+00:00",   # the March clock change
                                   "2026-10-25T01:30:00+00:00",   # the October one
                                   "2026-12-25T09:00:00+00:00",   # a bank holiday
                                   "2026-04-01T00:00:00+01:00"])  # overlays take effect
def test_cohort_at_clock_changes_and_bank_holidays(tmp_path: Path, as_of: str) -> None:
    spec = CohortSpec(resolve_areas("overlays", CONFIG), 400, seed=17,
                      as_of=datetime.fromisoformat(as_of), rates=HIGH)
    events = _cohort(tmp_path, spec)
    assert compare(RULES, events, spec.as_of) == []


def test_south_wales_breaks_the_welsh_language_rule(tmp_path: Path) -> None:
    spec = CohortSpec(("south-wales",), 600, seed=18,
                      rates=FailureRates(steps={"welsh_language_respected":
                                                StepRates(violated=0.5)}))
    events = _cohort(tmp_path, spec)
    got = batch_rows(evaluate_batch(RULES, events, spec.as_of))
    assert sum(n for r, n in got.items()
               if r[1] == "welsh_language_respected" and r[5] == "violated") > 0
    assert compare(RULES, events, spec.as_of) == []


AREAS = ["bedfordshire", *sorted(CONFIG.templates)]


@pytest.mark.slow  # 2,000 examples: CI runs it (`make test`); `make test-fast` does not
@settings(max_examples=2000, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(streams(CONFIG, AREAS))
def test_generated_streams(stream: tuple[list[Event], datetime]) -> None:
    events, as_of = stream
    assert compare(RULES, events, as_of) == []
