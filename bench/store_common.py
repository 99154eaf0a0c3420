"""Shared by bench/ingest.py and bench/sweep.py: the databases they run against.

SQLite files live in bench/.cache/; PostgreSQL runs use a schema of their own in the
database named by LIAISON_BENCH_POSTGRES_URL (else LIAISON_TEST_POSTGRES_URL), dropped
and recreated on each run, so a benchmark never touches anything else.
"""

from __future__ import annotations

import os
from pathlib import Path

from bench.cohort import CACHE


def postgres_base() -> str:
    url = os.environ.get("LIAISON_BENCH_POSTGRES_URL") or os.environ.get(
        "LIAISON_TEST_POSTGRES_URL")
    if not url:
        raise SystemExit("PostgreSQL benchmark: set LIAISON_BENCH_POSTGRES_URL "
                         "(e.g. postgresql+psycopg://postgres@127.0.0.1:55432/liaison_test)")
    return url


def db_url(kind: str, name: str) -> str:
    """The benchmark database `name` of a kind (sqlite | postgres); not reset."""
    if kind == "sqlite":
        return f"sqlite:///{CACHE / f'{name}.db'}"
    base = postgres_base()
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{name.replace('-', '_')}"


def fresh_db(kind: str, name: str) -> str:
    """An empty database (schema at head) for a run."""
    from sqlalchemy import create_engine, text

    from engine.store import upgrade

    url = db_url(kind, name)
    if kind == "sqlite":
        CACHE.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(CACHE / f"{name}.db") + suffix).unlink(missing_ok=True)
    else:
        admin = create_engine(postgres_base(), isolation_level="AUTOCOMMIT")
        schema = name.replace("-", "_")
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
    upgrade(url)
    return url


def raw_connection(url: str):  # type: ignore[no-untyped-def]  # noqa: ANN201
    """A plain DBAPI connection (sqlite3 or psycopg) for the floors."""
    from engine.store import engine_for

    return engine_for(url).raw_connection()


def simulated_store(name: str, areas: tuple[str, ...], cases: int, seed: int,
                    years: float | None = None) -> str:
    """A SQLite store of a simulated cohort, ingested and swept as of the cohort's as-of;
    made once and reused while the generator, the configs and the arguments are the
    same (cohort and store under bench/.cache/)."""
    import json
    from datetime import datetime

    from bench.cohort import fingerprint
    from engine.config import load_config
    from engine.ingest import ingest_paths
    from engine.simulate import CohortSpec, write_cohort
    from engine.sweep import run_sweep

    cohort = CACHE / f"{name}-{fingerprint()}"
    stamp = CACHE / f"{name}.stamp"
    url = db_url("sqlite", name)
    from engine.store.migrate import head_revision

    made = f"{cohort.name} {head_revision()}"  # a new migration makes a fresh store
    if not stamp.exists() or stamp.read_text() != made:
        if not (cohort / "manifest.json").is_file():
            extra = {} if years is None else {"years": years}
            write_cohort(CohortSpec(areas, cases, seed, **extra), load_config(), cohort,
                         workers=2)
        manifest = json.loads((cohort / "manifest.json").read_text())
        url = fresh_db("sqlite", name)
        ingest_paths(url, [str(cohort / "events.jsonl")], actor="bench")
        run_sweep(url, datetime.fromisoformat(manifest["as_of"]), workers=2)
        stamp.write_text(made)
    return url
