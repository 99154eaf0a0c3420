"""Which columns a batch needs: every data field, consent scope, case fact and
preference that the templates in play (and the stage rules) refer to.

Why: a partition is loaded once as columns; naming exactly the fields the rules read
keeps the frame narrow, and gives each one a safe column name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from engine.spec import (
    AllCondition,
    AnyCondition,
    CaseCondition,
    Comparison,
    ConsentCondition,
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

PREFERENCE_TYPE = "complainant.preferences_recorded"


@dataclass
class Schema:
    """Data fields to extract and the state the conditions read."""

    fields: dict[str, str] = field(default_factory=dict)  # data field -> token column
    ints: dict[str, str] = field(default_factory=dict)  # data field -> integer column
    lists: dict[str, str] = field(default_factory=dict)  # data field -> element tokens
    scopes: set[str] = field(default_factory=set)
    facts: set[str] = field(default_factory=set)
    prefs: set[str] = field(default_factory=set)
    pref_lists: set[str] = field(default_factory=set)
    pref_ints: set[str] = field(default_factory=set)

    def field(self, name: str) -> str:
        if name not in self.fields:
            self.fields[name] = f"d{len(self.fields)}"
        return self.fields[name]

    def int_field(self, name: str) -> str:
        self.field(name)
        if name not in self.ints:
            self.ints[name] = f"n{len(self.ints)}"
        return self.ints[name]

    def list_field(self, name: str) -> str:
        self.field(name)
        if name not in self.lists:
            self.lists[name] = f"e{len(self.lists)}"
        return self.lists[name]

    # state columns (as of the instant of each row, after all its events are folded in)
    def consent_col(self, scope: str) -> str:
        return f"consent[{scope}]"

    def fact_col(self, name: str) -> str:
        return f"fact[{name}]"

    def pref_col(self, name: str) -> str:
        return f"pref[{name}]"

    def pref_list_col(self, name: str) -> str:
        return f"preflist[{name}]"

    def pref_int_col(self, name: str) -> str:
        return f"prefint[{name}]"


def build_schema(templates: Iterable[Template], stages: tuple[StageRule, ...]) -> Schema:
    s = Schema()
    # what the per-case state folds in: a case rebuilt from the frame (for a series only
    # the per-case engine judges, engine.batch.recurring) must carry them
    for name in ("to_area", "scope", "granted"):
        s.field(name)
    for rule in stages:
        for m in rule.set_by:
            add_matcher(s, m)
    for t in templates:
        for step in t.steps:
            if isinstance(step, DeadlineStep):
                for m in [*step.trigger, step.satisfied_by, *step.cancelled_by]:
                    add_matcher(s, m)
                if step.when is not None:
                    _condition(s, step.when)
            elif isinstance(step, RecurringStep):
                optional = [step.start, step.satisfied_by, step.pause, step.resume, *step.stop]
                for om in optional:
                    if om is not None:
                        add_matcher(s, om)
                if step.interval_preference is not None:
                    s.prefs.add(step.interval_preference)
                    s.pref_ints.add(step.interval_preference)
            elif isinstance(step, ProhibitionStep):
                add_matcher(s, step.event)
                for c in (step.unless, step.violates_when):
                    if c is not None:
                        _condition(s, c)
    for name in s.facts:
        s.field(name)
    for name in s.prefs:
        s.field(name)
    for name in s.pref_lists:
        s.list_field(name)
    for name in s.pref_ints:
        s.int_field(name)
    return s


def add_matcher(s: Schema, m: Matcher) -> None:
    """The data fields `m` reads (a comparison needs the integer form)."""
    for name, value in m.data.items():
        if isinstance(value, Comparison):
            s.int_field(name)
        else:
            s.field(name)


def _condition(s: Schema, c: Any) -> None:
    if isinstance(c, ConsentCondition):
        s.scopes.add(c.consent)
    elif isinstance(c, CaseCondition):
        s.facts.update(k for k in c.case if k not in ("stage", "area"))
    elif isinstance(c, PreferenceCondition):
        s.prefs.update(c.preference)
    elif isinstance(c, EventCondition):
        for name, ref in c.event.items():
            s.field(name)
            if isinstance(ref, InPreference):
                s.prefs.add(ref.in_preference)
                s.pref_lists.add(ref.in_preference)
            else:
                s.prefs.add(ref.not_preference)
    elif isinstance(c, AllCondition | AnyCondition):
        for sub in c.all if isinstance(c, AllCondition) else c.any:
            _condition(s, sub)
    elif isinstance(c, NotCondition):
        _condition(s, c.not_)
