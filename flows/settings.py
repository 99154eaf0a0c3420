"""Where the flows find the store and the configs: the same variables as the CLI.

Everything is resolved to an absolute form in the flow process before it is handed to
tasks, because a task may run in another process (a Dask worker) with another working
directory, where `./area_configs` or a relative SQLite path would mean something else.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from engine.store import resolve_url

CONFIG_DIR_ENV = "LIAISON_CONFIG_DIR"
DROP_DIR_ENV = "LIAISON_DROP_DIR"
REPORTS_DIR_ENV = "LIAISON_REPORTS_DIR"


def database_url(db_url: str | None = None) -> str:
    """The argument, else `$LIAISON_DATABASE_URL`, else ./.liaison/liaison.db (absolute)."""
    return resolve_url(db_url)


def config_dir(path: str | Path | None = None) -> Path:
    """The argument, else `$LIAISON_CONFIG_DIR`, else ./area_configs (absolute)."""
    return Path(path or os.environ.get(CONFIG_DIR_ENV) or "area_configs").resolve()


def drop_dir(path: str | Path | None = None) -> Path:
    """The argument, else `$LIAISON_DROP_DIR`, else ./drop (absolute)."""
    return Path(path or os.environ.get(DROP_DIR_ENV) or "drop").resolve()


def reports_dir(path: str | Path | None = None) -> Path:
    """The argument, else `$LIAISON_REPORTS_DIR`, else ./reports (absolute)."""
    return Path(path or os.environ.get(REPORTS_DIR_ENV) or "reports").resolve()


def as_of(instant: datetime | None = None) -> datetime:
    """The argument (it must carry a UTC offset: a naive instant is ambiguous), else now."""
    when = instant or datetime.now(UTC)
    if when.tzinfo is None:
        raise ValueError("as_of needs a UTC offset")
    return when
