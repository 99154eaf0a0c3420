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
from functools import lru_cache
from json.encoder import encode_basestring as _string  # what json.dumps gives a string
from typing import IO, Any

from engine.export.log import Driver, Trace
from engine.vocabulary import FieldSpec, Vocabulary

EPOCH = "1970-01-01T00:00:00Z"
CACHED = 50_000  # JSON texts kept for reuse; the cache starts afresh beyond it
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


def _instance_id(row: tuple[Any, ...]) -> str:
    """A step instance's object id as JSON: `instance:` and its stored row's id, or for a
    `met` instance (judged again: the store keeps none) `instance:<case>:<step>:<trigger>`."""
    return _string(f"instance:{row[0]}")


def _instance_object(oid: str, row: tuple[Any, ...], explanation: str, time: str,
                     rels: str, driver: Driver) -> str:
    """A step instance from its row (the columns of `LoggedInstance`), as the JSON
    `json.dumps` gives the object: attributes stamped with the sweep's instant (`time`:
    `","time":"<instant>","value":`), those without a value left out; `rels` its
    relationships' JSON. One f-string per object: a log has hundreds of thousands."""
    text = (f'{{"id":{oid},"type":"step_instance","attributes":[{{"name":"step{time}'
            f'{_name(row[3])}}},{{"name":"status{time}{_name(row[4])}}}')
    if row[7] is not None:  # an instant's text needs no escaping
        text += f',{{"name":"due{time}"{driver.iso_z(row[7])}"}}'
    for name, value in (("owner", row[9]), ("severity", row[10]), ("version", row[11])):
        if value is not None:
            text += f',{{"name":"{name}{time}{_name(value)}}}'
    return f'{text},{{"name":"explanation{time}{_string(explanation)}}}],{rels}}}'


class _Array:
    """A JSON array written a few elements at a time."""

    def __init__(self, out: IO[str]):
        self.out = out
        self.count = 0

    def add(self, obj: dict[str, Any] | str) -> None:
        """An element: an object, or the JSON text of one."""
        text = obj if isinstance(obj, str) else _json(obj)
        self.out.write(("\n" if self.count == 0 else ",\n") + text)
        self.count += 1

    def extend(self, texts: list[str]) -> None:
        """Elements as JSON texts, in one write."""
        if texts:
            self.out.write(("\n" if self.count == 0 else ",\n") + ",\n".join(texts))
            self.count += len(texts)


class _EventTexts:
    """The JSON attributes of each event type, source and data payload, built once each;
    bounded so memory stays flat."""

    def __init__(self, types: dict[str, dict[str, str]]):
        self.types = types
        self.attrs: dict[tuple[str, str, str], str] = {}

    def attributes(self, etype: str, source: str, data: str) -> str:
        text = self.attrs.get((etype, source, data))
        if text is None:
            if len(self.attrs) > CACHED:
                self.attrs.clear()
            kinds = self.types[etype]
            text = self.attrs[(etype, source, data)] = _json(
                [{"name": "source", "value": source}]
                + [{"name": k, "value": _value(v, kinds[k])}
                   for k, v in sorted(json.loads(data).items())])
        return text


@lru_cache(maxsize=CACHED)
def _name(text: str) -> str:
    """A repeating string (an event type, an area's object id) as JSON."""
    return _string(text)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def write_ocel(out: IO[str], traces: Iterable[Trace], vocabulary: Vocabulary) -> int:
    """Write the whole log as one OCEL 2.0 JSON document, each instance with its
    explanation built as the trace streams by; return the events written. Events are
    printed straight from the driver's rows, their repeating parts from a cache, in the
    form `json.dumps` gives the same objects."""
    types = event_types(vocabulary)
    out.write('{"objectTypes":' + json.dumps(OBJECT_TYPES) + ',\n"eventTypes":'
              + json.dumps([{"name": n, "attributes": [{"name": k, "type": t}
                                                       for k, t in sorted(a.items())]}
                            for n, a in types.items()]) + ',\n"objects":[')
    objects = _Array(out)
    for area in sorted(vocabulary.areas):
        objects.add({"id": f"area:{area}", "type": "area", "attributes": [],
                     "relationships": []})
    texts = _EventTexts(types)
    count = 0
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        for trace in traces:
            driver = trace.driver
            area_oid = f"area:{trace.area}"
            case_oid = f"case:{trace.case_id}" if trace.case_id is not None else None
            texts_of: list[str] = []  # the trace's objects
            if case_oid is not None:
                texts_of.append(_json({"id": case_oid, "type": "case", "attributes": [
                    {"name": "stage", "time": EPOCH, "value": trace.stage or "reported"},
                    {"name": "area", "time": EPOCH, "value": trace.area}],
                    "relationships": [{"objectId": area_oid, "qualifier": "in area"}]}))
            links: dict[str, str] = {}
            owned = ((f'"relationships":[{{"objectId":{_string(case_oid)},"qualifier":"of case"}},'
                      if case_oid else '"relationships":[')
                     + f'{{"objectId":{_name(area_oid)},"qualifier":"in area"}}]')
            stamps: dict[Any, str] = {}
            for row, text in zip(trace.verdict_rows(), trace.explanations(), strict=True):
                time = stamps.get(row[12])
                if time is None:
                    time = stamps[row[12]] = f'","time":"{driver.iso_z(row[12])}","value":'
                oid = _instance_id(row)
                texts_of.append(_instance_object(oid, row, text, time, owned, driver))
                for event_id, qualifier in ((row[5], "triggers"), (row[8], "satisfies")):
                    if event_id is not None:
                        links[event_id] = links.get(event_id, "") + (
                            f',{{"objectId":{oid},"qualifier":"{qualifier}"}}')
            objects.extend(texts_of)
            case_rel = (f'{{"objectId":{_string(case_oid)},"qualifier":"case"}},'
                        if case_oid else "")
            lines = []
            for eid, _case, area, etype, at, source, data in trace.event_rows:
                rels = _name(f"area:{area}")
                lines.append(
                    f'{{"id":{_string(eid)},"type":{_name(etype)},'
                    f'"time":"{driver.iso_z(at)}",'
                    f'"attributes":{texts.attributes(etype, source, data)},'
                    f'"relationships":[{case_rel}{{"objectId":{rels},"qualifier":"area"}}'
                    f'{links.get(eid, "")}]}}')
            if lines:
                spool.write(("\n" if count == 0 else ",\n") + ",\n".join(lines))
                count += len(lines)
        out.write('],\n"events":[')
        spool.seek(0)
        shutil.copyfileobj(spool, out)
        out.write("]}\n")
        return count
