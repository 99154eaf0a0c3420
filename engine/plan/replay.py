"""Replaying cases under two sets of rules and counting what differs.

`replay` is the one place a plan re-evaluates cases: `liaison plan AREA` (a candidate
overlay), the national plan and the variant impact all go through it, and a batch
evaluator can take over here without anything around it changing. It reads nothing and
writes nothing: events in, a `Tally` of plain counts out (picklable, so a process pool
can return it and tallies from partitions add up).

An instance is the same instance on both sides when its step, trigger event and trigger
instant are equal (as `liaison plan AREA` has always matched them); one present on one
side only is `None` on the other (a step the other rules do not have, a condition that
no longer holds...).
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.events import Event
from engine.rules import Rules, TemplateHistory
from engine.spec import Template
from engine.terms import FLAG_STATUSES

Key = tuple[str, str | None, float]
TOP_CASES = 20


@dataclass(frozen=True, slots=True)
class Verdict:
    """One instance judged both ways (None: the instance does not exist on that side)."""

    area: str
    step: str
    trigger_event: str | None
    trigger_at: float
    before: str | None
    after: str | None

    @property
    def changed(self) -> bool:
        return self.before != self.after

    @property
    def new_flag(self) -> bool:
        return self.after in FLAG_STATUSES and self.before not in FLAG_STATUSES


def _verdicts(rules: Rules, evs: Sequence[Event], as_of: datetime
              ) -> dict[Key, tuple[str, str]]:
    from engine.evaluate import evaluate_case

    result = evaluate_case(rules, evs, as_of)
    return {(i.step, i.trigger_event, i.trigger_at.timestamp()): (str(i.status),
                                                                 i.area or result.area)
            for i in result.instances}


def replay_case(before: Rules, after: Rules, evs: Sequence[Event], as_of: datetime
                ) -> list[Verdict]:
    """Every instance of one case under both rules, in trigger order."""
    old, new = _verdicts(before, evs, as_of), _verdicts(after, evs, as_of)
    out = []
    for key in sorted(old.keys() | new.keys(), key=lambda k: (k[2], k[0], k[1] or "")):
        b, a = old.get(key), new.get(key)
        area = (b or a or ("", ""))[1]
        out.append(Verdict(area, key[0], key[1], key[2], b[0] if b else None,
                           a[0] if a else None))
    return out


@dataclass
class Tally:
    """Plain counts from replaying some cases.

    `counts[(area, step, before, after)]` counts instances (statuses as text, "" for
    absent); `cases[area]` the cases replayed and `changed_cases[area]` those with at
    least one changed instance; `top` the most affected cases (changed instances, case
    id, area), most first, at most TOP_CASES.
    """

    counts: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)
    cases: Counter[str] = field(default_factory=Counter)
    changed_cases: Counter[str] = field(default_factory=Counter)
    top: list[tuple[int, str, str]] = field(default_factory=list)

    def add(self, case_id: str, area: str, verdicts: Iterable[Verdict]) -> None:
        self.cases[area] += 1
        changed = 0
        for v in verdicts:
            self.counts[(v.area, v.step, v.before or "", v.after or "")] += 1
            changed += v.changed
        if changed:
            self.changed_cases[area] += 1
            self._keep(changed, case_id, area)

    def _keep(self, n: int, case_id: str, area: str) -> None:
        # Most changed first, then case id: a min-heap on (n, reversed id) would be
        # unreadable, so keep a short sorted list (TOP_CASES is small).
        self.top.append((n, case_id, area))
        self.top.sort(key=lambda t: (-t[0], t[1]))
        del self.top[TOP_CASES:]

    def merge(self, other: Tally) -> None:
        self.counts.update(other.counts)
        self.cases.update(other.cases)
        self.changed_cases.update(other.changed_cases)
        self.top = heapq.nsmallest(TOP_CASES, self.top + other.top, key=lambda t: (-t[0], t[1]))


def replay(before: Rules, after: Rules, cases: Iterable[tuple[str, str, Sequence[Event]]],
           as_of: datetime) -> Tally:
    """Replay each (case id, case area, events) under both rules as of `as_of`; events
    after `as_of` are ignored and a case with none before it is skipped."""
    tally = Tally()
    ts = as_of.timestamp()
    chunk: list[tuple[str, str, list[Event]]] = []
    for case_id, area, evs in cases:
        in_force = [e for e in evs if e.ts <= ts]
        if in_force:
            chunk.append((case_id, area, in_force))
        if len(chunk) >= CHUNK_CASES:
            _replay_chunk(tally, before, after, chunk, as_of)
            chunk = []
    if chunk:
        _replay_chunk(tally, before, after, chunk, as_of)
    return tally


CHUNK_CASES = 2000


def _batch_verdicts(rules: Rules, events: list[Event], as_of: datetime
                    ) -> dict[str, dict[Key, tuple[str, str]]]:
    """`_verdicts` for many cases at once, from the batch engine (held equal to the
    per-case engine by tests/batch)."""
    from engine.batch import evaluate_batch

    return _verdicts_of(evaluate_batch(rules, events, as_of))


def _verdicts_of(result: Any) -> dict[str, dict[Key, tuple[str, str]]]:
    area_of = dict(zip(result.cases["case"].to_list(), result.cases["area"].to_list(),
                       strict=True))
    out: dict[str, dict[Key, tuple[str, str]]] = {c: {} for c in area_of}
    frame = result.instances.select("case", "step", "trigger_event", "trigger_us", "status")
    for case, step, trigger, trigger_us, status in frame.iter_rows():
        out[case][(step, trigger, trigger_us / 1e6)] = (status, area_of[case])
    return out


def replay_columns(before: Rules, after: Rules, raw: Any, area: str, as_of: datetime
                   ) -> Tally:
    """`replay` of every case in the store's raw event columns (one partition, read by
    `engine.batch.read`: no Python object per event), all cases of area `area`."""
    from engine.batch.evaluate import build_frame_from_columns, evaluate_frame

    tally = Tally()
    raw = raw.filter(raw["type"].is_in(sorted(relevant_types(before, after))))
    olds = _verdicts_of(evaluate_frame(before, build_frame_from_columns(before, raw, as_of),
                                       as_of))
    news = _verdicts_of(evaluate_frame(after, build_frame_from_columns(after, raw, as_of),
                                       as_of))
    _tally(tally, [(cid, area) for cid in sorted(olds.keys() | news.keys())], olds, news)
    return tally


def _replay_chunk(tally: Tally, before: Rules, after: Rules,
                  chunk: list[tuple[str, str, list[Event]]], as_of: datetime) -> None:
    """Replay a chunk of cases with one batch evaluation per side."""
    events = [e for _, _, evs in chunk for e in evs]
    olds, news = _batch_verdicts(before, events, as_of), _batch_verdicts(after, events, as_of)
    _tally(tally, [(cid, area) for cid, area, _ in chunk], olds, news)


def _tally(tally: Tally, cases: list[tuple[str, str]],
           olds: dict[str, dict[Key, tuple[str, str]]],
           news: dict[str, dict[Key, tuple[str, str]]]) -> None:
    for case_id, area in cases:
        old, new = olds.get(case_id, {}), news.get(case_id, {})
        out = []
        for key in sorted(old.keys() | new.keys(), key=lambda k: (k[2], k[0], k[1] or "")):
            b, a = old.get(key), new.get(key)
            varea = (b or a or ("", ""))[1]
            out.append(Verdict(varea, key[0], key[1], key[2], b[0] if b else None,
                               a[0] if a else None))
        tally.add(case_id, area, out)


# --- evaluating only what can differ ----------------------------------------------------

def _histories(rules: Rules) -> list[TemplateHistory]:
    return [rules.fallback, *(rules.history(a) for a in rules.areas)]


def _step_of(t: Template, sid: str) -> object:
    return next((s for s in t.steps if s.id == sid), None)


def _history_differs(tb: list[Template], ta: list[Template], sid: str) -> bool:
    """Whether step `sid` can be judged differently under the two histories."""
    if [t.effective_from for t in tb] == [t.effective_from for t in ta]:
        pairs = list(zip(tb, ta, strict=True))
    else:  # different switch-over instants: the same only when constant throughout
        pairs = [(tb[0], t) for t in [*tb, *ta]]
    return any(_step_of(b, sid) != _step_of(a, sid)
               or (b.extra_non_working_days != a.extra_non_working_days
                   and _step_of(b, sid) is not None)
               for b, a in pairs)


def changed_steps(before: Rules, after: Rules) -> frozenset[str]:
    """Steps whose definition (or calendar) differs between the two rules, in any area
    at any time. Steps are judged independently of one another, so every other step gets
    the same verdicts on both sides and need not be replayed."""
    out: set[str] = set()
    for area in sorted(set(before.areas) | set(after.areas)) + [""]:
        tb = list((before.history(area) if area else before.fallback).templates)
        ta = list((after.history(area) if area else after.fallback).templates)
        for sid in {s.id for t in (*tb, *ta) for s in t.steps} - out:
            if _history_differs(tb, ta, sid):
                out.add(sid)
    return frozenset(out)


# What the case state folds in whatever the steps (facts, consent, preferences, area).
STATE_TYPES = frozenset({"case.reported", "consent.recorded", "complainant.preferences_recorded",
                         "case.transferred"})


def relevant_types(*rules: Rules) -> frozenset[str]:
    """The event types that can change any verdict under `rules`: those the steps match
    (triggers, satisfiers, cancellers, starts, stops, pauses, prohibited events), those
    that set stages, and those the case state is made of. Any other event changes
    nothing, so a replay of few steps reads past it (most of a case's events)."""
    out = set(STATE_TYPES)
    for r in rules:
        out |= {m.type for stage in r.stages for m in stage.set_by}
        for h in _histories(r):
            for t in h.templates:
                for s in t.steps:
                    for name in ("trigger", "satisfied_by", "cancelled_by", "start", "stop",
                                 "pause", "resume", "event"):
                        value = getattr(s, name, None)
                        for m in value if isinstance(value, list) else [value]:
                            if m is not None:
                                out.add(m.type)
    return frozenset(out)


def restrict(rules: Rules, steps: frozenset[str]) -> Rules:
    """The same rules with only `steps` in every template (for a faster replay)."""
    cache: dict[int, Template] = {}

    def cut(t: Template) -> Template:
        if id(t) not in cache:
            cache[id(t)] = t.model_copy(update={"steps": tuple(s for s in t.steps
                                                               if s.id in steps)})
        return cache[id(t)]

    def hist(h: TemplateHistory) -> TemplateHistory:
        return TemplateHistory([cut(t) for t in h.templates])

    return Rules(rules.stages, {a: hist(rules.history(a)) for a in rules.areas},
                 hist(rules.fallback))
