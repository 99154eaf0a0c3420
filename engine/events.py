"""Events (contract §3): the model, validation against the vocabulary, and the JSONL/CSV
readers shared by `liaison check` and ingestion.

Validation is hand-written rather than a pydantic model per event: ingestion reads
millions of lines and every rejection must name the line, the event id and the field.

A rejected line is where free text and personal details turn up, and rejects are kept
(in the store, beside the input, on stderr) for people to read. So a rejection never
repeats the line: not a value, not an unknown key's name, not an event id that fails
the id rule. It says where (file, line, a field the vocabulary names) and what is
allowed; the user finds the line in their own file by its number.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from engine.errors import EventError, EventProblem
from engine.input_lines import MAX_LINE_CHARS, physical_lines
from engine.input_lines import physical_line_lists as physical_line_lists  # readers' import
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


@dataclass(frozen=True)
class ReadLine:
    """One input line: its number, the parsed object (when it parsed) and the outcome.
    A rejected line keeps only its number and the problem: never its text."""

    line: int
    obj: dict[str, Any] | None
    event: Event | None
    problem: EventProblem | None


def read_lines(
    stream: IO[str], vocabulary: Vocabulary, fmt: str, source: str | None = None
) -> Iterator[ReadLine]:
    """Yield every line of a JSONL or CSV stream with its outcome; none is skipped, and
    no line, however hostile, raises: it is a reject with its line number."""
    if fmt == "csv":
        yield from _read_csv(stream, vocabulary, source)
        return
    for number, text in enumerate(physical_lines(stream), start=1):
        yield jsonl_line(number, text, vocabulary, source)


def jsonl_line(
    number: int, text: str | None, vocabulary: Vocabulary, source: str | None = None
) -> ReadLine:
    """One physical JSONL line (None: longer than MAX_LINE_CHARS) with its outcome: the
    reference for every rule and reject reason (ingest's bulk path falls back to it)."""
    unreadable = _unreadable(text)
    if unreadable:
        return _rejected(number, unreadable, source)
    assert text is not None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        return _rejected(number, f"not valid JSON: {exc.msg} at column {exc.colno}", source)
    except RecursionError:
        return _rejected(number, "not read: JSON nested too deeply", source)
    except ValueError:  # an integer over Python's digit limit
        return _rejected(number, "not read: a number has more than 4,300 digits", source)
    return _outcome(number, text, obj, vocabulary, source)


def _unreadable(text: str | None) -> str | None:
    """Why a physical line cannot be read at all, or None."""
    if text is None:
        return f"not read: longer than {MAX_LINE_CHARS:,} characters"
    if not text.strip():
        return "blank line"
    if not text.isascii() and (bad := _SURROGATE.search(text)):
        return f"not read: a byte that is not UTF-8 at column {bad.start() + 1}"
    return None


@dataclass(frozen=True)
class CsvRecord:
    """A CSV record read into an event object and not yet decided (its text is kept only
    until it is: a rejected record never keeps it)."""

    line: int
    text: str
    obj: dict[str, Any]


def _read_csv(stream: IO[str], vocabulary: Vocabulary, source: str | None) -> Iterator[ReadLine]:
    for r in csv_records(stream, source):
        yield decide_record(r, vocabulary, source) if isinstance(r, CsvRecord) else r


def decide_record(r: CsvRecord, vocabulary: Vocabulary, source: str | None) -> ReadLine:
    """One CSV record's outcome: the reference for every CSV rule and reject reason."""
    return _outcome(r.line, r.text, r.obj, vocabulary, source)


def csv_records(stream: IO[str], source: str | None) -> Iterator[ReadLine | CsvRecord]:
    """Every line of a CSV stream: rejected while being read (unreadable, not a record,
    wrong cell count, bad data column) or read into an object for deciding."""
    lines = physical_lines(stream)
    header_line = next(lines, "")
    try:
        header = next(csv.reader([header_line or ""]), [])
    except csv.Error:
        header = ["?"]
    unknown = [h for h in header if h not in TOP_LEVEL and not h.startswith("data.")]
    if header_line is None or _unreadable(header_line) or unknown:
        hint = did_you_mean(unknown[0], TOP_LEVEL) if unknown else ""
        problem = EventProblem(
            1, f"an unknown or unreadable CSV column{hint}; "
            f"allowed: {', '.join(TOP_LEVEL)} and data.<field>", source=source)
        yield ReadLine(1, None, None, problem)
        for number, _ in enumerate(lines, start=2):
            yield _rejected(number, "not read: the CSV header is invalid", source)
        return
    # Physical lines: a quoted cell may not span lines (a record is one line).
    for number, text in enumerate(lines, start=2):
        unreadable = _unreadable(text)
        if unreadable:
            yield _rejected(number, unreadable, source)
            continue
        assert text is not None
        try:
            cells = next(csv.reader([text]), [])
        except csv.Error:
            yield _rejected(number, "not a CSV record (a quote or line break out of place)",
                            source)
            continue
        if len(cells) != len(header):
            yield _rejected(number, f"has {len(cells)} cells, the header has {len(header)}",
                            source)
            continue
        try:
            obj = _csv_object(dict(zip(header, cells, strict=True)))
        except (ValueError, RecursionError):
            yield _rejected(number, "the data column must hold a JSON object", source)
            continue
        yield CsvRecord(number, text, obj)


def _csv_object(row: dict[str, str]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    data: dict[str, Any] = {}
    for key, cell in row.items():
        if cell is None or cell == "":
            continue
        if key.startswith("data."):
            try:
                data[key[5:]] = json.loads(cell)
            except (ValueError, RecursionError):
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


def _rejected(number: int, message: str, source: str | None) -> ReadLine:
    return ReadLine(number, None, None, EventProblem(number, message, source=source))


def _outcome(
    number: int, text: str, obj: Any, vocabulary: Vocabulary, source: str | None
) -> ReadLine:
    if "\\u" in text:
        # An escape such as \uD800 parses into a lone surrogate, which no store can encode.
        try:
            canonical_body(obj).encode("utf-8")
        except UnicodeEncodeError:
            return _rejected(number, "not read: a \\u escape that is not a Unicode character "
                             "(a lone surrogate)", source)
        except (RecursionError, ValueError):
            return _rejected(number, "not read: JSON nested too deeply", source)
    try:
        event = parse_event(obj, vocabulary, number, source)
    except EventError as exc:
        return ReadLine(number, obj if isinstance(obj, dict) else None, None, exc.problem)
    return ReadLine(number, obj, event, None)


def detect_format(path: str) -> str:
    """'csv' for a .csv file, else 'jsonl'."""
    return "csv" if path.lower().endswith(".csv") else "jsonl"


def open_events(path: str) -> tuple[IO[str], str]:
    """Open a file (or '-' for stdin, sniffed) and say its format."""
    import sys

    if path == "-":
        stdin = getattr(sys.stdin, "buffer", None)
        text = (stdin.read().decode("utf-8", "surrogateescape") if stdin is not None
                else sys.stdin.read())
        # CSV only when the first line is a header naming event_id; anything else is read
        # as JSONL, so that a bad line is reported as bad JSON, not as a CSV column.
        first = text.lstrip().split("\n", 1)[0]
        fmt = "csv" if first.startswith("event_id") or ",event_id" in first else "jsonl"
        return io.StringIO(text, newline="\n"), fmt
    return open_text(path), detect_format(path)


def open_text(path: str | Path) -> IO[str]:
    """An input file as text. A byte that is not UTF-8 is kept as a lone surrogate, so
    that its line is rejected by number instead of the whole file failing to decode."""
    return Path(path).open(encoding="utf-8", errors="surrogateescape", newline="\n")


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
