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
from engine.store.sqlite_instants import sqlite_texts
from engine.store.tables import UTCDateTime


def _instant_sqlite(value: datetime | None) -> str | None:
    if value is None:
        return None
    # "YYYY-MM-DD HH:MM:SS.ffffff", as SQLAlchemy stores it (the "+00:00" cut off)
    return value.astimezone(UTC).isoformat(sep=" ", timespec="microseconds")[:26]


def _identity(value: Any) -> Any:
    return value


def instants_param(conn_or_engine: Connection | Engine, values: list[datetime],
                   at_iso: list[str] | None = None) -> list[Any]:
    """`instant_param` over a column of aware instants, with C-level calls only (`at_iso`:
    see `engine.store.sqlite_instants.sqlite_texts`)."""
    if conn_or_engine.dialect.name != "sqlite":
        return values
    return sqlite_texts(values, at_iso)


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
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    sql = (f"INSERT INTO {table.name} ({', '.join(columns)}) "
           f"VALUES ({', '.join(mark for _ in columns)})")
    conn.exec_driver_sql(sql, list(rows) if prepared else _driver_rows(conn, table, columns, rows))


def update_rows(conn: Connection, table: Table, columns: Sequence[str], key: str,
                rows: Sequence[Sequence[Any]]) -> None:
    """UPDATE many rows with one executemany: each row holds the new values of `columns`
    and then the value of `key` that picks the row."""
    if not rows:
        return
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    sql = (f"UPDATE {table.name} SET {', '.join(f'{c} = {mark}' for c in columns)} "
           f"WHERE {key} = {mark}")
    conn.exec_driver_sql(sql, _driver_rows(conn, table, (*columns, key), rows))


def _driver_rows(conn: Connection, table: Table, columns: Sequence[str],
                 rows: Sequence[Sequence[Any]]) -> Sequence[Sequence[Any]]:
    """Rows with each value converted as the column's type would convert it."""
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
    if all(c is _identity for c in convert):
        return list(rows)
    return [tuple(f(v) for f, v in zip(convert, row, strict=True)) for row in rows]


def instant_value(conn: Connection, value: Any) -> datetime:
    """An instant as a driver returns it (text on SQLite), as an aware UTC datetime."""
    out = UTCDateTime().process_result_value(value, conn.dialect)
    assert out is not None
    return out


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


def in_keys(conn: Connection, column: str, keys: Sequence[str]) -> tuple[str, Any]:
    """A WHERE condition (with one `?`) and its parameter: `column` is one of `keys`.
    The keys travel as one parameter (a JSON array read by `json_each` on SQLite, an
    array on PostgreSQL), so a batch of thousands costs one statement and one round
    trip, not one per few hundred keys."""
    if conn.dialect.name == "sqlite":
        return f"{column} IN (SELECT value FROM json_each(?))", json.dumps(list(keys))
    return f"{column} = ANY(?)", list(keys)


def select_in(conn: Connection, select_from: str, column: str, keys: Sequence[str],
              tail: str = "") -> list[Any]:
    """Rows of `SELECT ... FROM ...` (written with no placeholder) whose `column` is one
    of `keys` (`in_keys`), then `tail` (GROUP BY, ORDER BY, FOR UPDATE...)."""
    if not keys:
        return []
    where, param = in_keys(conn, column, keys)
    sql = f"{select_from} WHERE {where} {tail}"
    if conn.dialect.name != "sqlite":
        sql = sql.replace("?", "%s")
    return list(conn.exec_driver_sql(sql, (param,)))
