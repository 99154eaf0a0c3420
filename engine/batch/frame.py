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
    """The frame of case-level `events` (area-level events are left out).

    Why this shape: it is the one loop per event of the batch path, so it visits only
    the fields an event carries (a few, not every field the rules read) and writes the
    common values (text, integers) inline. A list's elements are decoded by polars from
    its token when every list holds only text (what the vocabulary allows), since polars
    builds a list column from nested Python lists one small series at a time.
    """
    evs = [e for e in events if e.case_id is not None]
    n = len(evs)
    columns: dict[str, list[object]] = {c: [None] * n for c in schema.fields.values()}
    ints: dict[str, list[object]] = {c: [None] * n for c in schema.ints.values()}
    slots: dict[str, tuple[list[object], list[object] | None, bool]] = {
        name: (columns[c], ints[schema.ints[name]] if name in schema.ints else None,
               name in schema.lists)
        for name, c in schema.fields.items()
    }
    listed: dict[str, list[tuple[int, object]]] = {name: [] for name in schema.lists}
    seen: dict[tuple[object, ...], str | None] = {}  # list tokens: a few distinct lists
    for i, e in enumerate(evs):
        for k, v in e.data.items():
            slot = slots.get(k)
            if slot is None:
                continue
            tokens, numbers, is_list = slot
            kind = type(v)
            if kind is str:
                tokens[i] = "s:" + v
            elif kind is int:
                tokens[i] = f"i:{v}"
                if numbers is not None:
                    numbers[i] = v
            elif kind is list and all(type(x) is str for x in v):
                key = tuple(v)
                tok = seen.get(key)
                if tok is None:
                    tok = seen[key] = token(v)
                tokens[i] = tok
            else:
                tokens[i] = token(v)
                if numbers is not None:
                    numbers[i] = int_value(v)
            if is_list:
                listed[k].append((i, v))
    data: dict[str, list[object]] = {
        "case": [e.case_id for e in evs], "eid": [e.event_id for e in evs],
        "area": [e.area for e in evs], "type": [e.type for e in evs],
        "src": [e.source for e in evs], "ts": [e.ts for e in evs],
        **columns, **ints,
    }
    schema_types: dict[str, pl.DataType | type[pl.DataType]] = {
        "case": pl.String, "eid": pl.String, "area": pl.String, "type": pl.String,
        "src": pl.String, "ts": pl.Float64,
    }
    for c in schema.fields.values():
        schema_types[c] = pl.String
    for c in schema.ints.values():
        schema_types[c] = pl.Int64
    frame = pl.DataFrame(data, schema=schema_types)
    # exact: Event.ts is the instant's microseconds / 1e6, correctly rounded
    frame = frame.with_columns(us=(pl.col("ts") * 1_000_000).round().cast(pl.Int64)).drop("ts")
    frame = frame.with_columns(_elements(name, schema, listed[name], n)
                               for name in schema.lists)
    order = ["case", "eid", "area", "type", "src", "us", *schema.fields.values(),
             *schema.ints.values(), *schema.lists.values()]
    return frame.select(order).sort(["case", "us", "eid"])


def _elements(name: str, schema: Schema, values: list[tuple[int, object]], n: int
              ) -> pl.Series | pl.Expr:
    """The element tokens of list field `name` (`element_tokens` of each value)."""
    col = schema.lists[name]
    if all(type(v) is not list or all(type(x) is str for x in v) for _, v in values):
        tok = pl.col(schema.fields[name])
        is_list = tok.str.starts_with("l:")
        texts = pl.when(is_list).then(tok.str.slice(2)).str.json_decode(pl.List(pl.String))
        return (pl.when(is_list)
                .then(texts.list.eval(pl.lit("s:") + pl.element()))
                .when(tok.is_not_null()).then(pl.lit([], pl.List(pl.String)))
                .alias(col))
    out: list[object] = [None] * n
    for i, v in values:
        out[i] = element_tokens(v)
    return pl.Series(col, out, dtype=pl.List(pl.String))
