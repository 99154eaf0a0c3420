"""The event log as the exporters see it: per case (or per area, for area-level
events), the events in evaluation order and every step instance as judged.

Read straight from the store's tables so that an export shows exactly what the reports
and the API show, in one read transaction (one consistent snapshot), streamed: cases,
their events and their stored instances come from three cursors ordered by case id and
merged as they arrive, so memory stays flat however large the log (no list of every
case, no query per chunk of cases). Area-level traces (a few meetings per area) follow.

The store keeps a case's instances other than `met` (met ones are only counted), so a
case's `met` instances are judged again, as the case read does: the traces of one chunk
together, from the events already read, each case as of its last sweep
(`engine.export.judged`: the batch engine for many cases, its `met` rows straight from its
columns), at no further read. A case never swept has no instances. Explanations
(`Trace.explanations`) come from the same judging, and an export that writes none (XES)
never builds an instance or an event for them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from engine.errors import StoreError
from engine.events import Event
from engine.export.judged import Chunk
from engine.rules import Rules
from engine.store import reading, rules_for

# An event as logged is an event: the evaluator can judge the trace from it.
LoggedEvent = Event


@dataclass(frozen=True, slots=True)
class LoggedInstance:
    id: int | str  # a stored row's id, or `case:step:trigger` for a met instance judged again
    case_id: str | None
    area: str
    step: str
    status: str
    trigger_event: str | None
    trigger_at: datetime | None
    due: datetime | None
    satisfied_by: str | None
    owner: str
    severity: str
    version: str
    evaluated_as_of: datetime


class Driver:
    """Raw driver cursors over one read transaction, and the conversions of their values
    (as `UTCDateTime` and `JSON` convert them): SQLAlchemy's per-row processing costs
    more than the read itself on a large log, and a writer that only prints a value
    (an instant as text) need not build an object for it."""

    def __init__(self, conn: Any):
        self.raw = conn.connection.dbapi_connection
        self.sqlite = conn.dialect.name == "sqlite"
        self.named = 0

    def rows(self, sql: str, params: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
        if self.sqlite:
            cur = self.raw.cursor()
        else:  # a server-side cursor: PostgreSQL sends the rows as they are fetched
            self.named += 1
            cur = self.raw.cursor(name=f"liaison_export_{self.named}")
            sql = sql.replace("?", "%s")
        try:
            cur.execute(sql, tuple(params))
            while batch := cur.fetchmany(FETCH):
                yield from batch
        finally:
            cur.close()

    def instant(self, value: Any) -> datetime | None:
        if value is None:
            return None
        if self.sqlite:  # stored as UTC without an offset; parsing one is 6x faster than replace()
            return datetime.fromisoformat(value + "+00:00")
        return value.astimezone(UTC)  # type: ignore[no-any-return]

    def value(self, instant: datetime | None) -> Any:
        """An instant as the driver gives a stored one (what the writers print from):
        on SQLite UTC text without an offset, as `engine.sweep.rows.driver_value` writes
        it; else the instant."""
        if instant is None or not self.sqlite:
            return instant
        return f"{instant.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f}"

    def millis(self, value: Any) -> str:
        """An instant as xs:dateTime in UTC with milliseconds (what XES tools expect)."""
        if self.sqlite:  # stored as "YYYY-MM-DD HH:MM:SS.ffffff" (UTC)
            return f"{value[:10]}T{value[11:23]}+00:00"
        return value.astimezone(UTC).isoformat(timespec="milliseconds")  # type: ignore[no-any-return]

    def iso_z(self, value: Any) -> str:
        """An instant as RFC 3339 in UTC with `Z`, as `datetime.isoformat` writes it
        (microseconds only when there are some)."""
        if self.sqlite:
            if value.endswith(".000000"):
                return f"{value[:10]}T{value[11:19]}Z"
            return f"{value[:10]}T{value[11:26]}Z"
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")  # type: ignore[no-any-return]

    def event(self, row: tuple[Any, ...], decoded: dict[str, dict[str, Any]] | None = None
              ) -> Event:
        """The event of a row. `decoded`: payloads already decoded, by their JSON text
        (a cohort has a few thousand distinct ones), shared by the events built with it:
        only for events that are read and never changed (an explanation's)."""
        at = self.instant(row[4])
        assert at is not None
        text = row[6]
        if decoded is None:
            data = {} if text == "{}" else json.loads(text)
        elif (data := decoded.get(text)) is None:
            if len(decoded) > DECODED:
                decoded.clear()
            data = decoded[text] = json.loads(text)
        return Event(row[0], row[1], row[2], row[3], at, row[5], data, at.timestamp())

    def instance(self, row: tuple[Any, ...]) -> LoggedInstance:
        i = self.instant
        as_of = i(row[12])
        assert as_of is not None
        return LoggedInstance(row[0], row[1], row[2], row[3], row[4], row[5], i(row[6]),
                              i(row[7]), row[8], row[9], row[10], row[11], as_of)


class Trace:
    """One case (`case_id` set) or the area-level log of one area (`case_id` None).

    It holds the driver's rows: `events` and `instances` are built from them on first
    use, so a writer that prints values straight from the rows builds no objects."""

    __slots__ = ("case_id", "area", "stage", "as_of", "event_rows", "instance_rows", "driver",
                 "chunk", "_events", "_instances", "_met", "__weakref__")

    def __init__(self, case_id: str | None, area: str, stage: str | None, driver: Driver,
                 chunk: Chunk, as_of: datetime | None = None):
        self.case_id = case_id
        self.area = area
        self.stage = stage
        self.as_of = as_of  # the case's last sweep; None if never swept (and for an area)
        self.driver = driver
        self.chunk = chunk  # read with these traces, judged again with them
        # (event_id, case_id, area, type, at, source, data as JSON text), in order
        self.event_rows: list[tuple[Any, ...]] = []
        # the stored rows, in the columns of LoggedInstance
        self.instance_rows: list[tuple[Any, ...]] = []
        self._events: list[Event] | None = None
        self._instances: list[LoggedInstance] | None = None
        self._met: tuple[list[tuple[Any, ...]], list[int] | None] | None = None

    @property
    def events(self) -> list[LoggedEvent]:
        if self._events is None:
            self._events = [self.driver.event(r) for r in self.event_rows]
        return self._events

    @property
    def instances(self) -> list[LoggedInstance]:
        if self._instances is None:
            self._instances = [self.driver.instance(r) for r in self.instance_rows]
        return self._instances

    def _judged_met(self) -> tuple[list[tuple[Any, ...]], list[int] | None]:
        if self._met is None:
            self._met = self.chunk.met(self)
        return self._met

    def verdict_rows(self) -> list[tuple[Any, ...]]:
        """Every instance as judged, in the columns of `LoggedInstance` and the driver's
        values: the stored rows, then the `met` ones judged again."""
        met = self._judged_met()[0]
        return self.instance_rows + met if self.instance_rows else met

    def explanations(self) -> list[str]:
        """The explanation of each of `verdict_rows`, built from the events already read."""
        stored = self.chunk.explain(self) if self.instance_rows else []
        met, places = self._judged_met()
        if not met:
            return stored
        instances = self.chunk.met_instances(self)
        if places is None:
            return stored + [i.explanation for i in instances]
        return stored + [instances[n].explanation for n in places]

    @property
    def name(self) -> str:
        return self.case_id if self.case_id is not None else f"area:{self.area}"


# JSON as text on both databases: a writer may print it or cache by it, and decodes it
# only when it needs the values.
EVENT_SQL = ("SELECT e.event_id, e.case_id, e.area, e.type, e.at, e.source, "
             "CAST(e.data AS TEXT) FROM events e")
INSTANCE_SQL = ("SELECT i.id, i.case_id, i.area, i.step, i.status, i.trigger_event, "
                "i.trigger_at, i.due, i.satisfied_by, i.owner, i.severity, i.version, "
                "i.evaluated_as_of FROM instances i")
CHUNK = 2000  # traces judged again together when explanations are asked for
FETCH = 5000  # rows per round trip
DECODED = 10_000  # decoded payloads kept for reuse; the cache starts afresh beyond it


def read_traces(engine: Engine, area: str | None = None, chunk: int = CHUNK,
                config_dir: Path = Path("area_configs")) -> Iterator[Trace]:
    """Every trace, cases by case id then each area's area-level trace, streamed.

    An area filter keeps the cases whose current area it is (after transfers) and that
    area's area-level events. Traces explain their instances by the rules of the store
    and `config_dir`, the ones the sweep judged them by, `chunk` traces at a time; a
    full chunk is judged in a background thread while the chunk before it is written.
    """
    rules = cache(partial(rules_for, engine, config_dir))
    params = [] if area is None else [area]
    if area is None:
        case_sql = "SELECT c.case_id, c.area, c.stage, c.evaluated_as_of FROM cases c"
        ev_sql = f"{EVENT_SQL} WHERE e.case_id IS NOT NULL"
        in_sql = f"{INSTANCE_SQL} WHERE i.case_id IS NOT NULL"
    else:
        case_sql = ("SELECT c.case_id, c.area, c.stage, c.evaluated_as_of FROM cases c "
                    "WHERE c.area = ?")
        ev_sql = f"{EVENT_SQL} JOIN cases c ON c.case_id = e.case_id WHERE c.area = ?"
        in_sql = f"{INSTANCE_SQL} JOIN cases c ON c.case_id = i.case_id WHERE c.area = ?"
    with reading(engine) as conn, ThreadPoolExecutor(1, "liaison-export-judge") as pool:
        read = Driver(conn)
        case_rows = read.rows(f"{case_sql} ORDER BY c.case_id", params)
        ev_rows = read.rows(f"{ev_sql} ORDER BY e.case_id, e.at, e.event_id", params)
        in_rows = read.rows(f"{in_sql} ORDER BY i.case_id, i.trigger_at, i.id", params)
        ev = next(ev_rows, None)
        inst = next(in_rows, None)
        group, held = Chunk(rules), []
        ready: list[Trace] = []  # the chunk before, judged in the background
        for case_id, case_area, stage, as_of in case_rows:
            trace = Trace(case_id, case_area, stage, read, group, read.instant(as_of))
            while ev is not None and ev[1] == case_id:
                trace.event_rows.append(ev)
                ev = next(ev_rows, None)
            while inst is not None and inst[1] == case_id:
                trace.instance_rows.append(inst)
                inst = next(in_rows, None)
            group.add(trace)
            held.append(trace)
            if len(held) >= chunk:  # judged while the chunk before is written
                group.ahead(pool)
                yield from ready
                group, held, ready = Chunk(rules), [], held
        yield from ready
        yield from held
        if ev is not None or inst is not None:  # the three orders disagreed: never silent
            raise StoreError(f"the log of case {(ev or inst or ('', ''))[1]!r} has no case "
                             "row in order; the export stopped")
        yield from _area_traces(read, area, rules)


def _area_traces(read: Driver, area: str | None, rules: Callable[[], Rules]
                 ) -> Iterator[Trace]:
    """Each area's area-level trace (a few meetings an area: read whole)."""
    only, params = ("", []) if area is None else (" AND e.area = ?", [area])
    group = Chunk(rules)
    by_area: dict[str, Trace] = {}

    def trace(key: str) -> Trace:
        if key not in by_area:
            by_area[key] = Trace(None, key, None, read, group)
        return by_area[key]

    for row in read.rows(f"{EVENT_SQL} WHERE e.case_id IS NULL{only} "
                         "ORDER BY e.area, e.at, e.event_id", params):
        trace(row[2]).event_rows.append(row)
    for row in read.rows(f"{INSTANCE_SQL} WHERE i.case_id IS NULL{only.replace('e.', 'i.')} "
                         "ORDER BY i.area, i.trigger_at, i.id", params):
        trace(row[2]).instance_rows.append(row)
    held = [by_area[k] for k in sorted(by_area)]
    for t in held:
        group.add(t)
    yield from held
