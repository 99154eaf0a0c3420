"""The reports read the same from PostgreSQL as from SQLite: the cohort goes through the
same pipeline into a fresh PostgreSQL schema and every report's data must be equal."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text

from engine.ingest import ingest_paths
from engine.reports.board import build_board
from engine.reports.national import build_national
from engine.reports.quarter import Quarter
from engine.reports.scrutiny import build_scrutiny
from engine.store.db import engine_for
from engine.store.migrate import upgrade
from engine.sweep import run_sweep
from tests.reports.cohort import AS_OF
from tests.store.conftest import postgres_base

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_url(store):
    base = postgres_base()
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    schema = "r_" + uuid.uuid4().hex[:12]
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    upgrade(url)
    ingest_paths(url, [str(store.events_file)], actor="test")
    run_sweep(url, as_of=AS_OF)
    yield url
    engine_for(url).dispose()
    with admin.connect() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def _same(a, b):
    a, b = dict(a.data), dict(b.data)
    a.pop("generated_at")
    b.pop("generated_at")
    assert a == b


def test_reports_are_identical_on_postgresql_and_sqlite(store, pg_url):
    pg = engine_for(pg_url)
    _same(build_board(pg, store.facts), build_board(store.engine, store.facts))
    _same(build_national(pg, store.facts), build_national(store.engine, store.facts))
    q = Quarter.parse("2026Q2")
    _same(build_scrutiny(pg, store.facts, "kent", q, seed=5),
          build_scrutiny(store.engine, store.facts, "kent", q, seed=5))
