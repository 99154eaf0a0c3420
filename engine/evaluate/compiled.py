"""Templates compiled for evaluation: matchers become tuples and steps are indexed by
the event types that can open, satisfy or cancel them.

Why: a case has ~25 events and a template ~25 steps; checking every step against every
event would dominate the sweep. Indexing by event type makes evaluation linear in the
case's events. Compiled forms are cached per template object (templates are immutable).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

from engine.calendar import WorkingCalendar, calendar_for
from engine.events import Event
from engine.rules import TemplateHistory
from engine.spec import (
    Comparison,
    DeadlineStep,
    Matcher,
    ProhibitionStep,
    RecurringStep,
    StageRule,
    Template,
)

_EQ, _IN, _CMP = 0, 1, 2


class CompiledMatcher:
    """A matcher as (type, ((field, op, value), ...)) with a fast test."""

    __slots__ = ("matcher", "type", "checks")

    def __init__(self, matcher: Matcher):
        self.matcher = matcher
        self.type = matcher.type
        checks: list[tuple[str, int, Any]] = []
        for name, value in matcher.data.items():
            if isinstance(value, Comparison):
                checks.append((name, _CMP, value))
            elif isinstance(value, list):
                checks.append((name, _IN, tuple(value)))
            else:
                checks.append((name, _EQ, value))
        self.checks = tuple(checks)

    def test(self, event: Event) -> bool:
        """True when `event` matches (its type is assumed already equal)."""
        data = event.data
        for name, op, value in self.checks:
            if name not in data:
                return False
            actual = data[name]
            if op == _EQ:
                if actual != value or type(actual) is not type(value):
                    return False
            elif op == _IN:
                if not any(actual == v and type(actual) is type(v) for v in value):
                    return False
            elif not value.test(actual):
                return False
        return True

    def matches(self, event: Event) -> bool:
        return event.type == self.type and self.test(event)


@dataclass(kw_only=True)
class CompiledStep:
    """A step with its position in the template and its compiled matchers.

    Each kind has its own subclass, whose `step` and matchers have exact types, so the
    evaluator needs no casts; code that handles every kind alike reads this base."""

    step: DeadlineStep | RecurringStep | ProhibitionStep
    order: int
    template: Template
    owner: str = ""
    severity: str = ""
    version: str = ""
    triggers: tuple[CompiledMatcher, ...] = ()
    satisfied_by: CompiledMatcher | None = None
    cancelled_by: tuple[CompiledMatcher, ...] = ()
    start: CompiledMatcher | None = None
    stop: tuple[CompiledMatcher, ...] = ()
    pause: CompiledMatcher | None = None
    resume: CompiledMatcher | None = None
    event: CompiledMatcher | None = None
    stop_stages: frozenset[str] = frozenset()


@dataclass(kw_only=True)
class CompiledDeadline(CompiledStep):
    step: DeadlineStep
    satisfied_by: CompiledMatcher


@dataclass(kw_only=True)
class CompiledRecurring(CompiledStep):
    step: RecurringStep
    satisfied_by: CompiledMatcher


@dataclass(kw_only=True)
class CompiledProhibition(CompiledStep):
    step: ProhibitionStep
    event: CompiledMatcher


@dataclass
class CompiledTemplate:
    template: Template
    calendar: WorkingCalendar
    by_id: dict[str, CompiledStep] = field(default_factory=dict)
    # event type -> [(step, matcher)] for deadline triggers
    triggers: dict[str, list[tuple[CompiledDeadline, CompiledMatcher]]] = field(
        default_factory=dict)
    prohibitions: dict[str, list[CompiledProhibition]] = field(default_factory=dict)
    recurring: list[CompiledRecurring] = field(default_factory=list)
    area_recurring: list[CompiledRecurring] = field(default_factory=list)
    # every event type a case-level recurring step reacts to
    recurring_types: frozenset[str] = frozenset()


_CACHE: dict[int, tuple[Template, CompiledTemplate]] = {}


def compile_template(template: Template) -> CompiledTemplate:
    """The compiled form of `template`, built once per template object."""
    hit = _CACHE.get(id(template))
    if hit is not None and hit[0] is template:
        return hit[1]
    ct = CompiledTemplate(template, calendar_for(template.extra_non_working_days))
    for order, step in enumerate(template.steps):
        cs: CompiledStep
        owner, severity, version = step.owner.value, step.severity.value, template.version
        if isinstance(step, DeadlineStep):
            deadline = CompiledDeadline(
                step=step, order=order, template=template, owner=owner, severity=severity,
                version=version, satisfied_by=CompiledMatcher(step.satisfied_by),
                triggers=tuple(CompiledMatcher(m) for m in step.trigger),
                cancelled_by=tuple(CompiledMatcher(m) for m in step.cancelled_by))
            for m in deadline.triggers:
                ct.triggers.setdefault(m.type, []).append((deadline, m))
            cs = deadline
        elif isinstance(step, RecurringStep):
            recurring = CompiledRecurring(
                step=step, order=order, template=template, owner=owner, severity=severity,
                version=version, satisfied_by=CompiledMatcher(step.satisfied_by),
                start=CompiledMatcher(step.start) if step.start else None,
                stop=tuple(CompiledMatcher(m) for m in step.stop),
                pause=CompiledMatcher(step.pause) if step.pause else None,
                resume=CompiledMatcher(step.resume) if step.resume else None,
                stop_stages=frozenset(step.stop_stages))
            (ct.area_recurring if step.scope == "area" else ct.recurring).append(recurring)
            cs = recurring
        else:
            prohibition = CompiledProhibition(
                step=step, order=order, template=template, owner=owner, severity=severity,
                version=version, event=CompiledMatcher(step.event))
            ct.prohibitions.setdefault(step.event.type, []).append(prohibition)
            cs = prohibition
        ct.by_id[step.id] = cs
    types: set[str] = set()
    for rs in ct.recurring:
        matchers: list[CompiledMatcher | None] = [rs.start, rs.satisfied_by, rs.pause, rs.resume]
        types.update(m.type for m in [*matchers, *rs.stop] if m is not None)
    ct.recurring_types = frozenset(types)
    _CACHE[id(template)] = (template, ct)
    return ct


@dataclass(frozen=True)
class CompiledStages:
    """Stage rules indexed by event type; closed stage ids."""

    by_type: dict[str, list[tuple[CompiledMatcher, str]]]
    closed: frozenset[str]
    order: tuple[str, ...]


_STAGES: dict[int, tuple[tuple[StageRule, ...], CompiledStages]] = {}


def compile_stages(stages: tuple[StageRule, ...]) -> CompiledStages:
    hit = _STAGES.get(id(stages))
    if hit is not None and hit[0] is stages:
        return hit[1]
    by_type: dict[str, list[tuple[CompiledMatcher, str]]] = {}
    for rule in stages:
        for m in rule.set_by:
            by_type.setdefault(m.type, []).append((CompiledMatcher(m), rule.id))
    cs = CompiledStages(
        by_type, frozenset(r.id for r in stages if r.closed), tuple(r.id for r in stages)
    )
    _STAGES[id(stages)] = (stages, cs)
    return cs


class CompiledHistory:
    """An area's templates, compiled, with their start instants as timestamps."""

    __slots__ = ("starts", "compiled", "single", "recurring_types")

    def __init__(self, history: TemplateHistory):
        self.starts = [t.effective_from.timestamp() for t in history.templates]
        self.compiled = [compile_template(t) for t in history.templates]
        self.single = self.compiled[0] if len(self.compiled) == 1 else None
        # what any version's recurring steps react to: a running gap may be judged by
        # an older version than the one in force now
        self.recurring_types = frozenset().union(*(c.recurring_types for c in self.compiled))

    def at(self, ts: float) -> CompiledTemplate:
        """The compiled template in force at timestamp `ts`."""
        if self.single is not None:
            return self.single
        if ts >= self.starts[-1]:
            return self.compiled[-1]
        i = bisect_right(self.starts, ts) - 1
        return self.compiled[max(i, 0)]


# Weak: callers may build a new history per run; a compiled one lives as long as it does.
_HISTORIES: WeakKeyDictionary[TemplateHistory, CompiledHistory] = WeakKeyDictionary()


def compile_history(history: TemplateHistory) -> CompiledHistory:
    ch = _HISTORIES.get(history)
    if ch is None:
        ch = _HISTORIES[history] = CompiledHistory(history)
    return ch
