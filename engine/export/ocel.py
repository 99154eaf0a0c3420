"""OCEL 2.0 JSON writer: the object-centric view of the same log.

Objects: each `case`, each `area`, and each `step_instance` (its step, status, due,
owner, severity, version and explanation as attributes, stamped with the sweep instant
that decided them). Events relate to their case (`case`), their area (`area`), the
instances they opened (`triggers`) and those they satisfied (`satisfies`); an instance
relates to its case. Event data fields are event attributes typed from the values seen.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from engine.export.log import LoggedInstance, Trace

EPOCH = "1970-01-01T00:00:00Z"


def ocel_time(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    return "string"


def _value(value: Any, kind: str) -> Any:
    if kind == "string" and not isinstance(value, str):
        return json.dumps(value, sort_keys=True)
    if kind == "float" and isinstance(value, int):
        return float(value)
    return value


def _merge(a: str | None, b: str) -> str:
    if a is None or a == b:
        return b
    if {a, b} == {"integer", "float"}:
        return "float"
    return "string"


INSTANCE_ATTRIBUTES = (("step", "string"), ("status", "string"), ("due", "time"),
                       ("owner", "string"), ("severity", "string"), ("version", "string"),
                       ("explanation", "string"))


def _instance_object(oid: str, case_oid: str | None, area_oid: str,
                     inst: LoggedInstance) -> dict[str, Any]:
    stamp = ocel_time(inst.evaluated_as_of)
    values: dict[str, Any] = {"step": inst.step, "status": inst.status,
                              "due": None if inst.due is None else ocel_time(inst.due),
                              "owner": inst.owner, "severity": inst.severity,
                              "version": inst.version, "explanation": inst.explanation}
    attrs = [{"name": k, "time": stamp, "value": v} for k, v in values.items() if v is not None]
    rels = [{"objectId": case_oid, "qualifier": "of case"}] if case_oid else []
    rels.append({"objectId": area_oid, "qualifier": "in area"})
    return {"id": oid, "type": "step_instance", "attributes": attrs, "relationships": rels}


def build_ocel(traces: Iterable[Trace]) -> dict[str, Any]:
    """The whole log as an OCEL 2.0 JSON document (a dict ready for json.dump)."""
    objects: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    areas: set[str] = set()
    event_attr_types: dict[str, dict[str, str]] = {}
    for trace in traces:
        area_oid = f"area:{trace.area}"
        areas.add(trace.area)
        case_oid = f"case:{trace.case_id}" if trace.case_id is not None else None
        if case_oid is not None:
            objects.append({"id": case_oid, "type": "case", "attributes": [
                {"name": "stage", "time": EPOCH, "value": trace.stage or "reported"},
                {"name": "area", "time": EPOCH, "value": trace.area}],
                "relationships": [{"objectId": area_oid, "qualifier": "in area"}]})
        links: dict[str, list[dict[str, str]]] = {}
        for inst in trace.instances:
            oid = f"instance:{inst.id}"
            objects.append(_instance_object(oid, case_oid, area_oid, inst))
            if inst.trigger_event is not None:
                links.setdefault(inst.trigger_event, []).append(
                    {"objectId": oid, "qualifier": "triggers"})
            if inst.satisfied_by is not None:
                links.setdefault(inst.satisfied_by, []).append(
                    {"objectId": oid, "qualifier": "satisfies"})
        for ev in trace.events:
            types = event_attr_types.setdefault(ev.type, {"source": "string"})
            for k, v in ev.data.items():
                types[k] = _merge(types.get(k), _type_of(v))
            rels = [{"objectId": area_oid, "qualifier": "area"}]
            if case_oid is not None:
                rels.insert(0, {"objectId": case_oid, "qualifier": "case"})
            if ev.area != trace.area:
                areas.add(ev.area)
                rels.append({"objectId": f"area:{ev.area}", "qualifier": "reported by area"})
            events.append({"id": ev.event_id, "type": ev.type, "time": ocel_time(ev.at),
                           "attributes": [{"name": "source", "value": ev.source}]
                           + [{"name": k, "value": v} for k, v in sorted(ev.data.items())],
                           "relationships": rels + links.get(ev.event_id, [])})
    for ev_obj in events:
        types = event_attr_types[ev_obj["type"]]
        for attr in ev_obj["attributes"]:
            attr["value"] = _value(attr["value"], types[attr["name"]])
    objects.extend({"id": f"area:{a}", "type": "area", "attributes": [],
                    "relationships": []} for a in sorted(areas))
    return {
        "objectTypes": [
            {"name": "case", "attributes": [{"name": "stage", "type": "string"},
                                            {"name": "area", "type": "string"}]},
            {"name": "step_instance",
             "attributes": [{"name": n, "type": t} for n, t in INSTANCE_ATTRIBUTES]},
            {"name": "area", "attributes": []},
        ],
        "eventTypes": [{"name": name, "attributes": [{"name": k, "type": t}
                                                     for k, t in sorted(attrs.items())]}
                       for name, attrs in sorted(event_attr_types.items())],
        "objects": objects,
        "events": events,
    }
