"""The evaluator finds exactly the failures the generator injected (issue 4, item 5)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from engine.config import ConfigSet
from engine.simulate import CohortSpec, CohortSummary, FailureRates, resolve_areas, write_cohort
from tests.simulate.truth import found, truth


def _diff(out: Path, config: ConfigSet) -> tuple[set, set, set]:
    f, t = found(out, config), truth(out)
    return f, t, (f - t) | (t - f)


def test_overlay_cohort_precision_and_recall_are_one(overlay_cohort: CohortSummary,
                                                    config: ConfigSet) -> None:
    f, t, difference = _diff(overlay_cohort.out, config)
    assert sorted(difference, key=str)[:10] == []
    assert f == t
    assert overlay_cohort.unintended == 0
    # every kind of failure, every overlay area and the area-level cadence are exercised
    kinds = Counter(k[4] for k in t)
    assert set(kinds) == {"missed", "late", "violated"}
    steps = {k[2] for k in t}
    assert {"police_regular_update", "no_contact_by_unsafe_channel",
            "no_isva_sharing_without_consent", "police_inform_arrest",
            "wcu_inform_hearing", "scrutiny_group_meets"} <= steps
    assert len(t) == overlay_cohort.truth


def test_national_areas_precision_and_recall_are_one(config: ConfigSet, tmp_path: Path) -> None:
    spec = CohortSpec(resolve_areas("all", config), 2500, seed=43, years=6)
    summary = write_cohort(spec, config, tmp_path)
    f, t, difference = _diff(tmp_path, config)
    assert sorted(difference, key=str)[:10] == []
    assert len(t) == summary.truth > 0


@pytest.mark.parametrize("seed", [1, 2])
def test_without_injected_failures_nothing_is_flagged(config: ConfigSet, tmp_path: Path,
                                                      seed: int) -> None:
    spec = CohortSpec(resolve_areas("overlays", config), 1500, seed=seed,
                      rates=FailureRates.none())
    summary = write_cohort(spec, config, tmp_path)
    assert summary.failures == {}
    assert (tmp_path / "truth.jsonl").read_text() == ""
    assert found(tmp_path, config) == set()


def test_rates_per_step_and_area_steer_the_failures(config: ConfigSet, tmp_path: Path) -> None:
    rates = FailureRates.from_mapping({
        "default": {"missed": 0.0, "late": 0.0, "violated": 0.0},
        "steps": {"police_inform_arrest": {"missed": 0.5, "late": 0.5, "violated": 0.0},
                  "police_regular_update": {"missed": 0.0, "late": 0.0, "violated": 0.0},
                  "no_isva_sharing_without_consent": {"missed": 0, "late": 0, "violated": 0},
                  "no_contact_by_unsafe_channel": {"missed": 0, "late": 0, "violated": 0},
                  "scrutiny_group_meets": {"missed": 0, "late": 0, "violated": 0}},
        "areas": {"kent": 1.0, "lancashire": 0.0},
    })
    spec = CohortSpec(("kent", "lancashire"), 1500, seed=5, rates=rates)
    write_cohort(spec, config, tmp_path)
    t = truth(tmp_path)
    assert {k[2] for k in t} == {"police_inform_arrest"}
    assert {k[0].split("-")[0] for k in t if k[0]} == {"KE"}
    assert {k[4] for k in t} == {"missed", "late"}
    assert found(tmp_path, config) == t


@pytest.mark.slow
@pytest.mark.parametrize("as_of", ["2026-03-29T01:30:00+00:00",   # the March clock change
                                   "2026-10-25T01:30:00+00:00",   # the October one
                                   "2026-12-25T09:00:00+00:00",   # a bank holiday
                                   "2026-04-01T00:00:00+01:00",   # the overlays take effect
                                   "2027-03-09T12:00:00+00:00"])  # after an area's own holiday
def test_exact_at_awkward_instants(config: ConfigSet, tmp_path: Path, as_of: str) -> None:
    from datetime import datetime

    spec = CohortSpec(resolve_areas("overlays", config), 1200, seed=len(as_of) + int(as_of[5:7]),
                      years=2.5, as_of=datetime.fromisoformat(as_of))
    write_cohort(spec, config, tmp_path)
    f, t, difference = _diff(tmp_path, config)
    assert sorted(difference, key=str)[:10] == []


@pytest.mark.slow
def test_exact_when_failures_are_frequent(config: ConfigSet, tmp_path: Path) -> None:
    """High rates make failures meet each other: a late contact beside a missed one, a
    violation on a late contact, consecutive late gaps."""
    from engine.simulate import StepRates

    often = StepRates(missed=0.3, late=0.4, violated=0.5)
    rates = FailureRates(default=often, steps={}, areas={a: 1.0 for a in config.register})
    spec = CohortSpec(resolve_areas("all", config), 1500, seed=501, years=4, rates=rates)
    summary = write_cohort(spec, config, tmp_path)
    f, t, difference = _diff(tmp_path, config)
    assert sorted(difference, key=str)[:10] == []
    assert summary.failures["missed"] > 1000 and summary.unintended == 0
