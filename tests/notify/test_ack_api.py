"""`POST /api/flags/{id}/ack`: fixed reasons, role and area rules, audit; an acknowledged
flag leaves digests and escalation but keeps its status; data errors reach the board
(issue 13, Deliver 4)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from engine.api.app import create_app
from engine.api.tokens import create_token
from engine.notify.run import preview
from engine.store.audit import entries
from engine.store.db import engine_for
from engine.terms import Role
from tests.notify.scenario import AS_OF, Scenario, build


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Scenario, TestClient]]:
    s = build(tmp_path_factory.mktemp("ack"))
    with TestClient(create_app(s.url)) as client:
        yield s, client


def tok(s: Scenario, role: str, area: str | None = None, cps: str | None = None
        ) -> dict[str, str]:
    t = create_token(engine_for(s.url), Role(role), area, cps).token
    return {"Authorization": f"Bearer {t}"}


def flag(client: TestClient, headers: dict[str, str], step: str, case: str) -> dict[str, Any]:
    rows = client.get("/api/flags", headers=headers).json()["flags"]
    (row,) = [r for r in rows if r["step"] == step and r["case_id"] == case]
    return dict(row)


def test_acknowledging_follows_the_role_and_area_rules(
        world: tuple[Scenario, TestClient]) -> None:
    s, client = world
    force = tok(s, "force_data_team", "south-wales")
    cps = tok(s, "cps_unit", cps="cymru-wales")
    violated = flag(client, force, "no_isva_sharing_without_consent", "SW-26-000001")
    cps_flag = flag(client, force, "cps_inform_decision", "SW-26-000002")
    assert violated["acknowledged"] is None and violated["flag_id"].startswith("f")

    def ack(headers: dict[str, str], fid: str, body: Any) -> tuple[int, Any]:
        r = client.post(f"/api/flags/{fid}/ack", headers=headers, json=body)
        return r.status_code, r.json()

    # other roles: 403 whatever the flag
    for role, kw in (("isva_service", {"area": "south-wales"}), ("national_lead", {}),
                     ("auditor", {})):
        assert ack(tok(s, role, **kw), violated["flag_id"], {"reason": "actioned"}) == (
            403, {"detail": "this token's role may not acknowledge this flag"})
    # another area's flag, or no such flag: 404
    gm = tok(s, "force_data_team", "greater-manchester")
    assert ack(gm, violated["flag_id"], {"reason": "actioned"}) == (404, {"detail": "not found"})
    assert ack(force, "f0000000000000000000", {"reason": "actioned"})[0] == 404
    # another agency's step in the token's own area: 403
    assert ack(force, cps_flag["flag_id"], {"reason": "actioned"})[0] == 403
    assert ack(cps, violated["flag_id"], {"reason": "actioned"})[0] == 403
    # no free text, no reason outside the list
    assert ack(force, violated["flag_id"], {"reason": "actioned", "note": "called her"})[0] == 422
    assert ack(force, violated["flag_id"], {"reason": "other"})[0] == 422

    code, body = ack(force, violated["flag_id"], {"reason": "actioned"})
    assert code == 201
    assert {k: v for k, v in body.items() if k != "at"} == {
        "flag_id": violated["flag_id"], "area": "south-wales", "case_id": "SW-26-000001",
        "step": "no_isva_sharing_without_consent", "owner": "police", "reason": "actioned",
        "by": body["by"], "role": "force_data_team"}
    assert ack(force, violated["flag_id"], {"reason": "data_error"}) == (
        409, {"detail": "this flag is already acknowledged"})
    code, body = ack(cps, cps_flag["flag_id"], {"reason": "data_error"})
    assert code == 201 and body["reason"] == "data_error"

    # the status stays what the events say; the flags view shows the acknowledgement
    after = flag(client, force, "no_isva_sharing_without_consent", "SW-26-000001")
    assert (after["status"], after["acknowledged"]) == ("violated", "actioned")
    audited = [(e["action"], e["detail"].get("reason"), e["detail"].get("status"))
               for e in reversed(entries(s.url)) if e["action"] in ("flag.ack", "api.refused")]
    assert audited == [
        ("api.refused", "role isva_service may not acknowledge", 403),
        ("api.refused", "role national_lead may not acknowledge", 403),
        ("api.refused", "role auditor may not acknowledge", 403),
        ("api.refused", "no such flag in the token's scope", 404),
        ("api.refused", "no such flag in the token's scope", 404),
        ("api.refused", "owner cps is not the force_data_team's agency", 403),
        ("api.refused", "owner police is not the cps_unit's agency", 403),
        ("flag.ack", "actioned", None),
        ("api.refused", "already acknowledged", 409),
        ("flag.ack", "data_error", None)]

    # acknowledged flags leave the plan; the digest says how many were left out
    planned = preview(s.url, s.notifier, AS_OF)
    keys = {(p.recipient.key, i.flag.step) for p, _ in planned.messages for i in p.items}
    assert ("south-wales/police", "no_isva_sharing_without_consent") not in keys
    assert ("south-wales/cps", "cps_inform_decision") not in keys
    assert not [p for p, _ in planned.messages if p.recipient.key == "south-wales/cps"]
    # data errors are counted on the board
    board = client.get("/api/board", headers=force).json()
    assert board["data_errors_acknowledged"] == {"south-wales": 1}


def test_a_later_sweep_keeps_the_acknowledgement(world: tuple[Scenario, TestClient]) -> None:
    s, client = world
    s.sweep(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    force = tok(s, "force_data_team", "south-wales")
    after = flag(client, force, "no_isva_sharing_without_consent", "SW-26-000001")
    assert (after["status"], after["acknowledged"]) == ("violated", "actioned")


def test_nothing_is_acknowledged_through_a_missing_token(world: tuple[Scenario, TestClient],
                                                         tmp_path: Path) -> None:
    _, client = world
    r = client.post("/api/flags/f0/ack", json={"reason": "actioned"})
    assert r.status_code == 401
