"""A recurring step whose shape differs between the templates in play (an overlay that
removes it, another that changes what pauses and stops it, from dates inside the cohort)
is not judged as columns: the batch engine hands its series to the per-case engine. No
shipped configuration does this, so these tests build one, and hold the batch engine to
the per-case engine on it, as the differential test does on the shipped one."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from engine.batch.evaluate import evaluate_batch
from engine.batch.series import columnar
from engine.config import ConfigSet, load_config
from engine.evaluate.compiled import CompiledStep, CompiledTemplate, compile_history
from engine.events import Event, parse_event
from engine.simulate import CohortSpec, FailureRates, StepRates, write_cohort
from tests.batch.differential import batch_rows, compare
from tests.batch.streams import streams

ROOT = Path(__file__).resolve().parents[2]
STEP = "police_regular_update"
HEAD = """\
area: {area}
name: {name}
cps_area: {cps}
framework_version: "2026.1"
effective_from: {start}
spocs:
  police: {{team: RASSO desk, mailbox: rasso@police.example}}
  cps: {{team: RASSO unit, mailbox: rasso@cps.example}}
  isva: {{team: ISVA service, mailbox: isva@support.example}}
scrutiny_group: {{name: Rape Scrutiny Panel}}
"""
DEROGATION = """\
      justification: A pilot tracked in another system.
      approved_by: Chief Constable
      expires: 2027-03-31
"""
OVERLAYS = {
    "essex": HEAD.format(area="essex", name="Essex", cps="east-of-england",
                         start="2026-04-01")
    + f"disabled:\n  - step: {STEP}\n    derogation:\n" + DEROGATION,
    "kent": HEAD.format(area="kent", name="Kent", cps="south-east", start="2026-06-01")
    + f"steps:\n  {STEP}:\n"
    + "    stop_stages: [awaiting_charging_decision, charged, pre_trial, concluded]\n"
    + "    pause: {type: complainant.needs_assessed}\n    derogation:\n"
    + DEROGATION,
}
AREAS = ("essex", "kent", "bedfordshire")


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> ConfigSet:
    root = tmp_path_factory.mktemp("cfg") / "area_configs"
    shutil.copytree(ROOT / "area_configs" / "national", root / "national")
    (root / "areas").mkdir()
    for stem, text in OVERLAYS.items():
        (root / "areas" / f"{stem}.yaml").write_text(text, encoding="utf-8")
    return load_config(root)


def _versions(config: ConfigSet, areas: tuple[str, ...]
              ) -> tuple[list[CompiledStep], list[CompiledTemplate]]:
    rules = config.rules()
    keyed = [ct for a in areas for ct in compile_history(rules.history(a)).compiled]
    return [cs for ct in keyed for cs in ct.recurring if cs.step.id == STEP], keyed


def test_the_step_is_columnar_in_the_shipped_config_but_not_here(config: ConfigSet) -> None:
    shipped = load_config(ROOT / "area_configs")
    assert columnar(STEP, *_versions(shipped, ("kent", "west-yorkshire", "bedfordshire")))
    assert not columnar(STEP, *_versions(config, ("essex", "bedfordshire")))
    assert not columnar(STEP, *_versions(config, ("kent",)))


def test_cohort_across_the_changed_and_removed_series(config: ConfigSet, tmp_path: Path
                                                      ) -> None:
    rates = FailureRates(default=StepRates(missed=0.3, late=0.4),
                         steps={STEP: StepRates(missed=0.3, late=0.4)})
    spec = CohortSpec(AREAS, 600, seed=21, years=1.5, rates=rates)
    write_cohort(spec, config, tmp_path)
    with open(tmp_path / "events.jsonl", encoding="utf-8") as fh:
        events = [parse_event(json.loads(line), config.vocabulary, n)
                  for n, line in enumerate(fh, start=1)]
    rules = config.rules()
    got = batch_rows(evaluate_batch(rules, events, spec.as_of))
    series = {(r[0].split("-")[0], r[5]) for r in got if r[1] == STEP}
    assert {s for _, s in series} >= {"met", "late", "cancelled"}
    assert compare(rules, events, spec.as_of) == []


@pytest.mark.slow  # CI runs it (`make test`); `make test-fast` does not
@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(stream=streams(load_config(ROOT / "area_configs"), list(AREAS)))
def test_generated_streams(config: ConfigSet, stream: tuple[list[Event], datetime]) -> None:
    events, as_of = stream
    assert compare(config.rules(), events, as_of) == []
