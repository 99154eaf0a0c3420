"""Alembic, driven from code: the migration scripts ship inside the package, so
`liaison db upgrade` works from an installed wheel as well as from a checkout."""

from __future__ import annotations

from alembic import command

from engine.store.db import connected, engine_for
from engine.store.schema import alembic_config, forget, head_revision

__all__ = ["current_revision", "head_revision", "upgrade"]


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
    forget(eng)
    return before, current_revision(db_url) or ""
