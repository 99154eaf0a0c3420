"""The API under hostile and heavy use: security headers, validated keyset paging of
flags, the national snapshot with its ETag and as-of, and an audit log whose growth per
request is bounded (refusals cut and aggregated per client and minute, list reads
recorded compactly while `who-read` still answers)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from engine.api.app import create_app
from engine.api.refusals import RefusalLog
from engine.cli.app import app as cli
from engine.store.audit_reads import who_read
from engine.store.db import reading
from tests.api.conftest import bearer
from tests.reports.sql import sql

MINUTE = datetime(2026, 7, 1, 9, 30, 15, tzinfo=UTC)


def _entries_after(store, last_id: int) -> list[tuple]:
    return [tuple(r) for r in sql(store, "SELECT id, at, who, role, action, detail, prev_hash, "
                                         "hash FROM audit_log WHERE id > :i ORDER BY id",
                                  i=last_id)]


def _size(entry: tuple) -> int:
    """An entry's bytes as stored: its columns, the JSON detail as text."""
    detail = entry[5] if isinstance(entry[5], str) else json.dumps(entry[5])
    return sum(len(str(v).encode()) for v in (*entry[:5], detail, *entry[6:]))


def _last_id(store) -> int:
    return sql(store, "SELECT COALESCE(MAX(id), 0) FROM audit_log")[0][0]


def test_responses_carry_the_security_headers(client, store, token):
    tok = token("force_data_team", area="kent")
    case_id = sql(store, "SELECT case_id FROM cases WHERE area = 'kent' LIMIT 1")[0][0]
    for path in (f"/api/cases/{case_id}", "/api/flags", "/dashboard/login"):
        r = client.get(path, headers=bearer(tok))
        assert r.status_code == 200, path
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["cache-control"] == "no-store"
        assert r.headers["content-security-policy"].startswith("default-src 'none'; ")
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert client.get("/api/board").headers["x-frame-options"] == "DENY"  # a 401 too


def test_flags_page_by_keyset_with_validated_limits(client, store, token):
    tok = token("force_data_team", area="kent")
    first = client.get("/api/flags", headers=bearer(tok)).json()
    total = sql(store, "SELECT count(*) FROM instances WHERE area = 'kent' AND status IN "
                       "('late', 'missed', 'due_soon', 'violated')")[0][0]
    assert first["limit"] == 100 and first["count"] == min(100, total)
    seen, page = [], client.get("/api/flags?limit=7", headers=bearer(tok)).json()
    while True:
        seen += [f["flag_id"] for f in page["flags"]]
        if not page["next"]:
            assert page["more"] is False
            break
        page = client.get(f"/api/flags?limit=7&after={page['next']}", headers=bearer(tok)).json()
    assert len(seen) == len(set(seen)) == total
    by_offset = client.get("/api/flags?limit=7&offset=7", headers=bearer(tok)).json()
    assert [f["flag_id"] for f in by_offset["flags"]] == seen[7:14]
    for query, status in (("limit=0", 422), ("limit=501", 422), ("offset=-1", 422),
                          ("offset=10001", 422), (f"offset={10 ** 20}", 422),
                          ("after=bm9wZQ", 400), ("after=" + "A" * 600, 422),
                          ("after=WyJub3QgYW4gaW5zdGFudCIsIiIsMV0", 400)):
        assert client.get(f"/api/flags?{query}", headers=bearer(tok)).status_code == status, \
            query


def test_the_national_snapshot_states_its_as_of_and_revalidates_by_etag(client, store, token):
    tok = token("national_lead")
    r = client.get("/api/reports/national", headers=bearer(tok))
    assert r.status_code == 200 and r.headers["cache-control"] == "private, no-cache"
    body = r.json()
    assert body["as_of"] == "2026-06-30T12:00:00+00:00" == r.headers["x-liaison-as-of"]
    assert body["snapshot"]["written_by"] in ("first read", "sweep", "report national")
    etag = r.headers["etag"]
    again = client.get("/api/reports/national",
                       headers={**bearer(tok), "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert client.get("/api/reports/national", headers=bearer(token("auditor"))
                      ).status_code == 403


def test_the_sweep_command_writes_the_snapshot_the_api_serves(tmp_path):
    from tests.reports.cohort import write_cohort

    url = f"sqlite:///{tmp_path / 'liaison.db'}"
    events = tmp_path / "events.jsonl"
    write_cohort(events)
    runner = CliRunner()
    for args in (["db", "upgrade"], ["ingest", str(events)],
                 ["sweep", "--as-of", "2026-06-30T12:00:00+00:00"]):
        assert runner.invoke(cli, [*args, "--db", url]).exit_code == 0, args
    from engine.api.tokens import create_token
    from engine.reports.snapshot import read_national
    from engine.store.db import engine_for
    from engine.terms import Role

    snap = read_national(engine_for(url))
    assert snap is not None and snap.written_by == "sweep"
    assert snap.as_of == datetime(2026, 6, 30, 12, tzinfo=UTC)
    with TestClient(create_app(url)) as c:
        tok = create_token(engine_for(url), Role.national_lead).token
        r = c.get("/api/reports/national", headers=bearer(tok))
    assert r.headers["etag"] == snap.etag and r.text == snap.data_json


@pytest.fixture
def fixed_minute(client):
    """The app's refusal log with a clock stopped inside one minute, restored after."""
    before = client.app.state.refusals
    now = [MINUTE]
    log = client.app.state.refusals = RefusalLog(before.engine, clock=lambda: now[0])
    yield now
    log.flush()
    client.app.state.refusals = before


def test_a_flood_of_anonymous_refusals_grows_the_audit_by_a_bounded_amount(
        client, store, fixed_minute):
    start = _last_id(store)
    path = "/api/cases/" + "x" * 60_000
    for _ in range(500):
        assert client.get(path).status_code == 401
    client.app.state.refusals.flush()
    entries = _entries_after(store, start)
    assert [e[4] for e in entries] == ["api.refused", "api.refused.repeated"]
    first, repeated = (json.loads(e[5]) if isinstance(e[5], str) else e[5] for e in entries)
    assert first["path"] == "/api/cases/" + "x" * 149 + "…(+59851 chars)"
    assert (repeated["client"], repeated["refusals"], repeated["status"]) == (
        "addr:testclient", 499, 401)
    # The bound: two entries per client, kind of refusal and minute, each under 1 KB.
    assert max(_size(e) for e in entries) < 1024
    assert sum(_size(e) for e in entries) / 500 < 4  # bytes per request


def test_a_new_minute_starts_a_new_full_entry(client, store, fixed_minute):
    start = _last_id(store)
    for minute in (0, 0, 1, 1, 1):
        fixed_minute[0] = MINUTE.replace(minute=30 + minute)
        client.get("/api/board", headers=bearer("lia_nothere_x"))
    client.app.state.refusals.flush()
    got = [(e[4], json.loads(e[5]) if isinstance(e[5], str) else e[5])
           for e in _entries_after(store, start)]
    assert [(a, d.get("refusals"), d.get("minute")) for a, d in got] == [
        ("api.refused", None, None),
        ("api.refused.repeated", 1, "2026-07-01T09:30:00+00:00"),
        ("api.refused", None, None),
        ("api.refused.repeated", 2, "2026-07-01T09:31:00+00:00")]


def test_mixed_reads_grow_the_audit_by_a_bounded_amount_and_who_read_still_answers(
        client, store, token):
    tok = token("force_data_team", area="kent")
    start = _last_id(store)
    ids = [r[0] for r in sql(store, "SELECT case_id FROM cases WHERE area = 'kent' "
                                    "ORDER BY case_id")]
    for i in range(200):
        if i % 2:
            assert client.get(f"/api/cases/{ids[i % len(ids)]}",
                              headers=bearer(tok)).status_code == 200
        else:
            assert client.get("/api/flags", headers=bearer(tok)).status_code == 200
    entries = _entries_after(store, start)
    assert len(entries) == 200
    sizes = {a: max(_size(e) for e in entries if e[4] == a) for a in
             ("api.case.read", "api.flags.read")}
    # A case read is one small entry; a page of flags (100 rows) names its cases once.
    assert sizes["api.case.read"] < 400
    assert sizes["api.flags.read"] < 400 + 100 * 13
    assert sum(_size(e) for e in entries) / len(entries) < 1024
    listed = json.loads(entries[0][5]) if isinstance(entries[0][5], str) else entries[0][5]
    case_on_page = listed["cases"].split()[0]
    with reading(store.engine) as conn:
        reads = who_read(conn, case_on_page)
    assert {(r.who, r.action, r.how) for r in reads if r.entry > start} >= {
        (entries[0][2], "api.flags.read", "listed it among flags")}


@pytest.mark.postgres
def test_the_growth_bound_holds_on_postgresql(pg_store):
    """The same flood and the same mixed reads against the app on PostgreSQL."""
    from engine.api.tokens import create_token
    from engine.terms import Role

    with TestClient(create_app(pg_store.url)) as c:
        c.app.state.refusals = RefusalLog(pg_store.engine, clock=lambda: MINUTE)
        start = _last_id(pg_store)
        for _ in range(200):
            assert c.get("/api/cases/" + "x" * 60_000).status_code == 401
        c.app.state.refusals.flush()
        flood = _entries_after(pg_store, start)
        assert [e[4] for e in flood] == ["api.refused", "api.refused.repeated"]
        assert max(_size(e) for e in flood) < 1024
        tok = create_token(pg_store.engine, Role.force_data_team, "kent").token
        start = _last_id(pg_store)
        case_id = sql(pg_store, "SELECT case_id FROM cases WHERE area = 'kent' LIMIT 1")[0][0]
        for i in range(40):
            path = "/api/flags" if i % 2 else f"/api/cases/{case_id}"
            assert c.get(path, headers=bearer(tok)).status_code == 200
        mixed = _entries_after(pg_store, start)
        assert len(mixed) == 40 and sum(_size(e) for e in mixed) / 40 < 1024
    with reading(pg_store.engine) as conn:
        assert [r.who for r in who_read(conn, case_id) if r.entry > start][:1] == [
            mixed[0][2]]
    assert CliRunner().invoke(cli, ["audit", "verify", "--db", pg_store.url]).exit_code == 0
