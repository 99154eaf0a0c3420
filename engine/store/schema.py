"""Is the database's schema the one this code was written for?

Kept apart from `db` (connections) and `migrate` (upgrades) so that neither needs the
other: `checked_engine` (what every command uses) asks here, and `migrate` tells this
module when it has upgraded. It imports only `db` from the store.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from engine.errors import StoreError
from engine.store.db import connected, engine_for

__all__ = ["MIGRATIONS", "alembic_config", "checked_engine", "forget", "head_revision",
           "require_schema"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# Engines (by URL without password) whose schema was found at the head revision.
_checked: set[str] = set()


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


def _key(eng: Engine) -> str:
    return eng.url.render_as_string(hide_password=True)


def require_schema(eng: Engine) -> None:
    """Raise StoreError with a clear next step when the schema is missing or not at the
    head revision this code was written for. Checked once per engine per process."""
    key = _key(eng)
    if key in _checked:
        return
    head = head_revision()
    with connected(eng) as conn:
        if not inspect(conn).has_table("alembic_version"):
            raise StoreError(f"the database {key} has no liaison schema; "
                             "run `liaison db upgrade` first")
        rows = [r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))]
    if rows != [head]:
        current = ", ".join(rows) or "none"
        raise StoreError(f"the database {key} is at schema revision {current}, this liaison "
                         f"needs {head}; run `liaison db upgrade`")
    _checked.add(key)


def checked_engine(url: str | None = None) -> Engine:
    """`engine_for` plus `require_schema`: what every command that reads or writes uses."""
    eng = engine_for(url)
    require_schema(eng)
    return eng


def forget(eng: Engine) -> None:
    """Check the engine's schema again next time (it has just been changed)."""
    _checked.discard(_key(eng))
