"""Reading events from JSONL and CSV inputs (contract §3), shared by `liaison check` and
ingestion: every line is accounted for, as an event or as a reject with its number and
reason, and none, however hostile, raises.

A rejected line is never repeated in its reject (see `engine.events`): the reason says
where and what is allowed, never the line's text.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from engine.errors import EventError, EventProblem
from engine.events import _SURROGATE, TOP_LEVEL, Event, canonical_body, parse_event
from engine.input_lines import MAX_LINE_CHARS, physical_lines
from engine.vocabulary import Vocabulary, did_you_mean


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
