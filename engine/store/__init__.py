"""The case store: tables, connections, migrations, repository reads and the audit log.

Entry points take a `db_url: str | None` (see `engine.store.db.engine_for`).
"""
