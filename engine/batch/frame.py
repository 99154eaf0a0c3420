"""Events as columns: one row per event, sorted in evaluation order within each case.

Rows carry the event's identity (`case`, `eid`, `area`, `type`, `src`), its instant in
integer microseconds (`us`: exact, unlike float seconds) and, for each data field the
rules read, its typed token (and integer or list form where a rule needs one).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import polars as pl

from engine.batch.schema import Schema
from engine.batch.tokens import element_tokens, int_value, token
from engine.events import Event

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US = timedelta(microseconds=1)


def micros(instant: datetime) -> int:
    """An aware instant as integer microseconds since the epoch (exact)."""
    return (instant - EPOCH) // US


def from_micros(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


def events_frame(events: Iterable[Event], schema: Schema) -> pl.DataFrame:
    """The frame of case-level `events` (area-level events are left out)."""
    cols: dict[str, list[object]] = {k: [] for k in ("case", "eid", "area", "type", "src", "us")}
    fields = list(schema.fields.items())
    ints = list(schema.ints.items())
    lists = list(schema.lists.items())
    for _, c in fields + ints + lists:
        cols[c] = []
    case, eid, area, typ, src, us = (cols[k] for k in ("case", "eid", "area", "type", "src", "us"))
    for e in events:
        if e.case_id is None:
            continue
        case.append(e.case_id)
        eid.append(e.event_id)
        area.append(e.area)
        typ.append(e.type)
        src.append(e.source)
        us.append(micros(e.at))
        data = e.data
        for name, c in fields:
            cols[c].append(token(data.get(name)))
        for name, c in ints:
            cols[c].append(int_value(data.get(name)))
        for name, c in lists:
            cols[c].append(element_tokens(data.get(name)))
    schema_types: dict[str, pl.DataType | type[pl.DataType]] = {
        "case": pl.String, "eid": pl.String, "area": pl.String, "type": pl.String,
        "src": pl.String, "us": pl.Int64,
    }
    for _, c in fields:
        schema_types[c] = pl.String
    for _, c in ints:
        schema_types[c] = pl.Int64
    for _, c in lists:
        schema_types[c] = pl.List(pl.String)
    frame = pl.DataFrame(cols, schema=schema_types)
    return frame.sort(["case", "us", "eid"])
