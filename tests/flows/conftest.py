"""Fixtures for the flow tests: a SQLite file store the flows (and Dask workers in other
processes) can reach, and a config directory."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.flows.flowkit import ROOT, new_store


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """The national framework and one overlay (devon-and-cornwall)."""
    d = tmp_path / "area_configs"
    shutil.copytree(ROOT / "area_configs" / "national", d / "national")
    (d / "areas").mkdir()
    shutil.copy(ROOT / "area_configs" / "areas" / "devon-and-cornwall.yaml", d / "areas")
    return d


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    from engine.store.db import engine_for

    url = new_store(tmp_path / "liaison.db")
    yield url
    engine_for(url).dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL store in a fresh schema (dropped afterwards), schema at head. Skips
    without LIAISON_TEST_POSTGRES_URL, unless LIAISON_REQUIRE_POSTGRES=1: then it fails."""
    import os
    import uuid

    from sqlalchemy import create_engine, text

    from engine.store.db import engine_for
    from engine.store.migrate import upgrade

    base = os.environ.get("LIAISON_TEST_POSTGRES_URL")
    if not base:
        if os.environ.get("LIAISON_REQUIRE_POSTGRES") == "1":
            pytest.fail("LIAISON_REQUIRE_POSTGRES=1 but LIAISON_TEST_POSTGRES_URL is not set")
        pytest.skip("no PostgreSQL: set LIAISON_TEST_POSTGRES_URL")
    schema = "flows_" + uuid.uuid4().hex[:12]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    try:
        upgrade(url)
        yield url
    finally:
        engine_for(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
