"""The story of one case: what happened in the investigation, at the CPS and in court.

This layer draws only the case's progress and the complainant's choices (consent,
preferences, pauses, withdrawal, reviews); the liaison layer then adds what the agencies
owed the complainant. Keeping the two apart is what lets every liaison failure be a
deliberate, recorded choice.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from random import Random
from typing import Any, TypeVar

from engine.calendar import LONDON
from engine.simulate.calibration import Calibration, prefix_of
from engine.simulate.draft import DAY, HOUR, MINUTE, CaseDraft

K = TypeVar("K")


def pick(rng: Random, mix: Mapping[K, float]) -> K:
    """One key of `mix`, drawn by weight (in the mapping's own, fixed order)."""
    keys = list(mix)
    return rng.choices(keys, weights=[mix[k] for k in keys])[0]


def lognormal_days(rng: Random, median: float, sigma: float) -> float:
    return rng.lognormvariate(math.log(median), sigma) * DAY


def case_reference(area: str, report_ts: int, index: int) -> str:
    """An agency-style reference: area prefix, two-digit year of report, number."""
    year = datetime.fromtimestamp(report_ts, LONDON).year % 100
    return f"{prefix_of(area)}-{year:02d}-{index + 1:06d}"


def _hearing_date(ts: float) -> str:
    return datetime.fromtimestamp(ts, LONDON).date().isoformat()


class Story:
    """Draws one case's story. `start`/`end` bound the report instant; `as_of` cuts it."""

    def __init__(self, cal: Calibration, areas: Sequence[str], start: int, end: int, as_of: int):
        self.cal = cal
        self.areas = list(areas)
        weights = [cal.force_weights.get(a, 1.0) for a in self.areas]
        self.weights = weights
        self.start, self.end, self.as_of = start, end, as_of
        self.base_withdrawal = cal.isva_base_withdrawal()

    def draw(self, rng: Random, index: int) -> CaseDraft:
        cal = self.cal
        area = rng.choices(self.areas, weights=self.weights)[0]
        t0 = self.start + int(rng.random() * (self.end - self.start))
        t0 -= t0 % MINUTE
        offence = pick(rng, cal.offence_mix)
        age = "child" if rng.random() < cal.child_share else "adult"
        case = CaseDraft(index, case_reference(area, t0, index), area, offence, age)
        case.add(t0, "case.reported", "police", {"offence": offence, "complainant_age": age})
        self._complainant(rng, case, t0)
        end_pre_charge = self._investigation(rng, case, t0)
        self._pause_and_changes(rng, case, t0, end_pre_charge)
        case.events = [e for e in case.events if e.ts < self.as_of]
        case.reindex()
        case.pauses = [(p, r if r is not None and r < self.as_of else None)
                       for p, r in case.pauses if p < self.as_of]
        return case

    # --- the complainant ------------------------------------------------------------
    def _complainant(self, rng: Random, case: CaseDraft, t0: int) -> None:
        cal = self.cal
        share = rng.random() < cal.consent_share_with_isva
        t_share = t0 + rng.randint(20, 360) * MINUTE
        case.add(t_share, "consent.recorded", "police",
                 {"scope": "share_with_isva", "granted": share})
        referral = rng.random() < cal.consent_referral
        t_ref = t0 + rng.randint(15, 300) * MINUTE
        if referral:
            case.add(t_ref, "consent.recorded", "police", {"scope": "referral", "granted": True})
            case.has_isva = rng.random() < cal.isva_assigned
        elif rng.random() < cal.referral_declined_event:
            case.add(t_ref, "isva.referral_declined", "police")
        else:
            case.add(t_ref, "consent.recorded", "police", {"scope": "referral", "granted": False})
        if share and rng.random() < cal.consent_withdrawn_later:
            case.add(t0 + rng.uniform(30, 300) * DAY, "consent.recorded", "police",
                     {"scope": "share_with_isva", "granted": False})
        prefs: dict[str, Any] = {"channel": pick(rng, cal.preferred_channel)}
        if rng.random() < cal.interval_recorded:
            prefs["update_interval_days"] = pick(rng, cal.update_interval)
        if case.has_isva and rng.random() < cal.via_isva:
            prefs["via_isva"] = True
        welsh = cal.welsh_share.get(case.area, 0.0)
        u = rng.random()
        prefs["language"] = ("cy" if u < welsh else
                             "pl" if u < welsh + cal.other_language else "en")
        if rng.random() < cal.unsafe_channels:
            others = [c for c in ("letter", "sms", "email", "phone") if c != prefs["channel"]]
            prefs["unsafe_channels"] = [rng.choice(others)]
        case.preferences = prefs

    # --- police, CPS and court --------------------------------------------------------
    def _investigation(self, rng: Random, case: CaseDraft, t0: int) -> int:
        """Adds the investigation and what follows; returns when the pre-charge phase ends."""
        cal = self.cal
        if rng.random() < cal.abe_interview:
            case.add(t0 + rng.uniform(1, 30) * DAY + rng.randint(0, 600) * MINUTE,
                     "police.abe_interview", "police")
        referred = rng.random() < cal.cps_referral[case.offence]
        t_dec = t0 + max(lognormal_days(rng, cal.report_to_charge_median,
                                        cal.report_to_charge_sigma), 40 * DAY)
        last: float = t0 + HOUR
        if referred or rng.random() < cal.suspect_arrested:
            gap = min(lognormal_days(rng, cal.days_to_arrest_median, 1.0), 0.3 * (t_dec - t0))
            last = self._arrest(rng, case, t0 + max(gap, 2 * HOUR))
        if referred:
            return self._cps(rng, case, t0, t_dec, last)
        t_nfa = max(t0 + lognormal_days(rng, cal.police_days_to_nfa_median,
                                        cal.police_days_to_nfa_sigma), last + DAY)
        code = pick(rng, cal.outcome_mix)
        if code == 16 and rng.random() < cal.outcome16_withdrew:
            case.add(max(t_nfa - rng.uniform(1, 20) * DAY, last + HOUR), "complainant.withdrew",
                     "police")
        case.add(t_nfa, "police.nfa", "police", {"outcome_code": code})
        if rng.random() < cal.vrr_police:
            case.add(t_nfa + rng.uniform(5, 60) * DAY, "vrr.requested", "police",
                     {"scheme": "police"})
        return int(t_nfa)

    def _arrest(self, rng: Random, case: CaseDraft, ta: float) -> float:
        cal = self.cal
        case.add(ta, "police.suspect_arrested", "police")
        last = ta
        if rng.random() < cal.suspect_interviewed:
            last = ta + rng.uniform(2, 10) * HOUR
            case.add(last, "police.suspect_interviewed", "police")
        status = pick(rng, cal.release_mix)
        last += rng.uniform(0.5, 4) * HOUR
        case.add(last, "police.suspect_released", "police", {"status": status})
        if status == "bail" and rng.random() < cal.bail_conditions_changed:
            case.add(last + rng.uniform(10, 60) * DAY, "police.bail_conditions_changed", "police")
        return last

    def _cps(self, rng: Random, case: CaseDraft, t0: int, t_dec: float, last: float) -> int:
        cal = self.cal
        span = t_dec - t0
        if rng.random() < cal.early_advice_share:
            case.add(t0 + span * rng.uniform(0.32, 0.45), "police.early_advice_requested", "police")
        first = pick(rng, cal.first_decision_mix)
        if first in ("action_plan", "admin_finalised"):
            case.add(t0 + span * rng.uniform(0.5, 0.55), "police.file_submitted", "police")
            case.add(t0 + span * rng.uniform(0.6, 0.65), "cps.charging_decision", "cps",
                     {"outcome": first})
            case.add(t0 + span * rng.uniform(0.8, 0.9), "police.file_submitted", "police")
            final = "charge" if rng.random() < cal.second_decision_charge else "nfa"
        else:
            case.add(t0 + span * rng.uniform(0.7, 0.9), "police.file_submitted", "police")
            final = first
        case.add(t_dec, "cps.charging_decision", "cps", {"outcome": final})
        if final == "nfa":
            if rng.random() < cal.vrr_cps:
                t = t_dec + rng.uniform(5, 60) * DAY
                case.add(t, "vrr.requested", "cps", {"scheme": "cps"})
                case.add(t + rng.uniform(1, 5) * DAY, "vrr.acknowledged", "cps", {"scheme": "cps"})
                case.add(t + rng.uniform(20, 60) * DAY, "vrr.decided", "cps", {"scheme": "cps"})
        else:
            self._court(rng, case, int(t_dec))
        return int(t_dec)

    def _court(self, rng: Random, case: CaseDraft, tc: int) -> None:
        cal = self.cal
        done = tc + lognormal_days(rng, cal.charge_to_completion_median,
                                   cal.charge_to_completion_sigma)
        done = max(done, tc + 60 * DAY)
        fa = tc + rng.uniform(2, 20) * HOUR
        case.add(fa, "court.hearing_listed", "court",
                 {"hearing": "first_appearance", "hearing_date": _hearing_date(fa + DAY)})
        ptph = fa + DAY + rng.uniform(0.5, 3) * HOUR
        case.add(ptph, "court.hearing_listed", "court",
                 {"hearing": "ptph", "hearing_date": _hearing_date(ptph + 28 * DAY)})
        t_plea = ptph + 28 * DAY + rng.uniform(1, 4) * HOUR
        case.add(t_plea, "court.plea", "court", {"plea": "not_guilty"})
        case.add(t_plea + rng.uniform(1, 3) * HOUR, "court.hearing_listed", "court",
                 {"hearing": "trial", "hearing_date": _hearing_date(done)})
        changes = pick(rng, cal.trial_date_changes)
        if changes:
            lo, hi = t_plea + 7 * DAY, done - 7 * DAY
            for t in sorted(rng.uniform(lo, max(hi, lo + DAY)) for _ in range(changes)):
                moved = done + rng.uniform(-30, 30) * DAY
                case.add(t, "court.hearing_listed", "court",
                         {"hearing": "trial", "hearing_date": _hearing_date(moved)})
        if rng.random() < cal.s28_share:
            t = t_plea + rng.uniform(14, 60) * DAY
            case.add(t, "court.hearing_listed", "court",
                     {"hearing": "s28", "hearing_date": _hearing_date(t + 14 * DAY)})
        if rng.random() < cal.charge_altered_share:
            case.add(tc + (done - tc) * rng.uniform(0.1, 0.8), "cps.charge_altered", "cps",
                     {"substantial": rng.random() < 0.5})
        withdraw = self.base_withdrawal * (cal.isva_withdrawal_ratio if case.has_isva else 1.0)
        if rng.random() < withdraw:
            tw = tc + (done - tc) * rng.uniform(0.1, 0.95)
            self._cut(case, tw)
            case.add(tw, "complainant.withdrew", "wcu")
            if rng.random() < 0.85:
                case.add(tw + rng.uniform(3, 30) * DAY, "cps.case_discontinued", "cps")
            return
        if rng.random() < cal.discontinued_share:
            td = tc + (done - tc) * rng.uniform(0.2, 0.95)
            self._cut(case, td)
            case.add(td, "cps.case_discontinued", "cps")
            return
        if rng.random() < cal.guilty_plea_share:
            case.add(done, "court.plea", "court", {"plea": "guilty"})
            self._sentence(rng, case, done)
            return
        result = pick(rng, cal.verdict_mix)
        case.add(done, "court.verdict", "court", {"result": result})
        if result == "hung":
            retrial = done + rng.uniform(90, 150) * DAY
            case.add(done + rng.uniform(2, 48) * HOUR, "court.hearing_listed", "court",
                     {"hearing": "trial", "hearing_date": _hearing_date(retrial)})
            result = "guilty" if rng.random() < 0.6 else "not_guilty"
            done = retrial
            case.add(done, "court.verdict", "court", {"result": result})
        if result == "guilty":
            self._sentence(rng, case, done)
        elif rng.random() < 0.5:
            case.add(done + rng.uniform(1, 30) * DAY, "case.closed", "cps", {"reason": "concluded"})

    def _sentence(self, rng: Random, case: CaseDraft, t: float) -> None:
        cal = self.cal
        ts = t + rng.uniform(21, 45) * DAY
        case.add(t + rng.uniform(1, 3) * HOUR, "court.hearing_listed", "court",
                 {"hearing": "sentence", "hearing_date": _hearing_date(ts)})
        months = 0
        if rng.random() < cal.custody[case.offence]:
            median = cal.custody_months_median[case.offence]
            months = max(1, min(1200, round(rng.lognormvariate(math.log(median), 0.6))))
        case.add(ts, "court.sentenced", "court", {"custody_months": months})
        if rng.random() < 0.5:
            case.add(ts + rng.uniform(1, 30) * DAY, "case.closed", "cps", {"reason": "concluded"})

    @staticmethod
    def _cut(case: CaseDraft, t: float) -> None:
        """Drops the court events drawn for after `t` (the case stopped there)."""
        case.events = [e for e in case.events if e.ts < t or not e.type.startswith("court.")
                       and e.type != "cps.charge_altered"]

    # --- pauses and changed preferences -----------------------------------------------
    def _pause_and_changes(self, rng: Random, case: CaseDraft, t0: int, end: int) -> None:
        cal = self.cal
        if rng.random() < cal.contact_pause:
            p = t0 + rng.uniform(10, 120) * DAY
            if p < end - DAY:
                paused = case.add(p, "complainant.contact_paused", "police")
                resumed: int | None = None
                if rng.random() >= cal.pause_still_running:
                    resumed = case.add(p + rng.uniform(*cal.pause_days) * DAY,
                                       "complainant.contact_resumed", "police").ts
                case.pauses.append((paused.ts, resumed))
        if rng.random() < cal.preference_change:
            t = t0 + rng.uniform(20, 200) * DAY
            if rng.random() < 0.5:
                data: dict[str, Any] = {"update_interval_days": pick(rng, cal.update_interval)}
            else:
                data = {"channel": pick(rng, cal.preferred_channel)}
            case.add(t, "complainant.preferences_recorded", "police", data)
