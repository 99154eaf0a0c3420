"""Direct SQL against a test store: the independent side of every comparison."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text


def sql(store: Any, query: str, **params: Any) -> list[tuple[Any, ...]]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(query), params)]
