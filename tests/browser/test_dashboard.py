"""The dashboard in headless Chromium: pages load, filters work, the heat map renders."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from tests.browser.conftest import no_axe_violations
from tests.browser.png import decode
from tests.reports.sql import sql


def test_the_stage_board_loads_with_its_tables_and_ageing_chart(signed_in, store, server):
    page = signed_in("cps_unit", cps_area="south-east")
    page.goto(f"{server}/dashboard/board")
    assert page.locator("h1").inner_text() == "Stage board: CPS South East"
    assert page.locator("#chart-ageing svg").count() == 1
    kent_row = page.locator("#table-stages_by_area tbody tr", has_text="Kent Police")
    total = sql(store, "SELECT count(*) FROM cases WHERE area = 'kent'")[0][0]
    assert kent_row.locator("td").last.inner_text() == str(total)
    # stage columns are in words, in process order, with the id kept on the heading
    headings = page.locator("#table-stages_by_area thead th")
    assert headings.nth(1).inner_text() == "Reported"
    assert headings.nth(3).inner_text() == "Awaiting charging decision"
    assert headings.nth(3).get_attribute("data-column") == "awaiting_charging_decision"
    # the table fits: it scrolls in its own labelled region, never past the page's edge
    region = page.locator("div.app-scroll", has=page.locator("#table-stages_by_area"))
    assert region.get_attribute("role") == "region"
    assert region.get_attribute("aria-labelledby") == "table-stages_by_area-caption"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]
    no_axe_violations(page)


def test_flag_filters_narrow_the_list_to_what_was_asked(signed_in, store, server):
    page = signed_in("force_data_team", area="kent")
    page.click("nav >> text=Flags")
    page.wait_for_url(f"{server}/dashboard/flags")
    no_axe_violations(page)
    page.select_option("#filter-status", "missed")
    page.select_option("#filter-owner", "cps")
    page.click("#apply-filters")
    page.wait_for_url("**/dashboard/flags?*status=missed*")
    rows = page.locator("tr.flag-row")
    expected = sql(store, "SELECT count(*) FROM instances WHERE area = 'kent' AND "
                          "status = 'missed' AND owner = 'cps'")[0][0]
    assert 0 < rows.count() == expected
    assert set(rows.evaluate_all("rs => rs.map(r => r.dataset.status + '/' + r.dataset.owner)")) \
        == {"missed/cps"}
    # the status tag carries the word, not colour alone
    assert set(rows.locator("strong.govuk-tag").all_inner_texts()) == {"Missed"}
    # The selects keep the filter, and a case link opens its journey.
    assert page.locator("#filter-status").input_value() == "missed"
    no_axe_violations(page)
    first = rows.first.locator("a")
    case_id = first.inner_text()
    first.click()
    page.wait_for_url(f"{server}/dashboard/cases/{case_id}")
    assert page.locator("h1").inner_text() == f"Case {case_id}"
    assert page.locator("tr.instance[data-status=missed]").count() >= 1
    details = page.locator("tr.instance[data-status=missed] details").first
    assert details.locator(".govuk-details__text").is_hidden()
    details.locator("summary").click()  # a native <details>: opens with no script
    assert "working day" in details.locator(".govuk-details__text").inner_text()


def test_the_national_heat_map_renders_and_its_screenshot_is_not_blank(signed_in, tmp_path):
    page = signed_in("national_lead")
    page.click("nav >> text=National comparison")
    page.wait_for_selector("#heat-map-table")
    cells = page.locator("#heat-map-table tbody td")
    fills = cells.evaluate_all("tds => tds.map(td => getComputedStyle(td).backgroundColor)")
    assert len(fills) == 43 * page.locator("#heat-map-table thead th[data-column]").count()
    assert len(set(fills)) >= 6
    out_dir = Path(os.environ.get("LIAISON_SCREENSHOT_DIR", tmp_path))
    out_dir.mkdir(parents=True, exist_ok=True)
    shot = out_dir / "heat_map.png"
    page.locator("#heat-map").screenshot(path=str(shot))  # the table and its colour key
    width, height, pixels = decode(shot.read_bytes())
    assert width >= 500 and height >= 700
    colours = Counter(pixels)
    white = colours[(255, 255, 255)]
    assert len(colours) >= 20, "a heat map has many colours, not a blank box"
    assert white < 0.8 * len(pixels)
    # The viridis extremes of the scale appear as cells (0% and 100% met on time).
    assert (253, 231, 37) in colours and (68, 1, 84) in colours


def test_a_national_lead_is_refused_case_pages(signed_in, store, server):
    page = signed_in("national_lead")
    case_id = sql(store, "SELECT case_id FROM cases LIMIT 1")[0][0]
    response = page.goto(f"{server}/dashboard/cases/{case_id}")
    assert response.status == 403
    assert page.locator("h1").inner_text() == "You cannot see this page"
    response = page.goto(f"{server}/dashboard/flags")
    assert response.status == 403


def test_another_areas_case_is_not_found_in_the_dashboard_either(signed_in, store, server):
    page = signed_in("force_data_team", area="kent")
    other = sql(store, "SELECT case_id FROM cases WHERE area = 'metropolitan' LIMIT 1")[0][0]
    assert page.goto(f"{server}/dashboard/cases/{other}").status == 404


def test_signing_in_with_a_bad_token_stays_on_the_form(browser, server):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server}/dashboard/board")
    assert page.url == f"{server}/dashboard/login"
    page.fill("#token", "lia_nope_nope")
    page.click("button[type=submit]")
    summary = page.locator(".govuk-error-summary [role=alert]")
    assert summary.locator("h2").inner_text() == "There is a problem"
    assert summary.locator("a[href='#token']").inner_text() == "That token is not valid"
    assert " ".join(page.locator("#token-error").inner_text().split()) == \
        "Error: That token is not valid"
    assert page.title() == "Error: Sign in – liaison"
    no_axe_violations(page)
    context.close()


def test_report_html_files_render_offline_with_their_charts(browser, store, tmp_path):
    """Each written report opens from disk with every request other than the file itself
    blocked: charts and styles are all inline."""
    from engine.reports.board import build_board
    from engine.reports.national import build_national
    from engine.reports.output import write_report
    from engine.reports.quarter import Quarter
    from engine.reports.scrutiny import build_scrutiny

    reports = [build_board(store.engine, store.facts), build_national(store.engine, store.facts),
               build_scrutiny(store.engine, store.facts, "kent", Quarter.parse("2026Q2"))]
    context = browser.new_context(offline=True)
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith("file:") else None)
    for report in reports:
        html = write_report(report, tmp_path, report.kind)[-1]
        page.goto(html.as_uri())
        assert page.locator("h1").inner_text() == report.title
        charts = page.locator(".chart svg")
        assert charts.count() == len(report.charts) >= 1
        for i in range(charts.count()):
            box = charts.nth(i).bounding_box()
            assert box is not None and box["width"] > 200 and box["height"] > 50
    assert outside == []
    context.close()
