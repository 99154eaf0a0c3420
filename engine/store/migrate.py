"""Alembic, driven from code: the migration scripts ship inside the package, so
`liaison db upgrade` works from an installed wheel as well as from a checkout."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from engine.store.db import _checked, connected, describe, engine_for

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


@lru_cache(maxsize=1)
def head_revision() -> str:
    """The newest revision of the shipped migrations."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the shipped migrations have no head revision"
    return head


def current_revision(db_url: str | None = None) -> str | None:
    """The revision the database is at (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with connected(engine_for(db_url)) as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(db_url: str | None = None, revision: str = "head") -> tuple[str | None, str]:
    """Create or upgrade the schema; returns (revision before, revision after)."""
    eng = engine_for(db_url)
    before = current_revision(db_url)
    cfg = alembic_config()
    with eng.connect() as conn:
        conn = conn.execution_options(write=True)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        conn.commit()
    _checked.discard(describe(eng))
    return before, current_revision(db_url) or ""
