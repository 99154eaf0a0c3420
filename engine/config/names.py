"""Resolve every name a step uses, at build time (contract §4.4).

Event types, data fields and values in matchers, preference names in conditions, stage
names and area ids are checked against the vocabulary and the register, so a typo fails
`config validate` with a did-you-mean hint instead of silently never matching a case.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from engine.config.loader import PathElem
from engine.spec import (
    AllCondition,
    AnyCondition,
    AnyStep,
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
)
from engine.vocabulary import FieldSpec, Vocabulary, did_you_mean

Loc = tuple[PathElem, ...]


@dataclass(frozen=True)
class Issue:
    """A name problem inside one step: where (relative to the step), what, what is allowed."""

    loc: Loc
    message: str
    allowed: str | None = None


@dataclass(frozen=True)
class Names:
    """Everything a name can be resolved against."""

    vocabulary: Vocabulary
    stages: tuple[str, ...]
    areas: frozenset[str]


def check_step(step: AnyStep, names: Names) -> list[Issue]:
    """Every unresolvable name in `step`."""
    out: list[Issue] = []
    level = "area" if isinstance(step, RecurringStep) and step.scope == "area" else "case"
    if isinstance(step, DeadlineStep):
        for i, m in enumerate(step.trigger):
            out += check_matcher(m, ("trigger", i), names, level)
        out += check_matcher(step.satisfied_by, ("satisfied_by",), names, level)
        for i, m in enumerate(step.cancelled_by):
            out += check_matcher(m, ("cancelled_by", i), names, level)
        if step.when is not None:
            out += check_condition(step.when, ("when",), names, [m.type for m in step.trigger])
    elif isinstance(step, RecurringStep):
        out += _check_recurring(step, names, level)
    else:
        out += _check_prohibition(step, names)
    return out


def _check_recurring(step: RecurringStep, names: Names, level: str) -> list[Issue]:
    out: list[Issue] = []
    if step.scope == "case" and step.start is None:
        out.append(Issue(("start",), "a case-level recurring step needs a start event",
                         "start: {type: ...}"))
    if step.scope == "area" and step.start is not None:
        out.append(Issue(("start",), "an area-level recurring step starts when the overlay "
                         "takes effect and has no start event", "no start"))
    for field, m in (("start", step.start), ("satisfied_by", step.satisfied_by),
                     ("pause", step.pause), ("resume", step.resume)):
        if m is not None:
            out += check_matcher(m, (field,), names, level)
    for i, m in enumerate(step.stop):
        out += check_matcher(m, ("stop", i), names, level)
    for i, stage in enumerate(step.stop_stages):
        if stage not in names.stages:
            out.append(Issue(("stop_stages", i),
                             f'unknown stage "{stage}"{did_you_mean(stage, names.stages)}',
                             " | ".join(names.stages)))
    if (step.pause is None) != (step.resume is None):
        out.append(Issue(("pause" if step.pause is None else "resume",),
                         "pause and resume come together", "both pause and resume, or neither"))
    if step.interval_preference is not None:
        prefs = names.vocabulary.preference_fields
        spec = prefs.get(step.interval_preference)
        if spec is None:
            out.append(Issue(("interval_preference",), _unknown_preference(
                step.interval_preference, prefs), _integer_prefs(prefs)))
        elif spec.kind != "integer":
            out.append(Issue(("interval_preference",),
                             f'preference "{spec.name}" is not a number of days',
                             _integer_prefs(prefs)))
    return out


def _check_prohibition(step: ProhibitionStep, names: Names) -> list[Issue]:
    out = check_matcher(step.event, ("event",), names, "case")
    if (step.unless is None) == (step.violates_when is None):
        out.append(Issue(("violates_when",) if step.violates_when is not None else ("event",),
                         "a prohibition needs exactly one of unless and violates_when",
                         "unless: CONDITION | violates_when: CONDITION"))
    for field, cond in (("unless", step.unless), ("violates_when", step.violates_when)):
        if cond is not None:
            out += check_condition(cond, (field,), names, [step.event.type])
    return out


def _integer_prefs(prefs: dict[str, FieldSpec]) -> str:
    return " | ".join(n for n, s in prefs.items() if s.kind == "integer")


def _unknown_preference(name: str, prefs: dict[str, FieldSpec]) -> str:
    return f'unknown preference "{name}"{did_you_mean(name, prefs)}'


def check_matcher(m: Matcher, loc: Loc, names: Names, level: str | None = None) -> list[Issue]:
    """The matcher's event type, data fields and data values."""
    vocab = names.vocabulary
    etype = vocab.types.get(m.type)
    if etype is None:
        return [Issue((*loc, "type"),
                      f'unknown event type "{m.type}"{did_you_mean(m.type, vocab.types)}')]
    out: list[Issue] = []
    if level is not None and etype.level != level:
        out.append(Issue((*loc, "type"), f'"{m.type}" is an {etype.level}-level event; '
                         f"this step matches {level}-level events",
                         f"an event type of level {level}"))
    for field, value in m.data.items():
        spec = etype.fields.get(field)
        if spec is None:
            allowed = ", ".join(etype.fields) or f"no data fields for {m.type}"
            out.append(Issue((*loc, "data", field), f'unknown data field "{field}" for '
                             f"{m.type}{did_you_mean(field, etype.fields)}", allowed))
            continue
        out += _check_value(spec, value, (*loc, "data", field), f"{m.type}.{field}", names)
    return out


def _check_value(spec: FieldSpec, value: Any, loc: Loc, what: str, names: Names) -> list[Issue]:
    if isinstance(value, Comparison):
        if spec.kind != "integer":
            return [Issue(loc, f"{what} is not a number, so it cannot be compared",
                          spec.allowed())]
        if value.gte is None and value.lte is None:
            return [Issue(loc, "a comparison needs gte or lte", "{gte: N} | {lte: N}")]
        if value.gte is not None and value.lte is not None and value.gte > value.lte:
            return [Issue(loc, f"the range gte {value.gte} to lte {value.lte} is empty")]
        return []
    if isinstance(value, list) and spec.kind != "list":
        out: list[Issue] = []
        for i, item in enumerate(value):
            out += _check_value(spec, item, (*loc, i), what, names)
        return out
    wrong = spec.check(value, names.areas)
    if wrong is None:
        return []
    return [Issue(loc, f"{_show(value)} is not allowed for {what}"
                  f"{did_you_mean(str(value), spec.values) if spec.values else ''}",
                  spec.allowed())]


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def check_condition(cond: Any, loc: Loc, names: Names, event_types: Iterable[str]) -> list[Issue]:
    """Case facts, consent scopes, preferences and event fields named by a condition."""
    vocab = names.vocabulary
    prefs = vocab.preference_fields
    out: list[Issue] = []
    if isinstance(cond, (AllCondition, AnyCondition)):
        key = "all" if isinstance(cond, AllCondition) else "any"
        items = cond.all if isinstance(cond, AllCondition) else cond.any
        for i, c in enumerate(items):
            out += check_condition(c, (*loc, key, i), names, event_types)
    elif isinstance(cond, NotCondition):
        out += check_condition(cond.not_, (*loc, "not"), names, event_types)
    elif isinstance(cond, CaseCondition):
        reported = vocab.types["case.reported"].fields
        for fact, facts in cond.case.items():
            values = facts if isinstance(facts, list) else [facts]
            for i, v in enumerate(values):
                at = (*loc, "case", fact, i) if isinstance(facts, list) else (*loc, "case", fact)
                if fact in reported:
                    out += _check_value(reported[fact], v, at, f"case {fact}", names)
                elif fact == "stage" and v not in names.stages:
                    out.append(Issue(at, f'unknown stage "{v}"{did_you_mean(v, names.stages)}',
                                     " | ".join(names.stages)))
                elif fact == "area" and v not in names.areas:
                    out.append(Issue(at, f'unknown area "{v}"{did_you_mean(v, names.areas)}',
                                     "a police force area id from the register"))
    elif isinstance(cond, PreferenceCondition):
        for field, value in cond.preference.items():
            spec = prefs.get(field)
            if spec is None:
                out.append(Issue((*loc, "preference", field), _unknown_preference(field, prefs),
                                 " | ".join(prefs)))
            else:
                out += _check_value(spec, value, (*loc, "preference", field),
                                    f"preference {field}", names)
    elif isinstance(cond, EventCondition):
        out += _check_event_condition(cond, loc, names, list(event_types))
    elif isinstance(cond, ConsentCondition):
        pass  # the model already limits the scope to the consent.recorded scopes
    return out


def _check_event_condition(cond: EventCondition, loc: Loc, names: Names,
                           event_types: list[str]) -> list[Issue]:
    vocab = names.vocabulary
    prefs = vocab.preference_fields
    fields: dict[str, FieldSpec] = {}
    for t in event_types:
        if t in vocab.types:
            fields.update(vocab.types[t].fields)
    out: list[Issue] = []
    for field, ref in cond.event.items():
        if field not in fields:
            out.append(Issue((*loc, "event", field), f'unknown data field "{field}" for '
                             f"{' / '.join(event_types)}{did_you_mean(field, fields)}",
                             ", ".join(fields) or "none"))
            continue
        op = "in_preference" if isinstance(ref, InPreference) else "not_preference"
        name = ref.in_preference if isinstance(ref, InPreference) else ref.not_preference
        spec = prefs.get(name)
        at = (*loc, "event", field, op)
        if spec is None:
            out.append(Issue(at, _unknown_preference(name, prefs), " | ".join(prefs)))
        elif op == "in_preference" and spec.kind != "list":
            out.append(Issue(at, f'preference "{name}" is not a list, so in_preference cannot '
                             "test membership", " | ".join(n for n, s in prefs.items()
                                                           if s.kind == "list")))
        elif op == "not_preference" and spec.kind == "list":
            out.append(Issue(at, f'preference "{name}" is a list; use in_preference',
                             " | ".join(n for n, s in prefs.items() if s.kind != "list")))
    return out
