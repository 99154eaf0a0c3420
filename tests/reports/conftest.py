"""A store built through the real pipeline (cohort → ingest → sweep), once per session."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from engine.config import load_config
from engine.ingest import ingest_paths
from engine.reports.facts import Facts, facts_from
from engine.store.db import engine_for
from engine.store.migrate import upgrade
from engine.sweep import run_sweep
from tests.reports.cohort import AS_OF, write_cohort


@dataclass(frozen=True)
class Store:
    url: str
    engine: Engine
    facts: Facts
    events_file: Path


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    root = tmp_path_factory.mktemp("reports-store")
    url = f"sqlite:///{root / 'liaison.db'}"
    events_file = root / "events.jsonl"
    write_cohort(events_file)
    upgrade(url)
    report = ingest_paths(url, [str(events_file)], actor="test")
    assert sum(f.rejected for f in report.files) == 0
    run_sweep(url, as_of=AS_OF)
    yield Store(url, engine_for(url), facts_from(load_config()), events_file)


@pytest.fixture(scope="session")
def simulated_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A cohort from the project's simulator (all overlay areas plus two forces without
    an overlay), through ingest and sweep: the reports must agree with SQL on it too."""
    from engine.simulate import CohortSpec, resolve_areas, write_cohort
    from engine.simulate.cohort import DEFAULT_AS_OF

    config = load_config()
    root = tmp_path_factory.mktemp("simulated-store")
    areas = resolve_areas("overlays", config) + ("cumbria", "metropolitan")
    write_cohort(CohortSpec(areas, 600, 11, years=2.0), config, root)
    url = f"sqlite:///{root / 'liaison.db'}"
    upgrade(url)
    report = ingest_paths(url, [str(root / "events.jsonl")], actor="test")
    assert report.rejected == 0
    run_sweep(url, as_of=DEFAULT_AS_OF)
    yield Store(url, engine_for(url), facts_from(config), root / "events.jsonl")


@pytest.fixture(scope="session")
def pg_store(store: Store) -> Iterator[Store]:
    """The same cohort through the same pipeline into a fresh PostgreSQL schema (skips
    without PostgreSQL unless LIAISON_REQUIRE_POSTGRES=1)."""
    from tests.pgschema import postgres_schema

    with postgres_schema("r_") as url:
        upgrade(url)
        ingest_paths(url, [str(store.events_file)], actor="test")
        run_sweep(url, as_of=AS_OF)
        yield Store(url, engine_for(url), store.facts, store.events_file)
