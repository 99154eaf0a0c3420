"""The generator's view of the rules: which template is in force when, which events a
matcher takes, and whether a condition holds for a case being generated.

This is the generator's own reading of contract §4, written apart from the evaluator on
purpose: the ground-truth test compares the two, so a misreading in either shows up as
a difference instead of being copied into both.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from engine.calendar import LONDON, WorkingCalendar, calendar_for, end_of_day
from engine.rules import TemplateHistory
from engine.simulate.draft import CaseDraft, Ev, Timeline
from engine.spec import (
    AllCondition,
    AnyCondition,
    AnyStep,
    CaseCondition,
    Comparison,
    ConsentCondition,
    Deadline,
    DeadlineStep,
    EventCondition,
    InPreference,
    Matcher,
    NotCondition,
    PreferenceCondition,
    ProhibitionStep,
    RecurringStep,
    StageRule,
    Template,
)


def _same(actual: Any, expected: Any) -> bool:
    return bool(actual == expected) and type(actual) is type(expected)


def matches(m: Matcher, type_: str, data: dict[str, Any]) -> bool:
    """True when an event of `type_` with `data` is taken by matcher `m`."""
    if m.type != type_:
        return False
    for key, want in m.data.items():
        if key not in data:
            return False
        got = data[key]
        if isinstance(want, Comparison):
            if not want.test(got):
                return False
        elif isinstance(want, list):
            if not any(_same(got, w) for w in want):
                return False
        elif not _same(got, want):
            return False
    return True


def any_match(ms: list[Matcher], ev: Ev) -> bool:
    return any(matches(m, ev.type, ev.data) for m in ms)


class Version:
    """One template as the generator uses it: steps by kind and id, and its calendar."""

    def __init__(self, template: Template):
        self.template = template
        self.calendar: WorkingCalendar = calendar_for(frozenset(template.extra_non_working_days))
        self.steps: dict[str, AnyStep] = {s.id: s for s in template.steps}
        self.effective = int(template.effective_from.timestamp())
        # by event type: the deadline steps it may trigger, the prohibitions it may break
        self.triggers: dict[str, list[DeadlineStep]] = {}
        self.prohibited: dict[str, list[ProhibitionStep]] = {}
        for s in template.steps:
            if isinstance(s, DeadlineStep):
                for t in dict.fromkeys(m.type for m in s.trigger):
                    self.triggers.setdefault(t, []).append(s)
            elif isinstance(s, ProhibitionStep):
                self.prohibited.setdefault(s.event.type, []).append(s)

    def deadline(self, step_id: str) -> DeadlineStep | None:
        s = self.steps.get(step_id)
        return s if isinstance(s, DeadlineStep) else None

    def recurring(self, step_id: str) -> RecurringStep | None:
        s = self.steps.get(step_id)
        return s if isinstance(s, RecurringStep) else None

    def prohibitions(self) -> list[ProhibitionStep]:
        return [s for s in self.template.steps if isinstance(s, ProhibitionStep)]

    def due(self, deadline: Deadline, ts: int) -> int:
        """The due instant of a trigger at `ts` (contract §4.1), as whole-ms-floored seconds."""
        return _due(deadline, ts, self.calendar)


@lru_cache(maxsize=200_000)
def _due(deadline: Deadline, ts: int, calendar: WorkingCalendar) -> int:
    due = deadline.due(datetime.fromtimestamp(ts, LONDON), calendar)
    return int(due.timestamp())  # 23:59:59.999 -> :59; events are minute-aligned


def day_due(ts: int, days: int) -> int:
    """The end of the local day `days` after the local date of `ts` (recurring gaps)."""
    return _day_end(datetime.fromtimestamp(ts, LONDON).date(), days)


@lru_cache(maxsize=100_000)
def _day_end(day: date, days: int) -> int:
    return int(end_of_day(day + timedelta(days=days)).timestamp())


class History:
    """An area's templates over time, found by instant (as `TemplateHistory.at`)."""

    def __init__(self, history: TemplateHistory):
        self.versions = [Version(t) for t in history.templates]
        self.starts = [v.effective for v in self.versions]
        seen: dict[str, None] = {}
        for v in self.versions:
            for s in v.template.steps:
                seen.setdefault(s.id, None)
        self.step_ids = list(seen)
        self._kinds: dict[type, list[str]] = {}

    def at(self, ts: int) -> Version:
        if len(self.starts) == 1:
            return self.versions[0]
        i = bisect_right(self.starts, ts) - 1
        return self.versions[max(i, 0)]

    def case_recurring(self) -> list[str]:
        """Case-level recurring step ids (the area-level cadence has no start event)."""
        return [sid for sid in self.kinds(RecurringStep)
                if any(isinstance(s := v.steps.get(sid), RecurringStep) and s.scope == "case"
                       for v in self.versions)]

    def kinds(self, kind: type) -> list[str]:
        """Step ids of one kind, in framework order, across every version."""
        hit = self._kinds.get(kind)
        if hit is None:
            hit = self._kinds[kind] = [sid for sid in self.step_ids if any(
                isinstance(v.steps.get(sid), kind) for v in self.versions)]
        return hit


class StageIndex:
    """The stage rules (contract §4.5) by event type, to find the stage an event sets."""

    def __init__(self, stages: tuple[StageRule, ...]):
        self.rules = stages
        self.by_type: dict[str, list[tuple[StageRule, list[Matcher]]]] = {}
        for rule in stages:
            for m in rule.set_by:
                self.by_type.setdefault(m.type, []).append((rule, [m]))

    def stage_of(self, ev: Ev) -> StageRule | None:
        for rule, ms in self.by_type.get(ev.type, ()):
            if matches(ms[0], ev.type, ev.data):
                return rule
        return None


class CaseTimeline:
    """A generated case's facts over time: consent, preferences and stage (contract §4.4)."""

    def __init__(self, case: CaseDraft, stages: StageIndex):
        self.case = case
        self.consent: dict[str, Timeline] = {}
        self.prefs: dict[str, Timeline] = {}
        self.stage = Timeline()
        self.stage_of = stages.stage_of
        for ev in case.ordered():
            if ev.type == "consent.recorded":
                scope = self.consent.setdefault(ev.data["scope"], Timeline())
                scope.record(ev.ts, ev.data["granted"])
            elif ev.type == "complainant.preferences_recorded":
                for k, v in ev.data.items():
                    self.prefs.setdefault(k, Timeline()).record(ev.ts, v)
            rule = self.stage_of(ev)
            if rule is not None:
                self.stage.record(ev.ts, rule.id)

    def pref(self, name: str, ts: int) -> Any:
        tl = self.prefs.get(name)
        return tl.at(ts) if tl is not None else None

    def consented(self, scope: str, ts: int) -> bool:
        tl = self.consent.get(scope)
        return tl is not None and tl.at(ts) is True

    def holds(self, cond: Any, ts: int, data: dict[str, Any] | None = None) -> bool:
        if isinstance(cond, ConsentCondition):
            return self.consented(cond.consent, ts)
        if isinstance(cond, CaseCondition):
            facts = {"offence": self.case.offence, "complainant_age": self.case.age,
                     "area": self.case.area, "stage": self.stage.at(ts, "reported")}
            return all(_one_of(facts[k], v) for k, v in cond.case.items())
        if isinstance(cond, PreferenceCondition):
            return all(_one_of(self.pref(k, ts), v) for k, v in cond.preference.items())
        if isinstance(cond, EventCondition):
            return data is not None and all(self._event_field(data, f, ref, ts)
                                            for f, ref in cond.event.items())
        if isinstance(cond, AllCondition):
            return all(self.holds(c, ts, data) for c in cond.all)
        if isinstance(cond, AnyCondition):
            return any(self.holds(c, ts, data) for c in cond.any)
        if isinstance(cond, NotCondition):
            return not self.holds(cond.not_, ts, data)
        raise TypeError(f"unknown condition {cond!r}")

    def _event_field(self, data: dict[str, Any], name: str, ref: Any, ts: int) -> bool:
        if name not in data:
            return False
        value = data[name]
        if isinstance(ref, InPreference):
            pref = self.pref(ref.in_preference, ts)
            if pref is None:
                return False
            return value in pref if isinstance(pref, list) else bool(value == pref)
        pref = self.pref(ref.not_preference, ts)
        if pref is None:
            return False
        if isinstance(value, str) and isinstance(pref, str):
            return value.casefold() != pref.casefold()
        return bool(value != pref)

    def violates(self, step: ProhibitionStep, ev: Ev) -> bool:
        """True when `ev` breaks prohibition `step` (contract §4.3)."""
        if not matches(step.event, ev.type, ev.data):
            return False
        if step.unless is not None:
            return not self.holds(step.unless, ev.ts, ev.data)
        if step.violates_when is not None:
            return self.holds(step.violates_when, ev.ts, ev.data)
        return False


def _one_of(actual: Any, expected: Any) -> bool:
    if isinstance(expected, list):
        return any(_same(actual, x) for x in expected)
    return _same(actual, expected)
