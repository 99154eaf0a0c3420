"""Hypothesis: whatever the cells hold, mapping never raises and every row ends as
mapped, skipped, duplicate or rejected, with every event it writes a valid event."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.events import parse_event
from engine.mapping import map_files
from engine.mapping.readers import Row, cell_text
from tests.mapping.kit import mapper, national

POLICE = mapper("example-police-rms")
CPS = mapper("example-cps-cms")
VOCAB = national().vocabulary


def _cells(m: Any) -> st.SearchStrategy[dict[str, str]]:
    """Per column: one of its mapping's codes, a plausible timestamp, or anything."""
    codes = [c for table in m.m.value_maps.values() for c in table] + [
        "Kent Police", "kent", "46/1/26", "14", "0", "cy", "2026-10-25T01:30:00+0100",
        "25/10/2026 01:30", "29/03/2026 01:30", "12/05/2026", "14/01/2027"]
    cell = st.one_of(st.sampled_from(codes), st.text(max_size=30), st.just(""))
    return st.fixed_dictionaries({c: cell for c in m.m.columns()})


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_row_never_raises_and_ends_one_way(data: st.DataObject) -> None:
    m = data.draw(st.sampled_from([POLICE, CPS]))
    cells = data.draw(_cells(m))
    outcome = m.map_row(Row(7, cells))
    assert outcome.row == 7
    if outcome.reject is not None:
        assert outcome.events == []
        assert len(outcome.reject.reason) <= 500
    for e in outcome.events:
        parse_event(e, VOCAB)  # raises if the mapper wrote an invalid event


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.data())
def test_a_file_of_arbitrary_rows_is_accounted_for_row_by_row(tmp_path: Path,
                                                               data: st.DataObject) -> None:
    rows = data.draw(st.lists(_cells(CPS), max_size=12))
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(CPS.m.columns())
    for r in rows:
        writer.writerow([r[c] for c in CPS.m.columns()])
    path = tmp_path / "extract.csv"
    path.write_bytes(buf.getvalue().encode("utf-8", "surrogatepass"))
    out = io.StringIO()
    [report] = map_files(CPS, [str(path)], out)
    assert report.rows == len(rows)
    assert report.mapped + report.skipped + report.duplicate + report.rejected == report.rows
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(events) == report.events >= report.mapped
    for e in events:
        parse_event(e, VOCAB)
    rejects = Path(str(path) + ".rejects.jsonl")
    listed = [json.loads(x)["row"] for x in rejects.read_text().splitlines()] \
        if rejects.exists() else []
    assert len(listed) == len(set(listed)) == report.rejected


@given(st.one_of(st.none(), st.text(), st.integers(), st.floats(), st.booleans(),
                 st.datetimes(min_value=datetime(1900, 1, 1)), st.dates(), st.times()),
       st.one_of(st.none(), st.sampled_from(["General", "yyyy-mm-dd", "dd/mm/yyyy hh:mm"])))
@settings(max_examples=200, deadline=None)
def test_any_sheet_cell_becomes_text(value: Any, number_format: str | None) -> None:
    assert isinstance(cell_text(value, number_format), str)
