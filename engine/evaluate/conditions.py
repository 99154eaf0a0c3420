"""Judging structured conditions (contract §4.4) against a case state and an event.

Conditions are data, never code: each form is one small branch here.
"""

from __future__ import annotations

from typing import Any

from engine.evaluate.state import CaseState
from engine.events import Event
from engine.spec import (
    AllCondition,
    AnyCondition,
    CaseCondition,
    ConsentCondition,
    EventCondition,
    InPreference,
    NotCondition,
    PreferenceCondition,
)


def _equals(actual: Any, expected: Any) -> bool:
    if isinstance(expected, list):
        return any(_equals(actual, x) for x in expected)
    return actual == expected and type(actual) is type(expected)


def holds(cond: Any, state: CaseState, event: Event | None) -> bool:
    """True when `cond` holds for `state` (as of the instant being judged) and `event`."""
    if isinstance(cond, ConsentCondition):
        return state.consent.get(cond.consent, False) is True
    if isinstance(cond, CaseCondition):
        return all(_equals(state.case_fact(k), v) for k, v in cond.case.items())
    if isinstance(cond, PreferenceCondition):
        return all(
            k in state.preferences and _equals(state.preferences[k], v)
            for k, v in cond.preference.items()
        )
    if isinstance(cond, EventCondition):
        return event is not None and all(
            _event_field(event, f, ref, state) for f, ref in cond.event.items()
        )
    if isinstance(cond, AllCondition):
        return all(holds(c, state, event) for c in cond.all)
    if isinstance(cond, AnyCondition):
        return any(holds(c, state, event) for c in cond.any)
    if isinstance(cond, NotCondition):
        return not holds(cond.not_, state, event)
    raise TypeError(f"unknown condition {cond!r}")


def _event_field(event: Event, name: str, ref: Any, state: CaseState) -> bool:
    if name not in event.data:
        return False
    value = event.data[name]
    if isinstance(ref, InPreference):
        pref = state.preferences.get(ref.in_preference)
        if pref is None:
            return False
        if isinstance(pref, list):
            return value in pref
        return bool(value == pref)
    pref = state.preferences.get(ref.not_preference)
    if pref is None:
        return False
    if isinstance(value, str) and isinstance(pref, str):
        return value.casefold() != pref.casefold()
    return bool(value != pref)
