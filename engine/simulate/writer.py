"""Writing a cohort: events.jsonl (and events.csv), truth.jsonl and manifest.json.

Lines are formatted directly (ids and types never need escaping; `data` goes through
`json.dumps`) and written in blocks, because a national cohort is millions of lines and
must be written in well under two minutes.
"""

from __future__ import annotations

import csv
import json
import multiprocessing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from engine.calendar import LONDON
from engine.config import ConfigSet
from engine.simulate.cohort import CohortSpec, Generator, area_event_id
from engine.simulate.draft import CaseDraft

BLOCK = 2000
CSV_COLUMNS = ("event_id", "case_id", "area", "type", "at", "source", "data")


@dataclass
class CohortSummary:
    """What was written: counts for the manifest and the closing line of the CLI."""

    out: Path
    cases: int = 0
    events: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    unintended: int = 0

    @property
    def truth(self) -> int:
        return sum(self.failures.values())


def _at(ts: int) -> str:
    return datetime.fromtimestamp(ts, LONDON).isoformat()


_DATA: dict[tuple[Any, ...], str] = {}


def _data(data: dict[str, Any]) -> str:
    """`json.dumps(data)`, remembered for the small set of data bodies that recur."""
    if not data:
        return "{}"
    try:
        key = tuple(data.items())
        hit = _DATA.get(key)
    except TypeError:  # a list value (unsafe_channels): not hashable
        return json.dumps(data)
    if hit is None:
        hit = json.dumps(data)
        if len(_DATA) < 50_000:
            _DATA[key] = hit
    return hit


def case_lines(draft: CaseDraft) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Gives the case's events their ids (in evaluation order) and returns the JSONL
    lines and the CSV rows."""
    lines: list[str] = []
    rows: list[tuple[Any, ...]] = []
    cid, area = draft.case_id, draft.area
    head = f'"case_id": "{cid}", "area": "{area}", "type": "'
    for k, ev in enumerate(draft.ordered(), start=1):
        ev.eid = eid = f"{cid}-{k:04d}"
        at = _at(ev.ts)
        data = _data(ev.data)
        lines.append(f'{{"event_id": "{eid}", {head}{ev.type}", "at": "{at}", '
                     f'"source": "{ev.source}", "data": {data}}}\n')
        rows.append((eid, cid, area, ev.type, at, ev.source, data))
    return lines, rows


@dataclass
class Chunk:
    """The output of a run of consecutive cases: text, CSV rows, truth and counts."""

    text: str
    rows: list[tuple[Any, ...]]
    truth: list[tuple[str, str, str, str | None, str]]
    events: int
    unintended: int


_GENERATOR: Generator | None = None  # set in a forked worker


def _set_generator(gen: Generator) -> None:
    global _GENERATOR
    _GENERATOR = gen


def _chunk_in_worker(bounds: tuple[int, int, bool]) -> Chunk:
    assert _GENERATOR is not None
    return generate_chunk(_GENERATOR, *bounds)


def generate_chunk(gen: Generator, lo: int, hi: int, with_rows: bool) -> Chunk:
    """Cases `lo` to `hi - 1`, formatted."""
    before = gen.unintended
    block: list[str] = []
    rows: list[tuple[Any, ...]] = []
    truth: list[tuple[str, str, str, str | None, str]] = []
    for index in range(lo, hi):
        draft = gen.case(index)
        lines, case_rows = case_lines(draft)
        block.extend(lines)
        if with_rows:
            rows.extend(case_rows)
        for f in draft.failures:
            assert f.trigger is not None
            truth.append((draft.case_id, "", f.step, f.trigger.eid, f.failure))
    return Chunk("".join(block), rows, truth, len(block), gen.unintended - before)


def _chunks(gen: Generator, cases: int, with_rows: bool, workers: int) -> Iterator[Chunk]:
    bounds = [(lo, min(lo + BLOCK, cases), with_rows) for lo in range(0, cases, BLOCK)]
    if workers <= 1 or len(bounds) < 2:
        for b in bounds:
            yield generate_chunk(gen, *b)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_set_generator, initargs=(gen,)) as pool:
        yield from pool.imap(_chunk_in_worker, bounds)


def write_cohort(spec: CohortSpec, config: ConfigSet, out: Path, *, csv_too: bool = False,
                 progress: Callable[[int], None] | None = None,
                 workers: int = 1) -> CohortSummary:
    """Generates the cohort and writes its four files into `out` (created if needed).

    With `workers` > 1, blocks of cases are drawn in forked processes; each case has its
    own seed, so the files are the same whatever the number of workers."""
    out.mkdir(parents=True, exist_ok=True)
    gen = Generator(spec, config)
    summary = CohortSummary(out)
    truth: list[tuple[str, str, str, str | None, str]] = []
    csv_file: IO[str] | None = None
    writer = None
    with open(out / "events.jsonl", "w", encoding="utf-8", newline="\n") as jsonl:
        if csv_too:
            csv_file = open(out / "events.csv", "w", encoding="utf-8", newline="")
            writer = csv.writer(csv_file, lineterminator="\n")
            writer.writerow(CSV_COLUMNS)
        try:
            done = 0
            for chunk in _chunks(gen, spec.cases, writer is not None, workers):
                jsonl.write(chunk.text)
                if writer is not None:
                    writer.writerows(chunk.rows)
                truth.extend(chunk.truth)
                summary.events += chunk.events
                summary.unintended += chunk.unintended
                done = min(done + BLOCK, spec.cases)
                if progress is not None:
                    progress(done)
            summary.cases = spec.cases
            for area in gen.areas():
                for k, ts in enumerate(area.meetings):
                    eid, at = area_event_id(area.area, k), _at(ts)
                    jsonl.write(f'{{"event_id": "{eid}", "area": "{area.area}", '
                                f'"type": "area.scrutiny_meeting_held", "at": "{at}", '
                                f'"source": "police", "data": {{}}}}\n')
                    if writer is not None:
                        writer.writerow((eid, "", area.area, "area.scrutiny_meeting_held", at,
                                         "police", "{}"))
                    summary.events += 1
                for step, trigger, failure in area.failures:
                    tid = area_event_id(area.area, trigger) if trigger >= 0 else None
                    truth.append(("", area.area, step, tid, failure))
        finally:
            if csv_file is not None:
                csv_file.close()
    for t in truth:
        summary.failures[t[4]] = summary.failures.get(t[4], 0) + 1
    truth.sort(key=lambda t: (t[0], t[1], t[2], t[3] or "", t[4]))
    with open(out / "truth.jsonl", "w", encoding="utf-8", newline="\n") as fh:
        for case_id, area_id, step, trigger_id, failure in truth:
            line: dict[str, Any] = {"case_id": case_id or None}
            if not case_id:
                line["area"] = area_id
            line.update(step=step, trigger_event=trigger_id, failure=failure)
            fh.write(json.dumps(line) + "\n")
    manifest = {"seed": spec.seed, "areas": list(spec.areas), "cases": spec.cases,
                "events": summary.events, "as_of": spec.as_of.isoformat()}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return summary
