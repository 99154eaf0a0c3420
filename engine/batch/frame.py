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
    evs = [e for e in events if e.case_id is not None]
    n = len(evs)
    # Only the fields an event carries are visited (a few), not every field the rules read.
    targets: dict[str, list[tuple[list[object], object]]] = {}
    columns: dict[str, list[object]] = {}
    for name, c in schema.fields.items():
        col: list[object] = [None] * n
        columns[c] = col
        targets.setdefault(name, []).append((col, token))
    for name, c in schema.ints.items():
        col = [None] * n
        columns[c] = col
        targets[name].append((col, int_value))
    for name, c in schema.lists.items():
        col = [None] * n
        columns[c] = col
        targets[name].append((col, element_tokens))
    for i, e in enumerate(evs):
        for k, v in e.data.items():
            for col, convert in targets.get(k, ()):
                col[i] = convert(v)  # type: ignore[operator]
    data: dict[str, list[object]] = {
        "case": [e.case_id for e in evs], "eid": [e.event_id for e in evs],
        "area": [e.area for e in evs], "type": [e.type for e in evs],
        # exact: Event.ts is the instant's microseconds / 1e6, correctly rounded
        "src": [e.source for e in evs], "us": [round(e.ts * 1_000_000) for e in evs],
        **columns,
    }
    schema_types: dict[str, pl.DataType | type[pl.DataType]] = {
        "case": pl.String, "eid": pl.String, "area": pl.String, "type": pl.String,
        "src": pl.String, "us": pl.Int64,
    }
    for c in schema.fields.values():
        schema_types[c] = pl.String
    for c in schema.ints.values():
        schema_types[c] = pl.Int64
    for c in schema.lists.values():
        schema_types[c] = pl.List(pl.String)
    frame = pl.DataFrame(data, schema=schema_types)
    return frame.sort(["case", "us", "eid"])
