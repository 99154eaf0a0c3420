"""`check` reads a JSONL file with ingest's bulk line reader (`accept_jsonl`); the events
it accepts, and every problem it raises (rejects, conflicting repeats, area changes), must
be exactly those of the one-line reader (`accept_lines(read_lines(...))`)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

import engine.check
from engine.check import accept_jsonl, accept_lines
from engine.config import load_config
from engine.errors import EventErrors
from engine.event_lines import read_lines
from tests.pii import bad_jsonl_lines

ROOT = Path(__file__).resolve().parents[1]
VOCAB = load_config(ROOT / "area_configs").vocabulary


def _event(eid: str, case: str = "KE-1", **over: Any) -> dict[str, Any]:
    return {"event_id": eid, "case_id": case, "area": "kent", "type": "case.reported",
            "at": "2026-03-05T10:00:00+00:00", "source": "police",
            "data": {"offence": "rape", "complainant_age": "adult"}, **over}


def _outcome(read: Any) -> tuple[str, Any]:
    try:
        return "events", read()
    except EventErrors as exc:
        return "problems", [p.render() for p in exc.problems]


def _same(text: str) -> tuple[str, Any]:
    one = _outcome(lambda: accept_lines(read_lines(io.StringIO(text), VOCAB, "jsonl", "f"),
                                        "f"))
    bulk = _outcome(lambda: accept_jsonl(io.StringIO(text), VOCAB, "f"))
    assert bulk == one
    return one


GOOD = [json.dumps(_event(f"E-{i}", f"KE-{i % 7}")) for i in range(40)]
REORDERED = json.dumps(dict(reversed(list(_event("E-3", "KE-3").items()))))


@pytest.mark.parametrize("batch", [1, 3, 10_000])
def test_good_lines_repeats_and_reordered_keys(monkeypatch: pytest.MonkeyPatch, batch: int
                                               ) -> None:
    monkeypatch.setattr(engine.check, "JSONL_BATCH", batch)
    kind, events = _same("\n".join([*GOOD, GOOD[5], REORDERED, "", "  "][:42]) + "\r\n")
    assert kind == "events" and len(events) == 40


@pytest.mark.parametrize("batch", [2, 10_000])
def test_conflicts_rejects_and_area_changes(monkeypatch: pytest.MonkeyPatch, batch: int
                                            ) -> None:
    monkeypatch.setattr(engine.check, "JSONL_BATCH", batch)
    lines = [
        *GOOD[:10],
        json.dumps(_event("E-1", "KE-1", at="2026-03-05T10:00:00Z")),  # same instant, other text
        json.dumps(_event("E-2", "KE-2", data={"offence": "rape", "complainant_age": "child"})),
        json.dumps(_event("E-40", "KE-1", area="essex")),  # the case's area changes
        json.dumps(_event("É-41")),  # not ASCII: the one-line reader decides it
        json.dumps(_event("E-42", type="no.such_type")),
        json.dumps({**_event("E-3", "KE-3"), "data": None}),  # data null vs an object
        "{not json",
        *bad_jsonl_lines()[:30],
    ]
    kind, problems = _same("\n".join(lines))
    assert kind == "problems"
    assert any("conflicts with line 2" in p for p in problems)
    assert any("conflicts with line 3" in p for p in problems)
