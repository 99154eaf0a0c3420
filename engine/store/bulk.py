"""The store's hot paths at driver level: inserting many rows and reading events.

SQLAlchemy Core spends about 50 µs per row on parameter processing for these tables
(three instants and a JSON column each); ingest and the sweep write millions of rows, so
they go to the DBAPI cursor directly here, converting values exactly as the column types
in `engine.store.tables` would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Connection, Engine, Table

from engine.events import Event
from engine.store.tables import UTCDateTime


def _instant_sqlite(value: datetime | None) -> str | None:
    if value is None:
        return None
    # "YYYY-MM-DD HH:MM:SS.ffffff", as SQLAlchemy stores it (the "+00:00" cut off)
    return value.astimezone(UTC).isoformat(sep=" ", timespec="microseconds")[:26]


def _identity(value: Any) -> Any:
    return value


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def instant_param(conn_or_engine: Connection | Engine) -> Any:
    """The function turning an aware instant into this driver's parameter."""
    return _instant_sqlite if conn_or_engine.dialect.name == "sqlite" else _identity


def insert_rows(conn: Connection, table: Table, columns: Sequence[str],
                rows: Sequence[Sequence[Any]], prepared: bool = False) -> None:
    """INSERT many rows (tuples in `columns` order) with one executemany. `prepared`
    rows already hold driver values (instants from `instant_param`, JSON as text)."""
    if not rows:
        return
    sqlite = conn.dialect.name == "sqlite"
    convert = []
    for name in columns:
        ctype = table.c[name].type
        if isinstance(ctype, UTCDateTime):
            convert.append(_instant_sqlite if sqlite else _identity)
        elif isinstance(ctype, JSON):
            convert.append(_json)
        else:
            convert.append(_identity)
    mark = "?" if sqlite else "%s"
    sql = (f"INSERT INTO {table.name} ({', '.join(columns)}) "
           f"VALUES ({', '.join(mark for _ in columns)})")
    plain = prepared or all(c is _identity for c in convert)
    params = list(rows) if plain else [
        tuple(f(v) for f, v in zip(convert, row, strict=True)) for row in rows]
    conn.exec_driver_sql(sql, params)


EVENT_SQL = "SELECT event_id, case_id, area, type, at, source, data FROM events"


def read_events(conn: Connection, where: str, params: Sequence[Any]) -> Iterator[Event]:
    """Events matching a WHERE clause written with `?` placeholders, as Event objects
    (instants in UTC), unordered."""
    sqlite = conn.dialect.name == "sqlite"
    sql = f"{EVENT_SQL} WHERE {where}"
    if not sqlite:
        sql = sql.replace("?", "%s")
    result = conn.exec_driver_sql(sql, tuple(params))
    if sqlite:
        for eid, cid, area, etype, at, src, data in result:
            t = datetime.fromisoformat(at).replace(tzinfo=UTC)
            yield Event(eid, cid, area, etype, t, src, json.loads(data), t.timestamp())
    else:
        for eid, cid, area, etype, at, src, data in result:
            t = at.astimezone(UTC)
            yield Event(eid, cid, area, etype, t, src,
                        json.loads(data) if isinstance(data, str) else data, t.timestamp())


def placeholders(n: int) -> str:
    return ", ".join("?" for _ in range(n))
