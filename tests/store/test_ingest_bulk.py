"""Ingest stores a batch from its columns: the stored body hashes are the ones stores
already hold, and each case row, kept up to date batch by batch from the row itself, is
always what a recount of the case's stored events gives."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from engine.events import parse_event
from engine.ingest import body_hash, ingest_paths, load_event_vocabulary
from engine.store.db import engine_for
from engine.store.tables import cases, events
from tests.store.store_data import case_events, write_jsonl


def test_stored_hashes_and_data_are_those_of_earlier_stores(db: str, config_dir: Path,
                                                             tmp_path: Path) -> None:
    lines = [
        {"event_id": "E-1", "case_id": "KE-1", "area": "kent",
         "type": "complainant.preferences_recorded", "at": "2026-07-06T16:40:00.250+01:00",
         "source": "police", "data": {"via_isva": True, "channel": "sms",
                                      "unsafe_channels": ["phone"], "update_interval_days": 14}},
        {"event_id": "A-1", "area": "kent", "type": "area.scrutiny_meeting_held",
         "at": "2026-01-06T09:00:00Z", "source": "police"},
    ]
    ingest_paths(db, [str(write_jsonl(tmp_path / "e.jsonl", lines))], config_dir=config_dir)
    with engine_for(db).connect() as conn:
        rows = dict(conn.execute(select(events.c.event_id, events.c.body_hash)).all())
        data = conn.execute(select(events.c.data).where(events.c.event_id == "E-1")).scalar()
    # Computed by the per-event ingest that wrote every store so far.
    assert rows == {"E-1": "2555bebcfa9fdd272e77e985dfb4ca99e173e092bdb80cc6ec5682f205c9311f",
                    "A-1": "895b4a23670775fe5c38debf9d6a3ce8e26004bdfc5e23c6b51e3f9125a60607"}
    assert data == {"channel": "sms", "unsafe_channels": ["phone"], "update_interval_days": 14,
                    "via_isva": True}


def _case(n: int, rng: random.Random) -> list[dict[str, Any]]:
    """A case's events: some at one shared instant (ties on `at`), some transferred."""
    cid = f"C-{n}"
    out = [{"event_id": f"{cid}-{k:02d}", "case_id": cid, "area": "dorset",
            "type": "police.suspect_interviewed",
            "at": f"2026-03-{2 + rng.randrange(3):02d}T{9 + rng.randrange(2):02d}:00:00+00:00",
            "source": "police", "data": {}} for k in range(rng.randrange(2, 7))]
    if n % 3 == 0:  # moved to kent at the last instant any of its events can have
        out.append({"event_id": f"{cid}-t", "case_id": cid, "area": "dorset",
                    "type": "case.transferred", "at": "2026-03-04T10:00:00+00:00",
                    "source": "police", "data": {"to_area": "kent"}})
        out += [{"event_id": f"{cid}-z{k}", "case_id": cid, "area": "kent",
                 "type": "police.suspect_interviewed",
                 "at": f"2026-03-0{5 + k}T10:00:00+01:00", "source": "police", "data": {}}
                for k in range(2)]
    return out


def _recount(url: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    with engine_for(url).connect() as conn:
        stored = conn.execute(select(cases.c.case_id, cases.c.area, cases.c.first_event_at,
                                     cases.c.last_event_at, cases.c.event_count,
                                     cases.c.event_version).order_by(cases.c.case_id)).all()
        evs = conn.execute(select(events.c.case_id, events.c.at, events.c.event_id,
                                  events.c.type, events.c.area, events.c.data,
                                  events.c.batch_id)).all()
    by_case: dict[str, list[Any]] = {}
    for e in evs:
        by_case.setdefault(e.case_id, []).append(e)
    expected = []
    for cid in sorted(by_case):
        ordered = sorted(by_case[cid], key=lambda e: (e.at, e.event_id))
        last = ordered[-1]
        area = last.data["to_area"] if last.type == "case.transferred" else last.area
        expected.append((cid, area, ordered[0].at, last.at, len(ordered),
                         len({e.batch_id for e in ordered})))
    return [tuple(r) for r in stored], expected


def test_case_rows_equal_a_recount_after_batches_in_any_order(db: str, config_dir: Path,
                                                              tmp_path: Path) -> None:
    rng = random.Random(14)
    lines = [e for n in range(30) for e in _case(n, rng)]
    for part in range(3):  # three deliveries, each shuffled, in small batches
        mine = lines[part::3]
        rng.shuffle(mine)
        src = write_jsonl(tmp_path / f"part{part}.jsonl", mine)
        f = ingest_paths(db, [str(src)], config_dir=config_dir, batch_lines=4).files[0]
        assert f.accepted + f.duplicate + f.rejected == f.lines
        stored, expected = _recount(db)
        assert stored == expected
    rejected = []
    for part in range(3):
        rejects_file = tmp_path / f"part{part}.jsonl.rejects.jsonl"
        if rejects_file.exists():
            rejected += [json.loads(x) for x in rejects_file.read_text().splitlines()]
    assert {r["field"] for r in rejected} <= {"area"}  # the area rule refused them, if any
    with engine_for(db).connect() as conn:
        assert conn.execute(select(events.c.event_id)).all()


def test_the_wal_checkpoint_setting_is_put_back_after_each_batch(db: str, config_dir: Path,
                                                                  tmp_path: Path) -> None:
    if not db.startswith("sqlite"):
        return  # a SQLite setting
    src = write_jsonl(tmp_path / "e.jsonl", [e for n in range(3) for e in _case(n, random.Random(n))])
    ingest_paths(db, [str(src)], config_dir=config_dir, batch_lines=5)
    with engine_for(db).connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000


def test_whole_seconds_store_the_hash_and_instant_of_earlier_stores(
        db: str, config_dir: Path, tmp_path: Path) -> None:
    """A batch whose instants are all whole seconds hashes them (and, all in UTC, stores
    them) from the lines' text (`EventColumns.at_iso`): the same hash as the per-event
    ingest, the same instant, the same case row."""
    lines = [{"event_id": "A-1", "area": "kent", "type": "area.scrutiny_meeting_held",
              "at": "2026-01-06T09:00:00Z", "source": "police"},
             {"event_id": "E-2", "case_id": "KE-2", "area": "kent",
              "type": "complainant.informed", "at": "2026-01-07T10:30:59+00:00",
              "source": "police", "data": {"topic": "arrest"}}]
    later = {**lines[1], "event_id": "E-3", "at": "2026-07-07T00:30:00+01:00"}
    ingest_paths(db, [str(write_jsonl(tmp_path / "e.jsonl", lines))], config_dir=config_dir)
    ingest_paths(db, [str(write_jsonl(tmp_path / "f.jsonl", [later]))], config_dir=config_dir)
    with engine_for(db).connect() as conn:
        rows = {r.event_id: (r.body_hash, r.at) for r in conn.execute(
            select(events.c.event_id, events.c.body_hash, events.c.at))}
        case = conn.execute(select(cases.c.first_event_at, cases.c.last_event_at)).one()
        if db.startswith("sqlite"):
            texts = conn.exec_driver_sql("SELECT at FROM events ORDER BY event_id").scalars()
            assert list(texts) == ["2026-01-06 09:00:00.000000", "2026-01-07 10:30:59.000000",
                                   "2026-07-06 23:30:00.000000"]
    # A-1's hash as the per-event ingest computed it (the test above, another batch shape).
    assert rows["A-1"] == ("895b4a23670775fe5c38debf9d6a3ce8e26004bdfc5e23c6b51e3f9125a60607",
                           datetime(2026, 1, 6, 9, tzinfo=UTC))
    assert rows["E-2"][1] == datetime(2026, 1, 7, 10, 30, 59, tzinfo=UTC)
    assert rows["E-3"][1] == datetime(2026, 7, 6, 23, 30, tzinfo=UTC)
    vocab = load_event_vocabulary(config_dir)
    for event_id, line in (("E-2", lines[1]), ("E-3", later)):
        assert rows[event_id][0] == body_hash(parse_event(line, vocab))
    assert tuple(case) == (datetime(2026, 1, 7, 10, 30, 59, tzinfo=UTC),
                           datetime(2026, 7, 6, 23, 30, tzinfo=UTC))


def test_the_page_cache_is_larger_while_a_batch_commits_and_put_back_after(
        db: str, config_dir: Path, tmp_path: Path) -> None:
    if not db.startswith("sqlite"):
        return  # a SQLite setting
    from engine.store.batches import CACHE_KIB, _batch_transaction

    with _batch_transaction(engine_for(db)) as conn:
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -CACHE_KIB
    src = write_jsonl(tmp_path / "e.jsonl", [e for n in range(3) for e in _case(n, random.Random(n))])
    ingest_paths(db, [str(src)], config_dir=config_dir, batch_lines=5)
    with engine_for(db).connect() as conn:
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -2000


def test_a_batch_of_new_events_ending_in_a_stored_one_is_judged_against_the_store(
        db: str, config_dir: Path, tmp_path: Path) -> None:
    """A batch is first inserted as if none of its ids were stored; the stored id at its
    end stops that insert part-way, which is rolled back, and the batch is judged against
    the store as before: the stored event a duplicate or a conflict, the rest new, once."""
    stored = case_events(1) + case_events(2)
    ingest_paths(db, [str(write_jsonl(tmp_path / "a.jsonl", stored))], config_dir=config_dir)
    new1, new2 = case_events(3) + case_events(4), case_events(5) + case_events(6)
    same = write_jsonl(tmp_path / "b.jsonl", [*new1, stored[0]])
    f = ingest_paths(db, [str(same)], config_dir=config_dir).files[0]
    assert (f.accepted, f.duplicate, f.rejected) == (len(new1), 1, 0)
    changed = write_jsonl(tmp_path / "c.jsonl",
                          [*new2, dict(stored[-1], at="2026-05-01T09:00:00+00:00")])
    f = ingest_paths(db, [str(changed)], config_dir=config_dir).files[0]
    assert (f.accepted, f.duplicate, f.rejected) == (len(new2), 0, 1)
    (r,) = [json.loads(x) for x in Path(f.rejects_path or "").read_text().splitlines()]
    assert (r["line"], r["reason"]) == (len(new2) + 1, f"conflict: event {stored[-1]['event_id']} "
                                        "is already stored with a different body")
    with engine_for(db).connect() as conn:
        ids = [r.event_id for r in conn.execute(select(events.c.event_id))]
        row = conn.execute(select(cases.c.event_count, cases.c.event_version)
                           .where(cases.c.case_id == "T-000001")).one()
    assert sorted(ids) == sorted(e["event_id"] for e in stored + new1 + new2)
    assert tuple(row) == (len(case_events(1)), 1)
