"""Plain-English explanations of verdicts: what triggered the instance, the rule and
its basis, how the due instant was computed, and what satisfied or cancelled it.

Times are shown in Europe/London, the time zone of all day arithmetic.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Protocol

from engine.calendar import LONDON
from engine.evaluate.basis import Basis
from engine.events import Event
from engine.spec import DeadlineStep, Matcher, ProhibitionStep, RecurringStep, Unit
from engine.terms import Status


class Instance(Protocol):
    """What the explainer reads of an instance (engine.evaluate.instance.Instance, which
    imports this module lazily to build its explanation)."""

    @property
    def basis(self) -> Basis: ...
    @property
    def status(self) -> Status: ...
    @property
    def due(self) -> datetime | None: ...
    @property
    def owner(self) -> str: ...


# How a person would name the event that started an obligation.
_PHRASES = {
    "case.reported": "Report",
    "police.suspect_arrested": "Arrest",
    "police.suspect_interviewed": "Suspect interview",
    "police.suspect_released": "Suspect released",
    "police.bail_conditions_changed": "Bail conditions changed",
    "police.nfa": "Police decision to take no further action",
    "police.early_advice_requested": "Early advice requested",
    "cps.charging_decision": "CPS charging decision",
    "cps.case_discontinued": "CPS discontinued the case",
    "cps.charge_altered": "Charge substantially altered",
    "court.hearing_listed": "Hearing listed",
    "court.plea": "Not-guilty plea",
    "court.verdict": "Verdict",
    "court.sentenced": "Sentence",
    "vrr.requested": "Request for a review (VRR)",
    "complainant.informed": "Contact with the complainant",
    "isva.notified": "Information shared with the ISVA",
    "area.scrutiny_meeting_held": "Scrutiny group meeting",
}


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@lru_cache(maxsize=65_536)
def when(instant: datetime, with_time: bool = True, year: int | None = None) -> str:
    """'Fri 6 Mar 16:40' in London time; the year is added when it is not `year` (the
    year of the evaluation), so that an old case's dates cannot be misread."""
    # Tables rather than strftime: the same text, 5x faster. Cached: an export explains
    # hundreds of thousands of instances, and one evaluation instant, one trigger event
    # or one due day (the end of a working day) recurs across many of them.
    local = instant.astimezone(LONDON)
    text = f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]}"
    if year is not None and local.year != year:
        text += f" {local.year}"
    return f"{text} {local.hour:02d}:{local.minute:02d}" if with_time else text


def _year(inst: Instance) -> int:
    return _london_year(inst.basis.as_of)


@lru_cache(maxsize=1024)
def _london_year(instant: datetime) -> int:
    return instant.astimezone(LONDON).year


def _value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return str(v)


def _event(e: Event) -> str:
    data = ", ".join(f"{k}: {_value(v)}" for k, v in e.data.items())
    return f"{e.type}{{{data}}}" if data else e.type


def _trigger(e: Event) -> str:
    phrase = _PHRASES.get(e.type, e.type)
    detail = ", ".join(_value(v) for k, v in e.data.items() if k not in ("topic", "channel"))
    return f"{phrase} ({detail})" if detail and phrase != e.type else phrase


def _deadline_words(step: DeadlineStep, inst: Instance) -> str:
    y = _year(inst)
    d = step.deadline
    assert inst.due is not None
    if d.unit is Unit.hours:
        return f"within {d.describe()} (by {when(inst.due, year=y)})"
    return f"within {d.describe()} (by the end of {when(inst.due, False, year=y)})"


def explain(inst: Instance) -> str:
    y = _year(inst)
    b = inst.basis
    step = b.step
    rule = f"Rule: {step.title} — {step.basis} [{step.verification.value}; {step.source}]."
    if isinstance(step, ProhibitionStep):
        assert b.trigger is not None
        why = (
            "there was no consent to share with the ISVA at that time"
            if step.unless is not None
            else "the channel is one the complainant said is unsafe"
            if "unsafe" in step.id
            else "the rule's condition was met"
        )
        return (
            f"{_event(b.trigger)} (event {b.trigger.event_id}, source {b.trigger.source}) "
            f"on {when(b.trigger.at, year=y)} broke the rule: {why}. {rule}"
        )
    if isinstance(step, DeadlineStep):
        assert b.trigger is not None
        head = (
            f"{_trigger(b.trigger)} on {when(b.trigger.at, year=y)} (event {b.trigger.event_id}); "
            f"{_owner(inst)} must {step.title[0].lower()}{step.title[1:]} "
            f"{_deadline_words(step, inst)}"
        )
        return f"{head}; {_outcome(inst, step.satisfied_by)} {rule}"
    assert isinstance(step, RecurringStep)
    assert b.gap_start is not None and inst.due is not None
    began = (
        f"{_trigger(b.trigger)} on {when(b.trigger.at, year=y)} (event {b.trigger.event_id})"
        if b.trigger is not None
        else f"the area's configuration taking effect on {when(b.gap_start, year=y)}"
    )
    interval = (
        f"every {b.interval_days} days (the complainant's preferred interval)"
        if b.interval_from_preference
        else f"every {b.interval_days} days"
    )
    pause = (
        f", moved {b.pause_days} day{'s' if b.pause_days != 1 else ''} later for a pause in contact"
        if b.pause_days
        else ""
    )
    head = (
        f"Period from {began}; {step.title[0].lower()}{step.title[1:]}: {interval}, "
        f"so due by the end of {when(inst.due, False, year=y)}{pause}"
    )
    if (
        b.stopper is not None
        and inst.status in (Status.cancelled, Status.missed)
        and b.satisfier is None
    ):
        stop = (
            f"the series stopped with {_event(b.stopper)} (event {b.stopper.event_id}) "
            f"on {when(b.stopper.at, year=y)}"
        )
        if inst.status is Status.cancelled:
            return f"{head}; {stop}, so this period is cancelled. {rule}"
        return f"{head}; nothing by the due date, and {stop} after it: missed. {rule}"
    return f"{head}; {_outcome(inst, step.satisfied_by)} {rule}"


def _owner(inst: Instance) -> str:
    return {
        "police": "the police",
        "cps": "the CPS",
        "wcu": "the witness care unit",
        "isva": "the ISVA service",
        "probation": "probation",
        "area": "the area",
    }.get(inst.owner, inst.owner)


def _outcome(inst: Instance, satisfied_by: Matcher) -> str:
    y = _year(inst)
    b = inst.basis
    s = inst.status
    if b.satisfier is not None:
        done = (
            f"done by {_event(b.satisfier)} (event {b.satisfier.event_id}) "
            f"on {when(b.satisfier.at, year=y)}"
        )
        return f"{done}: in time." if s is Status.met else f"{done}: after the deadline, late."
    if b.canceller is not None:
        c = f"{_event(b.canceller)} (event {b.canceller.event_id})"
        c += f" on {when(b.canceller.at, year=y)}"
        if s is Status.cancelled:
            return f"no longer required after {c}: cancelled."
        return f"not done by the deadline; {c} came after it: missed."
    wanted = satisfied_by.describe()
    if s is Status.missed:
        return f"no {wanted} by {when(b.as_of, year=y)}: missed."
    if s is Status.due_soon:
        return f"no {wanted} yet as of {when(b.as_of, year=y)}; due soon."
    return f"no {wanted} yet as of {when(b.as_of, year=y)}; not yet due."
