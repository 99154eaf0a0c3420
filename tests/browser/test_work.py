"""The work queue, the case journey and the national page in Chromium: axe-core finds
nothing on any of them, the keyboard reaches every control, tags carry words."""

from __future__ import annotations

import os
from pathlib import Path

from engine.store import decode_contribution
from tests.browser.conftest import no_axe_violations
from tests.reports.sql import sql

ARTIFACTS = Path(os.environ.get("LIAISON_SCREENSHOT_DIR",
                                Path(__file__).resolve().parents[2] / "test-artifacts"))


def test_the_work_queue_filters_and_pages_by_keyset(signed_in, store, server):
    page = signed_in("cps_unit", cps_area="south-east")
    assert page.locator("h1").inner_text() == "Today"
    no_axe_violations(page)
    open_count = sql(store, "SELECT count(*) FROM instances WHERE area = 'kent' AND status IN "
                            "('due', 'due_soon', 'late', 'missed', 'violated')")[0][0]
    counted = sum(int(t) for t in page.locator("#counts tbody td").all_inner_texts())
    assert counted == open_count
    # Page through everything with the Next link: every open instance once, in order.
    seen: list[str] = []
    while True:
        seen += page.locator("tr.flag-row a").all_inner_texts()
        rows = page.locator("tr.flag-row").count()
        seen += [""] * (rows - page.locator("tr.flag-row a").count())
        nxt = page.locator("a[rel=next]")
        if nxt.count() == 0:
            break
        nxt.click()
        page.wait_for_url("**/dashboard/today?after=*")
    assert len(seen) == open_count
    # A filter lives in the URL and narrows the counts and the rows.
    page.goto(f"{server}/dashboard/today")
    page.select_option("#filter-owner", "police")
    page.click("#apply-filters")
    page.wait_for_url("**/dashboard/today?*owner=police*")
    assert set(page.locator("tr.flag-row").evaluate_all("rs => rs.map(r => r.dataset.owner)")) \
        == {"police"}
    assert page.locator("#counts tbody tr").evaluate_all(
        "rs => rs.map(r => r.dataset.owner)") == ["police"]
    tags = page.locator("tr.flag-row strong.govuk-tag")
    assert all(t in {"Due", "Due soon", "Late", "Missed", "Violated"}
               for t in tags.all_inner_texts())
    no_axe_violations(page)


def test_a_damaged_page_link_is_a_400_not_a_crash(signed_in, server):
    page = signed_in("force_data_team", area="kent")
    response = page.goto(f"{server}/dashboard/today?after=bm90IGEgY3Vyc29y")
    assert response.status == 400
    assert "damaged" in page.locator("#error-message").inner_text()


def test_the_case_journey_is_a_swimlane_with_words_and_a_screenshot(signed_in, store, server):
    case_id = sql(store, "SELECT case_id FROM instances WHERE area = 'kent' AND "
                         "status = 'missed' ORDER BY case_id LIMIT 1")[0][0]
    page = signed_in("force_data_team", area="kent")
    page.goto(f"{server}/dashboard/cases/{case_id}")
    svg = page.locator("#journey svg")
    assert svg.get_attribute("role") == "img"
    lanes = svg.locator("text[font-weight=bold]").all_text_contents()
    assert lanes[:5] == ["Police", "CPS", "Court and witness care", "ISVA service",
                         "Contact with the complainant"]
    bars = svg.locator("g.bar")
    # every instance the sweep counted for the case (met ones are counted, not stored)
    counted = decode_contribution(sql(store, "SELECT contribution FROM cases WHERE "
                                             "case_id = :c", c=case_id)[0][0])
    assert bars.count() == sum(counted.values())
    # each bar carries its status as text (a word or a code in the legend), not colour only
    for i in range(bars.count()):
        assert (bars.nth(i).locator("text").text_content() or "").strip() != ""
    assert "Today" in (svg.text_content() or "") and "As of" in (svg.text_content() or "")
    # the rule's source is cited once per step, as a link
    steps = len({key[1] for key in counted})
    assert page.locator("h3.step-heading").count() == steps
    assert page.locator("a", has_text="source of this standard").count() == steps
    no_axe_violations(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "case-journey.png"
    svg.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000


def _tab_through(page) -> tuple[int, int]:
    """(controls on the page, distinct controls reached by pressing Tab alone)."""
    controls = page.evaluate("""() => [...document.querySelectorAll(
        'a[href], button, select, input:not([type=hidden]), summary, [tabindex="0"]')]
        .filter(e => !e.closest('[aria-hidden=true]'))
        .filter(e => e.offsetParent !== null || e.tagName === 'SUMMARY').length""")
    reached = set()
    for _ in range(controls + 5):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("""() => [...document.querySelectorAll('*')]
            .indexOf(document.activeElement)"""))
    reached.discard(page.evaluate("() => [...document.querySelectorAll('*')]"
                                  ".indexOf(document.body)"))
    return controls, len(reached)


def test_the_keyboard_alone_reaches_every_control(signed_in, store, server):
    page = signed_in("force_data_team", area="kent")
    case_id = sql(store, "SELECT case_id FROM instances WHERE area = 'kent' AND "
                         "status = 'missed' ORDER BY case_id LIMIT 1")[0][0]
    for path in ("/dashboard/today", "/dashboard/flags", f"/dashboard/cases/{case_id}"):
        page.goto(f"{server}{path}")
        controls, reached = _tab_through(page)
        assert reached >= controls > 5, path
    # the skip link comes first
    page.goto(f"{server}/dashboard/flags")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"


def test_the_national_page_passes_axe_and_fits(signed_in, server):
    page = signed_in("national_lead")
    page.goto(f"{server}/dashboard/national")
    no_axe_violations(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1400
    # the heat map is one table, its own alternative: a row per area, and every cell
    # with instances links to the flags behind it
    table = page.locator("#heat-map-table")
    assert table.locator("tbody tr").count() == 43
    hrefs = table.locator("tbody td a").evaluate_all(
        "as => as.map(a => a.getAttribute('href'))")
    assert len(hrefs) > 0
    assert all(h.startswith("flags?area=") and "&step=" in h for h in hrefs)
    link = table.locator("tbody tr", has_text="Kent Police").locator("a").first
    href = link.get_attribute("href")
    assert href in hrefs
    link.click()  # a national lead sees the protected counts, never the cases
    page.wait_for_url(f"{server}/dashboard/{href}")
    assert page.locator("#flag-counts tbody tr").count() >= 1
    assert page.locator("a[href^='/dashboard/cases/']").count() == 0
    no_axe_violations(page)


def test_the_ageing_chart_has_axes_and_units(signed_in, server):
    page = signed_in("cps_unit", cps_area="south-east")
    page.goto(f"{server}/dashboard/board")
    text = page.locator("#chart-ageing svg").text_content() or ""
    assert "Working days in current stage" in text
    assert "Awaiting charging decision" in text
    ticks = page.locator("#chart-ageing svg text[text-anchor=middle]").all_text_contents()
    assert ticks[0] == "0" and len(ticks) >= 3
