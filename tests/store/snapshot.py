"""The stored state of the ingest tables, comparable across databases and runs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.store.db import engine_for
from engine.store.tables import cases, events, ingest_batches, rejects


def state(url: str, batches: bool = True) -> dict[str, list[tuple[Any, ...]]]:
    """Events, cases, rejects and (optionally) the batch log, ordered; timestamps of the
    runs themselves (when a batch committed, who ran it) left out."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine_for(url).connect() as conn:
        out["events"] = [tuple(r) for r in conn.execute(
            select(events).order_by(events.c.event_id))]
        out["cases"] = [tuple(r) for r in conn.execute(select(cases).order_by(cases.c.case_id))]
        out["rejects"] = [tuple(r) for r in conn.execute(
            select(rejects).order_by(rejects.c.file_key, rejects.c.line))]
        if batches:
            cols = [c for c in ingest_batches.c if c.name not in ("committed_at", "actor")]
            out["batches"] = [tuple(r) for r in conn.execute(
                select(*cols).order_by(ingest_batches.c.batch_id))]
    return out
