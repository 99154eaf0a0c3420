"""Events read from the store straight into columns: through ADBC on PostgreSQL (no
Python object per row on the way from the database to the batch evaluator), through the
standard library's driver on SQLite (its rows go straight into columns).

Why ADBC: its PostgreSQL driver installs as a wheel, streams Arrow from the driver's own
C code, and hands it to polars through the Arrow C stream interface (no pyarrow needed).
connectorx was the alternative; it is one more native stack, where ADBC is Apache Arrow's
own standard with one driver per database.

Why not ADBC on SQLite: its driver carries its own copy of SQLite. Two copies of SQLite in
one process on one WAL database undo each other's POSIX locks and reset the shared-memory
index under each other (SQLite's "multiple copies" hazard): with the store's own
connections open in the process, a sweep died with a bus error in the middle of a write,
and corruption is possible. Every process that reads here also holds such connections.

Data values come from each row's JSON text by column expressions. The store holds only
events the ingest validated against the vocabulary, so every value is a JSON string
without quotes inside it (an enum, language tag, area id or date), an integer, a boolean
or a list of such strings; that is what the token patterns read.
"""

from __future__ import annotations

import re
from typing import Any

import polars as pl
from sqlalchemy.engine import make_url

from engine.batch.schema import Schema

EVENT_COLUMNS = "event_id, case_id, area, type, at, source, data"


def adbc_connect(url: str) -> Any:
    """An ADBC DB-API connection for a SQLAlchemy URL of PostgreSQL."""
    parsed = make_url(url)
    import adbc_driver_postgresql.dbapi as postgres

    libpq = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    return postgres.connect(libpq)


RAW_SCHEMA: dict[str, Any] = {"event_id": pl.String, "case_id": pl.String, "area": pl.String,
                              "type": pl.String, "at": pl.String, "source": pl.String,
                              "data": pl.String}


def read_events(url: str, where: str, params: list[Any]) -> pl.DataFrame:
    """The raw event columns matching `where` (with `?` placeholders)."""
    with EventReader(url) as reader:
        return reader.read(where, params)


class EventReader:
    """Reads event columns through one connection, opened on first use and closed on
    exit: a sweep reads a page at a time, and opening an ADBC connection to PostgreSQL
    costs about as much as reading a small page. Used by one thread at a time."""

    def __init__(self, url: str):
        self.url = url
        self.sqlite = make_url(url).get_backend_name() == "sqlite"
        self.conn: Any = None

    def __enter__(self) -> EventReader:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def read(self, where: str, params: list[Any]) -> pl.DataFrame:
        """The raw event columns matching `where` (with `?` placeholders)."""
        sql = f"SELECT {EVENT_COLUMNS} FROM events WHERE {where}"
        if self.sqlite:
            if self.conn is None:
                import sqlite3

                database = make_url(self.url).database
                self.conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True,
                                            check_same_thread=False)
            rows = self.conn.execute(sql, params).fetchall()
            return pl.DataFrame(rows, schema=RAW_SCHEMA, orient="row")
        if self.conn is None:
            self.conn = adbc_connect(self.url)
        cur = self.conn.cursor()
        try:
            # JSON arrives as an Arrow extension type; its text is what the patterns read
            cur.execute(_numbered(sql.replace(" data FROM", " data::text AS data FROM", 1)),
                        params)
            frame = pl.DataFrame(cur.fetch_arrow())
        finally:
            cur.close()
        self.conn.commit()  # end the read's transaction: the next page sees what is new
        return frame


def _numbered(sql: str) -> str:
    n = 0

    def repl(_: re.Match[str]) -> str:
        nonlocal n
        n += 1
        return f"${n}"

    return re.sub(r"\?", repl, sql)


def _value(name: str) -> pl.Expr:
    """The raw JSON text of data field `name` (None when absent)."""
    pattern = (rf'"{re.escape(name)}"\s*:\s*("[^"]*"|true|false|-?[0-9]+|\[[^\]]*\])')
    return pl.col("data").str.extract(pattern, 1)


def instant_us(raw: pl.DataFrame) -> pl.Expr:
    """The raw `at` column as integer microseconds since the epoch (UTC)."""
    at = pl.col("at")
    if raw.schema["at"] == pl.String:  # SQLite: naive UTC text
        return at.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us").dt.epoch("us")
    return at.dt.epoch("us")


def frame_from_columns(raw: pl.DataFrame, schema: Schema) -> pl.DataFrame:
    """The batch frame (as `engine.batch.frame.events_frame` builds it) of raw columns."""
    us = instant_us(raw)
    base = raw.filter(pl.col("case_id").is_not_null()).select(
        case=pl.col("case_id"), eid=pl.col("event_id"), area=pl.col("area"),
        type=pl.col("type"), src=pl.col("source"), us=us, data=pl.col("data"),
    )
    # Each field's JSON text is extracted once (a regular expression over every row),
    # then its token, integer and list forms are read from that short, mostly null
    # column: a chain of tests on the expression itself ran the expression per test.
    names = sorted({*schema.fields, *schema.ints, *schema.lists})
    raw_of = {name: f"_raw{i}" for i, name in enumerate(names)}
    base = base.with_columns(**{raw_of[name]: _value(name) for name in names})
    cols: dict[str, pl.Expr] = {}
    for name, c in schema.fields.items():
        v = pl.col(raw_of[name])
        cols[c] = (
            pl.when(v.str.starts_with('"'))
            .then(pl.lit("s:") + v.str.slice(1).str.strip_suffix('"'))
            .when(v.is_in(["true", "false"])).then(pl.lit("b:") + v)
            .when(v.str.starts_with("[")).then(pl.lit("l:") + v)
            .when(v.is_not_null()).then(pl.lit("i:") + v)
        )
    for name, c in schema.ints.items():
        v = pl.col(raw_of[name])
        cols[c] = pl.when(v.str.contains(r"^-?[0-9]+$")).then(v.cast(pl.Int64, strict=False))
    for name, c in schema.lists.items():
        v = pl.col(raw_of[name])
        elements = v.str.json_decode(pl.List(pl.String)).list.eval(pl.lit("s:") + pl.element())
        cols[c] = (pl.when(v.str.starts_with("[")).then(elements)
                   .when(v.is_not_null()).then(pl.lit([], pl.List(pl.String))))
    return (base.with_columns(**cols).drop("data", *raw_of.values())
            .sort(["case", "us", "eid"]))
