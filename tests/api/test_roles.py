"""The role model of contract §8, apart from HTTP."""

import pytest

from engine.api.roles import Principal, ScopeError, isva_related
from engine.spec import DeadlineStep
from engine.terms import Role

CPS_MAP = {"avon-and-somerset": ["south-west"], "devon-and-cornwall": ["south-west"],
           "metropolitan": ["london-north", "london-south"], "kent": ["south-east"]}


def test_a_force_token_reads_its_own_area_only():
    p = Principal("t", Role.force_data_team, area="kent")
    assert p.may_read_case("kent", CPS_MAP)
    assert not p.may_read_case("avon-and-somerset", CPS_MAP)


def test_a_cps_unit_reads_every_force_in_its_cps_area_and_the_met_belongs_to_both_london_areas():
    sw = Principal("t", Role.cps_unit, cps_area="south-west")
    assert sw.areas(CPS_MAP) == {"avon-and-somerset", "devon-and-cornwall"}
    assert not sw.may_read_case("kent", CPS_MAP)
    for london in ("london-north", "london-south"):
        assert Principal("t", Role.cps_unit, cps_area=london).may_read_case("metropolitan", CPS_MAP)


def test_national_leads_and_auditors_read_no_case():
    assert not Principal("t", Role.national_lead).may_read_case("kent", CPS_MAP)
    assert Principal("t", Role.national_lead).areas(CPS_MAP) is None  # aggregates over all
    assert not Principal("t", Role.auditor).may_read_case("kent", CPS_MAP)


@pytest.mark.parametrize(("role", "area", "cps", "message"), [
    (Role.force_data_team, None, None, "needs --area"),
    (Role.force_data_team, "kent", "south-east", "needs --area"),
    (Role.cps_unit, "kent", None, "needs --cps-area"),
    (Role.national_lead, "kent", None, "covers all areas"),
    (Role.auditor, None, "wessex", "covers all areas"),
])
def test_a_role_must_have_exactly_its_scope(role, area, cps, message):
    with pytest.raises(ScopeError, match=message):
        Principal("t", role, area=area, cps_area=cps)


def _step(**kw):
    base = dict(id="s", title="t", owner="police", standard="processes", basis="b", source="u",
                verification="verified", minimum=True, severity="high",
                trigger=[{"type": "case.reported"}], satisfied_by={"type": "complainant.informed"},
                deadline={"within": 1, "unit": "working_days"})
    base.update(kw)
    return DeadlineStep.model_validate(base)


def test_isva_related_steps_are_read_from_the_rules():
    assert isva_related(_step(satisfied_by={"type": "isva.referral_made"}))
    assert isva_related(_step(owner="isva"))
    assert isva_related(_step(cancelled_by=[{"type": "isva.referral_declined"}]))
    assert not isva_related(_step())
