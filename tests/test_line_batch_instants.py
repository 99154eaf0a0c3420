"""The instants of a batch, taken from the lines' text where that is exact: the range
check read off the written years, and `EventColumns.at_iso` (the instants as
`datetime.isoformat` writes them, kept while all are whole seconds), from which the body
hash and, all in UTC, SQLite's stored text are made. Each must equal what the per-value calls
give, on every shape of timestamp the contract accepts or refuses."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import create_engine

from engine.events import parse_timestamp, parse_timestamps
from engine.line_batch import EventColumns, LineBatch, decide_jsonl
from engine.store.batches import body_hash, stored_form
from engine.store.bulk import instants_param
from tests.test_line_batch import SOURCE, VOCAB, good

UTC = ["2026-03-06T16:40:00+00:00", "2026-03-06T16:40:00Z", "1990-01-01T00:00:00Z",
       "2099-12-31T23:59:59+00:00", "2026-02-28T23:59:59-00:00"]
WHOLE = UTC + ["2026-03-06T16:40:00+05:30", "2026-03-06T16:40:00+00:01",
               "2026-07-06T00:40:00+01:00", "1990-01-01T00:30:00-01:00",
               "1991-01-01T00:30:00+01:00", "2098-12-31T23:30:00-01:00",
               "2099-12-31T22:00:00-01:00", "2026-03-06T16:40:00-23:59"]
FRACTION = ["2026-03-06T16:40:00.5+00:00", "2026-03-06T16:40:00.000000+00:00",
            "2026-03-06T16:40:00.000001Z", "2026-07-06T16:40:00.25+01:00"]
REFUSED = ["1989-12-31T23:59:59+00:00", "1990-01-01T00:30:00+01:00",
           "2099-12-31T23:00:00-01:00", "2100-01-01T00:00:00Z", "9999-12-31T23:59:59-14:00",
           "0001-01-01T00:00:00+14:00", "2026-02-29T00:00:00+00:00", "2026-03-06T24:00:00Z",
           "2026-03-06t16:40:00+00:00", "2026-03-06T16:40:00z", "2026-03-06T16:40:00+24:00"]
# Offset minutes past 59: accepted, but parsed to another offset ("+01:60" is +02:00), so
# the written text is not what isoformat writes; such a column keeps no at_iso.
ODD_OFFSETS = ["2026-03-06T16:40:00+01:60", "2026-03-06T16:40:00+00:99",
               "2026-03-06T16:40:00-00:60"]
SQLITE = create_engine("sqlite://")


def _one_by_one(texts: list[str]) -> list[Any] | None:
    try:
        return [parse_timestamp(t) for t in texts]
    except ValueError:
        return None


@pytest.mark.parametrize("text", WHOLE + FRACTION + REFUSED)
@pytest.mark.parametrize("others", [[], ["2026-03-06T16:40:00+00:00"] * 3,
                                    ["1995-06-01T12:00:00+00:00", "2090-06-01T12:00:00Z"]])
def test_a_column_of_instants_is_accepted_only_as_each_one_alone(text: str, others: list[str]) -> None:
    for texts in ([text, *others], [*others, text]):
        expected = _one_by_one(texts)
        try:
            got: list[Any] | None = parse_timestamps(texts)
        except ValueError:
            got = None
        if got is None:  # refused as a column (or not in its shape): judged one by one
            continue
        assert expected is not None and got == expected
        assert [v.utcoffset() for v in got] == [v.utcoffset() for v in expected]


def _batch(ats: list[str]) -> EventColumns:
    texts: list[str | None] = [json.dumps(good(n, at=at)) for n, at in enumerate(ats)]
    return decide_jsonl(1, texts, VOCAB, SOURCE).events


def _assert_exact(cols: EventColumns) -> None:
    """at_iso, when kept, is isoformat of each instant, and the stored text made with it
    is the one the per-value calls make."""
    if cols.at_iso is not None:
        assert cols.at_iso == [a.isoformat() for a in cols.at]
        assert all(a.microsecond == 0 for a in cols.at)
    assert instants_param(SQLITE, cols.at, cols.at_iso) == instants_param(SQLITE, cols.at)


@pytest.mark.parametrize("ats", [UTC, WHOLE, WHOLE[:1] * 4, WHOLE[1:2] * 4, WHOLE[-1:] * 2,
                                 *([w, f] for w in WHOLE[:2] + WHOLE[-2:] for f in FRACTION),
                                 *([w, odd] for w in WHOLE[:2] for odd in ODD_OFFSETS)])
def test_at_iso_is_kept_exactly_when_every_instant_is_a_whole_second(ats: list[str]) -> None:
    cols = _batch(ats)
    assert len(cols) == len(ats)  # every one accepted
    _assert_exact(cols)
    assert (cols.at_iso is not None) == all(a in WHOLE for a in ats)
    form = stored_form(SQLITE, LineBatch(1, len(ats), cols, []))
    assert form.hashes == [body_hash(cols.event(i)) for i in range(len(cols))]
    assert form.instants == instants_param(SQLITE, cols.at)


def test_a_batch_with_a_rejected_line_keeps_at_iso_only_while_it_stays_exact() -> None:
    for at in WHOLE + FRACTION:
        # Line 4 holds a \u escape, so the one-line reader decides it (and appends it).
        texts: list[str | None] = [json.dumps(good(1, at=WHOLE[1])), "not json",
                                   json.dumps(good(2, at=at)),
                                   json.dumps(good(3, at=at)).replace("police", "poli\\u0063e")]
        batch = decide_jsonl(1, texts, VOCAB, SOURCE)
        assert [p.line for p in batch.rejects] == [2]
        assert batch.events.line == [1, 3, 4]
        _assert_exact(batch.events)
        assert (batch.events.at_iso is not None) == (at in WHOLE)
