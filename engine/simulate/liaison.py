"""What the agencies owed the complainant, done on time unless a failure is injected.

For every step instance the templates open (each judged by the template in force at its
trigger, contract §7), this layer adds the satisfying event on time, or injects a failure
and records it. It never lets a failure happen by accident: a satisfying event is kept
before any cancelling event and before the next instance of the same step, and a
`missed` is only drawn where no later event could satisfy it.
"""

from __future__ import annotations

from random import Random
from typing import Any

from engine.simulate.draft import DAY, HOUR, MINUTE, CaseDraft, Ev, Failure, minute
from engine.simulate.failures import FailureRates, StepRates
from engine.simulate.view import CaseTimeline, History, StageIndex, any_match, day_due, matches
from engine.spec import (
    Comparison,
    ConsentCondition,
    DeadlineStep,
    EventCondition,
    InPreference,
    Matcher,
    ProhibitionStep,
    StageRule,
)
from engine.vocabulary import Vocabulary

_OWNER_SOURCE = {"police": "police", "cps": "cps", "wcu": "wcu", "isva": "isva",
                 "probation": "probation"}
NEVER = 1 << 62


def _first_allowed(kind: str, values: tuple[str, ...], low: int | None) -> Any:
    """The first allowed value of a required field no matcher or payload gave."""
    if kind == "enum":
        return values[0]
    if kind == "list":
        return []
    if kind == "integer":
        return low or 0
    if kind == "boolean":
        return False
    return "en"


def _key(ev: Ev) -> tuple[int, int]:
    return (ev.ts, ev.seq)


class Liaison:
    """Adds the liaison events of one case. `unintended` counts prohibition breaches the
    generator did not choose (a config the generator cannot honour); it should stay 0."""

    def __init__(self, stages: tuple[StageRule, ...], vocabulary: Vocabulary,
                 rates: FailureRates, as_of: int):
        self.stages = stages
        self.stage_index = StageIndex(stages)
        self.vocabulary = vocabulary
        self.rates = rates
        self.as_of = as_of
        self.unintended = 0
        self._rates: dict[tuple[str, str], StepRates] = {}

    def rates_for(self, step_id: str, area: str) -> StepRates:
        hit = self._rates.get((step_id, area))
        if hit is None:
            hit = self._rates[(step_id, area)] = self.rates.for_step(step_id, area)
        return hit

    def apply(self, rng: Random, case: CaseDraft, history: History) -> None:
        facts = CaseTimeline(case, self.stage_index)
        triggers = self._triggers(case, history, facts)
        for step_id in history.kinds(DeadlineStep):
            if step_id in triggers:
                self._deadline(rng, case, step_id, triggers[step_id])
        facts = CaseTimeline(case, self.stage_index)
        for step_id in history.case_recurring():
            self._recurring(rng, case, history, facts, step_id)
        self._contacts(case, facts)
        self._prohibitions(rng, case, history, facts)

    # --- building events ------------------------------------------------------------
    def build(self, case: CaseDraft, m: Matcher, ts: float, source: str,
              extra: dict[str, Any] | None = None) -> Ev:
        """An event taken by `m`: its data equalities, then `extra`, then the first
        allowed value of any other required field."""
        data: dict[str, Any] = {}
        for k, v in m.data.items():
            if isinstance(v, Comparison):
                data[k] = v.gte if v.gte is not None else v.lte
            elif isinstance(v, list):
                data[k] = v[0]
            else:
                data[k] = v
        for k, v in (extra or {}).items():
            data.setdefault(k, v)
        spec = self.vocabulary.types[m.type]
        for name, fs in spec.fields.items():
            if name not in data and not fs.optional:
                data[name] = _first_allowed(fs.kind, fs.values, fs.min)
        return case.add(ts, m.type, source, data)

    # --- deadline steps (contract §4.1) -------------------------------------------------
    @staticmethod
    def _triggers(case: CaseDraft, history: History, facts: CaseTimeline
                  ) -> dict[str, list[tuple[Ev, DeadlineStep, int]]]:
        """Every deadline instance the story opens: its trigger, the step in force at the
        trigger and its due instant. (Liaison events trigger no deadline step.)"""
        out: dict[str, list[tuple[Ev, DeadlineStep, int]]] = {}
        for ev in case.ordered():
            version = history.at(ev.ts)
            for step in version.triggers.get(ev.type, ()):
                if not any_match(step.trigger, ev):
                    continue
                if step.when is not None and not facts.holds(step.when, ev.ts):
                    continue
                out.setdefault(step.id, []).append((ev, step, version.due(step.deadline, ev.ts)))
        return out

    def _deadline(self, rng: Random, case: CaseDraft, step_id: str,
                  instances: list[tuple[Ev, DeadlineStep, int]]) -> None:
        rates = self.rates_for(step_id, case.area)
        for n, (trigger, step, due) in enumerate(instances):
            t = trigger.ts
            after = _key(trigger)
            sat = step.satisfied_by
            sats = [e.ts for e in case.of_type(sat.type)
                    if _key(e) >= after and matches(sat, e.type, e.data)]
            cancels = [e.ts for m in step.cancelled_by for e in case.of_type(m.type)
                       if _key(e) > after and matches(m, e.type, e.data)]
            first_sat = min(sats, default=None)
            first_cancel = min(cancels, default=None)
            if first_sat is not None and (first_cancel is None or first_sat < first_cancel):
                if first_sat <= due:
                    continue  # met by an event already there
            elif first_cancel is not None and first_cancel <= due:
                continue  # cancelled in time
            limit = min(x for x in (first_sat, first_cancel, self.as_of) if x is not None)
            next_trigger = instances[n + 1][0].ts if n + 1 < len(instances) else None
            source = _OWNER_SOURCE.get(step.owner.value, "police")
            if due < self.as_of - HOUR:
                u = rng.random()
                if (u < rates.missed and first_sat is None and next_trigger is None
                        and first_cancel is None):
                    case.failures.append(Failure(step_id, trigger, "missed"))
                    continue
                if u < rates.missed + rates.late:
                    hi = min(limit, next_trigger or NEVER) - HOUR
                    lo = due + HOUR
                    if hi - lo > MINUTE:
                        s = lo + rng.uniform(0, min(hi - lo, 10 * DAY))
                        self._satisfy(rng, case, step, s, source)
                        case.failures.append(Failure(step_id, trigger, "late"))
                        continue
            span = min(due, limit) - t
            s = t + max(MINUTE, span * (0.02 + 0.78 * rng.random() ** 2))
            if minute(s) < limit and minute(s) <= due and span > MINUTE:
                self._satisfy(rng, case, step, s, source)

    def _satisfy(self, rng: Random, case: CaseDraft, step: DeadlineStep, ts: float,
                 source: str) -> None:
        extra = case.preferences if step.satisfied_by.type == "complainant.preferences_recorded" \
            else None
        ev = self.build(case, step.satisfied_by, ts, source, extra)
        if ev.type == "isva.referral_made" and case.has_isva:
            t = ev.ts + rng.uniform(1, 10) * DAY
            if t < self.as_of:
                case.add(t, "isva.assigned", "isva")

    # --- recurring steps (contract §4.2) ------------------------------------------------
    def _recurring(self, rng: Random, case: CaseDraft, history: History, facts: CaseTimeline,
                   step_id: str) -> None:
        ordered = case.ordered()
        start: Ev | None = None
        for ev in ordered:
            st = history.at(ev.ts).recurring(step_id)
            if st is not None and st.scope == "case" and st.start is not None \
                    and matches(st.start, ev.type, ev.data):
                start = ev
                break
        if start is None:
            return
        first = history.at(start.ts).recurring(step_id)
        assert first is not None
        closed = {r.id for r in self.stages if r.closed} | set(first.stop_stages)
        stop: Ev | None = None
        for ev in ordered:
            if _key(ev) <= _key(start):
                continue
            rule = facts.stage_of(ev)
            if (rule is not None and rule.id in closed) or any_match(first.stop, ev):
                stop = ev
                break
        end = stop.ts if stop is not None else NEVER
        sat = first.satisfied_by
        contacts = sorted((e for e in case.of_type(sat.type) if _key(start) < _key(e)
                           and (stop is None or _key(e) < _key(stop))
                           and matches(sat, e.type, e.data)), key=_key)
        rates = self.rates_for(step_id, case.area)
        source = _OWNER_SOURCE.get(first.owner.value, "police")
        g, i = start, 0
        while True:
            step = history.at(g.ts).recurring(step_id)
            if step is None:
                return
            days = step.every.days
            if step.interval_preference is not None:
                pref = facts.pref(step.interval_preference, g.ts)
                if isinstance(pref, int) and not isinstance(pref, bool):
                    days = pref
            due = day_due(g.ts, days)
            nxt = contacts[i] if i < len(contacts) else None
            plan = self._pause_plan(rng, case, g.ts, due)
            if plan is not None:
                s, ok = plan
                if nxt is not None and (not ok or nxt.ts <= s):
                    g, i = nxt, i + 1
                    continue
                if not ok or s >= end or s >= self.as_of:
                    return
                g = self.build(case, first.satisfied_by, s, source, {"topic": "update"})
                continue
            if nxt is not None and nxt.ts <= due:
                g, i = nxt, i + 1
                continue
            if end <= due:
                return  # the stop cancels the open gap before it is due
            if due < self.as_of - HOUR:
                u = rng.random()
                if u < rates.missed and nxt is None:
                    case.failures.append(Failure(step_id, g, "missed"))
                    return
                if u < rates.missed + rates.late:
                    hi = min(nxt.ts if nxt is not None else NEVER, end, self.as_of) - HOUR
                    lo = due + HOUR
                    if hi - lo > MINUTE:
                        s = lo + rng.uniform(0, min(hi - lo, 10 * DAY))
                        case.failures.append(Failure(step_id, g, "late"))
                        g = self.build(case, first.satisfied_by, s, source, {"topic": "update"})
                        continue
            s = g.ts + (due - g.ts) * rng.uniform(0.55, 0.95)
            if s >= self.as_of:
                return
            g = self.build(case, first.satisfied_by, s, source, {"topic": "update"})

    @staticmethod
    def _pause_plan(rng: Random, case: CaseDraft, g: int, due: int) -> tuple[float, bool] | None:
        """When a pause touches the gap beginning at `g`: the instant for an on-time contact
        and whether one can be made (False: the pause runs past `as_of`). None otherwise.

        A contact soon after the resume is on time: the pause moved the due instant later
        by at least its own length plus a day (contract §4.2)."""
        for p, r in case.pauses:
            inside = p <= g and (r is None or g < r)
            ahead = g < p <= due
            if not inside and not ahead:
                continue
            if inside or p <= due - DAY:
                if r is None:
                    return (0.0, False)
                return (r + rng.uniform(1, 12) * HOUR, True)
            return (max(g + (p - g) / 2, p - HOUR), True)
        return None

    # --- contacts and prohibitions (contract §4.3) --------------------------------------
    def _contacts(self, case: CaseDraft, facts: CaseTimeline) -> None:
        """Every contact follows the preferences in force: a safe channel, the language."""
        for ev in case.of_type("complainant.informed"):
            unsafe = facts.pref("unsafe_channels", ev.ts) or []
            channel = facts.pref("channel", ev.ts) or "phone"
            if channel in unsafe:
                channel = next(c for c in ("phone", "in_person", "email", "letter", "sms")
                               if c not in unsafe)
            ev.data["channel"] = channel
            via = facts.pref("via_isva", ev.ts)
            if via is not None:
                ev.data["via_isva"] = via
            language = facts.pref("language", ev.ts)
            if language is not None:
                ev.data["language"] = language

    def _prohibitions(self, rng: Random, case: CaseDraft, history: History,
                      facts: CaseTimeline) -> None:
        chosen: set[tuple[str, int]] = set()
        for step_id in history.kinds(ProhibitionStep):
            rate = self.rates_for(step_id, case.area).violated
            if rng.random() >= rate:
                continue
            ev = self._violate(case, history, facts, step_id)
            if ev is not None:
                case.failures.append(Failure(step_id, ev, "violated"))
                chosen.add((step_id, id(ev)))
        for ev in case.events:
            for step in history.at(ev.ts).prohibited.get(ev.type, ()):
                if (step.id, id(ev)) not in chosen and facts.violates(step, ev):
                    self.unintended += 1
                    case.failures.append(Failure(step.id, ev, "violated"))

    def _violate(self, case: CaseDraft, history: History, facts: CaseTimeline,
                 step_id: str) -> Ev | None:
        """Breaks prohibition `step_id` once, if the case allows it: a contact by a channel
        the complainant said is unsafe, or sharing with the ISVA without consent."""
        for ev in case.ordered():
            step = history.at(ev.ts).steps.get(step_id)
            if not isinstance(step, ProhibitionStep):
                continue
            cond = step.violates_when
            if (isinstance(cond, EventCondition) and len(cond.event) == 1
                    and matches(step.event, ev.type, ev.data)):
                field, ref = next(iter(cond.event.items()))
                if isinstance(ref, InPreference):
                    listed = facts.pref(ref.in_preference, ev.ts)
                    if listed:
                        ev.data[field] = listed[0] if isinstance(listed, list) else listed
                        return ev
                else:
                    # e.g. a contact in English when the complainant asked for Welsh
                    wanted = facts.pref(ref.not_preference, ev.ts)
                    if isinstance(wanted, str):
                        ev.data[field] = "en" if wanted.casefold() != "en" else "cy"
                        return ev
            if isinstance(step.unless, ConsentCondition) and ev.type.startswith(
                    ("police.", "cps.", "court.")):
                t = ev.ts + 2 * HOUR
                if t < self.as_of and not facts.consented(step.unless.consent, t):
                    return self.build(case, step.event, t, ev.source if ev.source in
                                      ("police", "cps") else "police", {"topic": "update"})
        return None
