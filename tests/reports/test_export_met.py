"""The exports carry every step instance of each swept case as judged, `met` included,
although the store keeps only the others (met ones are counted): each instance's step,
status, trigger, satisfier, due instant, owner, severity, version (and in OCEL its
explanation) equal what `evaluate_case` gives for the case as of its last sweep. A case
never swept carries none. On SQLite and PostgreSQL, by the per-case engine (small
chunks) and the batch engine (a chunk of hundreds of cases)."""

from __future__ import annotations

import io
import json
import sqlite3
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import select

from engine.evaluate import Instance, evaluate_case
from engine.export.log import read_traces
from engine.export.ocel import write_ocel
from engine.export.xes import write_xes
from engine.ingest import ingest_paths, load_event_vocabulary
from engine.store import case_events, cases, engine_for, rules_for
from tests.reports.conftest import Store
from tests.reports.sql import sql

NS = "{http://www.xes-standard.org/}"


def judged(store: Store, area: str | None = None) -> dict[str, list[Instance]]:
    """Every swept case (of `area`) judged by the per-case engine as of its last sweep."""
    rules = rules_for(store.engine)
    query = select(cases.c.case_id, cases.c.evaluated_as_of)
    if area is not None:
        query = query.where(cases.c.area == area)
    with store.engine.connect() as conn:
        swept = [(c, at) for c, at in conn.execute(query).all() if at is not None]
        evs = case_events(conn, [c for c, _ in swept])
    return {c: evaluate_case(rules, evs[c], at).instances for c, at in swept}


def _millis(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds")


def _xes_instances(store: Store, area: str | None, chunk: int
                   ) -> tuple[Counter[tuple[Any, ...]], dict[str, str]]:
    """(case, trigger event, step, status, due, owner, severity, version) of every
    instance on a case's events, and each event's `satisfies`."""
    buf = io.StringIO()
    write_xes(buf, read_traces(store.engine, area, chunk=chunk))
    found: Counter[tuple[Any, ...]] = Counter()
    satisfies = {}
    for trace in ET.fromstring(buf.getvalue()).iter(f"{NS}trace"):
        name = next(a.get("value") for a in trace if a.get("key") == "concept:name")
        if name.startswith("area:"):
            continue
        for event in trace.iter(f"{NS}event"):
            attrs = {a.get("key"): a.get("value") for a in event}
            steps: dict[str, dict[str, str]] = {}
            for key, value in attrs.items():
                if key.startswith("step:"):
                    _, prefix, field = key.split(":")
                    steps.setdefault(prefix, {})[field] = value
            for prefix, f in steps.items():
                found[(name, attrs["event_id"], prefix.split("#")[0], f["status"],
                       f.get("due"), f["owner"], f["severity"], f["version"])] += 1
            if "satisfies" in attrs:
                satisfies[attrs["event_id"]] = attrs["satisfies"]
    return found, satisfies


def _check_xes(store: Store, area: str | None, chunk: int) -> None:
    expected = judged(store, area)
    found, satisfies = _xes_instances(store, area, chunk)
    want = Counter((c, i.trigger_event, i.step, str(i.status),
                    None if i.due is None else _millis(i.due), i.owner, i.severity, i.version)
                   for c, insts in expected.items() for i in insts if i.trigger_event)
    assert found == want
    met = sum(n for k, n in want.items() if k[3] == "met")
    stored = sql(store, "SELECT count(*) FROM instances WHERE case_id IS NOT NULL "
                        "AND status = 'met'")[0][0]
    assert met > 100 and stored == 0  # met instances judged again: the store keeps none
    by_satisfier: dict[str, set[str]] = {}
    for insts in expected.values():
        for i in insts:
            if i.satisfied_by is not None:
                by_satisfier.setdefault(i.satisfied_by, set()).add(i.step)
    assert satisfies == {e: ",".join(sorted(s)) for e, s in by_satisfier.items()}


def _check_ocel(store: Store, area: str | None, chunk: int) -> None:
    buf = io.StringIO()
    write_ocel(buf, read_traces(store.engine, area, chunk=chunk), load_event_vocabulary())
    doc = json.loads(buf.getvalue())
    linked: dict[tuple[str, str], str] = {}
    for ev in doc["events"]:
        for r in ev["relationships"]:
            if r["qualifier"] in ("triggers", "satisfies"):
                assert (r["objectId"], r["qualifier"]) not in linked
                linked[(r["objectId"], r["qualifier"])] = ev["id"]
    found: Counter[tuple[Any, ...]] = Counter()
    for o in doc["objects"]:
        case = next((r["objectId"] for r in o["relationships"]
                     if r["qualifier"] == "of case"), None) if o["type"] == "step_instance" \
            else None
        if case is None:
            continue
        a = {x["name"]: x["value"] for x in o["attributes"]}
        found[(case.removeprefix("case:"), a["step"], a["status"],
               linked.get((o["id"], "triggers")), linked.get((o["id"], "satisfies")),
               a.get("due"), a["owner"], a["severity"], a["version"], a["explanation"])] += 1
    want = Counter(
        (c, i.step, str(i.status), i.trigger_event, i.satisfied_by,
         None if i.due is None else i.due.astimezone(UTC).isoformat().replace("+00:00", "Z"),
         i.owner, i.severity, i.version, i.explanation)
        for c, insts in judged(store, area).items() for i in insts)
    assert found == want
    assert Counter(k[2] for k in want)["met"] > 100


def test_xes_carries_met_instances_as_judged_case_by_case(store: Store) -> None:
    _check_xes(store, None, chunk=7)


def test_ocel_carries_met_instances_as_judged_case_by_case(store: Store) -> None:
    _check_ocel(store, "kent", chunk=7)


def test_exports_carry_met_instances_as_judged_in_batch(simulated_store: Store) -> None:
    # Hundreds of cases in one chunk: judged again by the batch engine.
    assert sql(simulated_store, "SELECT count(*) FROM cases")[0][0] >= 200
    _check_xes(simulated_store, None, chunk=2000)
    _check_ocel(simulated_store, None, chunk=2000)


@pytest.mark.postgres
def test_exports_carry_met_instances_as_judged_on_postgresql(pg_store: Store) -> None:
    _check_xes(pg_store, None, chunk=7)
    _check_ocel(pg_store, "kent", chunk=7)


def test_a_case_never_swept_carries_no_instances(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "copy.db"
    with sqlite3.connect(store.url.removeprefix("sqlite:///")) as src, \
            sqlite3.connect(path) as dst:
        src.backup(dst)
    url = f"sqlite:///{path}"
    (tmp_path / "new.jsonl").write_text(json.dumps(
        {"event_id": "KE-NEW-001", "case_id": "KE-NEW", "area": "kent",
         "type": "case.reported", "at": "2026-06-01T09:00:00+00:00", "source": "police",
         "data": {"offence": "rape", "complainant_age": "adult"}}) + "\n")
    assert ingest_paths(url, [str(tmp_path / "new.jsonl")], actor="test").rejected == 0
    copy = Store(url, engine_for(url), store.facts, store.events_file)
    found, _ = _xes_instances(copy, "kent", chunk=7)
    assert not [k for k in found if k[0] == "KE-NEW"]
    assert found == _xes_instances(store, "kent", chunk=7)[0]  # the swept cases unchanged
    buf = io.StringIO()
    write_ocel(buf, read_traces(copy.engine, "kent"), load_event_vocabulary())
    doc = json.loads(buf.getvalue())
    assert not [o for o in doc["objects"] if o["type"] == "step_instance"
                and {"objectId": "case:KE-NEW", "qualifier": "of case"} in o["relationships"]]
    assert "case:KE-NEW" in {o["id"] for o in doc["objects"]}
