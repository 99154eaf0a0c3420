"""The dashboard's stage board and national comparison, kept between requests until the
store changes.

Both are built from every case in scope (the board replays open cases' events for their
ageing; the national page reads the whole country), which takes seconds for a large
store, while what they show changes only when events are ingested, a sweep runs or a
flag is acknowledged. So a built report is kept under a key of who may see it and a
stamp of the store; a page view after any change builds afresh. The stamp costs a few
small aggregate queries.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock
from typing import Any

from sqlalchemy import Engine, func, select

from engine.reports import Report
from engine.store import cases, ingest_batches, reading

SIZE = 32


def store_stamp(engine: Engine) -> tuple[Any, ...]:
    """Changes whenever a report's inputs may have: a batch ingested, a case swept, a
    flag acknowledged."""
    from engine.store import flag_acks

    with reading(engine) as conn:
        swept = conn.execute(select(func.count(), func.max(cases.c.evaluated_at),
                                    func.max(cases.c.evaluated_as_of))).one()
        batches = conn.execute(select(func.count(), func.max(ingest_batches.c.committed_at))
                               ).one()
        acks = conn.execute(select(func.count()).select_from(flag_acks)).scalar()
    return (*swept, *batches, acks)


class ReportCache:
    def __init__(self, size: int = SIZE):
        self._items: OrderedDict[Hashable, Report] = OrderedDict()
        self._lock = Lock()
        self._size = size

    def get(self, engine: Engine, key: Hashable, build: Callable[[], Report]) -> Report:
        """The report for `key` as of the store's present state; `build` runs (and may
        refuse, raising) whenever no kept copy matches. A refusal is never kept."""
        full = (key, store_stamp(engine))
        with self._lock:
            kept = self._items.get(full)
            if kept is not None:
                self._items.move_to_end(full)
                return kept
        report = build()
        with self._lock:
            self._items[full] = report
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return report


def cache_of(state: Any) -> ReportCache:
    """The app's cache, made on first use."""
    cache: ReportCache | None = getattr(state, "report_cache", None)
    if cache is None:
        cache = ReportCache()
        state.report_cache = cache
    return cache
