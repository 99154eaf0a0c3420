"""The exports are valid XES (IEEE 1849-2016 structure) and OCEL 2.0 JSON, and carry
exactly the stored events and every step instance as judged (tests/reports/
test_export_met.py compares each instance's values)."""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import datetime
from xml.etree import ElementTree as ET

import jsonschema
from typer.testing import CliRunner

from engine.cli.app import app
from engine.export.log import read_traces
from engine.export.ocel import write_ocel
from engine.export.xes import write_xes
from engine.ingest import load_event_vocabulary
from tests.reports.sql import sql
from tests.reports.test_export_met import judged

NS = "{http://www.xes-standard.org/}"
TYPED = {"string", "date", "int", "float", "boolean", "id"}




def _attrs(element):
    """key -> (xes type, value) of an element's attribute children; keys are unique."""
    children = [c for c in element if c.tag.removeprefix(NS) in TYPED]
    keys = [c.get("key") for c in children]
    assert len(keys) == len(set(keys)), f"duplicate keys in {element.tag}: {keys}"
    return {c.get("key"): (c.tag.removeprefix(NS), c.get("value")) for c in children}


def test_xes_has_the_standard_structure_and_every_stored_event(store):
    buf = io.StringIO()
    written = write_xes(buf, read_traces(store.engine))
    root = ET.fromstring(buf.getvalue())
    assert root.tag == f"{NS}log" and root.get("xes.version") == "1849-2016"
    assert {e.get("prefix") for e in root.findall(f"{NS}extension")} == {"concept", "time", "org"}
    assert {g.get("scope") for g in root.findall(f"{NS}global")} == {"trace", "event"}
    traces = root.findall(f"{NS}trace")
    total = sql(store, "SELECT count(*) FROM events")[0][0]
    assert written == total == sum(len(t.findall(f"{NS}event")) for t in traces)
    case_count = sql(store, "SELECT count(*) FROM cases")[0][0]
    assert len([t for t in traces if not _attrs(t)["concept:name"][1].startswith("area:")]) \
        == case_count
    for trace in traces:
        assert _attrs(trace)["concept:name"][0] == "string"
        stamps = []
        for event in trace.findall(f"{NS}event"):
            a = _attrs(event)
            assert a["concept:name"][0] == "string" and a["time:timestamp"][0] == "date"
            stamps.append(datetime.fromisoformat(a["time:timestamp"][1]))
        assert stamps == sorted(stamps)


def test_xes_carries_each_instance_on_its_triggering_event(store):
    buf = io.StringIO()
    write_xes(buf, read_traces(store.engine, "kent"))
    root = ET.fromstring(buf.getvalue())
    found = Counter()
    for event in root.iter(f"{NS}event"):
        for key, (_t, value) in _attrs(event).items():
            if key.startswith("step:") and key.endswith(":status"):
                found[(_attrs(event)["event_id"][1], key.split(":")[1], value)] += 1
    # Every instance as judged: the area-level rows (all stored) and each case's
    # instances, met ones included although the store keeps only the others.
    expected = Counter(sql(store, "SELECT trigger_event, step, status FROM instances WHERE "
                                  "area = 'kent' AND case_id IS NULL "
                                  "AND trigger_event IS NOT NULL"))
    expected.update((i.trigger_event, i.step, str(i.status))
                    for insts in judged(store, "kent").values() for i in insts
                    if i.trigger_event is not None)
    assert found == expected and len(expected) > 50
    assert Counter(k[2] for k in expected)["met"] > 50


OCEL_TYPES = {"enum": ["string", "time", "integer", "float", "boolean"]}
_TYPE_LIST = {"type": "array", "items": {
    "type": "object", "required": ["name", "attributes"], "additionalProperties": False,
    "properties": {"name": {"type": "string"}, "attributes": {"type": "array", "items": {
        "type": "object", "required": ["name", "type"], "additionalProperties": False,
        "properties": {"name": {"type": "string"}, "type": OCEL_TYPES}}}}}}
_RELS = {"type": "array", "items": {
    "type": "object", "required": ["objectId", "qualifier"], "additionalProperties": False,
    "properties": {"objectId": {"type": "string"}, "qualifier": {"type": "string"}}}}
# The OCEL 2.0 JSON format (ocel-standard.org, "OCEL 2.0 specification", JSON schema).
OCEL2_SCHEMA = {
    "type": "object", "required": ["objectTypes", "eventTypes", "objects", "events"],
    "properties": {
        "objectTypes": _TYPE_LIST, "eventTypes": _TYPE_LIST,
        "objects": {"type": "array", "items": {
            "type": "object", "required": ["id", "type"], "additionalProperties": False,
            "properties": {"id": {"type": "string"}, "type": {"type": "string"},
                           "attributes": {"type": "array", "items": {
                               "type": "object", "required": ["name", "time", "value"],
                               "properties": {"name": {"type": "string"},
                                              "time": {"type": "string"}, "value": {}}}},
                           "relationships": _RELS}}},
        "events": {"type": "array", "items": {
            "type": "object", "required": ["id", "type", "time"], "additionalProperties": False,
            "properties": {"id": {"type": "string"}, "type": {"type": "string"},
                           "time": {"type": "string"},
                           "attributes": {"type": "array", "items": {
                               "type": "object", "required": ["name", "value"],
                               "properties": {"name": {"type": "string"}, "value": {}}}},
                           "relationships": _RELS}}},
    },
}
PY_TYPES = {"string": str, "integer": int, "float": float, "boolean": bool}


def test_ocel_validates_against_the_ocel2_schema_and_is_referentially_whole(store):
    buf = io.StringIO()
    written = write_ocel(buf, read_traces(store.engine, chunk=7), load_event_vocabulary())
    doc = json.loads(buf.getvalue())
    jsonschema.validate(doc, OCEL2_SCHEMA)
    assert written == len(doc["events"])
    assert len({o["id"] for o in doc["objects"] if o["type"] == "area"}) == 43
    object_ids = {o["id"] for o in doc["objects"]}
    assert len(object_ids) == len(doc["objects"])
    types = {t["name"]: {a["name"]: a["type"] for a in t["attributes"]}
             for t in doc["eventTypes"]}
    otypes = {t["name"]: {a["name"]: a["type"] for a in t["attributes"]}
              for t in doc["objectTypes"]}
    for ev in doc["events"]:
        datetime.fromisoformat(ev["time"])
        for a in ev["attributes"]:
            kind = types[ev["type"]][a["name"]]
            assert isinstance(a["value"], PY_TYPES[kind]), (ev["id"], a)
        assert all(r["objectId"] in object_ids for r in ev["relationships"])
    for obj in doc["objects"]:
        for a in obj.get("attributes", []):
            assert a["name"] in otypes[obj["type"]]
            datetime.fromisoformat(a["time"])
            if otypes[obj["type"]][a["name"]] == "time":
                datetime.fromisoformat(a["value"])
        assert all(r["objectId"] in object_ids for r in obj.get("relationships", []))
    assert len(doc["events"]) == sql(store, "SELECT count(*) FROM events")[0][0]
    instances = [o for o in doc["objects"] if o["type"] == "step_instance"]
    status = Counter(next(a["value"] for a in o["attributes"] if a["name"] == "status")
                     for o in instances)
    # Every instance as judged: the area-level rows (all stored) and each case's
    # instances, met ones included although the store keeps only the others.
    expected = Counter(dict(sql(store, "SELECT status, count(*) FROM instances "
                                       "WHERE case_id IS NULL GROUP BY status")))
    expected.update(str(i.status) for insts in judged(store).values() for i in insts)
    assert status == expected and expected["met"] > 100


def test_export_command_writes_either_format(store, tmp_path):
    runner = CliRunner()
    path = tmp_path / "log.xes"
    result = runner.invoke(app, ["export", "--format", "xes", "--out", str(path),
                                 "--db", store.url])
    assert result.exit_code == 0, result.output
    assert ET.parse(path).getroot().tag == f"{NS}log"
    result = runner.invoke(app, ["export", "--format", "ocel", "--area", "cumbria",
                                 "--db", store.url])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert {o["id"] for o in doc["objects"] if o["type"] == "case"} == {
        f"case:{c}" for (c,) in sql(store, "SELECT case_id FROM cases WHERE area = 'cumbria'")}
    who, action, detail = sql(store, "SELECT who, action, detail FROM audit_log "
                                     "ORDER BY id DESC LIMIT 1")[0]
    detail = json.loads(detail) if isinstance(detail, str) else detail
    assert action == "export" and detail == {"format": "ocel", "area": "cumbria",
                                             "events": len(doc["events"]), "file": "-"}
