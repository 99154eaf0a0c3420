"""Events (contract §3): the model, validation against the vocabulary, and the JSONL/CSV
readers shared by `liaison check` and ingestion.

Validation is hand-written rather than a pydantic model per event: ingestion reads
millions of lines and every rejection must name the line, the event id and the field.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from engine.errors import EventError, EventProblem
from engine.vocabulary import Vocabulary, did_you_mean

TOP_LEVEL = ("event_id", "case_id", "area", "type", "at", "source", "data")
# Agency references only: letters, digits and a few separators; no free text.
_CASE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
_EVENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$")


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
    """An RFC 3339 instant with an offset; ValueError otherwise."""
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
    return value


def parse_event(
    obj: Any, vocabulary: Vocabulary, line: int = 0, source: str | None = None
) -> Event:
    """Validate one parsed JSON object into an Event, or raise EventError."""

    def fail(message: str, field: str | None = None) -> EventError:
        eid = obj.get("event_id") if isinstance(obj, dict) else None
        return EventError(
            EventProblem(line, message, eid if isinstance(eid, str) else None, field, source)
        )

    if not isinstance(obj, dict):
        raise fail("an event must be a JSON object")
    unknown = [k for k in obj if k not in TOP_LEVEL]
    if unknown:
        k = unknown[0]
        raise fail(f"unknown key{did_you_mean(k, TOP_LEVEL)}; allowed: {', '.join(TOP_LEVEL)}", k)
    for key in ("event_id", "area", "type", "at", "source"):
        if key not in obj or obj[key] in (None, ""):
            raise fail("is required", key)
    event_id = obj["event_id"]
    if not isinstance(event_id, str) or not _EVENT_ID.match(event_id):
        raise fail("must be letters, digits and . _ : / - (at most 128)", "event_id")
    etype = obj["type"]
    spec = vocabulary.types.get(etype) if isinstance(etype, str) else None
    if spec is None:
        raise fail(f"unknown event type {etype!r}{did_you_mean(etype, vocabulary.types)}", "type")
    try:
        at = parse_timestamp(obj["at"])
    except ValueError as exc:
        raise fail(f"{obj['at']!r} {exc}", "at") from None
    src = obj["source"]
    if src not in vocabulary.sources:
        raise fail(
            f"unknown source {src!r}; allowed: {' | '.join(sorted(vocabulary.sources))}", "source"
        )
    area = obj["area"]
    if not isinstance(area, str) or (vocabulary.areas and area not in vocabulary.areas):
        raise fail(
            f"{area!r} is not a police force area in the register"
            f"{did_you_mean(area, vocabulary.areas)}",
            "area",
        )
    case_id = obj.get("case_id")
    if spec.level == "area":
        if case_id not in (None, ""):
            raise fail(f"an area-level event ({etype}) must not have a case_id", "case_id")
        case_id = None
    else:
        if case_id in (None, ""):
            raise fail(f"a case-level event ({etype}) needs a case_id", "case_id")
        if not isinstance(case_id, str) or not _CASE_ID.match(case_id):
            raise fail(
                "must be an agency reference: letters, digits and . _ / - (at most 64)", "case_id"
            )
    data = obj.get("data", {})
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise fail("must be a JSON object", "data")
    for k, v in data.items():
        fs = spec.fields.get(k)
        if fs is None:
            allowed = ", ".join(spec.fields) or "none"
            raise fail(
                f"unknown field for {etype}{did_you_mean(k, spec.fields)}; allowed: {allowed}",
                f"data.{k}",
            )
        problem = fs.check(v, vocabulary.areas)
        if problem:
            raise fail(f"{problem} (allowed: {fs.allowed()})", f"data.{k}")
    for fname, fs in spec.fields.items():
        if not fs.optional and fname not in data:
            raise fail(f"is required for {etype} (allowed: {fs.allowed()})", f"data.{fname}")
    return Event(event_id, case_id, area, etype, at, src, data, at.timestamp())


@dataclass(frozen=True)
class ReadLine:
    """One input line: its number, the parsed object (when it parsed) and the outcome.

    For a rejected line `raw` is the line with every value that the vocabulary does not
    allow withheld: a rejected line is where free text and personal details turn up, and
    rejects are kept (in the store and beside the input) for people to read."""

    line: int
    raw: str
    obj: dict[str, Any] | None
    event: Event | None
    problem: EventProblem | None


def _csv_object(row: dict[str, str]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    data: dict[str, Any] = {}
    for key, cell in row.items():
        if key is None:
            raise ValueError("more cells than columns")
        if cell is None or cell == "":
            continue
        if key.startswith("data."):
            try:
                data[key[5:]] = json.loads(cell)
            except ValueError:
                data[key[5:]] = cell
        elif key == "data":
            parsed = json.loads(cell)
            if not isinstance(parsed, dict):
                raise ValueError("the data column must hold a JSON object")
            data.update(parsed)
        else:
            obj[key] = cell
    obj["data"] = data
    return obj


def read_lines(
    stream: IO[str], vocabulary: Vocabulary, fmt: str, source: str | None = None
) -> Iterator[ReadLine]:
    """Yield every line of a JSONL or CSV stream with its outcome; none is skipped."""
    if fmt == "csv":
        yield from _read_csv(stream, vocabulary, source)
        return
    for number, raw in enumerate(stream, start=1):
        text = raw.rstrip("\r\n")
        if not text.strip():
            yield _rejected(number, text, "blank line", source)
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            yield _rejected(
                number, text, f"not valid JSON: {exc.msg} at column {exc.colno}", source
            )
            continue
        yield _outcome(number, text, obj, vocabulary, source)


def _read_csv(stream: IO[str], vocabulary: Vocabulary, source: str | None) -> Iterator[ReadLine]:
    header_line = stream.readline()
    header = next(csv.reader([header_line]), [])
    unknown = [h for h in header if h not in TOP_LEVEL and not h.startswith("data.")]
    if unknown:
        problem = EventProblem(
            1,
            f"unknown CSV column{did_you_mean(unknown[0], TOP_LEVEL)}; "
            f"allowed: {', '.join(TOP_LEVEL)} and data.<field>",
            field=unknown[0],
            source=source,
        )
        yield ReadLine(1, header_line.rstrip("\r\n"), None, None, problem)  # column names only
        for number, raw in enumerate(stream, start=2):
            yield _rejected(
                number, raw.rstrip("\r\n"), "not read: the CSV header is invalid", source
            )
        return
    # Physical line numbers: csv may span a record over lines when cells are quoted.
    number = 1
    for raw in stream:
        number += 1
        text = raw.rstrip("\r\n")
        if not text.strip():
            yield _rejected(number, text, "blank line", source)
            continue
        cells = next(csv.reader([raw]), [])
        if len(cells) != len(header):
            yield _rejected(
                number, text, f"has {len(cells)} cells, the header has {len(header)}", source
            )
            continue
        try:
            obj = _csv_object(dict(zip(header, cells, strict=True)))
        except ValueError as exc:
            yield _rejected(number, text, str(exc), source)
            continue
        yield _outcome(number, text, obj, vocabulary, source)


WITHHELD = "<withheld>"
_SAFE_VALUE = re.compile(r"^[A-Za-z0-9._:/+-]{1,128}$")


def _rejected(number: int, text: str, message: str, source: str | None) -> ReadLine:
    shown = f"<{len(text)} characters withheld>" if text.strip() else ""
    return ReadLine(number, shown, None, None, EventProblem(number, message, source=source))


def withheld(obj: Any, vocabulary: Vocabulary) -> str:
    """A rejected object as JSON with only what the vocabulary allows left readable:
    known keys with plain identifier-like values, and data values the event type allows.
    Everything else (unknown keys' values, free text, bad values) is `<withheld>`."""
    if not isinstance(obj, dict):
        return WITHHELD
    etype = obj.get("type")
    spec = vocabulary.types.get(etype) if isinstance(etype, str) else None
    out: dict[str, Any] = {}
    for key, value in obj.items():
        if key == "data" and isinstance(value, dict):
            fields = spec.fields if spec is not None else {}
            out[key] = {
                k: v if k in fields and fields[k].check(v, vocabulary.areas) is None else WITHHELD
                for k, v in value.items()
            }
        elif key in TOP_LEVEL and isinstance(value, str) and _SAFE_VALUE.match(value):
            out[key] = value
        else:
            out[key] = WITHHELD
    return json.dumps(out, ensure_ascii=False)


def _outcome(
    number: int, text: str, obj: Any, vocabulary: Vocabulary, source: str | None
) -> ReadLine:
    try:
        event = parse_event(obj, vocabulary, number, source)
    except EventError as exc:
        shown = withheld(obj, vocabulary)
        return ReadLine(number, shown, obj if isinstance(obj, dict) else None, None, exc.problem)
    return ReadLine(number, text, obj, event, None)


def detect_format(path: str) -> str:
    """'csv' for a .csv file, else 'jsonl'."""
    return "csv" if path.lower().endswith(".csv") else "jsonl"


def open_events(path: str) -> tuple[IO[str], str]:
    """Open a file (or '-' for stdin, sniffed) and say its format."""
    import sys

    if path == "-":
        text = sys.stdin.read()
        # CSV only when the first line is a header naming event_id; anything else is read
        # as JSONL, so that a bad line is reported as bad JSON, not as a CSV column.
        first = text.lstrip().split("\n", 1)[0]
        fmt = "csv" if first.startswith("event_id") or ",event_id" in first else "jsonl"
        return io.StringIO(text), fmt
    return Path(path).open(encoding="utf-8", newline=""), detect_format(path)


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
