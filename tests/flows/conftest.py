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
    from engine.store import upgrade
    from tests.pgschema import postgres_schema

    with postgres_schema("flows_") as url:
        upgrade(url)
        yield url
