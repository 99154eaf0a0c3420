"""Explanations built on read (engine/store/explanations.py): every reader's text equals
what the per-case engine writes for the same instance, with no stored text and no
stored `met` rows to lean on; a page of flags costs one events query; a row judging
again no longer gives says so; the case read shows every instance, `met` included, in
the reader's scope, audited as before."""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select, text

from engine.api.app import create_app
from engine.api.roles import isva_related
from engine.api.tokens import create_token
from engine.calendar import LONDON
from engine.config import ConfigSet, load_config
from engine.evaluate import Instance, evaluate_area, evaluate_case
from engine.events import Event
from engine.export import read_traces, write_ocel, write_xes
from engine.export.ocel import ocel_time
from engine.export.xes import xes_time
from engine.ingest import ingest_paths, load_event_vocabulary
from engine.simulate import CohortSpec, resolve_areas, write_cohort
from engine.store import (
    VERDICT_COLUMNS,
    Actor,
    case_detail,
    engine_for,
    entries,
    explain_rows,
    flags,
    instances,
    read_events,
    reading,
    rules_for,
    upgrade,
    writing,
)
from engine.sweep import run_sweep
from engine.terms import Role
from tests.pgschema import postgres_schema
from tests.store.store_data import case_events, write_jsonl

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "area_configs"
AS_OF = datetime(2026, 6, 1, 11, tzinfo=UTC)
CY = Actor("cy", "cps_unit")


@dataclass(frozen=True)
class Judged:
    url: str
    engine: Engine
    config: ConfigSet
    events: dict[str | None, list[Event]]  # by case id; None: area-level events


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres",
                                                                marks=pytest.mark.postgres)])
def judged(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Judged]:
    """Simulated cases of three overlay areas and a force without one (area-level
    meetings included), swept (pages of 200 or more go through the batch engine): a store
    that keeps neither explanation text nor `met` rows."""
    config = load_config(CONFIG)
    root = tmp_path_factory.mktemp("explained")
    areas = resolve_areas("overlays", config)[:3] + ("cumbria",)
    write_cohort(CohortSpec(areas, 260, 5, years=1.0, as_of=AS_OF), config, root)
    with postgres_schema("t_") if request.param == "postgres" else _sqlite(root) as url:
        upgrade(url)
        assert ingest_paths(url, [str(root / "events.jsonl")], actor="test").rejected == 0
        run_sweep(url, AS_OF, config_dir=CONFIG)
        eng = engine_for(url)
        with writing(eng) as conn:
            # the sweep keeps neither explanation text nor case-level met rows; the few
            # area-level met rows go too, so no reader can lean on them
            assert conn.execute(text("SELECT count(*) FROM instances WHERE status = 'met' "
                                     "AND case_id IS NOT NULL")).scalar_one() == 0
            conn.execute(text("DELETE FROM instances WHERE status = 'met'"))
        by_case: dict[str | None, list[Event]] = {}
        with reading(eng) as conn:
            for e in read_events(conn, "1 = 1", []):
                by_case.setdefault(e.case_id, []).append(e)
        yield Judged(url, eng, config, by_case)


class _sqlite:
    def __init__(self, root: Path):
        self.url = f"sqlite:///{root / 'liaison.db'}"

    def __enter__(self) -> str:
        return self.url

    def __exit__(self, *exc: object) -> None:
        engine_for(self.url).dispose()


def _per_case(j: Judged, case_id: str) -> list[Instance]:
    return evaluate_case(j.config.rules(), j.events[case_id], AS_OF).instances


def _ident(r: Any) -> tuple[Any, ...]:
    return (r.step, r.trigger_event, r.trigger_at)


def test_every_stored_row_reads_the_per_case_engines_explanation(judged: Judged) -> None:
    """All rows at once: their 260 cases are judged by the batch engine."""
    with reading(judged.engine) as conn:
        rows = conn.execute(select(*VERDICT_COLUMNS).order_by(instances.c.id)).all()
        said = explain_rows(conn, rows, rules_for(judged.engine, CONFIG))
    expected: dict[tuple[Any, ...], str] = {}
    for cid in {r.case_id for r in rows if r.case_id is not None}:
        expected.update({(cid, *_ident(i)): i.explanation for i in _per_case(judged, cid)})
    for area in {r.area for r in rows if r.case_id is None}:
        expected.update({(area, *_ident(i)): i.explanation for i in evaluate_area(
            judged.config.rules(), area, judged.events[None], AS_OF)})
    assert said == [expected[(r.case_id or r.area, *_ident(r))] for r in rows]
    assert "stored text" not in said
    kinds = {(r.case_id is None, r.status) for r in rows}
    assert {(False, "missed"), (False, "due"), (False, "cancelled"), (True, "due")} <= kinds
    assert len(rows) > 300


def test_a_page_of_flags_costs_one_events_query(judged: Judged) -> None:
    rules = rules_for(judged.engine, CONFIG)
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "FROM events" in statement:
            seen.append(statement)

    with reading(judged.engine) as conn:
        rows = conn.execute(select(*VERDICT_COLUMNS).where(
            instances.c.case_id.is_not(None), instances.c.status.in_(("missed", "due")))
            .order_by(instances.c.id).limit(100)).all()
        event.listen(judged.engine, "before_cursor_execute", count)
        try:
            said = explain_rows(conn, rows, rules)
        finally:
            event.remove(judged.engine, "before_cursor_execute", count)
    assert len(rows) == 100 and len({r.case_id for r in rows}) > 40
    assert len(seen) == 1
    # fewer cases than a batch: judged case by case, to the same text
    expected = {(r.case_id, *_ident(i)): i.explanation for r in rows
                for i in _per_case(judged, r.case_id)}
    assert said == [expected[(r.case_id, *_ident(r))] for r in rows]


def test_the_case_read_shows_every_instance_met_included_as_the_engine_judges(
        judged: Judged) -> None:
    with reading(judged.engine) as conn:
        case_ids = sorted(conn.execute(text("SELECT case_id FROM cases")).scalars())[::9]
    compared = met = 0
    for cid in case_ids:
        detail = case_detail(judged.url, cid, CY, CONFIG)
        assert detail is not None
        keys = ("step", "status", "trigger_event", "due", "satisfied_by", "owner", "severity",
                "explanation")
        shown = [{k: i[k] for k in keys} for i in detail["instances"]]
        assert shown == [i.to_json() for i in _per_case(judged, cid)]
        compared += len(shown)
        met += sum(i["status"] == "met" for i in shown)
    assert compared > 100 and met > 30
    # audited as before: one `case.read` a read (newest first)
    assert [e["detail"] for e in entries(judged.url, "case.read")][:len(case_ids)] == [
        {"case_id": cid, "found": True} for cid in reversed(case_ids)]


def test_an_isva_reads_isva_steps_only_met_ones_included(judged: Judged) -> None:
    area = "cumbria"
    with reading(judged.engine) as conn:
        cid = next(c for c in conn.execute(text(
            "SELECT case_id FROM cases WHERE area = :a ORDER BY case_id"), {"a": area}).scalars()
            if any(i.status == "met" and i.step == "police_refer_to_support"
                   for i in _per_case(judged, c)))
    allowed = {s.id for s in judged.config.national.steps if isva_related(s)}
    isva = create_token(judged.engine, Role.isva_service, area, None).token
    lead = create_token(judged.engine, Role.national_lead, None, None).token
    with TestClient(create_app(judged.url, CONFIG)) as client:
        body = client.get(f"/api/cases/{cid}",
                          headers={"Authorization": f"Bearer {isva}"}).json()
        refused = client.get(f"/api/cases/{cid}", headers={"Authorization": f"Bearer {lead}"})
    expected = [i.to_json() for i in _per_case(judged, cid) if i.step in allowed]
    assert [{k: i[k] for k in expected[0]} for i in body["instances"]] == expected
    assert any(i["status"] == "met" for i in body["instances"])
    cited = {i["trigger_event"] for i in expected} | {i["satisfied_by"] for i in expected}
    assert {e["event_id"] for e in body["events"]} - cited <= {
        e.event_id for e in judged.events[cid]
        if e.type.startswith(("isva.", "case.reported", "consent.", "complainant."))}
    assert refused.status_code == 403
    with reading(judged.engine) as conn:
        last = conn.execute(text("SELECT role, action FROM audit_log ORDER BY id DESC LIMIT 2")
                            ).all()
    assert [tuple(r) for r in last] == [("national_lead", "api.refused"),
                                        ("isva_service", "api.case.read")]


def test_a_row_the_case_has_outgrown_says_so_until_the_next_sweep(
        db: str, config_dir: Path, tmp_path: Path) -> None:
    as_of = datetime(2026, 3, 10, 12, tzinfo=UTC)
    ingest_paths(db, [str(write_jsonl(tmp_path / "a.jsonl", case_events(3, "kent")))],
                 config_dir=config_dir)
    run_sweep(db, as_of, config_dir=config_dir)
    (before,) = [f for f in flags(db, CY, config_dir=config_dir)
                 if f["step"] == "police_inform_arrest"]
    assert before["status"] == "missed"
    assert before["explanation"].startswith("Arrest on Tue 3 Mar 12:00 (event T-000003-a); ")
    late = {"event_id": "T-000003-i", "case_id": "T-000003", "area": "kent",
            "type": "complainant.informed", "at": "2026-03-09T10:00:00+00:00",
            "source": "police", "data": {"topic": "arrest"}}
    ingest_paths(db, [str(write_jsonl(tmp_path / "b.jsonl", [late]))], config_dir=config_dir)
    (stale,) = [f for f in flags(db, CY, config_dir=config_dir)
                if f["step"] == "police_inform_arrest"]
    assert stale["status"] == "missed" and stale["explanation"] == (
        "missed as judged at 2026-03-10T12:00+00:00; the case's events or rules have changed "
        "since, and the next sweep judges it again.")
    run_sweep(db, as_of, config_dir=config_dir)
    (now,) = [f for f in flags(db, CY, config_dir=config_dir)
              if f["step"] == "police_inform_arrest"]
    assert now["status"] == "late" and "done by complainant.informed{topic: arrest} " \
        "(event T-000003-i) on Mon 9 Mar 10:00: after the deadline, late." in now["explanation"]


@pytest.mark.parametrize("chunk", [50, 2000])  # case by case, and by the batch engine
def test_the_ocel_export_explains_as_the_engine_does_and_stamps_every_event(
        judged: Judged, chunk: int) -> None:
    buf = io.StringIO()
    written = write_ocel(buf, read_traces(judged.engine, chunk=chunk, config_dir=CONFIG),
                         load_event_vocabulary(CONFIG))
    doc = json.loads(buf.getvalue())
    with reading(judged.engine) as conn:
        rows = {r.id: r for r in conn.execute(select(*VERDICT_COLUMNS))}
    expected: dict[tuple[Any, ...], str] = {}
    for cid in {r.case_id for r in rows.values() if r.case_id is not None}:
        expected.update({(cid, *_ident(i)): i.explanation for i in _per_case(judged, cid)})
    for area in {r.area for r in rows.values() if r.case_id is None}:
        expected.update({(area, *_ident(i)): i.explanation for i in evaluate_area(
            judged.config.rules(), area, judged.events[None], AS_OF)})
    # The export carries every instance as judged: the stored rows, and each case's met
    # instances judged again (the store keeps none), explained as the engine does.
    objects = [o for o in doc["objects"] if o["type"] == "step_instance"]
    stored = [o for o in objects if o["id"].removeprefix("instance:").isdigit()]
    assert len(stored) == len(rows)
    for o in stored:
        r = rows[int(o["id"].removeprefix("instance:"))]
        said = {a["name"]: a["value"] for a in o["attributes"]}
        assert said["explanation"] == expected[(r.case_id or r.area, *_ident(r))]
        assert (said["status"], said.get("due")) == (
            r.status, None if r.due is None else ocel_time(r.due))
    triggers = {r["objectId"]: e["id"] for e in doc["events"] for r in e["relationships"]
                if r["qualifier"] == "triggers"}
    met = Counter()
    for o in objects:
        if o not in stored:
            said = {a["name"]: a["value"] for a in o["attributes"]}
            case = next(r["objectId"] for r in o["relationships"] if r["qualifier"] == "of case")
            met[(case.removeprefix("case:"), said["step"], said["status"], said.get("due"),
                 triggers.get(o["id"]), said["explanation"])] += 1
    with reading(judged.engine) as conn:
        swept = conn.execute(text("SELECT case_id FROM cases WHERE evaluated_as_of IS NOT NULL")
                             ).scalars().all()
    assert met == Counter((cid, i.step, "met", None if i.due is None else ocel_time(i.due),
                           i.trigger_event, i.explanation)
                          for cid in swept for i in _per_case(judged, cid)
                          if str(i.status) == "met")
    assert sum(met.values()) > 1000
    every = {e.event_id: e for evs in judged.events.values() for e in evs}
    assert written == len(doc["events"]) == len(every)
    assert all(e["time"] == ocel_time(every[e["id"]].at) for e in doc["events"])


def test_the_xes_export_of_one_area_stamps_its_events_as_before(judged: Judged) -> None:
    buf = io.StringIO()
    write_xes(buf, read_traces(judged.engine, "cumbria", config_dir=CONFIG))
    ns = "{http://www.xes-standard.org/}"
    stamps = {}
    for event_el in ET.fromstring(buf.getvalue()).iter(f"{ns}event"):
        a = {c.get("key"): c.get("value") for c in event_el}
        stamps[a["event_id"]] = a["time:timestamp"]
    with reading(judged.engine) as conn:
        cumbria = set(conn.execute(text("SELECT case_id FROM cases WHERE area = 'cumbria'"))
                      .scalars())
    mine = [e for cid in cumbria for e in judged.events[cid]] + [
        e for e in judged.events[None] if e.area == "cumbria"]
    assert stamps == {e.event_id: xes_time(e.at) for e in mine} and len(stamps) > 100


def test_the_scrutiny_pack_shows_every_cadence_period_and_explains_violations(
        judged: Judged) -> None:
    from engine.reports import Quarter, build_scrutiny, facts_from

    facts = facts_from(judged.config)
    with reading(judged.engine) as conn:
        violation = conn.execute(select(instances.c.area, instances.c.trigger_at).where(
            instances.c.status == "violated").order_by(instances.c.trigger_at.desc())).first()
    assert violation is not None
    at = violation[1]
    met = shown = 0
    for area in sorted({violation[0], *facts.templates}):
        pack = build_scrutiny(judged.engine, facts, area, Quarter.containing(at),
                              suppress=False).data
        cadence = evaluate_area(judged.config.rules(), area, judged.events[None], AS_OF)
        assert pack["meeting_cadence"] == [
            {**{k: v for k, v in i.to_json().items() if k != "area"},
             "trigger_at": i.trigger_at.astimezone(LONDON).isoformat(), "version": i.version}
            for i in cadence if i.step == "scrutiny_group_meets"]
        met += sum(i["status"] == "met" for i in pack["meeting_cadence"])
        for v in pack["violations"]:
            (text_,) = [i.explanation for i in _per_case(judged, v["case_id"])
                        if (i.step, str(i.status)) == (v["step"], "violated")
                        and i.trigger_at.astimezone(LONDON).isoformat() == v["at"]]
            assert v["explanation"] == text_
            shown += 1
    assert met > 0 and shown > 0
