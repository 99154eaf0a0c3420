"""`liaison check` as a library: evaluate an events file against the configs, without a
database (contract §9). The CLI only parses options and prints what this returns."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from json.encoder import encode_basestring
from typing import IO, Any, TextIO

from engine.errors import EventErrors, EventProblem
from engine.evaluate import CaseResult, Instance, evaluate_area
from engine.event_lines import ReadLine
from engine.events import Event, area_problems, canonical_body
from engine.input_lines import physical_line_lists
from engine.rules import Rules
from engine.vocabulary import Vocabulary

CHUNK_CASES = 20_000  # cases judged per batch evaluation
JSONL_BATCH = 10_000  # lines decided at a time


@dataclass
class CheckResult:
    """The evaluated cases and area-level instances, ready for printing."""

    as_of: datetime
    cases: list[CaseResult]
    area_instances: list[Instance] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "cases": [c.to_json() for c in self.cases],
            "area_instances": [i.to_json() for i in self.area_instances],
        }

    def instances(self) -> Iterable[Instance]:
        for c in self.cases:
            yield from c.instances
        yield from self.area_instances


def accept_lines(lines: Iterable[ReadLine], source: str | None = None) -> list[Event]:
    """Every line must be a valid event: the first problems found are raised together.

    Identical repeats of an event id are a no-op; the same id with a different body is a
    conflict (contract §3). The area rule is checked per case.
    """
    problems: list[EventProblem] = []
    # the first line of each event id, and its parsed object: bodies are compared only
    # when an id repeats (rare), not serialised for every line
    seen: dict[str, tuple[dict[str, Any], int]] = {}
    events: list[Event] = []
    by_case: dict[str, list[tuple[int, Event]]] = {}
    for rl in lines:
        if rl.problem is not None:
            problems.append(rl.problem)
            continue
        assert rl.event is not None and rl.obj is not None
        e = rl.event
        prior = seen.get(e.event_id)
        if prior is not None:
            if canonical_body(prior[0]) != canonical_body(rl.obj):
                problems.append(_conflict(rl.line, prior[1], e.event_id, source))
            continue
        seen[e.event_id] = (rl.obj, rl.line)
        events.append(e)
        if e.case_id is not None:
            by_case.setdefault(e.case_id, []).append((rl.line, e))
    return _accepted(events, by_case, problems, source)


def accept_jsonl(stream: IO[str], vocabulary: Vocabulary, source: str | None = None
                 ) -> list[Event]:
    """`accept_lines(read_lines(stream, vocabulary, "jsonl", source), source)`, with the
    lines decided a batch at a time by ingest's bulk reader (`engine.line_batch`, which
    falls back to the one-line reader for anything it cannot accept outright, so every
    reject is that reader's). A repeated event id is compared as `accept_lines` does:
    identical text is the same body; other text is parsed and compared canonically."""
    from engine.line_batch import decide_jsonl

    problems: list[EventProblem] = []
    seen: dict[str, tuple[int, str]] = {}  # event id -> its first line and that line's text
    events: list[Event] = []
    by_case: dict[str, list[tuple[int, Event]]] = {}
    first = 1
    for texts in physical_line_lists(stream, JSONL_BATCH):
        batch = decide_jsonl(first, texts, vocabulary, source)
        problems.extend(batch.rejects)
        cols = batch.events
        for i, (line, eid) in enumerate(zip(cols.line, cols.event_id, strict=True)):
            text = texts[line - first]
            assert text is not None  # an accepted line was read whole
            prior = seen.get(eid)
            if prior is not None:
                if prior[1] != text and (canonical_body(json.loads(prior[1]))
                                         != canonical_body(json.loads(text))):
                    problems.append(_conflict(line, prior[0], eid, source))
                continue
            seen[eid] = (line, text)
            e = cols.event(i)
            events.append(e)
            if e.case_id is not None:
                by_case.setdefault(e.case_id, []).append((line, e))
        first += len(texts)
    return _accepted(events, by_case, problems, source)


def _accepted(events: list[Event], by_case: dict[str, list[tuple[int, Event]]],
              problems: list[EventProblem], source: str | None) -> list[Event]:
    """`events`, unless a line or a case's area rule failed: then every problem, by line."""
    for case_events in by_case.values():
        problems.extend(area_problems(case_events, source))
    if problems:
        problems.sort(key=lambda p: p.line)
        raise EventErrors(problems)
    return events


def _conflict(line: int, prior: int, event_id: str, source: str | None) -> EventProblem:
    return EventProblem(line, f"conflicts with line {prior}: the same event id with a "
                        "different body", event_id, "event_id", source)


def check(
    rules: Rules,
    events: list[Event],
    as_of: datetime,
    area: str | None,
    overlay_areas: Iterable[str],
) -> CheckResult:
    """Evaluate every case (and the area-level steps of areas with an overlay).

    Cases are judged by the batch engine, which the differential test holds to the
    per-case engine's instances and explanations (tests/batch)."""
    run = Check(rules, events, as_of, area, overlay_areas)
    return CheckResult(as_of, [c for chunk in run.chunks() for c in chunk], run.area_instances())


class Check:
    """A check run whose cases come chunk by chunk (`chunks`), so that a national file
    is printed as it is judged and only one chunk's instances are held at a time."""

    def __init__(self, rules: Rules, events: list[Event], as_of: datetime, area: str | None,
                 overlay_areas: Iterable[str]):
        self.rules, self.as_of, self.area = rules, as_of, area
        as_of_ts = as_of.timestamp()
        self.by_case: dict[str, list[Event]] = {}
        self.area_events: list[Event] = []
        seen_areas: set[str] = set()
        for e in events:
            if e.ts > as_of_ts:
                continue
            seen_areas.add(e.area)
            if e.case_id is None:
                self.area_events.append(e)
            else:
                self.by_case.setdefault(e.case_id, []).append(e)
        wanted = {area} if area is not None else seen_areas
        self.overlay_areas = sorted(wanted & set(overlay_areas))

    def chunks(self) -> Iterator[list[CaseResult]]:
        """The cases in case-id order, CHUNK_CASES at a time (fewer with `area`)."""
        # Every case of a chunk at once on the batch engine; its rows become the per-case
        # engine's CaseResults, explained on read (polars is loaded here, never by --help).
        from engine.batch import evaluate_batch
        from engine.batch.materialize import case_results

        ids = sorted(self.by_case)
        for start in range(0, len(ids), CHUNK_CASES):
            chunk = [e for cid in ids[start:start + CHUNK_CASES] for e in self.by_case[cid]]
            batch = evaluate_batch(self.rules, chunk, self.as_of)
            yield [r for r in case_results(batch, chunk, self.as_of)
                   if self.area is None or r.area == self.area]

    def area_instances(self) -> list[Instance]:
        out: list[Instance] = []
        for a in self.overlay_areas:
            out.extend(evaluate_area(self.rules, a, self.area_events, self.as_of))
        return out


def write_json(run: Check, out: TextIO) -> Counter[str]:
    """Write the run as `json.dumps(check(...).to_json(), ensure_ascii=False, indent=1)`
    would, byte for byte, one case at a time; returns the instances by status."""
    statuses: Counter[str] = Counter()

    def item(obj: dict[str, Any]) -> str:
        parts = ["  "]
        indented(obj, "  ", parts)
        return "".join(parts)

    out.write('{\n "as_of": ' + json.dumps(run.as_of.isoformat()) + ',\n "cases": ')
    first = True
    for chunk in run.chunks():
        for case in chunk:
            statuses.update(i.status.value for i in case.instances)
            out.write(("[\n" if first else ",\n") + item(case.to_json()))
            first = False
    out.write("[]" if first else "\n ]")
    out.write(',\n "area_instances": ')
    area = run.area_instances()
    statuses.update(i.status.value for i in area)
    out.write("[\n" + ",\n".join(item(i.to_json()) for i in area) + "\n ]" if area else "[]")
    out.write("\n}\n")
    return statuses


def indented(obj: Any, pad: str, out: list[str]) -> None:
    """Append the text of `obj` as `json.dumps(obj, ensure_ascii=False, indent=1)` writes
    it on a line indented by `pad`. Why: with an indent, the standard library's encoder is
    its pure-Python one, which took half of a check's time after the events were read;
    this is the same text from the C string escaper and a few appends per value (a
    property test holds the two equal)."""
    if isinstance(obj, str):
        out.append(encode_basestring(obj))
    elif obj is None:
        out.append("null")
    elif obj is True:
        out.append("true")
    elif obj is False:
        out.append("false")
    elif isinstance(obj, int):
        out.append(int.__repr__(obj))
    elif isinstance(obj, dict) and all(isinstance(k, str) for k in obj):
        if not obj:
            out.append("{}")
            return
        inner = pad + " "
        sep = "{\n"
        for k, v in obj.items():
            out.append(sep + inner + encode_basestring(k) + ": ")
            indented(v, inner, out)
            sep = ",\n"
        out.append("\n" + pad + "}")
    elif isinstance(obj, list | tuple):
        if not obj:
            out.append("[]")
            return
        inner = pad + " "
        sep = "[\n"
        for v in obj:
            out.append(sep + inner)
            indented(v, inner, out)
            sep = ",\n"
        out.append("\n" + pad + "]")
    else:  # floats, keys that are not text, anything else: the library's own text
        out.append(json.dumps(obj, ensure_ascii=False, indent=1).replace("\n", "\n" + pad))
