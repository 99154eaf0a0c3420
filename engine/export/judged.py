"""A chunk of traces judged again: the `met` instances the store does not keep, and the
explanation of every instance, from the events the export already read.

Why in columns: `met` instances are most of the log (88% of a cohort's), and an export
that writes no explanation (XES) needs only their values. Many cases of one sweep
instant are judged at once by the batch engine and their `met` rows are printed
straight from its columns (instants as the driver gives stored ones), with no `Instance`
and no event built; a few cases go to the per-case engine. An `Instance`, with the
events it cites, is built only when an explanation is asked for (OCEL).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, Future
from datetime import UTC, datetime
from itertools import groupby
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Protocol

from engine.evaluate import Instance
from engine.events import Event
from engine.rules import Rules
from engine.store import (
    BATCH_FROM,
    explain_from,
    judge_again,
    judge_batch,
    keyed_instances,
    materialize,
)
from engine.terms import Status

if TYPE_CHECKING:
    import polars as pl

    from engine.batch.evaluate import BatchResult

Row = tuple[Any, ...]
Key = tuple[str, str | None, datetime | None]  # as `engine.store.judge_again` keys instances


class Trace(Protocol):
    """What judging reads of a trace (`engine.export.log.Trace`, which imports this
    module): its case, area, last sweep, the driver's rows and what is built of them."""

    case_id: str | None
    area: str
    as_of: datetime | None
    event_rows: list[Row]
    instance_rows: list[Row]

    @property
    def driver(self) -> Any: ...
    @property
    def events(self) -> Sequence[Event]: ...
    @property
    def instances(self) -> Sequence[Any]: ...


class _Judged:
    """One sweep instant's cases judged at once: the batch engine's result, and its
    `met` instances in export order (by case, then trigger instant and step)."""

    __slots__ = ("as_of", "result", "met", "source")

    def __init__(self, as_of: datetime, result: BatchResult, met: pl.DataFrame,
                 source: TraceEvents):
        self.as_of, self.result, self.met, self.source = as_of, result, met, source


class Chunk:
    """The traces read together; their cases are judged again together, on first ask.

    It holds its traces weakly: a trace points at its chunk, and a strong reference back
    would make a cycle that only the garbage collector frees, so memory would grow with
    the log instead of staying flat."""

    __slots__ = ("rules", "traces", "rows", "instances", "batches", "judged", "texts",
                 "pending")

    def __init__(self, rules: Callable[[], Rules]):
        self.rules = rules
        self.traces: list[weakref.ref[Trace]] = []
        # case -> its `met` rows (the columns of `LoggedInstance`, the driver's values)
        self.rows: dict[str, list[Row]] | None = None
        # case -> the `Instance` of each of its `met` rows (None: not built yet)
        self.instances: dict[str, list[Instance]] | None = None
        self.batches: list[_Judged] = []  # the cases judged by the batch engine
        self.judged: dict[tuple[str, datetime], dict[Key, Instance]] = {}  # the others
        self.texts: dict[int | str, str] | None = None
        self.pending: Future[dict[str, list[Row]]] | None = None  # judging in the background

    def add(self, trace: Trace) -> None:
        self.traces.append(weakref.ref(trace))

    def ahead(self, pool: Executor) -> None:
        """Start judging the chunk in `pool`, while the previous chunk is written and the
        next one read: the batch engine's queries release the interpreter's lock, so
        the writer's Python runs on meanwhile (on another core). Only for a chunk the
        batch engine judges (the per-case engine would only take turns with the writer);
        the chunk's traces must all have been added and stay referenced until it ends."""
        if len(self.traces) >= BATCH_FROM:
            self.rules()  # loaded here, by the reading thread
            self.pending = pool.submit(self._judge)

    def _verdicts(self) -> dict[str, list[Row]]:
        """The chunk's `met` rows, once judged (waiting for the background judging)."""
        if self.pending is not None:
            pending, self.pending = self.pending, None
            return pending.result()
        return self._judge()

    def _alive(self) -> list[Trace]:
        return [t for ref in self.traces if (t := ref()) is not None]

    def _judge(self) -> dict[str, list[Row]]:
        """Every swept case's `met` rows, judged as of its last sweep: many cases of one
        instant by the batch engine (rows from its columns), a few case by case."""
        if self.rows is None:
            self.rows = {}
            by_as_of: dict[datetime, list[Trace]] = {}
            for t in self._alive():
                if t.case_id is not None and t.as_of is not None:
                    by_as_of.setdefault(t.as_of, []).append(t)
            for as_of, traces in by_as_of.items():
                if len(traces) >= BATCH_FROM:
                    self._judge_batch(as_of, traces)
                else:
                    self._judge_cases(as_of, traces)
        return self.rows

    def _judge_batch(self, as_of: datetime, traces: list[Trace]) -> None:
        import polars as pl

        source = TraceEvents(traces)
        result = judge_batch(self.rules(), list(source.event_rows), source, as_of)
        met = (result.instances.filter(pl.col("status") == "met")
               .sort(["case", "trigger_us", "step"], maintain_order=True))
        self.batches.append(_Judged(as_of, result, met, source))
        assert self.rows is not None
        areas = {t.case_id: t.area for t in traces if t.case_id is not None}
        for case, rows in groupby(met_rows(met, areas, as_of, traces[0].driver.sqlite),
                                  key=itemgetter(1)):
            self.rows[case] = list(rows)

    def _judge_cases(self, as_of: datetime, traces: list[Trace]) -> None:
        source = TraceEvents(traces)
        judged = judge_again(self.rules(), [(cid, as_of) for cid in source.event_rows], source)
        self.judged.update(judged)
        assert self.rows is not None
        for t in traces:
            assert t.case_id is not None
            found = judged.get((t.case_id, as_of), {})
            value = t.driver.value
            met = [i for i in sorted(found.values(), key=lambda i: (i.trigger_at, i.step))
                   if i.status == Status.met]
            self.rows[t.case_id] = [
                (f"{t.case_id}:{i.step}:{i.trigger_event or i.trigger_at.isoformat()}",
                 t.case_id, t.area, i.step, "met", i.trigger_event, value(i.trigger_at),
                 value(i.due), i.satisfied_by, i.owner, i.severity, i.version, value(as_of))
                for i in met]

    def met(self, trace: Trace) -> tuple[list[Row], list[int] | None]:
        """The case's `met` rows judged again (the store keeps none), in the order of
        their trigger instants, but none that a stored row of the same step and trigger
        stands for; and the place of each among the case's `met` instances (None: all
        of them, in order)."""
        if trace.case_id is None or trace.as_of is None:
            return [], None
        rows = self._verdicts().get(trace.case_id, [])
        if not trace.instance_rows:
            return rows, None
        stored = {(r[3], r[5], r[6]) for r in trace.instance_rows}
        places = [n for n, r in enumerate(rows) if (r[3], r[5], r[6]) not in stored]
        return [rows[n] for n in places], places

    def met_instances(self, trace: Trace) -> list[Instance]:
        """Every `met` instance of the case (`met`'s places index it), built with the
        events it cites: for its explanation."""
        assert trace.case_id is not None and trace.as_of is not None
        self._verdicts()
        if self.instances is None:
            self.instances = {}
            for b in self.batches:
                for case, inst in materialize(b.result, b.met, b.source, b.as_of):
                    self.instances.setdefault(case, []).append(inst)
        found = self.instances.get(trace.case_id)
        if found is None:  # judged case by case
            keyed = self.judged.get((trace.case_id, trace.as_of), {})
            found = [i for i in sorted(keyed.values(), key=lambda i: (i.trigger_at, i.step))
                     if i.status == Status.met]
        return found

    def explain(self, trace: Trace) -> list[str]:
        """The explanation of each of the trace's stored rows, from the judging that
        gave the `met` ones (a row judged at another instant than its case's last
        sweep is judged again at that instant)."""
        if self.texts is None:
            self._verdicts()
            with_rows = [t for t in self._alive() if t.instance_rows]
            rows = [i for t in with_rows for i in t.instances]
            source = TraceEvents(with_rows)
            judged = dict(self.judged)
            for b in self.batches:  # only the instances the stored rows stand for
                wanted: dict[str, Sequence[Any]] = {}
                for t in with_rows:
                    if t.case_id in b.source.event_rows and t.as_of == b.as_of:
                        wanted[t.case_id] = t.instances
                keyed = keyed_instances(b.result, list(wanted), wanted, b.source, b.as_of)
                judged.update(((cid, b.as_of), k) for cid, k in keyed.items())
            other = [(r.case_id, r.evaluated_as_of) for r in rows if r.case_id is not None
                     and (r.case_id, r.evaluated_as_of) not in judged]
            if other:
                judged.update(judge_again(self.rules(), other, source))
            said = explain_from(self.rules(), rows, source,
                                {t.area: t.events for t in with_rows if t.case_id is None},
                                judged)
            self.texts = {r.id: text for r, text in zip(rows, said, strict=True)}
        return [self.texts[i.id] for i in trace.instances]


def met_rows(met: pl.DataFrame, areas: dict[str, str], as_of: datetime, sqlite: bool
             ) -> list[Row]:
    """`met` instances of the batch engine as rows in the columns of `LoggedInstance`
    (the trace's area: the case's current one) and the driver's values, as
    `Chunk._judge_cases` writes them from `Instance`s: the id `case:step:trigger`, the
    trigger its event's id or else its instant as `datetime.isoformat` writes it."""
    import polars as pl

    from engine.sweep.rows import driver_value, instant

    us = pl.col("trigger_us")
    at = pl.from_epoch(us, "us")
    iso = (pl.when(us % 1_000_000 == 0).then(at.dt.strftime("%Y-%m-%dT%H:%M:%S+00:00"))
           .otherwise(at.dt.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00")))
    return met.select(
        pl.concat_str(pl.col("case"), pl.lit(":"), pl.col("step"), pl.lit(":"),
                      pl.coalesce(pl.col("trigger_event"), iso)).alias("id"),
        "case", pl.col("case").replace_strict(areas, return_dtype=pl.String).alias("area"),
        "step", "status", "trigger_event", instant(us, sqlite).alias("trigger_at"),
        instant(pl.col("due_us"), sqlite).alias("due"), "satisfied_by", "owner", "severity",
        "version", pl.lit(driver_value(as_of, sqlite)).alias("evaluated_as_of"),
    ).rows()


class TraceEvents:
    """The chunk's case events for judging again (`engine.store.CaseEvents`): many cases
    as columns straight from the driver's rows, one event built only when an
    explanation cites it, a whole case only when it is judged alone.

    It holds the traces' rows, not the traces: a chunk keeps it, and a trace keeps its
    chunk, so holding a trace here would be a cycle that outlives the chunk."""

    def __init__(self, traces: Iterable[Trace]):
        cased = [t for t in traces if t.case_id is not None]
        self.event_rows: dict[str, list[Row]] = {t.case_id: t.event_rows for t in cased
                                                 if t.case_id is not None}
        self.driver: Any = cased[0].driver if cased else None
        self.rows: dict[str, dict[str, Row]] = {}
        self.built: dict[tuple[str, str], Event] = {}  # one event cited by several rows
        self.decoded: dict[str, dict[str, Any]] = {}  # payloads by JSON text

    def events(self, case_id: str) -> Sequence[Event]:
        return [self.driver.event(r, self.decoded) for r in self.event_rows[case_id]]

    def event(self, case_id: str, event_id: str) -> Event | None:
        built = self.built.get((case_id, event_id))
        if built is None:
            if case_id not in self.rows:
                self.rows[case_id] = {r[0]: r for r in self.event_rows[case_id]}
            row = self.rows[case_id].get(event_id)
            if row is None:
                return None
            built = self.built[(case_id, event_id)] = self.driver.event(row, self.decoded)
        return built

    def columns(self, case_ids: Sequence[str]) -> Any:
        import polars as pl

        rows = [r for cid in case_ids for r in self.event_rows[cid]]
        if not rows:
            return None
        names = ("event_id", "case_id", "area", "type", "at", "source", "data")
        if self.driver.sqlite:  # every column text: straight from rows
            return pl.DataFrame(rows, schema=dict.fromkeys(names, pl.String), orient="row")
        cols = dict(zip(names, (list(c) for c in zip(*rows, strict=True)), strict=True))
        cols["at"] = [v.astimezone(UTC) for v in cols["at"]]
        return pl.DataFrame(cols, schema={**dict.fromkeys(names, pl.String),
                                          "at": pl.Datetime("us", "UTC")})
