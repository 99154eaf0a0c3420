"""POST /api/plans and GET /api/reports/code-compliance: who may, what leaves, the audit."""

from __future__ import annotations

import json
from pathlib import Path

from tests.api.conftest import bearer
from tests.reports.cohort import AS_OF
from tests.reports.sql import sql

ROOT = Path(__file__).resolve().parents[2]


def _audit(store) -> tuple[str, str, dict]:  # type: ignore[no-untyped-def, type-arg]
    role, action, detail = sql(store, "SELECT role, action, detail FROM audit_log "
                                      "ORDER BY id DESC LIMIT 1")[0]
    return role, action, json.loads(detail) if isinstance(detail, str) else detail


def _draft() -> str:
    text = (ROOT / "area_configs" / "national" / "framework.yaml").read_text()
    start = text.index("  - id: police_inform_arrest")
    old = "deadline: {within: 1, unit: working_days}"
    at = text.index(old, start)
    return text[:at] + "deadline: {within: 12, unit: hours}" + text[at + len(old):]


def test_a_national_lead_runs_a_one_step_variant_impact(client, store, token) -> None:  # type: ignore[no-untyped-def]
    tok = token("national_lead")
    r = client.post("/api/plans", headers=bearer(tok),
                    json={"area": "kent", "under": "greater-manchester",
                          "steps": ["police_inform_arrest"], "as_of": AS_OF.isoformat()})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["kind"] == "variant" and body["steps"] == ["police_inform_arrest"]
    assert "most_affected" not in body and "case_id" not in r.text
    assert not any(c in r.text for c in ("KE-26-", "AS-26-", "MP-26-"))
    assert body["suppressed"] is True
    row = body["steps_compared"][0]
    assert (row["area"], row["step"]) == ("kent", "police_inform_arrest")
    role, action, detail = _audit(store)
    assert (role, action) == ("national_lead", "api.plan")
    assert (detail["area"], detail["under"], detail["steps"], detail["cases"]) == (
        "kent", "greater-manchester", ["police_inform_arrest"], 40)


def test_a_draft_framework_plan_names_overlay_files_relative_to_the_config(client, token) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/plans", headers=bearer(token("national_lead")),
                    json={"framework_yaml": _draft(), "as_of": AS_OF.isoformat()})
    assert r.status_code == 200, r.text
    below = r.json()["below_floor"]
    assert [(b["area"], b["file"], b["line"]) for b in below] == [
        ("greater-manchester", "areas/greater-manchester.yaml", 16)]
    bad = client.post("/api/plans", headers=bearer(token("national_lead")),
                      json={"framework_yaml": "framework_version: 2026.2\nsteps: 3\n"})
    assert bad.status_code == 422
    assert all("liaison-plan-" not in p for p in bad.json()["detail"])
    assert any(p.startswith("framework.yaml:") for p in bad.json()["detail"])


def test_plans_are_refused_to_other_roles_and_audited(client, store, token) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/plans", headers=bearer(token("force_data_team", area="kent")),
                    json={"area": "kent", "under": "national"})
    assert r.status_code == 403
    role, action, detail = _audit(store)
    assert (role, action, detail["reason"]) == ("force_data_team", "api.refused",
                                                "plans are for national leads")


def test_plan_requests_are_size_limited_and_checked(client, token) -> None:  # type: ignore[no-untyped-def]
    h = bearer(token("national_lead"))
    huge = {"framework_yaml": "#" * (300 * 1024)}
    assert client.post("/api/plans", headers=h, json=huge).status_code == 413
    for body, status in (({"area": "kent"}, 422), ({"area": "kent", "under": "national",
                                                     "framework_yaml": "x"}, 422),
                         ({"area": "Kent; drop", "under": "national"}, 422),
                         ({"area": "kent", "under": "national", "extra": 1}, 422),
                         ({"area": "kentt", "under": "national"}, 409),
                         ({"area": "kent", "under": "national", "steps": ["x"] * 51}, 422)):
        r = client.post("/api/plans", headers=h, json=body)
        assert r.status_code == status, (body, r.text)
    r = client.post("/api/plans", headers={**h, "content-type": "application/json"},
                    content=b"{not json")
    assert r.status_code == 422


def test_code_compliance_for_a_national_lead_and_within_a_scope(client, store, token) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/reports/code-compliance?quarter=2026Q2",
                   headers=bearer(token("national_lead")))
    assert r.status_code == 200
    body = r.json()
    assert body["quarter"] == "2026Q2" and body["quarters"][0] == "2025Q3"
    assert {row["area"] for row in body["compliance"]} == {"kent", "avon-and-somerset",
                                                            "metropolitan", "cumbria"}
    counts = [row[k] for row in body["compliance"] for k in ("due", "met", "late", "missed")]
    assert not any(isinstance(n, int) and 1 <= n <= 4 for n in counts)
    assert _audit(store)[1] == "api.report.code_compliance"
    kent = token("force_data_team", area="kent")
    r = client.get("/api/reports/code-compliance?quarter=2026Q2", headers=bearer(kent))
    assert {row["area"] for row in r.json()["compliance"]} == {"kent"}
    r = client.get("/api/reports/code-compliance?area=cumbria", headers=bearer(kent))
    assert r.status_code == 404
    assert client.get("/api/reports/code-compliance?quarter=2026Q5",
                      headers=bearer(kent)).status_code == 422
    assert client.get("/api/reports/code-compliance",
                      headers=bearer(token("auditor"))).status_code == 403
