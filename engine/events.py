"""Events (contract §3): the model and its validation against the vocabulary. Reading
them from JSONL and CSV lines is `engine.event_lines`.

Validation is hand-written rather than a pydantic model per event: ingestion reads
millions of lines and every rejection must name the line, the event id and the field.

A rejected line is where free text and personal details turn up, and rejects are kept
(in the store, beside the input, on stderr) for people to read. So a rejection never
repeats the line: not a value, not an unknown key's name, not an event id that fails
the id rule. It says where (file, line, a field the vocabulary names) and what is
allowed; the user finds the line in their own file by its number.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from engine.errors import EventError, EventProblem
from engine.vocabulary import EventType, Vocabulary, did_you_mean

TOP_LEVEL = ("event_id", "case_id", "area", "type", "at", "source", "data")
# Agency references only: ASCII letters and digits, then also . _ - (and : in event ids),
# matched in full. No '/' (an id is part of a URL path) and no free text.
CASE_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
EVENT_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}"
_CASE_ID = re.compile(CASE_ID_PATTERN, re.ASCII)
_EVENT_ID = re.compile(EVENT_ID_PATTERN, re.ASCII)
CASE_ID_RULE = "1 to 64 ASCII letters, digits and . _ - starting with a letter or digit"
EVENT_ID_RULE = "1 to 128 ASCII letters, digits and . _ : - starting with a letter or digit"
# Event instants outside these years are refused: nothing in a case file happened
# before 1990, and a date after 2099 is a typo (and near year 9999 it overflows).
FIRST_YEAR, LAST_YEAR = 1990, 2099
_EARLIEST = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
_LATEST = datetime(LAST_YEAR + 1, 1, 1, tzinfo=UTC)
_SURROGATE = re.compile("[\ud800-\udfff]")


def is_case_id(value: Any) -> bool:
    """True when `value` is a case id by the id rule (in full)."""
    return isinstance(value, str) and _CASE_ID.fullmatch(value) is not None


def is_event_id(value: Any) -> bool:
    """True when `value` is an event id by the id rule (in full)."""
    return isinstance(value, str) and _EVENT_ID.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class Event:
    """One validated event. `ts` is `at` as a POSIX timestamp, for fast ordering."""

    event_id: str
    case_id: str | None
    area: str
    type: str
    at: datetime
    source: str
    data: dict[str, Any]
    ts: float

    @property
    def sort_key(self) -> tuple[float, str]:
        """Evaluation order: by `at`, then `event_id` (contract §3)."""
        return (self.ts, self.event_id)

    def to_json(self) -> dict[str, Any]:
        """The event as a JSON object (the shape it was read in)."""
        out: dict[str, Any] = {"event_id": self.event_id}
        if self.case_id is not None:
            out["case_id"] = self.case_id
        out.update(
            area=self.area,
            type=self.type,
            at=self.at.isoformat(),
            source=self.source,
            data=self.data,
        )
        return out


def canonical_body(obj: dict[str, Any]) -> str:
    """The body compared for duplicates: parsed JSON with key order ignored."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def parse_timestamp(text: Any) -> datetime:
    """An RFC 3339 instant with an offset, in the years FIRST_YEAR to LAST_YEAR (UTC);
    ValueError otherwise. The message never repeats the text."""
    if not isinstance(text, str) or "T" not in text.upper():
        raise ValueError("must be an RFC 3339 timestamp such as 2026-03-06T16:40:00+00:00")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            "must be an RFC 3339 timestamp such as 2026-03-06T16:40:00+00:00"
        ) from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("has no UTC offset; write it as RFC 3339 with an offset, e.g. +00:00")
    try:
        plausible = _EARLIEST <= value < _LATEST
    except OverflowError:
        plausible = False
    if not plausible:
        raise ValueError(f"must be an instant in the years {FIRST_YEAR} to {LAST_YEAR} (UTC)")
    return value


# The common shape of a timestamp, for checking a column of them at once: one with a "T"
# and an offset, so `fromisoformat` gives an aware instant (it still judges the values).
_TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)"
_TIMESTAMPS = re.compile(f"(?:{_TIMESTAMP}\n)*{_TIMESTAMP}", re.ASCII)
_INNER_YEARS = (f"{FIRST_YEAR + 1:04d}", f"{LAST_YEAR - 1:04d}")


def parse_timestamps(texts: Sequence[Any]) -> list[datetime]:
    """Every text by `parse_timestamp`'s rule, with one check per column instead of per
    text. ValueError when any fails or is in another shape (then parse them one by one to
    know which, and why)."""
    try:
        if not texts or _TIMESTAMPS.fullmatch("\n".join(texts)) is None:
            raise ValueError("not all in the common shape")
    except TypeError:
        raise ValueError("not all text") from None
    values = list(map(datetime.fromisoformat, texts))
    # The years as written settle the range without comparing instants (which calls each
    # one's offset): an offset moves an instant by less than a day, so every text written
    # in the years FIRST_YEAR + 1 to LAST_YEAR - 1 is in range. The texts all start with
    # four digits, so the least and greatest text hold the least and greatest year.
    if _INNER_YEARS[0] <= min(texts)[:4] and max(texts)[:4] <= _INNER_YEARS[1]:
        return values
    try:
        plausible = min(values) >= _EARLIEST and max(values) < _LATEST
    except OverflowError:
        plausible = False
    if not plausible:
        raise ValueError("not all in range")
    return values


def parse_event(
    obj: Any, vocabulary: Vocabulary, line: int = 0, source: str | None = None
) -> Event:
    """Validate one parsed JSON object into an Event, or raise EventError. The error
    names the field only by its vocabulary name and never holds a value from `obj`."""

    def fail(message: str, field: str | None = None) -> EventError:
        eid = obj.get("event_id") if isinstance(obj, dict) else None
        return EventError(
            EventProblem(line, message, eid if is_event_id(eid) else None, field, source)
        )

    if not isinstance(obj, dict):
        raise fail("an event must be a JSON object")
    unknown = [k for k in obj if k not in TOP_LEVEL]
    if unknown:
        raise fail(
            f"an unknown key{did_you_mean(unknown[0], TOP_LEVEL)}; "
            f"allowed: {', '.join(TOP_LEVEL)}"
        )
    for key in ("event_id", "area", "type", "at", "source"):
        if key not in obj or obj[key] is None or obj[key] == "":
            raise fail("is required", key)
    event_id = obj["event_id"]
    if not is_event_id(event_id):
        raise fail(f"must be an event id: {EVENT_ID_RULE}", "event_id")
    etype = obj["type"]
    spec = vocabulary.types.get(etype) if isinstance(etype, str) else None
    if spec is None:
        hint = did_you_mean(etype, vocabulary.types) if isinstance(etype, str) else ""
        raise fail(f"is not an event type in the vocabulary{hint}", "type")
    try:
        at = parse_timestamp(obj["at"])
    except ValueError as exc:
        raise fail(str(exc), "at") from None
    src = obj["source"]
    if not isinstance(src, str) or src not in vocabulary.sources:
        raise fail(f"is not a source; allowed: {' | '.join(sorted(vocabulary.sources))}",
                   "source")
    area = obj["area"]
    if not isinstance(area, str) or (vocabulary.areas and area not in vocabulary.areas):
        hint = did_you_mean(area, vocabulary.areas) if isinstance(area, str) else ""
        raise fail(f"is not a police force area in the register{hint}", "area")
    case_id = obj.get("case_id")
    if spec.level == "area":
        if case_id is not None and case_id != "":
            raise fail(f"an area-level event ({etype}) must not have a case_id", "case_id")
        case_id = None
    else:
        if case_id is None or case_id == "":
            raise fail(f"a case-level event ({etype}) needs a case_id", "case_id")
        if not is_case_id(case_id):
            raise fail(f"must be an agency reference: {CASE_ID_RULE}", "case_id")
    data = obj.get("data", {})
    if data is None:
        data = {}
    problem = data_problem(spec, data, vocabulary.areas)
    if problem is not None:
        raise fail(*problem)
    return Event(event_id, case_id, area, etype, at, src, data, at.timestamp())


def data_problem(spec: EventType, data: Any, areas: frozenset[str]) -> tuple[str, str] | None:
    """What is wrong with an event's data object, as (message, field), or None. The one
    rule for data: `parse_event` applies it to each event, ingest's bulk path to each
    distinct (type, data object) of a batch."""
    if not isinstance(data, dict):
        return "must be a JSON object", "data"
    etype = spec.name
    for k, v in data.items():
        fs = spec.fields.get(k)
        if fs is None:
            allowed = ", ".join(spec.fields) or "none"
            return (f"an unknown field for {etype}{did_you_mean(k, spec.fields)}; "
                    f"allowed: {allowed}", "data")
        if fs.check(v, areas) is not None:
            return f"is not allowed (allowed: {fs.allowed()})", f"data.{k}"
    for fname, fs in spec.fields.items():
        if not fs.optional and fname not in data:
            return f"is required for {etype} (allowed: {fs.allowed()})", f"data.{fname}"
    return None


def area_problems(
    events: Sequence[tuple[int, Event]], source: str | None = None
) -> list[EventProblem]:
    """Check contract §3's area rule for one case's events (each with its line number):
    every event carries the area of the case's first event, until a `case.transferred`
    moves it to `to_area`."""
    ordered = sorted(events, key=lambda le: le[1].sort_key)
    problems: list[EventProblem] = []
    current: str | None = None
    for line, e in ordered:
        if current is None:
            current = e.area
        elif e.area != current:
            problems.append(
                EventProblem(
                    line,
                    f"area {e.area!r} differs from the case's area {current!r} with no "
                    f"case.transferred before it",
                    e.event_id,
                    "area",
                    source,
                )
            )
            continue
        if e.type == "case.transferred":
            current = e.data["to_area"]
    return problems
