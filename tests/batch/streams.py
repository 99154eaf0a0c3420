"""Hypothesis strategies for event streams that reach every corner of the rules: ties at
one instant, clock changes, bank holidays, overlay start dates, transfers between areas
with different templates, pauses, consents and preferences changing mid-case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from engine.config import ConfigSet
from engine.events import Event, parse_event
from engine.vocabulary import FieldSpec

# Instants near which the rules change: clock changes, bank holidays, overlay starts.
ANCHORS = [
    datetime(2026, 3, 27, 16, 0, tzinfo=UTC),   # Friday before the March clock change
    datetime(2026, 3, 29, 0, 30, tzinfo=UTC),   # the clock change itself
    datetime(2026, 3, 31, 23, 0, tzinfo=UTC),   # the eve of most overlays (1 April)
    datetime(2026, 4, 2, 15, 0, tzinfo=UTC),    # before Good Friday and Easter Monday
    datetime(2026, 5, 22, 23, 30, tzinfo=UTC),  # before the spring bank holiday
    datetime(2026, 10, 23, 22, 59, tzinfo=UTC),  # the October clock change weekend
    datetime(2026, 12, 23, 12, 0, tzinfo=UTC),  # Christmas and Boxing Day (substitute)
]
SOURCES = ("police", "cps", "court", "wcu", "isva", "probation")
# Types the rules react to, weighted towards the ones that open and close instances.
HOT = ["complainant.informed", "complainant.preferences_recorded", "consent.recorded",
       "isva.notified", "court.hearing_listed", "cps.charging_decision", "police.nfa",
       "complainant.contact_paused", "complainant.contact_resumed", "case.transferred",
       "isva.referral_made", "isva.referral_declined", "police.suspect_arrested"]


def _value(fs: FieldSpec, areas: list[str]) -> st.SearchStrategy[Any]:
    if fs.kind == "enum":
        return st.sampled_from(fs.values)
    if fs.kind == "list":
        return st.lists(st.sampled_from(fs.values), max_size=3, unique=True)
    if fs.kind == "integer":
        lo = fs.min if fs.min is not None else 0
        hi = fs.max if fs.max is not None else lo + 40
        return st.integers(lo, min(hi, lo + 40)) | st.sampled_from([lo, hi])
    if fs.kind == "boolean":
        return st.booleans()
    if fs.kind == "date":
        return st.just("2026-06-01")
    if fs.kind == "language":
        return st.sampled_from(["en", "cy", "CY", "pl"])
    return st.sampled_from(areas)


def streams(config: ConfigSet, areas: list[str], max_cases: int = 3
            ) -> st.SearchStrategy[tuple[list[Event], datetime]]:
    vocab = config.vocabulary
    case_types = sorted(t for t, spec in vocab.types.items() if spec.level != "area")

    @st.composite
    def build(draw: st.DrawFn) -> tuple[list[Event], datetime]:
        anchor = draw(st.sampled_from(ANCHORS))
        # minutes on a coarse grid so that many events share an instant
        offsets = st.integers(-3 * 24 * 60, 40 * 24 * 60).map(lambda m: m - m % 30)
        events: list[Event] = []
        for c in range(draw(st.integers(1, max_cases))):
            area = draw(st.sampled_from(areas))
            case_id = f"C-{c}"
            start = anchor + timedelta(minutes=draw(offsets))
            rows: list[tuple[datetime, str, dict[str, Any]]] = [
                (start, "case.reported", _data(draw, vocab.types["case.reported"].fields,
                                               areas))]
            # a few instants shared by many events: ties are where the rules are subtle
            slots = draw(st.lists(offsets.map(abs), min_size=1, max_size=5))
            for _ in range(draw(st.integers(0, 14))):
                etype = draw(st.sampled_from(HOT) | st.sampled_from(case_types))
                at = start + timedelta(
                    minutes=draw(st.sampled_from(slots) | offsets.map(abs)))
                rows.append((at, etype, _data(draw, vocab.types[etype].fields, areas)))
            rows.sort(key=lambda r: r[0])
            current = area
            for k, (at, etype, data) in enumerate(rows):
                obj = {"event_id": f"{case_id}-{k:02d}{draw(st.sampled_from('ab'))}",
                       "case_id": case_id, "area": current, "type": etype,
                       "at": at.isoformat(), "source": draw(st.sampled_from(SOURCES)),
                       "data": data}
                events.append(parse_event(obj, vocab, k + 1))
                if etype == "case.transferred":
                    current = data["to_area"]
        last = max(e.at for e in events)
        as_of = last + timedelta(minutes=draw(st.integers(-5 * 24 * 60, 30 * 24 * 60)))
        return events, as_of

    def _data(draw: st.DrawFn, fields: dict[str, FieldSpec], areas: list[str]
              ) -> dict[str, Any]:
        out = {}
        for name, fs in fields.items():
            if fs.optional and draw(st.booleans()):
                continue
            out[name] = draw(_value(fs, areas))
        return out

    return build()
