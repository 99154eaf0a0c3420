"""Outcomes beside compliance: attrition by stage and the association between on-time key
steps and later withdrawal, against the events and against cohorts with a known effect."""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from engine.calendar import calendar_for, end_of_day, local_date
from engine.config import load_config
from engine.ingest import ingest_paths
from engine.reports import disclosure
from engine.reports.association import Stratum, mantel_haenszel
from engine.reports.national import build_national
from engine.reports.outcomes import gather
from engine.reports.quarter import Quarter
from engine.reports.scrutiny import build_scrutiny
from engine.simulate import CohortSpec, write_cohort
from engine.simulate.calibration import Calibration
from engine.simulate.failures import FailureRates, StepRates
from engine.spec import Deadline, Unit
from engine.store.db import engine_for, reading
from engine.store.migrate import upgrade
from engine.sweep import run_sweep
from tests.reports.cohort import AS_OF

TWO_WD = Deadline(within=2, unit=Unit.working_days)
STOPS = {"police.nfa", "complainant.withdrew", "court.hearing_listed", "court.plea",
         "court.verdict", "cps.case_discontinued"}


def test_mantel_haenszel_against_a_worked_example() -> None:
    rr = mantel_haenszel([Stratum(10, 100, 20, 100), Stratum(5, 50, 15, 150)])
    assert rr is not None
    assert (round(rr.estimate, 5), round(rr.low, 4), round(rr.high, 4)) == (0.63636, 0.3629,
                                                                              1.1158)
    assert mantel_haenszel([Stratum(0, 10, 0, 10)]) is None
    assert mantel_haenszel([Stratum(3, 10, 0, 0)]) is None


def _direct(events_file: Path) -> tuple[Counter[str], dict[str, list[int]]]:
    """Withdrawals per area, and the association's four counts per area, straight from
    the events (the cohort's cases have no transfers, pauses or preferences of interval)."""
    cases: dict[str, list[dict]] = {}  # type: ignore[type-arg]
    for line in events_file.read_text().splitlines():
        e = json.loads(line)
        if e.get("case_id"):
            cases.setdefault(e["case_id"], []).append(e)
    withdrew: Counter[str] = Counter()
    strata: dict[str, list[int]] = {}
    cal = calendar_for(frozenset())
    for evs in cases.values():
        evs.sort(key=lambda e: (e["at"], e["event_id"]))
        at = {e["event_id"]: datetime.fromisoformat(e["at"]) for e in evs}
        area = evs[0]["area"]
        report = next(at[e["event_id"]] for e in evs if e["type"] == "case.reported")
        w = next((at[e["event_id"]] for e in evs if e["type"] == "complainant.withdrew"), None)
        withdrew[area] += w is not None
        decided: list[tuple[str, datetime]] = []
        for done_type in ("complainant.needs_assessed", "isva.referral_made"):
            due = TWO_WD.due(report, cal)
            done = next((at[e["event_id"]] for e in evs if e["type"] == done_type), None)
            if done is not None:
                decided.append(("met" if done <= due else "late", due))
            elif due < AS_OF:
                decided.append(("missed", due))
        due = end_of_day(local_date(report) + timedelta(days=28))
        told = next((at[e["event_id"]] for e in evs if e["type"] == "complainant.informed"),
                    None)
        stop = next((at[e["event_id"]] for e in evs if e["type"] in STOPS
                     or (e["type"] == "cps.charging_decision")), None)
        if told is not None and (stop is None or told <= stop):
            decided.append(("met" if told <= due else "late", due))
        elif (stop is not None and stop > due) or (stop is None and due < AS_OF):
            decided.append(("missed", due))
        if not decided or (w is not None and w <= max(d for _, d in decided)):
            continue
        cell = strata.setdefault(area, [0, 0, 0, 0])
        k = 0 if all(s == "met" for s, _ in decided) else 2
        cell[k] += w is not None
        cell[k + 1] += 1
    return withdrew, strata


def test_attrition_and_association_equal_the_events(store) -> None:  # type: ignore[no-untyped-def]
    withdrew, strata = _direct(store.events_file)
    with reading(store.engine) as conn:
        oc = gather(conn, store.facts, sorted(store.facts.area_names))
    assert {a: sum(n for (aa, _s), n in oc.withdrew_at.items() if aa == a)
            for a in withdrew} == dict(withdrew)
    assert set(oc.stages) == {"reported"}  # the cohort's complainants withdraw before arrest
    assert {a: list(v) for a, v in oc.strata.items() if any(v)} == strata
    report = build_national(store.engine, store.facts, suppress=False)
    rows = {r[0]: r for r in report.table("association").rows}
    pooled = mantel_haenszel([Stratum(*v) for v in strata.values()])
    assert pooled is not None
    assert rows["all areas (Mantel-Haenszel, stratified by area)"][5:] == (
        round(pooled.estimate, 4), round(pooled.low, 4), round(pooled.high, 4))
    attrition = {r[0]: r for r in report.table("attrition").rows}
    assert attrition["kent"][1:3] == (40, withdrew["kent"])
    assert "association, not a cause" in report.data["association"]["label"].lower()


def test_outcomes_are_in_the_scrutiny_pack_under_suppression(store) -> None:  # type: ignore[no-untyped-def]
    report = build_scrutiny(store.engine, store.facts, "cumbria", Quarter(2026, 2))
    attrition = report.table("attrition").rows
    assert attrition[0][0] == "cumbria" and attrition[0][1] == disclosure.MARK  # 3 cases
    assert report.table("association").rows[-1][5] is None  # withheld with its counts


def _cohort(root: Path, ratio: float, seed: int) -> tuple[float, float, float]:
    """A cohort whose later withdrawals follow `ratio`, through ingest and sweep; the
    association's pooled rate ratio and interval."""
    config = load_config()
    cal = Calibration().with_overrides({"liaison_withdrawal_ratio": ratio,
                                        "later_withdrawal": 0.4, "post_charge_withdrawal": 0.0,
                                        "outcome16_withdrew": 0.0})
    key = StepRates(missed=0.05, late=0.15)
    rates = FailureRates(steps={"police_needs_assessment": key, "police_refer_to_support": key,
                                "police_regular_update": StepRates(0.0, 0.0, 0.0)},
                         areas={"kent": 1.0, "cumbria": 1.0, "metropolitan": 1.0})
    spec = CohortSpec(("kent", "cumbria", "metropolitan"), 1500, seed, years=2.0,
                      calibration=cal, rates=rates)
    write_cohort(spec, config, root)
    url = f"sqlite:///{root / 'liaison.db'}"
    upgrade(url)
    assert ingest_paths(url, [str(root / "events.jsonl")], actor="test").rejected == 0
    run_sweep(url, as_of=spec.as_of)
    from engine.reports.facts import facts_from

    with reading(engine_for(url)) as conn:
        oc = gather(conn, facts_from(config), ["kent", "cumbria", "metropolitan"])
    rr = mantel_haenszel([Stratum(*s) for s in oc.strata.values()])
    assert rr is not None
    engine_for(url).dispose()
    return rr.estimate, rr.low, rr.high


@pytest.mark.slow
def test_a_known_effect_is_covered_and_a_null_cohort_covers_one(tmp_path: Path) -> None:
    est, low, high = _cohort(tmp_path / "effect", 0.5, 5)
    assert low <= 0.5 <= high and high < 1.0, (est, low, high)
    est, low, high = _cohort(tmp_path / "null", 1.0, 6)
    assert low <= 1.0 <= high, (est, low, high)
    assert math.isfinite(est)
