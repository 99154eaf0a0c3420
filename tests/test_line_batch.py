"""Ingest's bulk decision of a batch of lines (engine/line_batch.py) against the one-line
reference reader (engine.event_lines.jsonl_line, what `check` uses): on a hostile corpus, in
every arrangement, the two must accept the same events with the same values and reject
the same lines with byte-identical reasons."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import engine.input_lines as lines_module
from engine.config import load_config
from engine.errors import EventProblem
from engine.event_lines import ReadLine, csv_records, jsonl_line, read_lines
from engine.events import TOP_LEVEL, Event
from engine.input_lines import physical_line_lists, physical_lines
from engine.line_batch import LineBatch, Verdicts, decide_csv, decide_jsonl

ROOT = Path(__file__).resolve().parents[1]
VOCAB = load_config(ROOT / "area_configs").vocabulary
SOURCE = "in.jsonl"

_ALLOWED = {"integer": lambda f: f.min, "boolean": lambda f: True, "date": lambda f: "2026-05-01",
            "language": lambda f: "en", "area": lambda f: "kent", "enum": lambda f: f.values[0],
            "list": lambda f: [f.values[0]]}
GOOD_DATA: dict[str, dict[str, Any]] = {
    name: {f.name: _ALLOWED[f.kind](f) for f in t.fields.values()}
    for name, t in VOCAB.types.items() if t.fields}
GOOD_DATA |= {
    "case.reported": {"offence": "rape", "complainant_age": "adult"},
    "case.transferred": {"to_area": "kent"},
    "complainant.preferences_recorded": {"channel": "sms", "update_interval_days": 7,
                                         "via_isva": False, "language": "cy-GB",
                                         "unsafe_channels": ["phone", "letter"]},
    "complainant.informed": {"topic": "arrest"},
    "consent.recorded": {"scope": "referral", "granted": True},
    "court.hearing_listed": {"hearing": "trial", "hearing_date": "2026-05-01"},
    "court.sentenced": {"custody_months": 0},
    "police.nfa": {"outcome_code": 22},
    "area.spoc_changed": {"agency": "cps"},
}


def good(n: int, etype: str = "complainant.informed", **over: Any) -> dict[str, Any]:
    level = VOCAB.types[etype].level
    obj: dict[str, Any] = {"event_id": f"E-{n}", "case_id": f"KE-{n % 7}", "area": "kent",
                           "type": etype, "at": "2026-03-06T16:40:00+00:00",
                           "source": "police", "data": dict(GOOD_DATA.get(etype, {}))}
    if level == "area":
        del obj["case_id"]
    obj.update(over)
    return {k: v for k, v in obj.items() if v is not ...}


def text(obj: Any) -> str:
    return json.dumps(obj)


def _corpus() -> list[str | None]:
    lines: list[str | None] = [text(good(i, t)) for i, t in enumerate(VOCAB.types)]
    n = 1000
    bad_values = [None, "", 0, 1, True, False, 1.5, [], {}, ["x"], "x" * 200, "kent\n",
                  "ké", 18446744073709551616, -9223372036854775809]
    for key in ("event_id", "case_id", "area", "type", "at", "source", "data"):
        lines.append(text(good(n := n + 1, **{key: ...})))  # absent
        for v in bad_values:
            lines.append(text(good(n := n + 1, **{key: v})))
            lines.append(text(good(n := n + 1, "area.spoc_changed", **{key: v})))
    lines += [text(good(n := n + 1, event_id=e)) for e in (
        "a" * 128, "a" * 129, ".a", "-a", "a/b", "a:b", "a b", "٣", "A.b_c-d:e")]
    lines += [text(good(n := n + 1, case_id=c)) for c in (
        "a" * 64, "a" * 65, "a:b", "_a", "KE-1/../x", "KE-٣", "ok.ok-ok_ok")]
    lines += [text(good(n := n + 1, type=t)) for t in (
        "complainant.informd", "Complainant.informed", " complainant.informed")]
    lines += [text(good(n := n + 1, at=a)) for a in (
        "2026-03-06T16:40:00Z", "2026-03-06t16:40:00+00:00", "2026-03-06 16:40:00+00:00",
        "2026-03-06T16:40:00", "2026-03-06T16:40:00-00:00", "2026-03-06T16:40:00+05:30",
        "2026-03-06T16:40:00.5+00:00", "2026-03-06T16:40:00.000000+00:00",
        "2026-03-06T16:40:00.1234567+00:00", "2026-03-06T16:40+00:00", "20260306T164000Z",
        "1989-12-31T23:59:59+00:00", "1990-01-01T00:00:00+00:00", "1990-01-01T00:30:00+01:00",
        "2099-12-31T23:59:59+00:00", "2099-12-31T23:00:00-01:00", "9999-12-31T23:59:59-14:00",
        "0001-01-01T00:00:00+14:00", "2026-02-29T00:00:00+00:00", "2026-03-06T24:00:00+00:00",
        "2026-03-06T23:59:60+00:00", "2026-13-01T00:00:00+00:00", "2026-03-06T16:40:00+24:00",
        "2026-03-06T16:40:00+00:60", "2026-03-06T16:40:00+0000", "2026-03-06T16:40:00 +00:00",
        "٢٠٢٦-03-06T16:40:00+00:00")]
    lines += [text(good(n := n + 1, source=s)) for s in ("press", "Police", "police ")]
    lines += [text(good(n := n + 1, area=a)) for a in ("avon", "Kent", "dorset", "kent ")]
    for etype, data in GOOD_DATA.items():
        for field in data:
            for v in bad_values + ["rape ", "2026-02-30", "2026-2-3", "20260501", "e",
                                   "en-GB-oxendict", "cy_GB", 7.0, 6, 91, 90, -1, 1201, 1200,
                                   23, ["sms", 1], [["sms"]], ["sms", "sms"], "avon"]:
                lines.append(text(good(n := n + 1, etype, data={**data, field: v})))
            lines.append(text(good(n := n + 1, etype,
                                   data={k: x for k, x in data.items() if k != field})))
        lines.append(text(good(n := n + 1, etype, data={**data, "notes": "free text"})))
        lines.append(text(good(n := n + 1, etype, data={**data, "to_aera": "kent"})))
    lines += [
        None, "", "   ", "\t", "\x1c", "{}", "[]", "null", "1", '"x"', "true",
        text(good(n := n + 1)) + " ", " " + text(good(n := n + 1)),
        text(good(n := n + 1)) + "x", text(good(n := n + 1))[:-1],
        text(good(n := n + 1)).replace('"', "'"), "\ufeff" + text(good(n := n + 1)),
        text(good(n := n + 1)).replace("arrest", "arr\\u0065st"),
        text(good(n := n + 1)).replace("arrest", "\\ud800"),
        text(good(n := n + 1)).replace("E-", "\\u0045-"),
        text(good(n := n + 1)).replace("police", "poli\\u00e7e"),
        text(good(n := n + 1)).replace("kent", "k\u00e9nt"),
        text(good(n := n + 1)).replace("16:40", "16\udc80:40"),  # a byte that was not UTF-8
        text(good(n := n + 1)).replace('"data": {', '"data": {"topic": "bail", '),  # repeated
        '{"event_id": "E-1", "event_id": "E-2", "case_id": "KE-1", "area": "kent", '
        '"type": "police.suspect_arrested", "at": "2026-03-06T16:40:00+00:00", '
        '"source": "police"}',
        text(good(n := n + 1)).replace('"source": "police"', '"source": "press", "source": "police"'),
        text(good(n := n + 1)).replace('"source": "police"', '"source": NaN'),
        text(good(n := n + 1)).replace('"source": "police"', '"source": Infinity'),
        text(good(n := n + 1)).replace('"topic": "arrest"', '"topic": ' + "9" * 5000),
        text(good(n := n + 1, data={"topic": "arrest", "x": [[[[1]]]]})),
        '{"a": ' + "[" * 3000 + "]" * 3000 + "}",
        text(good(n := n + 1, name="Jane")),
        text(good(n := n + 1, type="complainant.informed", data=None)),
        text(good(n := n + 1, type="area.scrutiny_meeting_held", case_id="")),
        text(good(n := n + 1, type="area.scrutiny_meeting_held", case_id=None)),
        text(good(n := n + 1, type="area.scrutiny_meeting_held", case_id="KE-1")),
        text(good(n := n + 1, type="area.spoc_changed", data={"agency": "isva"})),
    ]
    return lines


CORPUS = _corpus()
GOOD = [text(good(i, t)) for i, t in enumerate(VOCAB.types)] * 3


def _event_view(e: Event) -> tuple[Any, ...]:
    """Every value of an event, with types and the instant's offset."""
    return (e.event_id, e.case_id, e.area, e.type, e.at.isoformat(), e.at.utcoffset(),
            e.source, repr(e.data), json.dumps(e.data), e.ts)


def _reference(first: int, texts: list[str | None]) -> tuple[list[Any], list[EventProblem]]:
    return _outcomes(jsonl_line(first + i, t, VOCAB, SOURCE) for i, t in enumerate(texts))


def _outcomes(lines: Iterable[ReadLine]) -> tuple[list[Any], list[EventProblem]]:
    """The reference reader's lines as (accepted events by line, rejects)."""
    accepted, rejects = [], []
    for rl in lines:
        if rl.event is not None:
            accepted.append((rl.line, _event_view(rl.event)))
        else:
            assert rl.problem is not None
            rejects.append(rl.problem)
    return accepted, rejects


def _bulk(batch: LineBatch) -> tuple[list[Any], list[EventProblem]]:
    cols = batch.events
    return [(cols.line[i], _event_view(cols.event(i))) for i in range(len(cols))], batch.rejects


def _assert_same(first: int, texts: list[str | None], verdicts: Verdicts | None = None) -> None:
    batch = decide_jsonl(first, texts, VOCAB, SOURCE, verdicts)
    assert (batch.first, batch.last) == (first, first + len(texts) - 1)
    assert _bulk(batch) == _reference(first, texts)


def test_the_corpus_has_both_outcomes() -> None:
    accepted, rejects = _reference(1, CORPUS)
    assert len(accepted) > 70 and len(rejects) > 300
    assert len({p.message for p in rejects}) > 60  # many different reasons


def test_the_whole_corpus_as_one_batch() -> None:
    _assert_same(1, CORPUS)
    _assert_same(10_001, list(reversed(CORPUS)))


def test_every_line_alone_and_among_good_lines() -> None:
    """A line alone takes each column check's one-by-one path when it fails; among good
    lines it is the one item a bulk check finds wrong."""
    verdicts = Verdicts()  # data objects judged in earlier batches, as ingest keeps them
    for k, line in enumerate(CORPUS):
        _assert_same(k + 1, [line])
        _assert_same(7, GOOD[: k % 6] + [line] + GOOD[k % 6: 12], verdicts)


def test_only_good_lines_take_the_bulk_path_whole() -> None:
    batch = decide_jsonl(1, list(GOOD), VOCAB, SOURCE)
    assert len(batch.events) == len(GOOD) and batch.rejects == []
    _assert_same(1, list(GOOD))


SHARED = Verdicts()
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False)
    | st.sampled_from(["", "kent", "arrest", "police", "sms", "2026-03-06T16:40:00+00:00",
                       "en", "E-1", "KE-1", "rape", "adult", "trial", "2026-05-01"])
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=6)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(sorted(GOOD_DATA) + ["police.suspect_arrested"]),
                          st.sampled_from(["event_id", "case_id", "area", "type", "at",
                                           "source", "data", "extra", "data.x"]),
                          _json_values), min_size=1, max_size=6))
def test_mutated_events_agree(mutations: list[tuple[str, str, Any]]) -> None:
    texts: list[str | None] = []
    for n, (etype, key, value) in enumerate(mutations):
        obj = good(n, etype)
        if key == "data.x":
            data = dict(obj["data"])
            data[next(iter(data), "x")] = value
            obj["data"] = data
        else:
            obj[key] = value
        texts.append(json.dumps(obj, ensure_ascii=n % 2 == 0))
    _assert_same(1, texts + GOOD[:5], SHARED)


# --- reading lines in blocks ----------------------------------------------------------

def _readline_reference(stream: io.StringIO, limit: int) -> list[str | None]:
    """physical_lines as it was, a readline at a time: the reference for block reading."""
    out: list[str | None] = []
    while chunk := stream.readline(limit + 1):
        if chunk.endswith("\n"):
            out.append(chunk[:-1].rstrip("\r"))
        elif len(chunk) <= limit:
            out.append(chunk.rstrip("\r"))
        else:
            while chunk and not chunk.endswith("\n"):
                chunk = stream.readline(limit)
            out.append(None)
    return out


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="ab\r\n", max_size=60), st.integers(1, 9), st.integers(1, 13),
       st.integers(1, 5))
def test_block_reading_splits_lines_as_readline_did(text_: str, limit: int, block: int,
                                                    size: int) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(lines_module, "MAX_LINE_CHARS", limit)
        mp.setattr(lines_module, "READ_BLOCK", block)
        expected = _readline_reference(io.StringIO(text_, newline="\n"), limit)
        lists = list(physical_line_lists(io.StringIO(text_, newline="\n"), size))
        assert all(len(x) == size for x in lists[:-1]) and all(lists)
        assert [x for chunk in lists for x in chunk] == expected
        assert list(physical_lines(io.StringIO(text_, newline="\n"))) == expected


# --- CSV: the same corpus as records -------------------------------------------------------

def _csv_cell(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _csv_corpus() -> list[str]:
    """The JSONL corpus's objects as CSV records under the full header, then records only
    CSV can get wrong."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TOP_LEVEL)
    for line in CORPUS:
        try:
            obj = json.loads(line) if line else None
        except (ValueError, RecursionError):
            continue
        if isinstance(obj, dict) and obj.keys() <= set(TOP_LEVEL):
            try:
                writer.writerow([_csv_cell(obj[k]) if obj.get(k) is not None else ""
                                 for k in TOP_LEVEL])
            except (ValueError, RecursionError):
                continue
    good_row = out.getvalue().splitlines()[1]
    return out.getvalue().splitlines() + [
        "", "   ", '"unclosed,quote', "a,b", good_row + ",extra", good_row.replace("kent", "ként"),
        good_row.replace("E-", "\\u0045-"), good_row.replace("E-0", "E-0\udc80"),
        "E-x,KE-1,kent,complainant.informed,2026-03-06T16:40:00+00:00,police,[]",
        "E-y,KE-1,kent,complainant.informed,2026-03-06T16:40:00+00:00,police,{nope",
        'E-z,KE-1,kent,complainant.informed,2026-03-06T16:40:00+00:00,police,"{""topic"": NaN}"',
        good_row, good_row]  # a record twice: both accepted here (duplicates are the store's)


CSV_CORPUS = _csv_corpus()


def _csv_reference(text_: str) -> tuple[list[Any], list[EventProblem]]:
    return _outcomes(read_lines(io.StringIO(text_), VOCAB, "csv", SOURCE))


def test_csv_records_are_decided_in_bulk_as_the_reference_decides_them() -> None:
    text_ = "\n".join(CSV_CORPUS) + "\n"
    expected = _csv_reference(text_)
    assert len(expected[0]) > 70 and len(expected[1]) > 200
    records = list(csv_records(io.StringIO(text_), SOURCE))
    assert _bulk(decide_csv(records, VOCAB, SOURCE)) == expected
    verdicts = Verdicts()  # carried from batch to batch, as ingest does
    got: tuple[list[Any], list[EventProblem]] = ([], [])
    for i in range(0, len(records), 7):
        batch = decide_csv(records[i:i + 7], VOCAB, SOURCE, verdicts)
        assert (batch.first, batch.last) == (records[i].line, records[i:i + 7][-1].line)
        got[0].extend(_bulk(batch)[0])
        got[1].extend(batch.rejects)
    assert got == expected


def test_a_bad_csv_header_rejects_every_line_as_before() -> None:
    text_ = "event_id,name\nE-1,Jane\nE-2,John\n"
    records = list(csv_records(io.StringIO(text_), SOURCE))
    assert _bulk(decide_csv(records, VOCAB, SOURCE)) == _csv_reference(text_)
    assert [p.line for p in _csv_reference(text_)[1]] == [1, 2, 3]
