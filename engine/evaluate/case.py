"""Evaluate one case: the pure core of the engine (contract §4, §7).

`evaluate_case(rules, events, as_of)` reads no clock, file, database or environment. It
walks the case's events once, in evaluation order, grouped by instant: every event at
the same instant is folded into the state before anything is judged at that instant,
because contract §3 makes comparisons on `at` alone and inclusive (a record at the same
instant is in force; an event at the trigger's instant counts as after it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from engine.evaluate.compiled import (
    CompiledDeadline,
    CompiledHistory,
    CompiledProhibition,
    CompiledStep,
    CompiledTemplate,
    compile_history,
    compile_stages,
)
from engine.evaluate.conditions import holds
from engine.evaluate.instance import Basis, CaseResult, Instance
from engine.evaluate.recurring import Series
from engine.evaluate.state import CaseState
from engine.evaluate.status import closed_status, timed_status
from engine.events import Event
from engine.rules import Rules
from engine.spec import Unit
from engine.terms import Status


class _Open:
    """A deadline instance while the walk is under way."""

    __slots__ = ("cs", "trigger", "due", "satisfier", "canceller")

    def __init__(self, cs: CompiledDeadline, trigger: Event, due: datetime):
        self.cs = cs
        self.trigger = trigger
        self.due = due
        self.satisfier: Event | None = None
        self.canceller: Event | None = None


def _groups(events: Sequence[Event]) -> Iterable[list[Event]]:
    group: list[Event] = []
    ts = None
    for e in events:
        if e.ts != ts and group:
            yield group
            group = []
        ts = e.ts
        group.append(e)
    if group:
        yield group


def evaluate_case(rules: Rules, events: Sequence[Event], as_of: datetime) -> CaseResult:
    """The case's stage and every step instance as of `as_of` (events after it ignored)."""
    as_of_ts = as_of.timestamp()
    evs = sorted((e for e in events if e.ts <= as_of_ts), key=_order)
    if not evs:
        raise ValueError("a case needs at least one event at or before as_of")
    stages = compile_stages(rules.stages)
    state = CaseState(stages)
    histories: dict[str, CompiledHistory] = {}

    def template_at(area: str, ts: float) -> CompiledTemplate:
        hist = histories.get(area)
        if hist is None:
            hist = histories[area] = compile_history(rules.history(area))
        return hist.at(ts)

    open_by_type: dict[str, list[_Open]] = {}  # satisfied_by type -> open instances
    cancel_by_type: dict[str, list[_Open]] = {}
    finished: list[_Open] = []
    violations: list[Instance] = []
    series: dict[str, Series] = {}

    for group in _groups(evs):
        stage_before = state.stage
        for e in group:
            state.apply(e)
        cts = [template_at(e.area, e.ts) for e in group]
        # 1. Triggers open deadline instances and prohibitions are judged, as of this instant.
        for e, ct in zip(group, cts, strict=True):
            for cs, matcher in ct.triggers.get(e.type, ()):
                if matcher.checks and not matcher.test(e):
                    continue
                step = cs.step
                if step.when is not None and not holds(step.when, state, e):
                    continue
                inst = _Open(cs, e, step.deadline.due(e.at, ct.calendar))
                finished.append(inst)
                open_by_type.setdefault(cs.satisfied_by.type, []).append(inst)
                for cm in cs.cancelled_by:
                    cancel_by_type.setdefault(cm.type, []).append(inst)
            prohibitions = ct.prohibitions.get(e.type)
            if prohibitions:
                violations.extend(_violations(prohibitions, e, state, as_of))
        # 2. Satisfying events close every open instance of their step (same instant counts).
        for e in group:
            waiting = open_by_type.get(e.type)
            if waiting:
                keep = []
                for inst in waiting:
                    if inst.canceller is not None:
                        continue
                    if inst.cs.satisfied_by.test(e):
                        inst.satisfier = e
                    else:
                        keep.append(inst)
                open_by_type[e.type] = keep
        # 3. Cancelling events end what is still open.
        for e in group:
            waiting = cancel_by_type.get(e.type)
            if waiting:
                keep = []
                for inst in waiting:
                    if inst.satisfier is not None or inst.canceller is not None:
                        continue
                    if any(cm.type == e.type and cm.test(e) for cm in inst.cs.cancelled_by):
                        inst.canceller = e
                    else:
                        keep.append(inst)
                cancel_by_type[e.type] = keep
        # 4. Recurring steps, when something at this instant concerns them.
        entered = state.stage if state.stage != stage_before else None
        if entered is not None or any(e.type in histories[e.area].recurring_types for e in group):
            _recurring(group, state, entered, cts[-1], template_at, series, as_of, as_of_ts)

    instances: list[Instance] = violations
    for inst in finished:
        instances.append(_deadline_instance(inst, as_of, as_of_ts))
    for s in series.values():
        instances.extend(s.finish(as_of, as_of_ts))
    instances.sort(key=_instance_order)
    area = state.area or evs[0].area
    return CaseResult(evs[0].case_id or "", area, state.stage, instances)


def _order(e: Event) -> tuple[float, str]:
    return (e.ts, e.event_id)


def _instance_order(i: Instance) -> tuple[datetime, int, str]:
    return (i.trigger_at, i.order, i.trigger_event or "")


def _violations(
    prohibitions: list[CompiledProhibition], e: Event, state: CaseState, as_of: datetime
) -> list[Instance]:
    out = []
    for cs in prohibitions:
        if not cs.event.test(e):
            continue
        step = cs.step
        if step.unless is not None:
            broken = not holds(step.unless, state, e)
        else:
            broken = step.violates_when is not None and holds(step.violates_when, state, e)
        if broken:
            out.append(
                Instance(
                    step.id,
                    Status.violated,
                    e.event_id,
                    None,
                    None,
                    e.source,
                    cs.severity,
                    cs.version,
                    e.at,
                    cs.order,
                    Basis(step, e, None, None, as_of),
                )
            )
    return out


def _deadline_instance(inst: _Open, as_of: datetime, as_of_ts: float) -> Instance:
    step = inst.cs.step
    due_ts = inst.due.timestamp()
    status = closed_status(
        due_ts,
        inst.satisfier.ts if inst.satisfier else None,
        inst.canceller.ts if inst.canceller else None,
    )
    if status is None:
        warn = None
        if step.deadline.unit is Unit.hours:
            warn = inst.trigger.ts + 0.75 * step.deadline.within * 3600  # elapsed, not wall-clock
        status = timed_status(inst.due, due_ts, as_of, as_of_ts, warn)
    return Instance(
        step.id,
        status,
        inst.trigger.event_id,
        inst.due,
        inst.satisfier.event_id if inst.satisfier else None,
        inst.cs.owner,
        inst.cs.severity,
        inst.cs.version,
        inst.trigger.at,
        inst.cs.order,
        Basis(step, inst.trigger, inst.satisfier, inst.canceller, as_of),
    )


def _recurring(
    group: list[Event],
    state: CaseState,
    entered: str | None,
    ct: CompiledTemplate,
    template_at: Callable[[str, float], CompiledTemplate],
    series: dict[str, Series],
    as_of: datetime,
    as_of_ts: float,
) -> None:
    """Advance every case-level recurring step by one instant's events."""
    for cs in ct.recurring:
        sid = cs.step.id
        s = series.get(sid)
        if s is None:
            s = series[sid] = Series(sid, _lookup(template_at, sid))
        _advance(s, s.gap.cs if s.gap is not None else cs, group, state, entered, as_of, as_of_ts)
    if len(series) > len(ct.recurring):  # a series the current version no longer has
        for sid, s in series.items():
            if s.gap is not None and sid not in ct.by_id:
                _advance(s, s.gap.cs, group, state, entered, as_of, as_of_ts)


def _advance(
    s: Series,
    cs: CompiledStep,
    group: list[Event],
    state: CaseState,
    entered: str | None,
    as_of: datetime,
    as_of_ts: float,
) -> None:
    if cs.pause is not None:
        for e in group:
            if cs.pause.matches(e):
                s.pause(e.ts)
            elif cs.resume is not None and cs.resume.matches(e):
                s.resume(e.ts)
    if s.gap is None:
        if cs.start is None:
            return
        starter = next((e for e in group if cs.start.matches(e)), None)
        if starter is None or _stops(cs, group, entered, state) is not None:
            return
        s.begin(starter.at, starter, starter.area, state.preferences)
        if s.gap is None:
            return
    gap = s.gap
    gcs = gap.cs
    assert gcs.satisfied_by is not None
    satisfier = next((e for e in group if gcs.satisfied_by.matches(e)), None)
    if satisfier is gap.start_event:
        satisfier = None
    if satisfier is not None:
        s.close(satisfier, as_of, as_of_ts)
        s.gap = None
    stopper = _stops(gcs, group, entered, state)
    if stopper is not None:
        if satisfier is None:
            s.stop(stopper, group[0].ts, as_of, as_of_ts)
        s.gap = None
    elif satisfier is not None:
        s.begin(satisfier.at, satisfier, satisfier.area, state.preferences)


def _lookup(
    template_at: Callable[[str, float], CompiledTemplate], step_id: str
) -> Callable[[datetime, str], CompiledStep | None]:
    def lookup(at: datetime, area: str) -> CompiledStep | None:
        return template_at(area, at.timestamp()).by_id.get(step_id)

    return lookup


def _stops(
    cs: CompiledStep, group: list[Event], entered: str | None, state: CaseState
) -> Event | None:
    """The event that stops the series at this instant, if any: a stop matcher, or the
    event that made the case enter a stop stage or a closed stage."""
    for m in cs.stop:
        for e in group:
            if m.matches(e):
                return e
    if entered is not None and (entered in cs.stop_stages or entered in state.stages.closed):
        for e in reversed(group):
            if e.type in state.stages.by_type:
                return e
    return None
