"""The national lead's variant impact page and the Victims' Code view, in Chromium."""

from __future__ import annotations

from tests.browser.conftest import no_axe_violations


def test_a_national_lead_runs_a_one_step_variant_impact_and_sees_the_heat_map(
        signed_in, server) -> None:  # type: ignore[no-untyped-def]
    page = signed_in("national_lead")
    page.click("a[href='/dashboard/plan']")
    page.select_option("#plan-area", "kent")
    page.select_option("#plan-under", "greater-manchester")
    page.select_option("#plan-step", "police_inform_arrest")
    page.click("#run-plan")
    page.wait_for_selector("#chart-delta_heat_map svg")
    assert page.url == (f"{server}/dashboard/plan?area=kent&under=greater-manchester"
                        "&step=police_inform_arrest")
    assert page.inner_text("#plan-result") == "kent under greater-manchester's variant"
    cell = page.locator("#chart-delta_heat_map g.cell[data-row='kent']"
                        "[data-col='police_inform_arrest'] title")
    hover = cell.text_content() or ""
    assert "met on time" in hover or "withheld" in hover, hover
    assert page.locator("#table-steps").count() == 1
    assert page.locator("#table-most_affected").count() == 0  # aggregates only
    no_axe_violations(page)


def test_the_code_compliance_view_shows_a_trend_per_right(signed_in, server) -> None:  # type: ignore[no-untyped-def]
    page = signed_in("national_lead")
    page.goto(f"{server}/dashboard/code-compliance?quarter=2026Q2")
    assert page.inner_text("h1") == "Victims' Code compliance, all areas, 2026Q2"
    assert page.locator("[id^='chart-right_'] svg").count() == 4
    assert page.locator("#table-compliance tbody tr").count() > 0
    no_axe_violations(page)


def test_other_roles_cannot_run_plans_from_the_dashboard(signed_in, server) -> None:  # type: ignore[no-untyped-def]
    page = signed_in("force_data_team", area="kent")
    assert page.locator("a[href='/dashboard/plan']").count() == 0
    response = page.goto(f"{server}/dashboard/plan?area=kent&under=national&step=police_inform_arrest")
    assert response is not None and response.status == 403
