"""The words people use for what the rules call by id: step titles, stage labels in
process order, agency names, event names and status names.

Ids stay the data's keys (and stay visible, secondary, on every page); these are only
how a page says them. Anything without a label here (a local stage, a new event type)
reads as its id with the underscores turned to spaces, never as nothing.
"""

from __future__ import annotations

from engine.reports.facts import Facts

AGENCIES = {"police": "Police", "cps": "CPS", "wcu": "Witness care unit",
            "isva": "ISVA service", "probation": "Probation service", "court": "Court",
            "area": "Area partnership", "source": "Whoever contacts the complainant"}
# The order agencies are listed in: the order a case usually meets them.
AGENCY_ORDER = ("police", "cps", "wcu", "isva", "probation", "source", "area")

STATUSES = {"met": "Met", "late": "Late", "missed": "Missed", "due_soon": "Due soon",
            "due": "Due", "cancelled": "Cancelled", "violated": "Violated"}
# GOV.UK tag colours; the tag's text always says the status too.
TAG_COLOURS = {"met": "green", "late": "orange", "missed": "red", "due_soon": "yellow",
               "due": "blue", "cancelled": "grey", "violated": "red"}

SEVERITIES = {"low": "Low", "medium": "Medium", "high": "High", "critical": "Critical"}

EVENTS = {
    "case.reported": "Reported to police", "case.transferred": "Transferred to another area",
    "case.closed": "Case closed",
    "complainant.needs_assessed": "Needs assessed",
    "complainant.preferences_recorded": "Communication preferences recorded",
    "complainant.informed": "Complainant informed",
    "complainant.contact_paused": "Contact paused at the complainant's request",
    "complainant.contact_resumed": "Contact resumed",
    "complainant.withdrew": "Complainant withdrew", "consent.recorded": "Consent recorded",
    "isva.referral_made": "Referred to an ISVA", "isva.referral_declined": "ISVA referral declined",
    "isva.assigned": "ISVA assigned", "isva.notified": "ISVA told",
    "police.abe_interview": "ABE interview", "police.suspect_arrested": "Suspect arrested",
    "police.suspect_interviewed": "Suspect interviewed",
    "police.suspect_released": "Suspect released",
    "police.bail_conditions_changed": "Bail conditions changed",
    "police.early_advice_requested": "Early advice requested",
    "cps.early_advice_given": "Early advice given", "police.file_submitted": "File sent to CPS",
    "cps.charging_decision": "Charging decision", "police.nfa": "No further action (police)",
    "cps.case_discontinued": "Case discontinued", "cps.charge_altered": "Charge altered",
    "court.hearing_listed": "Hearing listed", "court.plea": "Plea entered",
    "court.verdict": "Verdict", "court.sentenced": "Sentenced",
    "cps.pre_trial_meeting_offered": "Pre-trial meeting offered",
    "probation.vcs_referral_made": "Referred to the Victim Contact Scheme",
    "vrr.requested": "Review requested (VRR)", "vrr.acknowledged": "Review request acknowledged",
    "vrr.decided": "Review decided", "area.scrutiny_meeting_held": "Scrutiny panel met",
    "area.spoc_changed": "Single point of contact changed",
}


def plain(identifier: str) -> str:
    """An id as words, for anything without a label: `closed_other` -> `Closed other`."""
    text = identifier.replace(".", " ").replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def agency(owner: str) -> str:
    return AGENCIES.get(owner, plain(owner))


def stage(stage_id: str) -> str:
    """A stage without its configuration at hand: its id in words (prefer Words.stage,
    which uses the stage's label from stages.yaml)."""
    return plain(stage_id)


def status(status_id: str) -> str:
    return STATUSES.get(status_id, plain(status_id))


def event(type_: str) -> str:
    return EVENTS.get(type_, plain(type_))


def agency_rank(owner: str) -> int:
    return AGENCY_ORDER.index(owner) if owner in AGENCY_ORDER else len(AGENCY_ORDER)


class Words:
    """Labels that depend on the configuration: step titles (national, then each
    overlay's local and retitled steps)."""

    def __init__(self, facts: Facts):
        titles: dict[str, str] = {s.id: s.title for s in facts.national.steps}
        self._by_area: dict[str, dict[str, str]] = {}
        for area, template in facts.templates.items():
            own = {s.id: s.title for s in template.steps}
            self._by_area[area] = own
            for step_id, title in own.items():
                titles.setdefault(step_id, title)
        self._titles = titles
        self._stages = {st.id: st.name for st in facts.stages}
        self._sources = {s.id: s.source for s in facts.national.steps}
        for template in facts.templates.values():
            for s in template.steps:
                self._sources.setdefault(s.id, s.source)

    def stage(self, stage_id: str) -> str:
        """The stage's label from stages.yaml."""
        return self._stages.get(stage_id) or plain(stage_id)

    def step(self, step_id: str, area: str | None = None) -> str:
        """The step's title as the area's rules word it (national title otherwise)."""
        if area is not None and step_id in self._by_area.get(area, {}):
            return self._by_area[area][step_id]
        return self._titles.get(step_id, plain(step_id))

    def source(self, step_id: str) -> str | None:
        return self._sources.get(step_id)
