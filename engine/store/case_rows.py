"""The case rows an ingest batch touches: contract §3's area rule over each case's stored
and new events, and each case's row (area now, first and last event instants, count,
event version) brought up to date.

Why it works from the case rows and not from every stored event: a batch of a daily
extract touches thousands of cases with tens of stored events each, and reading them all
back to re-derive a row cost more than storing the batch. The row already sums up the
stored events (only ingest writes those columns), so a batch folds its new events into
it. Only a case whose history is not plain (an area change, a transfer, a new event at
the very instant of the stored last one) has its stored events read, and is judged
exactly as before.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterator
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection

from engine.errors import EventProblem
from engine.event_columns import EventColumns
from engine.events import Event, area_problems
from engine.store.bulk import (
    in_keys,
    insert_rows,
    instant_value,
    instants_param,
    read_events,
    select_in,
    update_rows,
)
from engine.store.tables import cases

BUCKETS = 1024
TRANSFER = "case.transferred"
_CASE_COLUMNS = "SELECT case_id, area, first_event_at, last_event_at, event_count, " \
                "event_version FROM cases"
_AREAS_SEEN = ("SELECT case_id, MIN(area), MAX(area), "
               f"MAX(CASE WHEN type = '{TRANSFER}' THEN 1 ELSE 0 END) FROM events")
_NEW_ROW = ("case_id", "area", "bucket", "first_event_at", "last_event_at", "event_count",
            "event_version")
_UPDATED = ("area", "first_event_at", "last_event_at", "event_count", "event_version")


class CaseRows:
    """One batch's view of its cases, inside the batch's transaction."""

    def __init__(self, conn: Connection, cols: EventColumns, name: str,
                 instants: list[Any] | None = None) -> None:
        """`instants`: `cols.at` as driver values (`instants_param`), when already made."""
        self.conn, self.cols, self.name = conn, cols, name
        self.instants = instants if instants is not None else instants_param(conn, cols.at)
        self.sqlite = conn.dialect.name == "sqlite"
        self.rows: dict[str, Any] = {}  # stored case rows of the batch's new events

    def _column(self, name: str, idx: list[int]) -> list[Any]:
        values: list[Any] = getattr(self.cols, name)
        return values if len(idx) == len(values) else [values[i] for i in idx]

    def area_rule(self, fresh: list[int]) -> dict[str, EventProblem]:
        """contract §3's area rule over each case's stored and new events: the refused
        new events by id. A new event that breaks it is refused; when the rule fails on
        a stored event, the new event that precedes it (and so changed the case's area
        history) is refused instead. Reads (and on PostgreSQL locks) the case rows.

        A case is plain when its new events are in one area with no transfer and its
        stored events (one aggregate query) are in that area with no transfer: the rule
        holds. Only the other cases are judged event by event."""
        cids = self._column("case_id", fresh)
        pairs = set(zip(cids, self._column("area", fresh), strict=True))
        area_of: dict[str, str] = dict(pairs)  # None (area-level events): popped
        area_of.pop(None, None)  # type: ignore[call-overload]
        case_ids = sorted(area_of)
        # FOR UPDATE: a concurrent batch of the same case waits, then reads this one's row.
        lock = "" if self.conn.dialect.name == "sqlite" else "ORDER BY case_id FOR UPDATE"
        self.rows = {r[0]: r for r in select_in(self.conn, _CASE_COLUMNS, "case_id",
                                                case_ids, lock)}
        mixed: set[str] = set()
        if len(pairs) > len(area_of) + sum(1 for c, _ in pairs if c is None):
            seen = Counter(c for c, _ in pairs if c is not None)
            mixed.update(c for c, n in seen.items() if n > 1)
        if TRANSFER in self.cols.type:
            mixed.update(c for c, t in zip(cids, self._column("type", fresh), strict=True)
                         if t == TRANSFER and c is not None)
        stored = [c for c in case_ids if c in self.rows and c not in mixed]
        for cid, low, high, transfers in select_in(self.conn, _AREAS_SEEN, "case_id", stored,
                                                   "GROUP BY case_id"):
            if low != high or transfers or low != area_of[cid]:
                mixed.add(cid)
        bad: dict[str, EventProblem] = {}
        if mixed:
            by_case: dict[str, list[int]] = {}
            for i in fresh:
                if (c := self.cols.case_id[i]) in mixed:
                    by_case.setdefault(c, []).append(i)
            olds = self._stored_events(list(by_case))
            for cid, idx in by_case.items():
                new = [(self.cols.line[i], self.cols.event(i)) for i in idx]
                bad.update(self._refused(new, olds.get(cid, [])))
        return bad

    def _refused(self, new: list[tuple[int, Event]], old: list[Event]
                 ) -> Iterator[tuple[str, EventProblem]]:
        """The area rule for one case whose history is not plain, event by event."""
        if _single_area(new, old):
            return
        bad: dict[str, EventProblem] = {}
        remaining = list(new)
        while remaining:
            new_ids = {e.event_id for _, e in remaining}
            problems = area_problems([(0, e) for e in old] + remaining)
            if not problems:
                break
            on_new = [p for p in problems if p.event_id in new_ids]
            if on_new:
                for p in on_new:
                    assert p.event_id is not None
                    line = next(ln for ln, e in remaining if e.event_id == p.event_id)
                    bad[p.event_id] = EventProblem(line, p.message, p.event_id, "area",
                                                   self.name)
            else:
                first_old = min((e for e in old if e.event_id == problems[0].event_id),
                                key=lambda e: e.sort_key)
                ln, culprit = min((le for le in remaining if le[1].sort_key < first_old.sort_key),
                                  key=lambda le: le[1].sort_key, default=remaining[0])
                bad[culprit.event_id] = EventProblem(
                    ln, f"area {culprit.area!r} contradicts the case's stored events (event "
                    f"{first_old.event_id} is in {first_old.area!r} with no case.transferred "
                    f"between them)", culprit.event_id, "area", self.name)
            remaining = [le for le in remaining if le[1].event_id not in bad]
        yield from bad.items()

    def _stored_events(self, case_ids: list[str]) -> dict[str, list[Event]]:
        out: dict[str, list[Event]] = {}
        where, param = in_keys(self.conn, "case_id", case_ids)
        for ev in read_events(self.conn, where, (param,)):
            assert ev.case_id is not None
            out.setdefault(ev.case_id, []).append(ev)
        return out

    def _area_after(self, i: int) -> str:
        """The case's area after the batch's event i."""
        cols = self.cols
        return cols.data[i]["to_area"] if cols.type[i] == TRANSFER else cols.area[i]

    def touch(self, new: list[int]) -> None:
        """Create or update the case rows of the newly stored events (after they are
        inserted): area now, first and last event instants, count, and a bumped event
        version (the sweep's "needs evaluation")."""
        cols, at = self.cols, self.cols.at
        # (case, instant, id, index) sorted: each case's first and last events in order.
        # Sorting is about linear here: a file's lines mostly come case by case, in time.
        # On SQLite the instants' stored text (UTC, fixed width) sorts as they do.
        ts = self.instants if self.sqlite else cols.timestamps()
        cids = self._column("case_id", new)
        keys = list(zip(cids, ts if len(ts) == len(new) else [ts[i] for i in new],
                        self._column("event_id", new), new, strict=True))
        if None in cids:  # area-level events: no case row
            keys = [k for k in keys if k[0] is not None]
        keys.sort()
        in_order = list(map(itemgetter(0), keys))
        positions = list(map(itemgetter(3), keys))
        last = dict(zip(in_order, positions, strict=True))
        earliest = dict(zip(reversed(in_order), reversed(positions), strict=True))
        counts = Counter(in_order)
        summary = {c: (counts[c], earliest[c], last[c])
                   for c in dict.fromkeys(cids) if c is not None}
        inserts: list[tuple[Any, ...]] = []
        updates, recount = [], []
        for cid, (count, first, last) in summary.items():
            row = self.rows.get(cid)
            if row is None:
                inserts.append((cid, self._area_after(last), case_bucket(cid), first,
                                last, count, 1))
                continue
            old_first = instant_value(self.conn, row[2])
            old_last = instant_value(self.conn, row[3])
            if at[last] == old_last:  # which is last depends on the stored event's id
                recount.append(cid)
                continue
            area = self._area_after(last) if at[last] > old_last else row[1]
            updates.append((area, min(old_first, at[first]), max(old_last, at[last]),
                            row[4] + count, row[5] + 1, cid))
        if recount:
            stored = self._stored_events(recount)  # the new events included
            for cid in recount:
                evs = sorted(stored[cid], key=lambda e: e.sort_key)
                row = self.rows[cid]
                updates.append((_area_after(evs[-1]), evs[0].at, evs[-1].at, len(evs),
                                row[5] + 1, cid))
        if inserts:  # the instants as driver values
            driver = self.instants
            inserts = [(*r[:3], driver[r[3]], driver[r[4]], *r[5:]) for r in inserts]
        insert_rows(self.conn, cases, _NEW_ROW, inserts, prepared=True)
        update_rows(self.conn, cases, _UPDATED, "case_id", updates)


def _area_after(e: Event) -> str:
    """The case's area after its event `e`."""
    return e.data["to_area"] if e.type == TRANSFER else e.area


def case_bucket(case_id: str) -> int:
    """A stable hash bucket of a case id (the same in every process and database)."""
    return zlib.crc32(case_id.encode("utf-8")) % BUCKETS


def _single_area(new: list[tuple[int, Event]], old: list[Event]) -> bool:
    """The common case, answered without sorting: one area and no transfer."""
    areas = {e.area for _, e in new} | {e.area for e in old}
    return len(areas) == 1 and not any(e.type == TRANSFER for _, e in new) and \
        not any(e.type == TRANSFER for e in old)
