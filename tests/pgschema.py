"""The one way tests get a PostgreSQL database: a fresh schema in the server named by
LIAISON_TEST_POSTGRES_URL, dropped afterwards. Without that variable a test skips,
unless LIAISON_REQUIRE_POSTGRES=1 (as in CI): then it fails."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

from engine.store import engine_for


def postgres_base() -> str:
    """The test server's URL, or skip (fail under LIAISON_REQUIRE_POSTGRES=1)."""
    url = os.environ.get("LIAISON_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("LIAISON_REQUIRE_POSTGRES") == "1":
            pytest.fail("LIAISON_REQUIRE_POSTGRES=1 but LIAISON_TEST_POSTGRES_URL is not set")
        pytest.skip("no PostgreSQL: set LIAISON_TEST_POSTGRES_URL")
    return url


@contextmanager
def postgres_schema(prefix: str = "t_") -> Iterator[str]:
    """A URL whose connections use a new, empty schema (no tables); the schema and every
    engine made for the URL are gone afterwards."""
    base = postgres_base()
    schema = prefix + uuid.uuid4().hex[:12]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    try:
        yield url
    finally:
        engine_for(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
