"""Store fixtures: fresh databases per test, on SQLite always and on PostgreSQL when
`LIAISON_TEST_POSTGRES_URL` is set (a fresh schema for each database). Without
PostgreSQL the postgres half skips, unless LIAISON_REQUIRE_POSTGRES=1: then it fails."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from engine.store.db import engine_for
from engine.store.migrate import upgrade
from tests.pgschema import postgres_base, postgres_schema

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres":
        postgres_base()
    return str(request.param)


@pytest.fixture
def new_db(backend: str, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Make empty databases (no schema) of the test's backend; all dropped afterwards."""
    made: list[str] = []
    with ExitStack() as schemas:
        def make() -> str:
            if backend == "postgres":
                url = schemas.enter_context(postgres_schema("t_"))
            else:
                url = f"sqlite:///{tmp_path / f'liaison-{len(made)}.db'}"
            made.append(url)
            return url

        yield make
        for url in made:
            engine_for(url).dispose()


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
