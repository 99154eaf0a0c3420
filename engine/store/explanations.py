"""Explanations built on read: a stored instance row is explained by judging its case
again with the per-case engine (many cases at once: the batch engine, which tests/batch
holds equal to it), from the case's events and the rules in force, as of the instant the
row was judged (`evaluated_as_of`), and taking the instance of the same step and trigger.

Why on read: the text is long (hundreds of characters a row), the sweep judges far more
instances than anyone reads, and the per-case engine (the reference semantics) rebuilds
it exactly from what the store already keeps. Every reader (flags, the case read, the
work queue, notifications, the scrutiny pack, the exports) goes through here, so the
same instance reads the same everywhere.

Readers pass rows already limited to the caller's scope; the events read here serve
only to build the text of those rows and are not returned. A page of rows costs one
events query for its cases (and one for its areas' area-level events), whatever its size.

A row is explained only if judging again gives the same verdict (status, due instant,
satisfier and version). When it does not, the case's events or rules changed after the
row was written and before the next sweep; the row then says so rather than explain a
verdict it does not hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Connection, Engine

from engine.calendar import LONDON
from engine.evaluate import CaseResult, Instance, evaluate_area, evaluate_case
from engine.events import Event
from engine.rules import Rules
from engine.store.bulk import placeholders, read_events
from engine.store.tables import instances
from engine.store.versions import rules_in_force

if TYPE_CHECKING:
    from engine.batch.evaluate import BatchResult

__all__ = ["BATCH_FROM", "VERDICT_COLUMNS", "CaseEvents", "case_events", "explain_from",
           "explain_rows", "judge_again", "judge_area", "judge_batch", "judge_case",
           "keyed_instances", "materialize", "rules_for"]

# What readers select of an instances row: everything but stored explanation text.
VERDICT_COLUMNS = tuple(c for c in instances.c if c.name != "explanation")

# Case ids per events query: well under every driver's parameter limit.
CHUNK = 1000
# Cases judged at once by the batch engine from this many (held equal to the per-case
# engine by tests/batch); fewer go case by case, where a batch call's fixed cost dominates.
BATCH_FROM = 200

Key = tuple[str, str | None, datetime | None]


class CaseEvents(Protocol):
    """Where the events of the rows' cases come from, for a reader that holds them in
    its own form (an export holds the driver's rows): every event of a case, one event,
    or the raw columns of many cases (`engine.batch.read`'s, or None to build them from
    events)."""

    def events(self, case_id: str) -> Sequence[Event]: ...

    def event(self, case_id: str, event_id: str) -> Event | None: ...

    def columns(self, case_ids: Sequence[str]) -> Any: ...


class _Listed:
    """`CaseEvents` over events already built, by case."""

    def __init__(self, by_case: Mapping[str, Sequence[Event]]):
        self.by_case = by_case
        self.by_id: dict[str, dict[str, Event]] = {}

    def events(self, case_id: str) -> Sequence[Event]:
        return self.by_case.get(case_id, ())

    def event(self, case_id: str, event_id: str) -> Event | None:
        if case_id not in self.by_id:
            self.by_id[case_id] = {e.event_id: e for e in self.events(case_id)}
        return self.by_id[case_id].get(event_id)

    def columns(self, case_ids: Sequence[str]) -> Any:
        return None


def rules_for(eng: Engine, config_dir: Path = Path("area_configs")) -> Rules:
    """The rules the sweep judges this store's cases by (deployed versions and the
    config directory), cached per process until either changes."""
    return rules_in_force(eng.url.render_as_string(hide_password=False), config_dir).rules


def case_events(conn: Connection, case_ids: Iterable[str]) -> dict[str, list[Event]]:
    """Every event of these cases, by case (unordered: the evaluator sorts), read
    `CHUNK` cases a query."""
    ids = sorted(set(case_ids))
    out: dict[str, list[Event]] = {cid: [] for cid in ids}
    for i in range(0, len(ids), CHUNK):
        part = ids[i:i + CHUNK]
        for ev in read_events(conn, f"case_id IN ({placeholders(len(part))})", part):
            out[ev.case_id or ""].append(ev)
    return out


def _area_events(conn: Connection, areas: Sequence[str]) -> dict[str, list[Event]]:
    out: dict[str, list[Event]] = {a: [] for a in areas}
    if areas:
        for ev in read_events(conn, f"case_id IS NULL AND area IN ({placeholders(len(areas))})",
                              list(areas)):
            out[ev.area].append(ev)
    return out


def judge_case(rules: Rules, evs: Sequence[Event], as_of: datetime) -> CaseResult | None:
    """The case judged again as of `as_of` (None when it has no event by then)."""
    if not any(e.at <= as_of for e in evs):
        return None
    return evaluate_case(rules, evs, as_of)


def _key(step: str, trigger_event: str | None, trigger_at: datetime | None) -> Key:
    # Within one case (or area) a step opens at most one instance per trigger; the
    # instant tells apart an area series' gaps that have no trigger event.
    return (step, trigger_event, None if trigger_event is not None else trigger_at)


def judge_area(conn: Connection, rules: Rules, area: str, as_of: datetime) -> list[Instance]:
    """The area's area-level instances judged again as of `as_of` (every one, `met`
    included), from its area-level events (one query)."""
    return evaluate_area(rules, area, _area_events(conn, [area])[area], as_of)


def _same_verdict(r: Any, inst: Instance) -> bool:
    return bool(str(inst.status) == r.status and inst.due == r.due
                and inst.satisfied_by == r.satisfied_by and inst.version == r.version)


def changed_since(r: Any) -> str:
    """What a row says when judging again no longer gives its verdict."""
    at = r.evaluated_as_of.astimezone(LONDON).isoformat(timespec="minutes")
    return (f"{r.status} as judged at {at}; the case's events or rules have changed since, "
            "and the next sweep judges it again.")


def judge_again(rules: Rules, wanted: Iterable[tuple[str, datetime]], source: CaseEvents,
                keys: Mapping[str, Sequence[Any]] | None = None
                ) -> dict[tuple[str, datetime], dict[Key, Instance]]:
    """Each (case, instant) of `wanted` judged again from `source`: every instance, keyed
    by step and trigger, `met` included, or only those of the rows of `keys` (rows by
    case: what an explanation needs, so an instance nobody reads is never built). Many
    cases of one instant go to the batch engine at once, fewer case by case."""
    by_as_of: dict[datetime, list[str]] = {}
    for cid, as_of in dict.fromkeys(wanted):
        by_as_of.setdefault(as_of, []).append(cid)
    judged: dict[tuple[str, datetime], dict[Key, Instance]] = {}
    for as_of, ids in by_as_of.items():
        if len(ids) >= BATCH_FROM:
            for cid, keyed in _batch(rules, ids, keys, source, as_of).items():
                judged[(cid, as_of)] = keyed
            continue
        for cid in ids:
            result = judge_case(rules, source.events(cid), as_of)
            judged[(cid, as_of)] = {_key(i.step, i.trigger_event, i.trigger_at): i
                                    for i in (result.instances if result is not None else [])}
    return judged


def explain_from(rules: Rules, rows: Sequence[Any],
                 case_evs: Mapping[str, Sequence[Event]] | CaseEvents,
                 area_evs: Mapping[str, Sequence[Event]],
                 judged: Mapping[tuple[str, datetime], Mapping[Key, Instance]] | None = None
                 ) -> list[str]:
    """The explanation of each stored instance row, in order, from events already read:
    `case_evs` every event of the rows' cases (by case, or a `CaseEvents`), `area_evs`
    the area-level events of the areas of their area-level rows. A row needs `case_id`,
    `area`, `step`, `trigger_event`, `trigger_at`, `status`, `due`, `satisfied_by`, `version` and
    `evaluated_as_of`. Each case (or area) is judged once per instant, whatever the
    number of its rows; many cases are judged at once by the batch engine. `judged`: the
    cases already judged again (`judge_again`) by a caller that needed every instance."""
    source = _Listed(case_evs) if isinstance(case_evs, Mapping) else case_evs
    case_rows = [r for r in rows if r.case_id is not None]
    if judged is None:
        by_case: dict[str, list[Any]] = {}
        for r in case_rows:
            by_case.setdefault(r.case_id, []).append(r)
        judged = judge_again(rules, ((r.case_id, r.evaluated_as_of) for r in case_rows),
                             source, by_case)
    areas: dict[tuple[str, datetime], dict[Key, Instance]] = {}
    out = []
    for r in rows:
        found: Mapping[Key, Instance] | None
        if r.case_id is not None:
            found = judged.get((r.case_id, r.evaluated_as_of), {})
        else:
            found = areas.get((r.area, r.evaluated_as_of))
            if found is None:
                found = areas[(r.area, r.evaluated_as_of)] = {
                    _key(i.step, i.trigger_event, i.trigger_at): i for i in evaluate_area(
                        rules, r.area, area_evs.get(r.area, ()), r.evaluated_as_of)}
        inst = found.get(_key(r.step, r.trigger_event, r.trigger_at))
        out.append(inst.explanation if inst is not None and _same_verdict(r, inst)
                   else changed_since(r))
    return out


def _batch(rules: Rules, ids: Sequence[str], wanted: Mapping[str, Sequence[Any]] | None,
           source: CaseEvents, as_of: datetime) -> dict[str, dict[Key, Instance]]:
    """The cases `ids` judged at once, as `Instance`s: every one, or only those of the
    rows of `wanted` (by case, step and trigger event), so that an instance nobody reads
    is never built, nor an event it does not cite."""
    return keyed_instances(judge_batch(rules, ids, source, as_of), ids, wanted, source, as_of)


def keyed_instances(result: BatchResult, ids: Sequence[str],
                    wanted: Mapping[str, Sequence[Any]] | None, source: CaseEvents,
                    as_of: datetime) -> dict[str, dict[Key, Instance]]:
    """The instances of a batch result (`judge_batch`) by case and key: every one, or
    only those of the rows of `wanted`."""
    import polars as pl

    rows = result.instances
    if wanted is not None:
        keys = pl.DataFrame(
            [(cid, r.step, r.trigger_event) for cid, rs in wanted.items() for r in rs],
            schema={"case": pl.String, "step": pl.String, "trigger_event": pl.String},
            orient="row").unique()
        rows = rows.join(keys, on=["case", "step", "trigger_event"], how="semi")
    out: dict[str, dict[Key, Instance]] = {cid: {} for cid in ids}
    for case, inst in materialize(result, rows, source, as_of):
        out[case][_key(inst.step, inst.trigger_event, inst.trigger_at)] = inst
    return out


def judge_batch(rules: Rules, ids: Sequence[str], source: CaseEvents, as_of: datetime
                ) -> BatchResult:
    """The cases `ids` judged at once by the batch engine, as its columns."""
    from engine.batch import evaluate_batch
    from engine.batch.evaluate import build_frame_from_columns, evaluate_frame

    raw = source.columns(ids)
    if raw is not None:
        return evaluate_frame(rules, build_frame_from_columns(rules, raw, as_of), as_of)
    return evaluate_batch(rules, [e for cid in ids for e in source.events(cid)], as_of)


def materialize(result: BatchResult, rows: Any, source: CaseEvents, as_of: datetime
                ) -> Iterator[tuple[str, Instance]]:
    """Each of `rows` (some of `result.instances`, in their order) as its case and
    `Instance`, built with the events it cites (and no other)."""
    from engine.batch.materialize import instance_of

    steps, event = result.steps, source.event
    for row in rows.iter_rows(named=True):
        case = row["case"]
        cited = {eid: e for col in ("trigger_event", "satisfied_by", "canceller", "stopper")
                 if (eid := row[col]) is not None and (e := event(case, eid)) is not None}
        yield case, instance_of(row, steps[row["ref"]], cited, as_of)


def explain_rows(conn: Connection, rows: Sequence[Any], rules: Rules) -> list[str]:
    """`explain_from` with the events read here: one query for the rows' cases (per
    `CHUNK` of them) and one for their areas' area-level events."""
    case_evs = case_events(conn, {r.case_id for r in rows if r.case_id is not None})
    area_evs = _area_events(conn, sorted({r.area for r in rows if r.case_id is None}))
    return explain_from(rules, rows, case_evs, area_evs)
