"""Alembic environment: runs on the connection handed over by engine.store.migrate,
or on `$LIAISON_DATABASE_URL` when alembic is run by hand."""

from __future__ import annotations

from alembic import context

from engine.store.db import engine_for
from engine.store.tables import metadata

config = context.config


def run() -> None:
    conn = config.attributes.get("connection")
    if conn is not None:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    with engine_for(None).connect() as own:
        context.configure(connection=own.execution_options(write=True),
                          target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        own.commit()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run `liaison db upgrade`")
run()
