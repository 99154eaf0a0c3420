"""The cohort's funnel and durations match the configured calibration.

Durations are measured on cases reported long enough before `as_of` (seven years and
more) that censoring cannot bias them; tolerances are about three standard errors at
these sample sizes.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field

import pytest

from engine.config import ConfigSet
from engine.simulate import Calibration, CohortSpec, Generator, resolve_areas
from engine.simulate.draft import DAY, CaseDraft

CAL = Calibration()


@dataclass
class Funnel:
    cases: list[CaseDraft] = field(default_factory=list)
    old: list[CaseDraft] = field(default_factory=list)


def _first(case: CaseDraft, type_: str, **data: object) -> int | None:
    for ev in case.of_type(type_):
        if all(ev.data.get(k) == v for k, v in data.items()):
            return ev.ts
    return None


@pytest.fixture(scope="module")
def funnel(config: ConfigSet) -> Funnel:
    spec = CohortSpec(resolve_areas("all", config), 16000, seed=77, years=12)
    gen = Generator(spec, config)
    out = Funnel()
    cutoff = gen.as_of - 7 * 365 * DAY
    for i in range(spec.cases):
        case = gen.case(i)
        for ev in case.events:
            ev.eid = str(ev.seq)
        out.cases.append(case)
        if case.events[0].ts < cutoff:
            out.old.append(case)
    return out


def _charged(f: Funnel) -> list[tuple[CaseDraft, int]]:
    out = []
    for c in f.old:
        t = _first(c, "cps.charging_decision", outcome="charge")
        if t is not None:
            out.append((c, t))
    return out


def test_case_mix(funnel: Funnel) -> None:
    mix = Counter(c.offence for c in funnel.cases)
    n = len(funnel.cases)
    for offence, share in CAL.offence_mix.items():
        assert abs(mix[offence] / n - share) < 0.015, offence
    child = sum(c.age == "child" for c in funnel.cases) / n
    assert abs(child - CAL.child_share) < 0.015


def test_referral_early_advice_and_charge_share(funnel: Funnel) -> None:
    rapes = [c for c in funnel.old if c.offence == "rape"]
    referred = [c for c in rapes if c.of_type("police.file_submitted")]
    assert abs(len(referred) / len(rapes) - 0.05) < 0.012
    every = [c for c in funnel.old if c.of_type("police.file_submitted")]
    ea = sum(bool(c.of_type("police.early_advice_requested")) for c in every) / len(every)
    assert abs(ea - CAL.early_advice_share) < 0.05
    decisions = [e.data["outcome"] for c in funnel.old for e in c.of_type("cps.charging_decision")]
    assert abs(decisions.count("charge") / len(decisions) - 0.70) < 0.04


def test_report_to_charge_and_charge_to_completion(funnel: Funnel) -> None:
    to_charge = [(t - c.events[0].ts) / DAY for c, t in _charged(funnel)]
    assert abs(statistics.median(to_charge) / 420 - 1) < 0.10
    assert max(to_charge) > 2 * 420  # a heavy tail
    to_done = []
    for c, t in _charged(funnel):
        ends = [e.ts for e in c.of_type("court.verdict")] + \
               [e.ts for e in c.of_type("court.plea") if e.data["plea"] == "guilty"]
        if ends:
            to_done.append((min(ends) - t) / DAY)
    assert abs(statistics.median(to_done) / 400 - 1) < 0.10
    assert max(to_done) > 2 * 400


def test_police_closures_mostly_outcome_16(funnel: Funnel) -> None:
    codes = [e.data["outcome_code"] for c in funnel.cases for e in c.of_type("police.nfa")]
    share = codes.count(16) / len(codes)
    assert share > 0.5 and abs(share - CAL.outcome_mix[16]) < 0.02


def test_withdrawal_after_charge_and_isva_effect(funnel: Funnel) -> None:
    charged = _charged(funnel)
    withdrew = {id(c) for c, t in charged
                if any(e.ts > t for e in c.of_type("complainant.withdrew"))}
    assert abs(len(withdrew) / len(charged) - CAL.post_charge_withdrawal) < 0.05
    with_isva = [c for c, _ in charged if c.of_type("isva.assigned")]
    without = [c for c, _ in charged if not c.of_type("isva.assigned")]
    rate_with = sum(id(c) in withdrew for c in with_isva) / len(with_isva)
    rate_without = sum(id(c) in withdrew for c in without) / len(without)
    assert rate_with < rate_without


def test_trial_dates_change_in_about_half(funnel: Funnel) -> None:
    tried = [c for c, _ in _charged(funnel)
             if c.of_type("court.verdict") and not any(e.data["result"] == "hung"
                                                      for e in c.of_type("court.verdict"))]
    changed = [c for c in tried if sum(e.data["hearing"] == "trial"
                                       for e in c.of_type("court.hearing_listed")) >= 2]
    assert abs(len(changed) / len(tried) - 0.48) < 0.08


def test_preferences_consent_pauses_reviews_and_custody(funnel: Funnel) -> None:
    granted = Counter(e.data["granted"] for c in funnel.cases
                      for e in c.of_type("consent.recorded")
                      if e.data["scope"] == "share_with_isva")
    assert granted[True] > granted[False] > 0
    welsh_forces = {"north-wales", "dyfed-powys", "south-wales", "gwent"}
    langs: dict[bool, Counter[str]] = {True: Counter(), False: Counter()}
    for c in funnel.cases:
        for e in c.of_type("complainant.preferences_recorded"):
            if "language" in e.data:
                langs[c.area in welsh_forces][e.data["language"]] += 1
    assert langs[True]["cy"] > 0 and langs[False]["cy"] == 0
    assert sum(bool(c.of_type("complainant.contact_paused")) for c in funnel.cases) > 0
    assert sum(bool(c.of_type("vrr.requested")) for c in funnel.cases) > 0
    custody = [e.data["custody_months"] for c in funnel.cases for e in c.of_type("court.sentenced")]
    assert sum(m >= 12 for m in custody) / len(custody) > 0.4


def test_open_cases_at_every_stage(config: ConfigSet) -> None:
    from engine.simulate.view import CaseTimeline, StageIndex

    spec = CohortSpec(resolve_areas("overlays", config), 3000, seed=3)
    gen = Generator(spec, config)
    index = StageIndex(config.stages)
    stages = Counter(CaseTimeline(gen.case(i), index).stage.at(gen.as_of, "reported")
                     for i in range(spec.cases))
    assert set(stages) == {r.id for r in config.stages} - {"closed_other"}
    open_ = sum(n for s, n in stages.items()
                if s in {"reported", "investigation", "awaiting_charging_decision", "charged",
                         "pre_trial"})
    assert open_ > 0.2 * spec.cases
