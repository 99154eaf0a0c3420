"""The dashboard's parts without a browser: page links are hostile input, the work
queue's sections partition what is open, the case journey draws what it must."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi import HTTPException

from engine.api import keyset
from engine.api.journey import swimlane
from engine.api.queue import Filters, read_page, scoped
from engine.reports.words import Words
from tests.api.conftest import bearer
from tests.reports.sql import sql


@pytest.mark.parametrize("cursor", [
    "", "%%%", "bm90IGpzb24", keyset.encode([1, 2]), keyset.encode([True, 0, "x", "y", 1]),
    keyset.encode([0, 0, "2026-01-01T00:00:00+00:00", "KE-1", "1"]), "A" * 600,
])
def test_a_damaged_page_link_is_refused(cursor: str) -> None:
    with pytest.raises(HTTPException) as caught:
        keyset.decode(cursor, [int, int, str, str, int])
    assert caught.value.status_code == 400
    assert caught.value.detail == ("the page link (parameter `after`) is damaged: go back to "
                                   "the first page")


def test_a_page_link_round_trips() -> None:
    key: keyset.Key = [2, 0, "2026-06-30T12:00:00+00:00", "KE-26-000001", 17]
    assert keyset.decode(keyset.encode(key), [int, int, str, str, int]) == key


def test_the_queue_sections_partition_what_is_open(store) -> None:
    everything = read_page(store.engine, scoped(["kent"], Filters(), None), kind="queue",
                           cursor=None, limit=100_000)
    open_rows = sql(store, "SELECT count(*) FROM instances WHERE area = 'kent' AND status IN "
                           "('due', 'due_soon', 'late', 'missed', 'violated')")[0][0]
    assert len(everything.rows) == open_rows == sum(everything.counts.values())
    # page by 7: the same rows in the same order, each once
    seen, cursor = [], None
    while True:
        page = read_page(store.engine, scoped(["kent"], Filters(), None), kind="queue",
                         cursor=cursor, limit=7)
        seen += [(r["section"], r["case_id"], r["step"], r["due"]) for r in page.rows]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [(r["section"], r["case_id"], r["step"], r["due"]) for r in everything.rows]
    # sections come in order: today, then recent, then the rest
    order = {"today": 0, "recent": 1, "rest": 2}
    assert [order[s] for s, *_ in seen] == sorted(order[s] for s, *_ in seen)


def test_a_filter_value_outside_its_list_is_a_400(client, token) -> None:
    tok = token("force_data_team", "kent")
    r = client.get("/dashboard/today?owner=nobody", headers=bearer(tok))
    assert r.status_code == 400
    assert "unknown owner &#39;nobody&#39;: choose one from the list" in r.text


def test_the_swimlane_draws_lanes_bars_pauses_and_both_markers(store) -> None:
    case = {"case_id": "X-1", "area": "kent", "stage": "investigation",
            "evaluated_as_of": "2026-03-10T12:00:00+00:00",
            "events": [
                {"type": "case.reported", "at": "2026-03-02T09:00:00+00:00", "source": "police"},
                {"type": "complainant.contact_paused", "at": "2026-03-03T09:00:00+00:00",
                 "source": "police"},
                {"type": "complainant.contact_resumed", "at": "2026-03-05T09:00:00+00:00",
                 "source": "police"},
                {"type": "isva.referral_made", "at": "2026-03-06T09:00:00+00:00",
                 "source": "police"}],
            "instances": [
                {"step": "police_refer_to_support", "status": "late", "owner": "police",
                 "trigger_at": "2026-03-02T09:00:00+00:00",
                 "due": "2026-03-04T23:59:59.999000+00:00"},
                {"step": "police_needs_assessment", "status": "missed", "owner": "police",
                 "trigger_at": "2026-03-02T09:00:00+00:00",
                 "due": "2026-03-04T23:59:59.999000+00:00"}]}
    drawn = swimlane(case, Words(store.facts), datetime(2026, 3, 12, 10, tzinfo=UTC))
    for lane in ("Police", "CPS", "Court and witness care", "ISVA service",
                 "Contact with the complainant"):
        assert f">{lane}</text>" in drawn
    assert drawn.count("<g class='bar'") == 2
    assert "data-status=\"late\"" in drawn and "data-status=\"missed\"" in drawn
    assert "Contact paused Tue 3 Mar 2026 09:00 to Thu 5 Mar 2026 09:00" in drawn
    assert "As of Tue 10 Mar 2026 12:00" in drawn and "Today Thu 12 Mar 2026 10:00" in drawn
    assert "Referred to an ISVA, Fri 6 Mar 2026 09:00" in drawn


def test_a_built_report_is_kept_until_the_store_changes_and_a_refusal_never_is(store) -> None:
    from engine.api.report_cache import ReportCache, store_stamp
    from engine.reports.model import Report

    cache, built = ReportCache(), []

    def build() -> Report:
        built.append(1)
        return Report("board", "t", {}, [])

    first = cache.get(store.engine, ("board", "x"), build)
    assert cache.get(store.engine, ("board", "x"), build) is first and len(built) == 1
    assert store_stamp(store.engine) == store_stamp(store.engine)

    def refuse() -> Report:
        built.append(1)
        raise HTTPException(403, "no")

    for _ in range(2):
        with pytest.raises(HTTPException):
            cache.get(store.engine, ("national", "auditor"), refuse)
    assert len(built) == 3


def test_the_stylesheets_are_served_by_hashed_name_and_nothing_else_is(client) -> None:
    from engine.api import assets

    page = client.get("/dashboard/login")
    for key in ("govuk", "dashboard"):
        url = assets.url(key)
        assert f'href="{url}"' in page.text
        r = client.get(url)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert client.get(assets.url("govuk")).text.startswith("/* GOV.UK Frontend 6.6.0 (MIT")
    for name in ("govuk-frontend.min.css", "dashboard.css", "..%2f__init__.py", "x"):
        assert client.get(f"/dashboard/static/{name}").status_code == 404
