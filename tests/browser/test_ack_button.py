"""The dashboard's acknowledge button, in headless Chromium (issue 13, Deliver 4)."""

from __future__ import annotations

from tests.reports.sql import sql


def test_the_acknowledge_button_records_the_reason_and_keeps_the_status(
        signed_in, store, server):
    page = signed_in("force_data_team", area="kent")
    page.goto(f"{server}/dashboard/flags?owner=police&status=missed")
    row = page.locator("tr.flag-row").first
    button = row.locator("button.ack-button")
    flag_id = button.get_attribute("data-flag")
    assert flag_id is not None and flag_id.startswith("f")
    row.locator("select[name=reason]").select_option("recorded_elsewhere")
    button.click()
    # back to the same filtered list
    page.wait_for_url(f"{server}/dashboard/flags?owner=police&status=missed")
    done = page.locator(f"span.acknowledged[data-flag='{flag_id}']")
    assert done.inner_text() == "Recorded elsewhere"
    assert done.locator("xpath=ancestor::tr").get_attribute("data-status") == "missed"
    assert sql(store, f"SELECT reason, area, owner FROM flag_acks WHERE flag_id = '{flag_id}'") \
        == [("recorded_elsewhere", "kent", "police")]
    assert page.locator(f"button.ack-button[data-flag='{flag_id}']").count() == 0


def test_roles_that_may_not_acknowledge_get_no_button(signed_in, server):
    page = signed_in("isva_service", area="kent")
    page.goto(f"{server}/dashboard/flags")
    assert page.locator("tr.flag-row").count() > 0
    assert page.locator("button.ack-button").count() == 0
