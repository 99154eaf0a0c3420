"""Local times to instants, around both clock changes of 2026 in Europe/London
(forward at 01:00 GMT on 29 March, back at 02:00 BST on 25 October)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.mapping.model import Timestamps
from engine.mapping.timestamps import TimestampError, TimestampReader


def reader(**kw: object) -> TimestampReader:
    return TimestampReader.of(Timestamps.model_validate({"formats": ["%d/%m/%Y %H:%M"], **kw}))


def utc(text: str) -> str:
    return reader().parse(text).astimezone(UTC).isoformat()


def test_autumn_overlap_is_the_earlier_instant_by_default() -> None:
    at = reader().parse("25/10/2026 01:30")
    assert at.isoformat() == "2026-10-25T01:30:00+01:00"
    assert at.astimezone(UTC).isoformat() == "2026-10-25T00:30:00+00:00"


def test_autumn_overlap_later_and_reject() -> None:
    at = reader(ambiguous="later").parse("25/10/2026 01:30")
    assert at.isoformat() == "2026-10-25T01:30:00+00:00"
    with pytest.raises(TimestampError) as exc:
        reader(ambiguous="reject").parse("25/10/2026 01:30")
    assert str(exc.value) == ("happens twice in Europe/London (the clocks went back) and "
                              "ambiguous is reject")


def test_the_hours_either_side_of_the_overlap_are_single_instants() -> None:
    assert utc("25/10/2026 00:59") == "2026-10-24T23:59:00+00:00"
    assert utc("25/10/2026 02:00") == "2026-10-25T02:00:00+00:00"
    assert reader(ambiguous="reject").parse("25/10/2026 02:00").isoformat() == \
        "2026-10-25T02:00:00+00:00"


def test_spring_gap_is_rejected() -> None:
    for text in ("29/03/2026 01:00", "29/03/2026 01:30", "29/03/2026 01:59"):
        with pytest.raises(TimestampError) as exc:
            reader().parse(text)
        assert str(exc.value) == ("does not exist in Europe/London: the clocks went forward "
                                  "over it")
    assert utc("29/03/2026 00:59") == "2026-03-29T00:59:00+00:00"
    assert utc("29/03/2026 02:00") == "2026-03-29T01:00:00+00:00"


def test_an_explicit_offset_needs_no_zone_rule() -> None:
    r = reader(formats=["%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M %z"], ambiguous="reject")
    assert r.parse("25/10/2026 01:30 +0000").isoformat() == "2026-10-25T01:30:00+00:00"
    assert r.parse("29/03/2026 01:30 +0000").isoformat() == "2026-03-29T01:30:00+00:00"


def test_date_only_policies() -> None:
    with pytest.raises(TimestampError) as exc:
        reader(date_formats=["%d/%m/%Y"]).parse("12/05/2026")
    assert str(exc.value) == "is a date without a time (date_only is reject)"
    start = reader(date_only="start_of_day", date_formats=["%d/%m/%Y"]).parse("12/05/2026")
    end = reader(date_only="end_of_day", date_formats=["%d/%m/%Y"]).parse("12/05/2026")
    assert (start.isoformat(), end.isoformat()) == ("2026-05-12T00:00:00+01:00",
                                                    "2026-05-12T23:59:59+01:00")


def test_unreadable_and_implausible_values() -> None:
    with pytest.raises(TimestampError) as exc:
        reader().parse("Jane Doe 07700900123")
    assert str(exc.value) == "does not match the format %d/%m/%Y %H:%M"
    with pytest.raises(TimestampError) as exc:
        reader().parse("01/01/0001 00:00")
    assert str(exc.value) == "is outside the years 1990 to 2099"


def test_format_is_the_inverse_and_writes_an_offset_only_when_it_must() -> None:
    r = reader(formats=["%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M %z"])
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)   # 01:30 BST
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 01:30 GMT
    assert (r.format(first), r.format(second)) == ("25/10/2026 01:30", "25/10/2026 01:30 +0000")
    assert r.parse(r.format(first)).timestamp() == first.timestamp()
    assert r.parse(r.format(second)).timestamp() == second.timestamp()
