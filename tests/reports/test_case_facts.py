"""Per-case facts stored by the sweep (migration 0010) and read by the board, the
national comparison and the scrutiny pack: a report built from them equals the same
report with every case judged again from its events and instances, including when
events arrived after the sweep or the board is asked for another as-of."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine.calendar import local_date
from engine.evaluate.milestones import facts_key
from engine.ingest import ingest_paths
from engine.reports.board import build_board
from engine.reports.national import build_national
from engine.reports.quarter import Quarter
from engine.reports.scrutiny import build_scrutiny
from engine.store.db import engine_for
from tests.reports.conftest import Store
from tests.reports.sql import sql

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _copy(store: Store, root: Path, name: str) -> Store:
    """A private copy of a session store, to change without disturbing other tests."""
    path = root / f"{name}.db"
    src = sqlite3.connect(store.url.removeprefix("sqlite:///"))
    dst = sqlite3.connect(path)
    src.backup(dst)
    src.close()
    dst.close()
    url = f"sqlite:///{path}"
    return Store(url, engine_for(url), store.facts, store.events_file)


def _forget_facts(store: Store) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE cases SET facts_key = NULL")


def _reports(store: Store, as_of: datetime | None = None) -> list[dict[str, object]]:
    quarter = Quarter.parse("2026Q3")
    return [build_board(store.engine, store.facts, as_of=as_of, now=NOW).data,
            build_board(store.engine, store.facts, ["kent"], as_of=as_of, now=NOW).data,
            build_national(store.engine, store.facts, as_of=as_of, now=NOW).data,
            build_scrutiny(store.engine, store.facts, "kent", quarter, seed=3, sample_size=2,
                           now=NOW).data]


def test_the_sweep_stores_the_facts_of_every_case_it_judged(simulated_store: Store) -> None:
    store = simulated_store
    assert sql(store, "SELECT count(*) FROM cases WHERE facts_key IS NULL "
                      "OR facts_key <> :k", k=facts_key(store.facts.stages)) == [(0,)]
    # the first withdrawal, and the day the case was reported, as the events have them
    withdrew = {c for (c,) in sql(store, "SELECT DISTINCT case_id FROM events "
                                         "WHERE type = 'complainant.withdrew'")}
    stored = {c for (c,) in sql(store, "SELECT case_id FROM cases "
                                       "WHERE withdrew_stage IS NOT NULL")}
    assert len(withdrew) > 10 and stored == withdrew
    reported = {c: local_date(datetime.fromisoformat(str(at)).replace(tzinfo=UTC)).toordinal()
                for c, at in sql(store, "SELECT case_id, min(at) FROM events "
                                        "WHERE type = 'case.reported' GROUP BY case_id")}
    assert dict(sql(store, "SELECT case_id, reported_day FROM cases "
                           "WHERE reported_day IS NOT NULL")) == reported
    first = dict(sql(store, "SELECT case_id, min(at) FROM events WHERE type = "
                            "'complainant.withdrew' GROUP BY case_id"))
    assert all(str(at)[:19] == str(first[c])[:19] for c, at in sql(
        store, "SELECT case_id, withdrew_at FROM cases WHERE withdrew_at IS NOT NULL"))


def test_reports_from_stored_facts_equal_reports_judged_from_the_events(
        simulated_store: Store, tmp_path: Path) -> None:
    judged = _copy(simulated_store, tmp_path, "judged")
    _forget_facts(judged)
    assert _reports(simulated_store) == _reports(judged)


def test_a_case_with_events_since_its_sweep_is_judged_from_them(
        simulated_store: Store, tmp_path: Path) -> None:
    stored, judged = (_copy(simulated_store, tmp_path, n) for n in ("stored", "judged"))
    as_of = datetime.fromisoformat(str(sql(stored, "SELECT max(evaluated_as_of) FROM cases")
                                       [0][0])).replace(tzinfo=UTC)
    (moved, area), (quits, other) = sql(
        stored, "SELECT case_id, area FROM cases WHERE stage = 'investigation' "
                "AND withdrew_stage IS NULL ORDER BY case_id LIMIT 2")
    at = (as_of - timedelta(days=2)).isoformat()
    lines = [{"event_id": f"{moved}-9001", "case_id": moved, "area": area,
              "type": "police.file_submitted", "at": at, "source": "police", "data": {}},
             {"event_id": f"{quits}-9001", "case_id": quits, "area": other,
              "type": "complainant.withdrew", "at": at, "source": "police", "data": {}}]
    late = tmp_path / "late.jsonl"
    late.write_text("".join(json.dumps(x) + "\n" for x in lines))
    before = _reports(stored)
    for s in (stored, judged):
        assert ingest_paths(s.url, [str(late)], actor="test").rejected == 0
    _forget_facts(judged)
    after = _reports(stored)
    assert after == _reports(judged)
    # the new events count (no sweep ran): one more case reached the CPS, one withdrew
    assert after != before
    funnel = {r["area"]: r for r in after[2]["funnel"]}["all areas"]
    was = {r["area"]: r for r in before[2]["funnel"]}["all areas"]
    assert funnel["referred"] == was["referred"] + 1


@pytest.mark.parametrize("days", [-40, 30])
def test_the_board_at_another_as_of_ages_cases_as_a_replay_would(
        simulated_store: Store, tmp_path: Path, days: int) -> None:
    judged = _copy(simulated_store, tmp_path, "judged")
    _forget_facts(judged)
    as_of = datetime.fromisoformat(str(sql(judged, "SELECT max(evaluated_as_of) FROM cases")
                                       [0][0])).replace(tzinfo=UTC) + timedelta(days=days)
    board = build_board(simulated_store.engine, simulated_store.facts, as_of=as_of, now=NOW)
    assert board.data == build_board(judged.engine, judged.facts, as_of=as_of, now=NOW).data


def test_migration_0010_carries_a_swept_store_over_and_back(store: Store, tmp_path: Path
                                                            ) -> None:
    """Down to the revision before 0010 (the columns go) and up again: every case is
    kept, with no stored facts, and the reports read the same figures (judged from the
    events)."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from engine.store.migrate import current_revision, head_revision, upgrade
    from engine.store.schema import alembic_config, forget

    copy = _copy(store, tmp_path, "migrated")
    cases = sql(copy, "SELECT case_id, area, stage, event_version FROM cases ORDER BY 1")
    before = _reports(copy)
    cfg = alembic_config()
    previous = ScriptDirectory.from_config(cfg).get_revision("0010_case_facts").down_revision
    with copy.engine.connect() as conn:
        cfg.attributes["connection"] = conn.execution_options(write=True)
        command.downgrade(cfg, str(previous))
        conn.commit()
    forget(copy.engine)
    assert current_revision(copy.url) == previous
    assert "withdrew_stage" not in {r[1] for r in sql(copy, "PRAGMA table_info(cases)")}
    assert upgrade(copy.url) == (previous, head_revision())
    assert sql(copy, "SELECT case_id, area, stage, event_version FROM cases ORDER BY 1") \
        == cases
    assert sql(copy, "SELECT count(*) FROM cases WHERE facts_key IS NOT NULL") == [(0,)]
    assert _reports(copy) == before


def test_facts_stored_under_other_stage_rules_are_judged_again(simulated_store: Store,
                                                               tmp_path: Path) -> None:
    """Stage rules changed since the sweep (here: a file submitted to the CPS no longer
    moves a case on): the stored facts' key no longer matches, so every case is judged
    under the new rules, exactly as with no stored facts at all."""
    from dataclasses import replace

    stages = tuple(s if s.id != "awaiting_charging_decision" else s.model_copy(
        update={"set_by": []}) for s in simulated_store.facts.stages)
    assert facts_key(stages) != facts_key(simulated_store.facts.stages)
    assert facts_key(tuple(simulated_store.facts.stages)) == facts_key(
        simulated_store.facts.stages)
    judged = _copy(simulated_store, tmp_path, "judged")
    _forget_facts(judged)
    changed = replace(simulated_store.facts, stages=stages)
    ours = build_board(simulated_store.engine, changed, now=NOW).data
    assert ours == build_board(judged.engine, changed, now=NOW).data
    assert ours != build_board(simulated_store.engine, simulated_store.facts, now=NOW).data
