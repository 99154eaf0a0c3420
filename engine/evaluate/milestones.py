"""Per-case facts the reports count: the day the case entered its stage, the day it
first reached each milestone of the attrition funnel, and when the complainant first
withdrew and from which stage. (The key liaison steps' verdicts are engine/keysteps.py.)

Why here, pure: the board, the national comparison and the scrutiny pack used to replay
every case's events on each build (seconds for an area of 10,000 cases). The sweep holds
each case's events anyway, so it judges these once and stores them with the
case (`cases.facts_key` and the columns beside it); a report judges a case with these
same functions only when its stored facts are missing or out of date, so both paths agree
by construction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.calendar import local_date
from engine.evaluate.compiled import CompiledMatcher, compile_stages
from engine.evaluate.stages import stage_entry
from engine.evaluate.state import CaseState
from engine.events import Event
from engine.spec import Matcher, StageRule

# Bumped whenever what is stored changes meaning. With the stage rules it makes the key
# stored with the facts (`facts_key`): facts stored under another key (another version,
# or stage rules changed since) are judged again from the events by the reports, and
# replaced by the next sweep of the case.
FACTS_VERSION = 1
_KEYS: dict[int, tuple[tuple[StageRule, ...], str]] = {}


def facts_key(stages: tuple[StageRule, ...]) -> str:
    """The key of facts judged under these stage rules (memoised per rules object)."""
    hit = _KEYS.get(id(stages))
    if hit is not None and hit[0] is stages:
        return hit[1]
    text = "|".join([str(FACTS_VERSION), *(s.model_dump_json() for s in stages)])
    key = hashlib.sha256(text.encode()).hexdigest()[:16]
    _KEYS[id(stages)] = (stages, key)
    return key


def _m(type_: str, **data: object) -> CompiledMatcher:
    return CompiledMatcher(Matcher.model_validate({"type": type_, "data": data}))


# The attrition funnel: reported → referred to CPS → charged → reached court → concluded.
MILESTONES: tuple[tuple[str, str, tuple[CompiledMatcher, ...]], ...] = (
    ("reported", "Reported", (_m("case.reported"),)),
    ("referred", "Referred to CPS", (_m("police.file_submitted"), _m("cps.charging_decision"))),
    ("charged", "Charged", (_m("cps.charging_decision", outcome="charge"),)),
    ("court", "Reached court", (_m("court.hearing_listed"), _m("court.plea"),
                                _m("court.verdict"), _m("court.sentenced"))),
    ("concluded", "Concluded", (_m("court.verdict", result=["guilty", "not_guilty"]),
                                _m("court.sentenced"), _m("case.closed", reason="concluded"))),
)
KEYS = tuple(k for k, _label, _ms in MILESTONES)
_BY_TYPE: dict[str, list[tuple[str, CompiledMatcher]]] = {}
for _key, _label, _matchers in MILESTONES:
    for _matcher in _matchers:
        _BY_TYPE.setdefault(_matcher.type, []).append((_key, _matcher))

WITHDREW = "complainant.withdrew"


def milestone_instants(events: Iterable[Event]) -> dict[str, datetime]:
    """Milestone -> the instant of the case's first event reaching it (any order in)."""
    out: dict[str, datetime] = {}
    for e in events:
        for key, matcher in _BY_TYPE.get(e.type, ()):
            if matcher.test(e) and (key not in out or e.at < out[key]):
                out[key] = e.at
    return out


def stage_before(stages: tuple[StageRule, ...], events: Sequence[Event],
                 instant: datetime) -> str:
    """The stage set by the events (in evaluation order) strictly earlier than `instant`."""
    compiled = compile_stages(stages)
    state = CaseState(compiled)
    for e in events:
        if e.at >= instant:
            break
        if e.type in compiled.by_type:
            state.apply(e)
    return state.stage


def day(instant: datetime) -> int:
    """The Europe/London day of an instant as `date.toordinal()`: what the board's ageing
    and the funnel's gaps count working days between, stored as a plain integer."""
    return local_date(instant).toordinal()


@dataclass(frozen=True)
class CaseFacts:
    """What the reports count about one case (see the module's docstring). Days are
    Europe/London days as `date.toordinal()`."""

    stage: str | None  # after the events up to the as-of (None: none in force yet)
    stage_entered_day: int | None
    milestone_days: dict[str, int]  # the first event of each; every event counts
    withdrew_at: datetime | None  # the first withdrawal, if any
    withdrew_stage: str | None  # the stage just before it

    def columns(self, key: str) -> dict[str, Any]:
        """The `cases` columns the sweep stores them in, under `facts_key(stages)` (the
        stage has its own column)."""
        return {"facts_key": key, "stage_entered_day": self.stage_entered_day,
                **{f"{k}_day": self.milestone_days.get(k) for k in KEYS},
                "withdrew_at": self.withdrew_at, "withdrew_stage": self.withdrew_stage}


COLUMNS = ("facts_key", "stage_entered_day", *(f"{k}_day" for k in KEYS), "withdrew_at",
           "withdrew_stage")


_RELEVANT: dict[int, tuple[tuple[StageRule, ...], frozenset[str]]] = {}


def relevant_types(stages: tuple[StageRule, ...]) -> frozenset[str]:
    """The event types that can move the stage, reach a milestone or withdraw: the only
    events `judge` needs besides the instant of the case's first event in force.
    Memoised per rules object, as `compile_stages` is: `judge` asks once a case."""
    hit = _RELEVANT.get(id(stages))
    if hit is not None and hit[0] is stages:
        return hit[1]
    types = frozenset(compile_stages(stages).by_type) | frozenset(_BY_TYPE) | {WITHDREW}
    if len(_RELEVANT) > 64:  # a long-lived process building rules again: stay bounded
        _RELEVANT.clear()
    _RELEVANT[id(stages)] = (stages, types)
    return types


def judge(stages: tuple[StageRule, ...], events: Iterable[Event], as_of: datetime,
          first_at: datetime | None = None) -> CaseFacts:
    """A case's facts from its events (any order), as of `as_of` (which bounds only the
    stage and its entry: the funnel and withdrawal count every event, as the reports
    always have). With `first_at` (the instant of the case's first event in force, or
    None for none), `events` need only be those of `relevant_types`."""
    stage_types = compile_stages(stages).by_type.keys()
    wanted = relevant_types(stages)
    given = first_at is not None
    relevant: list[Event] = []
    for e in events:
        if not given and e.at <= as_of and (first_at is None or e.at < first_at):
            first_at = e.at
        if e.type in wanted:
            relevant.append(e)
    relevant.sort(key=lambda e: (e.ts, e.event_id))  # evaluation order
    in_force = [e for e in relevant if e.at <= as_of and e.type in stage_types]
    stage, entered = (None, None) if first_at is None else stage_entry(stages, in_force,
                                                                       first_at)
    withdrew_at = next((e.at for e in relevant if e.type == WITHDREW), None)
    return CaseFacts(
        stage, None if entered is None else day(entered),
        {k: day(at) for k, at in milestone_instants(relevant).items()}, withdrew_at,
        None if withdrew_at is None else stage_before(stages, relevant, withdrew_at))
