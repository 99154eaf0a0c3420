"""The simulator's calibration: every rate, mix and duration it draws from, in one place.

Why one module: the synthetic cohort stands in for real case data in the demo, the tests
and the national benchmarks, so its shape must be traceable to published figures. Each
default names its source (see `SOURCES`; the research notes mark how sure each one is) and
every field can be overridden (`Calibration.with_overrides`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Where each default comes from. [V] read in the source, [V2] secondary source,
# [R] recall, [D] derived by us from the others, [A] assumed by this project.
SOURCES: dict[str, str] = {
    "rapes_per_year": "[V] ~69,000-70,000 police-recorded rapes a year, House of Lords Library, "
                      "https://lordslibrary.parliament.uk/rape-levels-of-prosecutions/",
    "sexual_offences_per_year": "[V2] 199,445 sexual offences YE Sep 2024; [V] 209,079 YE "
                                "Mar 2025, "
                                "https://cy.ons.gov.uk/peoplepopulationandcommunity/crimeandjustice/"
                                "articles/sexualoffencesprevalenceandtrendsenglandandwales/"
                                "yearendingmarch2025",
    "child_share": "[D] adult share ~0.65 of recorded rape (domain notes §4.8)",
    "force_weights": "[R] ONS mid-year population estimates by police force area (millions, "
                     "approximate), https://www.ons.gov.uk/peoplepopulationandcommunity/"
                     "populationandmigration/populationestimates",
    "cps_referral": "[V] Rape Review metrics, police referrals to CPS ~4,700/yr against ~70,000 "
                    "recorded rapes, https://parallelparliament.co.uk/question/147484/rape-reviews",
    "early_advice_share": "[V] CPS NOM: early advice offered in every adult rape case, "
                          "https://www.cps.gov.uk/cps/news/cps-rolls-out-national-blueprint-next-"
                          "step-transform-prosecution-adult-rape-cases",
    "charge_share": "[V] 66.6%-73.2% of CPS rape decisions are charges, "
                    "https://www.cps.gov.uk/cps/news/cps-publishes-latest-statistics-all-crime-"
                    "types-showing-steady-increase-rape-convictions",
    "report_to_charge_days": "[V] median 421-426 days recording to charge, Hansard HL2028, "
                             "https://parallelparliament.co.uk/question/HL2028/homicide-and-rape-"
                             "criminal-proceedings",
    "charge_to_completion_days": "[V] 417 days charge to completion (Apr-Jun 2025), "
                                 "https://rapecrisis.org.uk/news/case-backlog-crown-court",
    "outcome16_share": "[V2] more than half of closed adult rape investigations: victim does not "
                       "support action, https://victimscommissioner.org.uk/news/feb-2024-cjs-"
                       "dashboard/",
    "post_charge_withdrawal": "[V2] 20% withdraw after charge (Victims' Commissioner), "
                              "https://victimscommissioner.org.uk/news/feb-2024-cjs-dashboard/",
    "trial_date_changes": "[V] 48% of trial dates changed at least once, 26% four or more times, "
                          "https://rapecrisis.org.uk/news/new-victims-commissioner-report-reveals-"
                          "harmful-impact-of-court-delays",
    "liaison_withdrawal_ratio": "[A] none by default: a test or study sets the effect it wants "
                                "the outcome association to find (engine/simulate/withdrawal.py)",
    "later_withdrawal": "[A] chance of a later withdrawal when a key step was not on time, "
                        "used only with liaison_withdrawal_ratio",
    "isva_withdrawal_ratio": "[V] ISVA support: ~50% more likely to stay engaged, "
                             "https://www.gov.uk/government/publications/victims-and-prisoners-bill/"
                             "clause-15-guidance-about-independent-advisors-isvas-and-idvas",
    "guilty_plea_share": "[V] fewer than one in five adult rape trials get a guilty plea, "
                         "https://parallelparliament.co.uk/question/147484/rape-reviews",
    "conviction_share": "[V] conviction rate ~70% of completed rape prosecutions, "
                        "https://www.cps.gov.uk/cps/news/cps-publishes-latest-statistics-all-"
                        "crime-types-showing-steady-increase-rape-convictions",
    "welsh_share": "[R] share of complainants preferring Welsh, from Census 2021 Welsh speakers, "
                   "https://www.gov.wales/welsh-language-census-2021",
    "consent_and_preferences": "[A] this project's assumption: no published rate",
    "transferred": "[A] this project's assumption: no published rate of cases moving force",
    "police_days_to_nfa": "[V2] median 98 days to any outcome, rape, Home Office crime outcomes "
                          "2019/20",
    "custody": "[A] custody share and lengths assumed (Ministry of Justice sentencing statistics "
               "not retrieved)",
}


# id: (case reference prefix, population weight in millions)
FORCES: dict[str, tuple[str, float]] = {
    "avon-and-somerset": ("AS", 1.75), "bedfordshire": ("BD", 0.69),
    "cambridgeshire": ("CB", 0.90), "cheshire": ("CH", 1.08), "city-of-london": ("CL", 0.02),
    "cleveland": ("CV", 0.57), "cumbria": ("CU", 0.50), "derbyshire": ("DB", 1.06),
    "devon-and-cornwall": ("DC", 1.80), "dorset": ("DO", 0.78), "durham": ("DU", 0.65),
    "dyfed-powys": ("DP", 0.52), "essex": ("EX", 1.86), "gloucestershire": ("GL", 0.65),
    "greater-manchester": ("GM", 2.87), "gwent": ("GW", 0.60), "hampshire": ("HA", 2.00),
    "hertfordshire": ("HE", 1.20), "humberside": ("HU", 0.94), "kent": ("KE", 1.87),
    "lancashire": ("LA", 1.53), "leicestershire": ("LE", 1.10), "lincolnshire": ("LI", 0.77),
    "merseyside": ("ME", 1.43), "metropolitan": ("MP", 8.80), "norfolk": ("NF", 0.92),
    "north-wales": ("NW", 0.70), "north-yorkshire": ("NY", 0.83),
    "northamptonshire": ("NH", 0.79), "northumbria": ("NB", 1.46),
    "nottinghamshire": ("NT", 1.16), "south-wales": ("SW", 1.33),
    "south-yorkshire": ("SY", 1.41), "staffordshire": ("ST", 1.14), "suffolk": ("SK", 0.76),
    "surrey": ("SU", 1.20), "sussex": ("SX", 1.70), "thames-valley": ("TV", 2.42),
    "warwickshire": ("WA", 0.60), "west-mercia": ("WR", 1.30), "west-midlands": ("WM", 2.92),
    "west-yorkshire": ("WY", 2.35), "wiltshire": ("WI", 0.73),
}


def prefix_of(area: str) -> str:
    """The case-reference prefix of an area: the table's, else the initials of its id."""
    known = FORCES.get(area)
    if known:
        return known[0]
    parts = [p for p in area.split("-") if p not in ("and", "of")]
    return "".join(p[0] for p in parts).upper() if len(parts) > 1 else area[:3].upper()


@dataclass(frozen=True)
class Calibration:
    """Rates, mixes and durations of the synthetic cohort. Durations are in days.

    Lognormal durations are given by their median and sigma (the log-scale spread), so the
    heavy right tail of real case durations is kept.
    """

    rapes_per_year: int = 70_000
    sexual_offences_per_year: int = 200_000
    offence_mix: Mapping[str, float] = field(default_factory=lambda: {
        "rape": 0.35, "assault_by_penetration": 0.07, "sexual_assault": 0.38,
        "other_sexual": 0.20})
    child_share: float = 0.35
    force_weights: Mapping[str, float] = field(
        default_factory=lambda: {k: w for k, (_, w) in FORCES.items()})
    welsh_share: Mapping[str, float] = field(default_factory=lambda: {
        "north-wales": 0.25, "dyfed-powys": 0.20, "south-wales": 0.06, "gwent": 0.03})
    # --- police investigation
    abe_interview: float = 0.65
    suspect_arrested: float = 0.55
    suspect_interviewed: float = 0.95
    release_mix: Mapping[str, float] = field(default_factory=lambda: {
        "rui": 0.65, "bail": 0.25, "no_further_action": 0.10})
    bail_conditions_changed: float = 0.15
    days_to_arrest_median: float = 25.0
    # --- referral to the CPS, per offence (rape is the calibrated figure)
    cps_referral: Mapping[str, float] = field(default_factory=lambda: {
        "rape": 0.05, "assault_by_penetration": 0.06, "sexual_assault": 0.08,
        "other_sexual": 0.09})
    early_advice_share: float = 0.80
    first_decision_mix: Mapping[str, float] = field(default_factory=lambda: {
        "charge": 0.70, "nfa": 0.22, "action_plan": 0.06, "admin_finalised": 0.02})
    second_decision_charge: float = 0.70
    report_to_charge_median: float = 420.0
    report_to_charge_sigma: float = 0.55
    police_days_to_nfa_median: float = 120.0
    police_days_to_nfa_sigma: float = 0.9
    outcome_mix: Mapping[int, float] = field(default_factory=lambda: {
        16: 0.55, 15: 0.25, 14: 0.15, 18: 0.05})
    outcome16_withdrew: float = 0.6  # of outcome 16 closures, the complainant withdrew first
    # --- court
    charge_to_completion_median: float = 400.0
    charge_to_completion_sigma: float = 0.5
    guilty_plea_share: float = 0.18
    verdict_mix: Mapping[str, float] = field(default_factory=lambda: {
        "guilty": 0.62, "not_guilty": 0.33, "hung": 0.05})
    s28_share: float = 0.10
    trial_date_changes: Mapping[int, float] = field(default_factory=lambda: {
        0: 0.52, 1: 0.12, 2: 0.06, 3: 0.04, 4: 0.12, 5: 0.08, 6: 0.06})
    post_charge_withdrawal: float = 0.20
    isva_withdrawal_ratio: float = 0.67
    discontinued_share: float = 0.06
    # How on-time liaison shifts withdrawal: the rate ratio of a later withdrawal (45-120
    # days after the report) when the needs assessment and the ISVA referral were both on
    # time, against when either was late or missed. None draws no such withdrawals.
    liaison_withdrawal_ratio: float | None = None
    later_withdrawal: float = 0.15
    charge_altered_share: float = 0.05
    custody: Mapping[str, float] = field(default_factory=lambda: {
        "rape": 0.92, "assault_by_penetration": 0.85, "sexual_assault": 0.45,
        "other_sexual": 0.35})
    custody_months_median: Mapping[str, float] = field(default_factory=lambda: {
        "rape": 96.0, "assault_by_penetration": 60.0, "sexual_assault": 14.0,
        "other_sexual": 10.0})
    # --- the complainant: consent, preferences, support
    consent_share_with_isva: float = 0.72
    consent_referral: float = 0.85
    referral_declined_event: float = 0.5  # of refusals, recorded as isva.referral_declined
    consent_withdrawn_later: float = 0.04
    isva_assigned: float = 0.85
    preferred_channel: Mapping[str, float] = field(default_factory=lambda: {
        "phone": 0.5, "email": 0.2, "sms": 0.15, "letter": 0.05, "in_person": 0.10})
    interval_recorded: float = 0.7
    update_interval: Mapping[int, float] = field(default_factory=lambda: {
        7: 0.05, 14: 0.25, 21: 0.10, 28: 0.45, 30: 0.15})
    via_isva: float = 0.3
    unsafe_channels: float = 0.25
    other_language: float = 0.03
    preference_change: float = 0.10
    contact_pause: float = 0.08
    pause_days: tuple[float, float] = (14.0, 90.0)
    pause_still_running: float = 0.1
    vrr_police: float = 0.08
    vrr_cps: float = 0.10
    # --- a case moved to another force after its last event (contract §3 `case.transferred`)
    transferred: float = 0.02

    def with_overrides(self, overrides: Mapping[str, Any]) -> Calibration:
        """A copy with some fields replaced (unknown names raise ValueError)."""
        names = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise ValueError(f"unknown calibration field(s): {', '.join(unknown)}")
        fixed: dict[str, Any] = {}
        for name, value in overrides.items():
            current = getattr(self, name)
            if isinstance(value, Mapping) and isinstance(current, Mapping) and current \
                    and all(isinstance(k, int) for k in current):
                value = {int(k): v for k, v in value.items()}  # JSON keys are strings
            fixed[name] = value
        return dataclasses.replace(self, **fixed)

    def isva_base_withdrawal(self) -> float:
        """The post-charge withdrawal rate without an ISVA, chosen so the cohort's overall
        rate is `post_charge_withdrawal` given the expected share of complainants with one."""
        with_isva = self.consent_referral * self.isva_assigned
        denominator = with_isva * self.isva_withdrawal_ratio + 1 - with_isva
        return self.post_charge_withdrawal / denominator
