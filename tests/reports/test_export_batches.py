"""The exports judge full chunks of traces by the batch engine in a background thread,
one chunk ahead of the writer, and write the chunk's `met` instances straight from the
batch engine's columns: on SQLite and PostgreSQL (whose instants are datetimes, not
text), every instance equals what `evaluate_case` gives (tests/reports/
test_export_met.py's checks). The reports' store has under a hundred cases, fewer than
the batch engine is used for, so the threshold is lowered to make chunks of 40 cases
batches."""

from __future__ import annotations

import pytest

import engine.export.judged as judged
from tests.reports.conftest import Store
from tests.reports.test_export_met import _check_ocel, _check_xes


def _check_batches(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = judged.judge_batch
    monkeypatch.setattr(judged, "BATCH_FROM", 10)
    monkeypatch.setattr(judged, "judge_batch",
                        lambda *args: calls.append(len(args[1])) or real(*args))
    _check_xes(store, None, chunk=40)
    _check_ocel(store, None, chunk=40)
    # 97 swept cases: two full chunks (judged ahead) and the rest, for each export
    assert calls == [40, 40, 17, 40, 40, 17]


def test_chunks_judged_ahead_in_batches(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    _check_batches(store, monkeypatch)


@pytest.mark.postgres
def test_chunks_judged_ahead_in_batches_on_postgresql(pg_store: Store,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    _check_batches(pg_store, monkeypatch)
