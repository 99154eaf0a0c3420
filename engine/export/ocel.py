"""OCEL 2.0 JSON writer: the object-centric view of the same log, streamed.

Objects: each `area` of the register, each `case` and each `step_instance` (its step,
status, due, owner, severity, version and explanation as attributes, stamped with the
sweep instant that decided them). Events relate to their case (`case`), their area
(`area`), the instances they opened (`triggers`) and those they satisfied
(`satisfies`); an instance relates to its case and area. Event data fields are event
attributes typed from the event vocabulary (integers and booleans as such, everything
else, lists included, as strings), so the types are known before the first event and the
document can be written as the log is read: objects straight to the output, events
through a temporary file, in bounded memory.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, Any

from engine.export.log import LoggedInstance, Trace
from engine.vocabulary import FieldSpec, Vocabulary

EPOCH = "1970-01-01T00:00:00Z"
INSTANCE_ATTRIBUTES = (("step", "string"), ("status", "string"), ("due", "time"),
                       ("owner", "string"), ("severity", "string"), ("version", "string"),
                       ("explanation", "string"))
OBJECT_TYPES = [
    {"name": "area", "attributes": []},
    {"name": "case", "attributes": [{"name": "stage", "type": "string"},
                                    {"name": "area", "type": "string"}]},
    {"name": "step_instance",
     "attributes": [{"name": n, "type": t} for n, t in INSTANCE_ATTRIBUTES]},
]


def ocel_time(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _ocel_type(spec: FieldSpec) -> str:
    return {"integer": "integer", "boolean": "boolean"}.get(spec.kind, "string")


def event_types(vocabulary: Vocabulary) -> dict[str, dict[str, str]]:
    """Event type -> attribute -> OCEL type, for every type of the vocabulary."""
    return {name: {"source": "string", **{f: _ocel_type(spec) for f, spec in t.fields.items()}}
            for name, t in sorted(vocabulary.types.items())}


def _value(value: Any, kind: str) -> Any:
    return value if kind != "string" or isinstance(value, str) else json.dumps(value)


def _instance_object(inst: LoggedInstance, explanation: str, case_oid: str | None,
                     area_oid: str) -> dict[str, Any]:
    stamp = ocel_time(inst.evaluated_as_of)
    values: dict[str, Any] = {"step": inst.step, "status": inst.status,
                              "due": None if inst.due is None else ocel_time(inst.due),
                              "owner": inst.owner, "severity": inst.severity,
                              "version": inst.version, "explanation": explanation}
    rels = [{"objectId": case_oid, "qualifier": "of case"}] if case_oid else []
    rels.append({"objectId": area_oid, "qualifier": "in area"})
    return {"id": f"instance:{inst.id}", "type": "step_instance",
            "attributes": [{"name": k, "time": stamp, "value": v}
                           for k, v in values.items() if v is not None],
            "relationships": rels}


class _Array:
    """A JSON array written one element at a time."""

    def __init__(self, out: IO[str]):
        self.out = out
        self.count = 0

    def add(self, obj: dict[str, Any]) -> None:
        self.out.write(("\n" if self.count == 0 else ",\n")
                       + json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
        self.count += 1


def write_ocel(out: IO[str], traces: Iterable[Trace], vocabulary: Vocabulary) -> int:
    """Write the whole log as one OCEL 2.0 JSON document, each instance with its
    explanation built as the trace streams by; return the events written."""
    types = event_types(vocabulary)
    out.write('{"objectTypes":' + json.dumps(OBJECT_TYPES) + ',\n"eventTypes":'
              + json.dumps([{"name": n, "attributes": [{"name": k, "type": t}
                                                       for k, t in sorted(a.items())]}
                            for n, a in types.items()]) + ',\n"objects":[')
    objects = _Array(out)
    for area in sorted(vocabulary.areas):
        objects.add({"id": f"area:{area}", "type": "area", "attributes": [],
                     "relationships": []})
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        events = _Array(spool)
        for trace in traces:
            area_oid = f"area:{trace.area}"
            case_oid = f"case:{trace.case_id}" if trace.case_id is not None else None
            if case_oid is not None:
                objects.add({"id": case_oid, "type": "case", "attributes": [
                    {"name": "stage", "time": EPOCH, "value": trace.stage or "reported"},
                    {"name": "area", "time": EPOCH, "value": trace.area}],
                    "relationships": [{"objectId": area_oid, "qualifier": "in area"}]})
            links: dict[str, list[dict[str, str]]] = {}
            for inst, text in zip(trace.instances, trace.explanations(), strict=True):
                objects.add(_instance_object(inst, text, case_oid, area_oid))
                for event_id, qualifier in ((inst.trigger_event, "triggers"),
                                            (inst.satisfied_by, "satisfies")):
                    if event_id is not None:
                        links.setdefault(event_id, []).append(
                            {"objectId": f"instance:{inst.id}", "qualifier": qualifier})
            for ev in trace.events:
                kinds = types[ev.type]
                rels = ([{"objectId": case_oid, "qualifier": "case"}] if case_oid else [])
                rels.append({"objectId": f"area:{ev.area}", "qualifier": "area"})
                events.add({"id": ev.event_id, "type": ev.type, "time": ocel_time(ev.at),
                            "attributes": [{"name": "source", "value": ev.source}]
                            + [{"name": k, "value": _value(v, kinds[k])}
                               for k, v in sorted(ev.data.items())],
                            "relationships": rels + links.get(ev.event_id, [])})
        out.write('],\n"events":[')
        spool.seek(0)
        shutil.copyfileobj(spool, out)
        out.write("]}\n")
        return events.count
