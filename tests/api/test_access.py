"""Role isolation and the audit trail of the read API (contract §8)."""

from __future__ import annotations

import hashlib

import pytest

from engine.api.roles import isva_related
from engine.store import decode_contribution
from tests.api.conftest import bearer
from tests.reports.sql import sql


def last_audit(store):
    row = sql(store, "SELECT who, role, action, detail FROM audit_log ORDER BY id DESC LIMIT 1")
    import json

    who, role, action, detail = row[0]
    return who, role, action, json.loads(detail) if isinstance(detail, str) else detail


def a_case(store, area):
    return sql(store, "SELECT case_id FROM cases WHERE area = :a ORDER BY case_id LIMIT 1",
               a=area)[0][0]


def test_no_token_or_a_bad_one_is_a_401_and_is_audited(client, store, token):
    r = client.get("/api/board")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert last_audit(store)[:3] == ("anonymous", "none", "api.refused")
    assert last_audit(store)[3]["reason"] == "no token"
    good = token("force_data_team", area="kent")
    for bad in (good[:-1] + ("A" if good[-1] != "A" else "B"), "lia_nothere_x", "junk"):
        r = client.get("/api/board", headers=bearer(bad))
        assert r.status_code == 401
        assert last_audit(store)[3]["reason"] == "unknown or revoked token"


def test_a_force_token_reads_its_own_area_case_and_the_read_is_audited(client, store, token):
    tok = token("force_data_team", area="kent")
    case_id = a_case(store, "kent")
    r = client.get(f"/api/cases/{case_id}", headers=bearer(tok))
    assert r.status_code == 200
    body = r.json()
    assert body["case_id"] == case_id and body["area"] == "kent"
    # every instance the sweep counted for the case (met ones are counted, not stored)
    counted = sum(decode_contribution(sql(store, "SELECT contribution FROM cases "
                                                 "WHERE case_id = :c", c=case_id)[0][0]).values())
    assert len(body["instances"]) == counted and all(i["explanation"] for i in body["instances"])
    assert [e["event_id"] for e in body["events"]] == [r[0] for r in sql(
        store, "SELECT event_id FROM events WHERE case_id = :c ORDER BY at, event_id", c=case_id)]
    who, role, action, detail = last_audit(store)
    assert (role, action, detail["case_id"]) == ("force_data_team", "api.case.read", case_id)
    assert who == "token:" + tok.split("_")[1]


def test_a_force_token_cannot_read_another_areas_case_and_the_refusal_is_audited(
        client, store, token):
    tok = token("force_data_team", area="kent")
    other = a_case(store, "avon-and-somerset")
    before = sql(store, "SELECT count(*) FROM audit_log")[0][0]
    r = client.get(f"/api/cases/{other}", headers=bearer(tok))
    missing = client.get("/api/cases/KE-26-999999", headers=bearer(tok))
    # Indistinguishable from a case that does not exist.
    assert r.status_code == missing.status_code == 404
    assert r.json() == missing.json() == {"detail": "not found"}
    rows = sql(store, "SELECT role, action, detail FROM audit_log WHERE id > :n ORDER BY id",
               n=before)
    import json

    details = [json.loads(d) if isinstance(d, str) else d for _r, _a, d in rows]
    assert [(r_, a) for r_, a, _d in rows] == [("force_data_team", "api.refused")] * 2
    assert (details[0]["status"], details[0]["reason"], details[0]["case_id"]) == (
        404, "case outside the token's scope", other)
    assert details[1]["reason"] == "no such case"
    assert "api.case.read" not in [a for _r, a, _d in rows]


def test_a_cps_unit_reads_the_forces_of_its_cps_area_only(client, store, token):
    met = a_case(store, "metropolitan")
    for london in ("london-north", "london-south"):
        r = client.get(f"/api/cases/{met}", headers=bearer(token("cps_unit", cps_area=london)))
        assert r.status_code == 200
    south_east = token("cps_unit", cps_area="south-east")
    assert client.get(f"/api/cases/{a_case(store, 'kent')}",
                      headers=bearer(south_east)).status_code == 200
    assert client.get(f"/api/cases/{met}", headers=bearer(south_east)).status_code == 404


def test_national_leads_get_aggregates_only_and_suppressed(client, store, token):
    tok = token("national_lead")
    r = client.get(f"/api/cases/{a_case(store, 'kent')}", headers=bearer(tok))
    assert r.status_code == 403
    assert last_audit(store)[2:] == ("api.refused", {
        "client": last_audit(store)[0], "method": "GET",
        "path": f"/api/cases/{a_case(store, 'kent')}", "status": 403,
        "reason": "role national_lead reads aggregates only"})
    assert client.get("/api/flags", headers=bearer(tok)).status_code == 403
    board = client.get("/api/board", headers=bearer(tok)).json()
    assert board["suppressed"] is True and board["by_area"]["cumbria"]["total"] == "[c]"
    national = client.get("/api/reports/national", headers=bearer(tok)).json()
    assert {r["area"]: r for r in national["funnel"]}["cumbria"]["reported"] == "[c]"


def test_a_cps_unit_board_covers_its_areas_unsuppressed(client, token):
    board = client.get("/api/board", headers=bearer(token("cps_unit", cps_area="north-west")))
    assert board.status_code == 200
    data = board.json()
    assert data["suppressed"] is False and set(data["by_cps_area"]) == {"north-west"}
    assert data["by_area"]["cumbria"]["total"] == 3


def test_flags_are_scoped_filtered_and_audited(client, store, token):
    tok = token("force_data_team", area="kent")
    body = client.get("/api/flags", headers=bearer(tok)).json()
    expected = sql(store, "SELECT count(*) FROM instances WHERE area = 'kent' AND status IN "
                          "('late', 'missed', 'due_soon', 'violated')")[0][0]
    assert body["count"] == expected and {f["area"] for f in body["flags"]} == {"kent"}
    missed = client.get("/api/flags", params={"status": "missed", "owner": "cps"},
                        headers=bearer(tok)).json()
    assert missed["count"] == sql(store, "SELECT count(*) FROM instances WHERE area = 'kent' "
                                         "AND status = 'missed' AND owner = 'cps'")[0][0] > 0
    assert {(f["status"], f["owner"]) for f in missed["flags"]} == {("missed", "cps")}
    assert last_audit(store)[2] == "api.flags.read"
    assert last_audit(store)[3]["filters"] == {"status": "missed", "owner": "cps"}
    r = client.get("/api/flags", params={"area": "avon-and-somerset"}, headers=bearer(tok))
    assert r.status_code == 404 and last_audit(store)[3]["reason"] == \
        "area outside the token's scope"


def test_an_isva_service_sees_only_isva_related_steps(client, store, token):
    tok = token("isva_service", area="kent")
    body = client.get(f"/api/cases/{a_case(store, 'kent')}", headers=bearer(tok)).json()
    allowed = {s.id for s in store.facts.template("kent").steps if isva_related(s)}
    assert {"police_refer_to_support", "no_isva_sharing_without_consent"} <= allowed
    assert body["instances"] and {i["step"] for i in body["instances"]} <= allowed
    flags = client.get("/api/flags", headers=bearer(tok)).json()["flags"]
    assert flags and {f["step"] for f in flags} <= allowed
    # The case's other events stay out: only those the shown steps name or cite.
    cited = {i["trigger_event"] for i in body["instances"]} | {
        i["satisfied_by"] for i in body["instances"]}
    assert body["events"] and all(e["event_id"] in cited or e["type"].startswith(
        ("isva.", "case.reported", "consent.", "complainant.")) for e in body["events"])
    assert "police.suspect_arrested" not in {e["type"] for e in body["events"]}
    full = client.get(f"/api/cases/{body['case_id']}",
                      headers=bearer(token("force_data_team", area="kent"))).json()
    assert len(body["events"]) < len(full["events"])


def test_only_auditors_read_the_audit_log(client, token):
    assert client.get("/api/audit", headers=bearer(token("national_lead"))).status_code == 403
    tok = token("auditor")
    entries = client.get("/api/audit", headers=bearer(tok)).json()["entries"]
    assert entries and entries[0]["action"] == "api.refused"
    assert client.get("/api/board", headers=bearer(tok)).status_code == 403


def test_tokens_are_stored_only_as_their_hash(store, token):
    tok = token("cps_unit", cps_area="wessex")
    token_id = tok.split("_")[1]
    rows = sql(store, "SELECT * FROM api_tokens WHERE token_id = :t", t=token_id)
    assert len(rows) == 1 and tok not in [str(v) for v in rows[0]]
    assert sql(store, "SELECT token_hash FROM api_tokens WHERE token_id = :t", t=token_id)[0][0] \
        == hashlib.sha256(tok.encode()).hexdigest()


def test_openapi_describes_the_read_api(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/cases/{case_id}", "/api/flags", "/api/board", "/api/reports/national",
            "/api/audit"} <= set(paths)


def test_flags_page_on_with_limit_and_offset(client, store, token):
    tok = token("force_data_team", area="kent")
    everything = client.get("/api/flags", headers=bearer(tok)).json()["flags"]
    first = client.get("/api/flags", params={"limit": 5}, headers=bearer(tok)).json()
    second = client.get("/api/flags", params={"limit": 5, "offset": 5},
                        headers=bearer(tok)).json()
    assert first["more"] is True and (first["count"], second["count"]) == (5, 5)
    assert first["flags"] + second["flags"] == everything[:10]
    assert client.get("/api/flags", params={"limit": 0}, headers=bearer(tok)).status_code == 422
    huge = client.get("/api/flags", params={"offset": "99999999999999999999"},
                      headers=bearer(tok))
    assert huge.status_code == 422  # not a 500 from the driver
    assert huge.json()["detail"][0]["loc"] == ["query", "offset"]


@pytest.mark.postgres
def test_isolation_and_its_audit_hold_on_postgresql(pg_store):
    from fastapi.testclient import TestClient

    from engine.api.app import create_app
    from engine.api.tokens import create_token
    from engine.terms import Role

    tok = create_token(pg_store.engine, Role.force_data_team, "kent").token
    own, other = a_case(pg_store, "kent"), a_case(pg_store, "metropolitan")
    with TestClient(create_app(pg_store.url)) as client:
        assert client.get(f"/api/cases/{own}", headers=bearer(tok)).status_code == 200
        assert last_audit(pg_store)[2:] == ("api.case.read", {"case_id": own, "area": "kent"})
        assert client.get(f"/api/cases/{other}", headers=bearer(tok)).status_code == 404
        assert last_audit(pg_store)[3]["reason"] == "case outside the token's scope"
        national = client.get("/api/flags", headers=bearer(create_token(
            pg_store.engine, Role.national_lead).token))
        assert national.status_code == 403
        # keyset pages on PostgreSQL: every flag once, in the order SQLite gives
        seen, page = [], client.get("/api/flags?limit=9", headers=bearer(tok)).json()
        while True:
            seen += [f["flag_id"] for f in page["flags"]]
            if not page["next"]:
                break
            page = client.get(f"/api/flags?limit=9&after={page['next']}",
                              headers=bearer(tok)).json()
        total = sql(pg_store, "SELECT count(*) FROM instances WHERE area = 'kent' AND status "
                              "IN ('late', 'missed', 'due_soon', 'violated')")[0][0]
        assert len(seen) == len(set(seen)) == total


def test_a_misspelt_filter_is_a_422_naming_what_is_allowed(client, store, token):
    tok = token("force_data_team", area="kent")
    response = client.get("/api/flags", params={"status": "misssed"}, headers=bearer(tok))
    assert response.status_code == 422
    assert "'missed'" in response.text and "'violated'" in response.text
