"""Store fixtures: fresh databases per test, on SQLite always and on PostgreSQL when
`LIAISON_TEST_POSTGRES_URL` is set (a fresh schema for each database). Without
PostgreSQL the postgres half skips, unless LIAISON_REQUIRE_POSTGRES=1: then it fails."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from engine.store.db import engine_for
from engine.store.migrate import upgrade

ROOT = Path(__file__).resolve().parents[2]


def postgres_base() -> str:
    url = os.environ.get("LIAISON_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("LIAISON_REQUIRE_POSTGRES") == "1":
            pytest.fail("LIAISON_REQUIRE_POSTGRES=1 but LIAISON_TEST_POSTGRES_URL is not set")
        pytest.skip("no PostgreSQL: set LIAISON_TEST_POSTGRES_URL")
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres":
        postgres_base()
    return str(request.param)


@pytest.fixture
def new_db(backend: str, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Make empty databases (no schema) of the test's backend; all dropped afterwards."""
    made: list[str] = []
    schemas: list[str] = []
    admin = create_engine(postgres_base(), isolation_level="AUTOCOMMIT") \
        if backend == "postgres" else None

    def make() -> str:
        if admin is None:
            url = f"sqlite:///{tmp_path / f'liaison-{len(made)}.db'}"
        else:
            schema = "t_" + uuid.uuid4().hex[:12]
            with admin.connect() as conn:
                conn.execute(text(f"CREATE SCHEMA {schema}"))
            schemas.append(schema)
            base = postgres_base()
            url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
        made.append(url)
        return url

    yield make
    for url in made:
        engine_for(url).dispose()
    if admin is not None:
        with admin.connect() as conn:
            for schema in schemas:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def empty_db(new_db: Callable[[], str]) -> str:
    """A database URL with no schema yet."""
    return new_db()


@pytest.fixture
def db(empty_db: str) -> str:
    """A database URL with the schema at head."""
    upgrade(empty_db)
    return empty_db


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """The national framework alone (no overlays): tests add the overlays they need."""
    d = tmp_path / "area_configs"
    shutil.copytree(ROOT / "area_configs" / "national", d / "national")
    (d / "areas").mkdir()
    return d
