"""The reports read the same from PostgreSQL as from SQLite: the cohort goes through the
same pipeline into a fresh PostgreSQL schema and every report's data must be equal."""

from __future__ import annotations

import pytest

from engine.reports.board import build_board
from engine.reports.national import build_national
from engine.reports.quarter import Quarter
from engine.reports.scrutiny import build_scrutiny

pytestmark = pytest.mark.postgres


def assert_same(a, b):  # noqa: ANN001, ANN202
    a, b = dict(a.data), dict(b.data)
    a.pop("generated_at")
    b.pop("generated_at")
    assert a == b


def test_reports_are_identical_on_postgresql_and_sqlite(store, pg_store):
    pg = pg_store.engine
    assert_same(build_board(pg, store.facts), build_board(store.engine, store.facts))
    assert_same(build_national(pg, store.facts), build_national(store.engine, store.facts))
    q = Quarter.parse("2026Q2")
    assert_same(build_scrutiny(pg, store.facts, "kent", q, seed=5),
          build_scrutiny(store.engine, store.facts, "kent", q, seed=5))
