"""Each national step names the Victims' Code right it serves (or none), checked by
`config validate`: in one mapping of framework.yaml, never changed by an overlay."""

from __future__ import annotations

from datetime import date

from engine.config import collect
from tests.config.configkit import HEADER, Build

TODAY = date(2026, 11, 28)


def test_every_national_step_carries_its_right(shipped) -> None:  # type: ignore[no-untyped-def]
    rights = {s.id: s.victims_code_right for s in shipped.national.steps}
    assert len(rights) == 25
    assert rights["police_refer_to_support"] == 4 and rights["wcu_inform_outcome"] == 9
    assert rights["probation_vcs_referral"] == 11 and rights["cps_early_advice"] is None
    # overlays inherit the right with the rest of the step
    kent = {s.id: s.victims_code_right for s in shipped.templates["kent"].steps}
    assert kent["wcu_inform_hearing"] == 8


def test_an_overlay_cannot_change_a_right_but_a_local_step_may_name_one(build: Build) -> None:
    _, problems = build({"essex": HEADER + """steps:
  police_inform_arrest:
    victims_code_right: 4
"""})
    assert [p.render() for p in problems if p.severity == "error"] == [
        "areas/essex.yaml:13:25: error: steps.police_inform_arrest.victims_code_right: the "
        'victims_code_right of a national step cannot change (allowed: the national value 6)']


def _national_problems(config_tree, edit) -> list[str]:  # type: ignore[no-untyped-def]
    root = config_tree({})
    framework = root / "national" / "framework.yaml"
    framework.write_text(edit(framework.read_text()))
    _, problems = collect(root, today=TODAY)
    return [p.render().replace(str(root) + "/", "") for p in problems if p.severity == "error"]


def test_a_right_outside_the_code_is_an_error_at_its_line(config_tree) -> None:  # type: ignore[no-untyped-def]
    assert _national_problems(config_tree, lambda t: t.replace(
        "  wcu_inform_outcome: 9\n", "  wcu_inform_outcome: 13\n")) == [
        "national/framework.yaml:405:23: error: victims_code_rights.wcu_inform_outcome: 13 is "
        "not a right of the Victims' Code (allowed: a Victims' Code right from 1 to 12, or null "
        "for none)"]


def test_a_step_left_out_of_the_rights_is_an_error(config_tree) -> None:  # type: ignore[no-untyped-def]
    assert _national_problems(config_tree, lambda t: t.replace(
        "  cps_early_advice: null\n", "")) == [
        "national/framework.yaml:388:1: error: victims_code_rights: national step "
        '"cps_early_advice" is not listed in victims_code_rights (allowed: cps_early_advice: '
        "a Victims' Code right from 1 to 12, or null for none)"]


def test_a_right_written_inside_a_national_step_is_pointed_to_the_mapping(config_tree) -> None:  # type: ignore[no-untyped-def]
    assert _national_problems(config_tree, lambda t: t.replace(
        "    source: *vc\n", "    source: *vc\n    victims_code_right: 4\n", 1)) == [
        "national/framework.yaml:26:5: error: steps[0].victims_code_right: give the right of "
        "a national step in victims_code_rights (allowed: victims_code_rights."
        "police_needs_assessment)"]
