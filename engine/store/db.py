"""Connecting to the store: SQLite by default, PostgreSQL through the same URL variable.

Public functions of the store take a `db_url: str | None` (picklable, safe to hand to a
process pool or a Prefect task) and call `engine_for` here; one Engine per URL per
process.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError

from engine.errors import StoreError
from engine.files import create_private

DEFAULT_SQLITE = Path(".liaison") / "liaison.db"
ENV_VAR = "LIAISON_DATABASE_URL"
BUSY_TIMEOUT_MS = 60_000


def resolve_url(url: str | None = None) -> str:
    """The URL to use: the argument, else `$LIAISON_DATABASE_URL`, else the SQLite file
    `./.liaison/liaison.db` (absolute, so worker processes agree on it)."""
    url = url or os.environ.get(ENV_VAR) or ""
    if not url:
        return f"sqlite:///{DEFAULT_SQLITE.resolve()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    try:
        parsed = make_url(url)
    except ArgumentError:  # the URL is not echoed: it may hold a password
        raise StoreError("the database URL is not a URL: use sqlite:///PATH or "
                         "postgresql+psycopg://USER@HOST:PORT/DB") from None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        db = Path(parsed.database)
        if not db.is_absolute():
            return parsed.set(database=str(db.resolve())).render_as_string(hide_password=False)
    return url


def engine_for(url: str | None = None) -> Engine:
    """The process's Engine for a URL (cached), configured for this project."""
    return _engine(resolve_url(url))


@lru_cache(maxsize=16)
def _engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            create_private(parsed.database)  # case data: the owner's only
        eng = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        _configure_sqlite(eng)
        return eng
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True)
    raise StoreError(f"unsupported database URL {parsed.render_as_string()!r}: "
                     "use sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DB")


def _configure_sqlite(eng: Engine) -> None:
    """WAL so readers never wait for the writer; a busy timeout so writers queue rather
    than fail; and explicit BEGIN so a writing transaction can take the lock up front
    (`BEGIN IMMEDIATE`) instead of failing when it upgrades from a read."""

    @event.listens_for(eng, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(eng, "begin")
    def _begin(conn: Connection) -> None:
        mode = "BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN"
        conn.exec_driver_sql(mode)


@contextmanager
def writing(eng: Engine, sqlite_settings: Mapping[str, int] | None = None
            ) -> Iterator[Connection]:
    """A transaction that will write: on SQLite it takes the write lock at BEGIN, so two
    writers queue on the busy timeout instead of one failing halfway.

    `sqlite_settings` (PRAGMA name -> value) hold on SQLite for this transaction and its
    commit, and are put back before the connection returns to the pool (not if the
    driver dropped it, so putting them back never hides the error that did)."""
    with eng.connect() as conn:
        conn = conn.execution_options(write=True)
        prior: list[tuple[str, int]] = []
        if sqlite_settings and conn.dialect.name == "sqlite":
            dbapi = conn.connection.dbapi_connection
            assert dbapi is not None
            for pragma, value in sqlite_settings.items():
                prior.append((pragma, int(dbapi.execute(f"PRAGMA {pragma}").fetchone()[0])))
                dbapi.execute(f"PRAGMA {pragma}={int(value)}")
        try:
            with conn.begin():
                yield conn
        finally:
            if prior and not conn.invalidated:
                dbapi = conn.connection.dbapi_connection
                assert dbapi is not None
                for pragma, value in prior:
                    dbapi.execute(f"PRAGMA {pragma}={value}")


@contextmanager
def reading(eng: Engine) -> Iterator[Connection]:
    """A read transaction (one consistent snapshot)."""
    with eng.connect() as conn:
        with conn.begin():
            yield conn


def is_sqlite(eng: Engine) -> bool:
    return eng.dialect.name == "sqlite"


def describe(eng: Engine) -> str:
    """The URL without its password, for messages."""
    return eng.url.render_as_string(hide_password=True)


def unreachable(eng: Engine, exc: Exception) -> StoreError:
    """One line for a database that cannot be reached: where, and the driver's first line
    (never the URL's password, never a traceback)."""
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return StoreError(f"cannot use the database {describe(eng)}: "
                      f"{reason[0] if reason else type(exc).__name__}")


@contextmanager
def connected(eng: Engine) -> Iterator[Connection]:
    """A connection, or StoreError in one line when the database cannot be reached."""
    try:
        conn = eng.connect()
    except (OperationalError, InterfaceError) as exc:
        raise unreachable(eng, exc) from None
    with conn:
        yield conn
