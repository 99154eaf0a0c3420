"""Bad configs, each reported at its file:line:col with the field, what was wrong and what
is allowed (issue 2 item 8). Every message is asserted whole."""

from __future__ import annotations

from datetime import date

import pytest

from tests.config.configkit import HEADER, Build

FLOOR_ALLOWED = ("(allowed: the national value, something tighter, or a derogation "
                 "{justification, approved_by, expires})")
LOCAL_PROHIBITION = """\
    local: true
    kind: prohibition
    title: Contact the complainant in their language
    owner: source
    standard: supporting_victims
    basis: local
    source: https://example.org
    verification: assumed
    minimum: false
    severity: high
    event: {type: complainant.informed}
"""

# The head of a local recurring step (positions below count its 11 lines).
LOCAL_RECURRING = """\
  local_check_in:
    local: true
    kind: recurring
    title: Check in with the ISVA
    owner: police
    standard: partnership
    basis: local
    source: https://example.org
    verification: assumed
    minimum: false
    severity: low
"""

CASES: list[tuple[str, str, str, list[str]]] = [
    ("unknown field with a did-you-mean", "essex", HEADER + """steps:
  police_inform_arrest:
    deadlin: {within: 4, unit: hours}
""", ['areas/essex.yaml:13:5: error: steps.police_inform_arrest.deadlin: unknown field "deadlin" '
      '(did you mean "deadline"?) (allowed: id, title, owner, standard, basis, source, '
      "verification, minimum, severity, local, victims_code_right, kind, trigger, "
      "satisfied_by, cancelled_by, when, deadline)"]),
    ("wrong type", "essex", HEADER + """steps:
  police_inform_arrest:
    deadline: {within: two, unit: hours}
""", ['areas/essex.yaml:13:24: error: steps.police_inform_arrest.deadline.within: expected a '
      'whole number, got "two" (allowed: an integer)']),
    ("bad unit", "essex", HEADER + """steps:
  police_inform_arrest:
    deadline: {within: 2, unit: weeks}
""", ['areas/essex.yaml:13:33: error: steps.police_inform_arrest.deadline.unit: "weeks" is not '
      "allowed (allowed: working_days | calendar_days | hours)"]),
    ("unknown event type in a matcher", "essex", HEADER + """steps:
  police_inform_arrest:
    trigger: {type: police.suspect_arested}
""", ['areas/essex.yaml:13:21: error: steps.police_inform_arrest.trigger.type: unknown event type '
      '"police.suspect_arested" (did you mean "police.suspect_arrested"?)']),
    ("unknown step id in an overlay", "essex", HEADER + """steps:
  police_inform_arest:
    deadline: {within: 4, unit: hours}
""", ['areas/essex.yaml:12:3: error: steps.police_inform_arest: unknown step "police_inform_arest" '
      '(did you mean "police_inform_arrest"?) (allowed: a national step id, or a new step with '
      "local: true)"]),
    ("duplicate key", "essex", HEADER + """steps:
  police_inform_arrest:
    deadline: {within: 4, unit: hours}
  police_inform_arrest:
    deadline: {within: 8, unit: hours}
""", ['areas/essex.yaml:14:3: error: steps.police_inform_arrest: duplicate key '
      '"police_inform_arrest" (first given at line 12) (allowed: each key once per mapping)']),
    ("duplicate step id", "essex", HEADER + """steps:
  police_inform_arrest:
    local: true
    kind: deadline
    title: Tell the complainant about the arrest
    owner: police
    standard: supporting_victims
    basis: local
    source: https://example.org
    verification: assumed
    minimum: false
    severity: high
    trigger: {type: police.suspect_arrested}
    satisfied_by: {type: complainant.informed, data: {topic: arrest}}
    deadline: {within: 4, unit: hours}
""", ['areas/essex.yaml:12:3: error: steps.police_inform_arrest: duplicate step id '
      '"police_inform_arrest": it is already a national step (allowed: a new id for a local '
      "step, or drop local: true to change the national step)"]),
    ("loosening without derogation", "essex", HEADER + """steps:
  wcu_inform_hearing:
    deadline: {within: 2, unit: working_days}
""", ['areas/essex.yaml:13:15: error: steps.wcu_inform_hearing.deadline: loosens the minimum step '
      '"wcu_inform_hearing": deadline 2 working days instead of the national 1 working day is '
      "later for a trigger on Wed 1 Apr 2026 00:00 (due Tue 7 Apr 2026 23:59:59.999 instead of "
      "Thu 2 Apr 2026 23:59:59.999); a derogation is required " + FLOOR_ALLOWED]),
    ("derogation without approver", "essex", HEADER + """steps:
  wcu_inform_hearing:
    deadline: {within: 2, unit: working_days}
    derogation:
      justification: Listings arrive late.
      expires: 2027-03-31
""", ['areas/essex.yaml:14:5: error: steps.wcu_inform_hearing.derogation.approved_by: required '
      'field "approved_by" is missing']),
    ("expired derogation", "essex", HEADER + """steps:
  wcu_inform_hearing:
    deadline: {within: 2, unit: working_days}
    derogation:
      justification: Listings arrive late.
      approved_by: National RASSO lead
      expires: 2026-06-30
""", ["areas/essex.yaml:17:16: warning: steps.wcu_inform_hearing.derogation.expires: derogation "
      "expired on 2026-06-30; the loosening it allowed is listed in national reports (allowed: "
      "renew the derogation or restore the national rule)"]),
    ("area not in the register", "essexx", HEADER.replace("area: essex", "area: essexx"),
     ['areas/essexx.yaml:1:7: error: area: area "essexx" is not in the register (did you mean '
      '"essex"?) (allowed: a police force area id from area_configs/national/areas.yaml)']),
    ("a missing SPOC", "essex",
     HEADER.replace("  isva: {team: ISVA service, mailbox: isva@support.example}\n", ""),
     ['areas/essex.yaml:6:1: error: spocs.isva: required field "isva" is missing']),
    ("broken YAML syntax", "essex", HEADER + """steps:
  police_inform_arrest:
    deadline: {within: 4, unit: hours
  police_inform_release: {}
""", ["areas/essex.yaml:14:24: error: invalid YAML: expected ',' or '}', but got ':' (while "
      "parsing a flow mapping at line 13)"]),
    ("a condition naming an unknown preference", "essex", HEADER + """steps:
  welsh_language_respected:
""" + LOCAL_PROHIBITION + """    violates_when: {event: {language: {not_preference: langauge}}}
""", ["areas/essex.yaml:24:56: error: steps.welsh_language_respected.violates_when.event.language"
      '.not_preference: unknown preference "langauge" (did you mean "language"?) (allowed: '
      "channel | update_interval_days | via_isva | language | unsafe_channels)"]),
    ("a recurring step without interval", "essex", HEADER + """steps:
""" + LOCAL_RECURRING + """    start: {type: isva.assigned}
    satisfied_by: {type: isva.notified}
""", ['areas/essex.yaml:12:3: error: steps.local_check_in.every: required field "every" is '
      "missing"]),
    ("unknown CPS Area", "essex", HEADER.replace("cps_area: east-of-england",
                                                 "cps_area: east-of-englnd"),
     ['areas/essex.yaml:3:11: error: cps_area: unknown CPS Area "east-of-englnd" (did you mean '
      '"east-of-england"?) (allowed: east-of-england)']),
    ("the wrong CPS Area for the force", "essex", HEADER.replace("cps_area: east-of-england",
                                                                 "cps_area: wessex"),
     ['areas/essex.yaml:3:11: error: cps_area: essex is not in CPS Area "wessex" (allowed: '
      "east-of-england)"]),
    ("disabling a minimum step without derogation", "essex", HEADER + """disabled:
  - step: cps_offer_pre_trial_meeting
""", ['areas/essex.yaml:12:11: error: disabled[0].step: disabling the minimum step '
      '"cps_offer_pre_trial_meeting" needs a derogation (allowed: derogation: {justification, '
      "approved_by, expires})"]),
    ("a data value outside the vocabulary", "essex", HEADER + """steps:
  police_inform_arrest:
    satisfied_by: {type: complainant.informed, data: {topic: arest}}
""", ['areas/essex.yaml:13:62: error: steps.police_inform_arrest.satisfied_by.data.topic: "arest" '
      'is not allowed for complainant.informed.topic (did you mean "arrest"?) (allowed: arrest | '
      "interview | release | bail | police_nfa | charge_decision | cps_decision | hearing | "
      "trial_date | outcome | sentence | update | vrr)"]),
    ("an unknown stage", "essex", HEADER + """steps:
  police_regular_update:
    stop_stages: [charged, pretrial]
""", ['areas/essex.yaml:13:28: error: steps.police_regular_update.stop_stages[1]: unknown stage '
      '"pretrial" (did you mean "pre_trial"?) (allowed: reported | investigation | '
      "awaiting_charging_decision | charged | pre_trial | concluded | closed_police_nfa | "
      "closed_cps_nfa | withdrawn | closed_other)"]),
    ("too many extra non-working days", "essex", HEADER + """calendar:
  extra_non_working_days:
    [2027-01-04, 2027-01-05, 2027-01-06, 2027-01-07, 2027-01-08, 2027-01-11, 2027-01-09]
""", ["areas/essex.yaml:13:78: warning: calendar.extra_non_working_days[6]: 2027-01-09 is a "
      "weekend, already not a working day; listing it changes nothing (allowed: a weekday that "
      "is not a bank holiday)",
      "areas/essex.yaml:13:5: error: calendar.extra_non_working_days: 6 extra non-working days "
      "in 2027 would lengthen every working-day deadline of the floor (allowed: at most 5 per "
      "calendar year)"]),
    ("a file name that is not the area", "kent", HEADER,
     ['areas/kent.yaml:1:7: error: area: area "essex" does not match the file name "kent.yaml" '
      "(allowed: area: kent, or rename the file)"]),
    ("another framework version", "essex", HEADER.replace('"2026.1"', '"2025.1"'),
     ['areas/essex.yaml:4:20: error: framework_version: framework version "2025.1" is not the '
      'national framework\'s (allowed: "2026.1")']),
    ("several problems in one file, all reported", "essex", HEADER + """steps:
  police_inform_arrest:
    satisfied_by: {type: complainant.informed, data: {subject: arrest}}
  police_refer_to_support:
    cancelled_by: [{type: isva.referral_declined}, {type: complainant.withdrew}]
  isva_informed_trial_date:
    when: {any: [{consent: share_with_isva}, {case: {offense: rape}}]}
""", ["areas/essex.yaml:13:64: error: steps.police_inform_arrest.satisfied_by.data.subject: "
      'unknown data field "subject" for complainant.informed (allowed: topic, channel, '
      "via_isva, language)",
      "areas/essex.yaml:15:19: error: steps.police_refer_to_support.cancelled_by: loosens the "
      'minimum step "police_refer_to_support": adds complainant.withdrew; a derogation is '
      "required " + FLOOR_ALLOWED,
      "areas/essex.yaml:17:54: error: steps.isva_informed_trial_date.when.any[1].case.offense: "
      'unknown field "offense" (did you mean "offence"?) (allowed: offence, complainant_age, '
      "area, stage)"]),
    ("changing the kind of a national step", "essex", HEADER + """steps:
  police_inform_arrest:
    kind: recurring
""", ["areas/essex.yaml:13:11: error: steps.police_inform_arrest.kind: the kind of a national "
      'step cannot change (allowed: the national value "deadline")']),
    ("adding a condition to a minimum step", "essex", HEADER + """steps:
  police_inform_arrest:
    when: {case: {complainant_age: adult}}
""", ["areas/essex.yaml:13:11: error: steps.police_inform_arrest.when: loosens the minimum step "
      '"police_inform_arrest": adds a condition (when); a derogation is required '
      + FLOOR_ALLOWED]),
    ("a longer recurring interval", "essex", HEADER + """steps:
  police_regular_update:
    every: {days: 42}
""", ["areas/essex.yaml:13:12: error: steps.police_regular_update.every: loosens the minimum step "
      '"police_regular_update": every 42 days instead of the national 28; a derogation is '
      "required " + FLOOR_ALLOWED]),
    ("a prohibition with both conditions", "essex", HEADER + """steps:
  welsh_language_respected:
""" + LOCAL_PROHIBITION + """    violates_when: {event: {language: {not_preference: language}}}
    unless: {consent: share_with_isva}
""", ["areas/essex.yaml:24:20: error: steps.welsh_language_respected.violates_when: a prohibition "
      "needs exactly one of unless and violates_when (allowed: unless: CONDITION | "
      "violates_when: CONDITION)"]),
    ("a number out of range", "essex", HEADER + """steps:
  police_inform_arrest:
    deadline: {within: 0, unit: hours}
""", ["areas/essex.yaml:13:24: error: steps.police_inform_arrest.deadline.within: 0 is out of "
      "range (allowed: a whole number more than 0)"]),
    ("a matcher value of no allowed shape", "essex", HEADER + """steps:
  police_inform_arrest:
    satisfied_by: {type: complainant.informed, data: {topic: {gt: 3}}}
""", ['areas/essex.yaml:13:62: error: steps.police_inform_arrest.satisfied_by.data.topic: '
      '{"gt": 3} is not allowed here (allowed: text | true or false | an integer | a list of '
      "values | {gte: N} or {lte: N})"]),
    ("not a condition", "essex", HEADER + """steps:
  isva_informed_police_nfa:
    when: {consnt: x}
""", ['areas/essex.yaml:13:11: error: steps.isva_informed_police_nfa.when: {"consnt": "x"} is '
      "not a condition (allowed: one of case, consent, preference, event, all, any, not)"]),
    ("an unknown step kind", "essex", HEADER + """steps:
  local_x:
    local: true
    kind: deadlines
""", ['areas/essex.yaml:14:11: error: steps.local_x.kind: "deadlines" is not a step kind (did you '
      'mean "deadline"?) (allowed: deadline | recurring | prohibition)']),
    ("an area-level event in a case-level step", "essex", HEADER + """steps:
  police_inform_arrest:
    trigger: [{type: police.suspect_arrested}, {type: area.spoc_changed}]
""", ['areas/essex.yaml:13:55: error: steps.police_inform_arrest.trigger[1].type: '
      '"area.spoc_changed" is an area-level event; this step matches case-level events '
      "(allowed: an event type of level case)"]),
    ("a comparison on a field that is not a number", "essex", HEADER + """steps:
  cps_inform_decision:
    trigger:
      - {type: cps.charging_decision, data: {outcome: {gte: 2}}}
""", ["areas/essex.yaml:14:55: error: steps.cps_inform_decision.trigger[0].data.outcome: "
      "cps.charging_decision.outcome is not a number, so it cannot be compared (allowed: "
      "charge | nfa | action_plan | admin_finalised)"]),
    ("a recurring step without start, and pause without resume", "essex", HEADER + """steps:
""" + LOCAL_RECURRING + """    satisfied_by: {type: isva.notified}
    pause: {type: complainant.contact_paused}
    every: {days: 7}
""", ["areas/essex.yaml:13:5: error: steps.local_check_in.start: a case-level recurring step "
      "needs a start event (allowed: start: {type: ...})",
      "areas/essex.yaml:13:5: error: steps.local_check_in.resume: pause and resume come together "
      "(allowed: both pause and resume, or neither)"]),
    ("a step disabled twice", "essex", HEADER + """disabled:
  - step: cps_offer_pre_trial_meeting
    derogation: {justification: x, approved_by: National RASSO lead, expires: 2027-01-01}
  - step: cps_offer_pre_trial_meeting
    derogation: {justification: x, approved_by: National RASSO lead, expires: 2027-01-01}
""", ['areas/essex.yaml:14:11: error: disabled[1].step: step "cps_offer_pre_trial_meeting" is '
      "disabled twice (allowed: each step once)"]),
    ("lowering a severity is a loosening", "essex", HEADER + """steps:
  police_inform_arrest:
    severity: low
""", ['areas/essex.yaml:13:15: error: steps.police_inform_arrest.severity: loosens the minimum '
      'step "police_inform_arrest": severity low instead of the national high; a derogation is '
      "required (allowed: the national value, something tighter, or a derogation "
      "{justification, approved_by, expires})"]),
    ("a derogation approved by no office the framework names", "essex", HEADER + """steps:
  police_inform_arrest:
    severity: low
    derogation: {justification: x, approved_by: me, expires: 2027-01-01}
""", ["areas/essex.yaml:14:49: error: steps.police_inform_arrest.derogation.approved_by: a "
      "derogation must be approved by an office the national framework names "
      "(derogations.approvers) (allowed: National RASSO lead | Chief Constable | Deputy Chief "
      "Constable | Assistant Chief Constable | Chief Crown Prosecutor | Deputy Chief Crown "
      "Prosecutor, optionally with a place or a name)"]),
    ("a derogation running to 2099", "essex", HEADER + """steps:
  police_inform_arrest:
    severity: low
    derogation: {justification: x, approved_by: Kent Chief Constable, expires: 2099-12-31}
""", ["areas/essex.yaml:14:80: error: steps.police_inform_arrest.derogation.expires: the "
      "derogation runs 26937 days from effective_from 2026-04-01; the national framework "
      "allows at most 366 (allowed: expires on or before 2027-04-02)"]),
    ("a derogation that is not needed", "essex", HEADER + """steps:
  police_inform_arrest:
    severity: critical
    derogation: {justification: x, approved_by: National RASSO lead, expires: 2027-01-01}
""", ["areas/essex.yaml:14:5: warning: steps.police_inform_arrest.derogation: derogation on "
      '"police_inform_arrest" is not needed: the change does not loosen the floor (allowed: no '
      "derogation)"]),
    ("duplicate keys do not hide the other problems", "essex", HEADER + """steps:
  police_inform_arrest:
    deadline: {within: 4, unit: hours}
  police_inform_arrest:
    deadline: {within: 8, unit: hours}
  police_inform_nfa:
    deadline: {within: 4, unit: days}
name: Again
""", ['areas/essex.yaml:14:3: error: steps.police_inform_arrest: duplicate key '
      '"police_inform_arrest" (first given at line 12) (allowed: each key once per mapping)',
      'areas/essex.yaml:18:1: error: name: duplicate key "name" (first given at line 2) '
      "(allowed: each key once per mapping)",
      'areas/essex.yaml:17:33: error: steps.police_inform_nfa.deadline.unit: "days" is not '
      "allowed (allowed: working_days | calendar_days | hours)"]),
]


@pytest.mark.parametrize(("stem", "text", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_config_is_reported_at_its_position(build: Build, stem: str, text: str,
                                                expected: list[str]) -> None:
    _, problems = build({stem: text})
    assert [p.render() for p in problems] == expected


def test_there_are_at_least_fifteen_distinct_bad_configs() -> None:
    errors = {c[0] for c in CASES if any(": error: " in line for line in c[3])}
    assert len(errors) >= 15


def test_problems_in_the_national_files_are_reported_too(config_tree) -> None:  # type: ignore[no-untyped-def]
    from engine.config import collect

    root = config_tree({})
    framework = root / "national" / "framework.yaml"
    text = framework.read_text().replace("  - id: police_inform_interview\n",
                                         "  - id: police_inform_arrest\n", 1)
    framework.write_text(text.replace("{type: police.early_advice_requested}",
                                      "{type: police.early_advice_asked}"))
    _, problems = collect(root, today=date(2026, 11, 28))
    errors = [p.render().replace(str(root) + "/", "") for p in problems if p.severity == "error"]
    assert errors == [
        "national/framework.yaml:78:9: error: steps[4].id: duplicate step id "
        '"police_inform_arrest" (first at line 64) (allowed: each step id once)',
        "national/framework.yaml:144:21: error: steps[8].trigger.type: unknown event type "
        '"police.early_advice_asked" (did you mean "police.early_advice_requested"?)',
        "national/framework.yaml:393:3: error: victims_code_rights.police_inform_interview: "
        'unknown step "police_inform_interview" (did you mean "police_inform_nfa"?) '
        "(allowed: a national step id)"]
