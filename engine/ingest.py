"""Ingestion (SPEC §3, issue 5): read, validate, deduplicate and store events, losing
nothing and doing nothing twice.

Why the batches look the way they do:
- A batch is a fixed range of input lines. Its events, its rejects and its row in
  `ingest_batches` commit in one transaction, so a crash or `kill -9` leaves either the
  whole batch or none of it.
- A batch's id is the input's content hash plus its line range. Re-ingesting the same
  input skips the batches already committed (their accepted events now count as
  duplicates) and processes the rest, so a re-run after a crash reaches exactly the
  state of a clean run, batch log included.
- On SQLite a batch takes the write lock when it begins (`BEGIN IMMEDIATE`), so two
  ingests at once queue batch by batch; on PostgreSQL a batch that lost a race on an
  event id is rolled back and redone against the new state.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import IO, Any

import structlog
from sqlalchemy import Connection, Engine, bindparam, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from engine.errors import EventProblem, StoreError
from engine.events import Event, ReadLine, area_problems, canonical_body, detect_format, read_lines
from engine.store.bulk import insert_rows, instant_param, placeholders, read_events
from engine.store.db import checked_engine, writing
from engine.store.tables import cases, events, ingest_batches, rejects
from engine.vocabulary import Vocabulary

log = structlog.get_logger(__name__)

BATCH_LINES = 5000
BUCKETS = 1024
_IN_CHUNK = 900  # ids per IN (...) query: under every driver's parameter limit
EVENT_INSERT = ("event_id", "case_id", "area", "type", "at", "source", "data", "body_hash",
                "batch_id")
_RETRIES = 5


@dataclass(frozen=True)
class FileReport:
    """What happened to one input. accepted + duplicate + rejected == lines, always."""

    path: str
    lines: int
    accepted: int
    duplicate: int
    rejected: int
    rejects_path: str | None
    resumed_batches: int = 0  # batches found already committed (a re-run)


@dataclass(frozen=True)
class IngestReport:
    """Counts per input file (plain data: safe to return from a worker or a task)."""

    files: tuple[FileReport, ...]

    @property
    def lines(self) -> int:
        return sum(f.lines for f in self.files)

    @property
    def accepted(self) -> int:
        return sum(f.accepted for f in self.files)

    @property
    def duplicate(self) -> int:
        return sum(f.duplicate for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)


class InputError(StoreError):
    """An input could not be read at all (missing, unreadable, not UTF-8)."""


def case_bucket(case_id: str) -> int:
    """A stable hash bucket of a case id (the same in every process and database)."""
    return zlib.crc32(case_id.encode("utf-8")) % BUCKETS


def body_hash(event: Event) -> str:
    """The duplicate/conflict key: sha256 over every field of the parsed event, with the
    data object in canonical JSON (key order ignored, as `canonical_body` does). Cheaper
    than dumping the whole event, and equal exactly when the parsed bodies are equal."""
    return _hash_and_data(event)[0]


def _hash_and_data(event: Event) -> tuple[str, str]:
    data = canonical_body(event.data) if event.data else "{}"
    key = "\x1f".join((event.event_id, event.case_id or "", event.area, event.type,
                       event.at.isoformat(), event.source, data))
    return hashlib.sha256(key.encode("utf-8")).hexdigest(), data


def rejects_path_for(path: str) -> Path:
    """`<input>.rejects.jsonl` beside the input; for stdin, `stdin.rejects.jsonl` here."""
    return Path("stdin.rejects.jsonl") if path == "-" else Path(path + ".rejects.jsonl")


def load_event_vocabulary(config_dir: Path = Path("area_configs")) -> Vocabulary:
    """The event vocabulary with the register's area ids: what `check` validates
    against. Only the national files are read, so a broken overlay never stops ingest."""
    from engine.config.national import load_national

    return load_national(config_dir / "national").vocabulary


Progress = Callable[[str, int, int], None]  # (path, lines done, lines total)


def ingest_paths(db_url: str | None, paths: Sequence[str], actor: str = "liaison",
                 config_dir: Path = Path("area_configs"), batch_lines: int = BATCH_LINES,
                 progress: Progress | None = None, vocabulary: Vocabulary | None = None
                 ) -> IngestReport:
    """Ingest each input in turn; raise InputError before writing anything when an input
    does not exist, or part-way when one cannot be decoded (earlier batches stay)."""
    eng = checked_engine(db_url)
    for p in paths:
        if p != "-" and not Path(p).is_file():
            raise InputError(f"{p}: no such file")
    vocab = vocabulary or load_event_vocabulary(config_dir)
    reports = [_ingest_one(eng, p, vocab, actor, batch_lines, progress) for p in paths]
    return IngestReport(tuple(reports))


# --- one input -------------------------------------------------------------------------

def _load_input(path: str) -> tuple[IO[str], str, str, int]:
    """Open an input and say its format, content hash and line count (the first pass
    hashes and counts so that batch ids are stable and the progress bar has a total)."""
    try:
        if path == "-":
            data = sys.stdin.buffer.read()
            text = data.decode("utf-8")
            fmt = "jsonl" if text.lstrip().startswith("{") or not text.strip() else "csv"
            return io.StringIO(text, newline=None), fmt, hashlib.sha256(data).hexdigest(), \
                _count_lines(data)
        digest, lines = hashlib.sha256(), 0
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
                lines += block.count(b"\n")
        return open(path, encoding="utf-8", newline=""), detect_format(path), \
            digest.hexdigest(), lines
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read: {exc}") from None


def _count_lines(data: bytes) -> int:
    return data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)


@dataclass
class _Tally:
    lines: int = 0
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    resumed: int = 0


def _ingest_one(eng: Engine, path: str, vocab: Vocabulary, actor: str, batch_lines: int,
                progress: Progress | None) -> FileReport:
    stream, fmt, file_key, total = _load_input(path)
    name = "<stdin>" if path == "-" else path
    tally = _Tally()
    with eng.connect() as conn:
        done = {r.batch_id: r for r in conn.execute(
            select(ingest_batches).where(ingest_batches.c.file_key == file_key))}
    try:
        lines: Iterable[ReadLine]
        if fmt == "jsonl":
            skipped = _skip_committed_prefix(stream, done, batch_lines, tally)
            lines = _renumbered(read_lines(stream, vocab, fmt, name), skipped)
        else:
            lines = read_lines(stream, vocab, fmt, name)
        for chunk in _chunks(lines, batch_lines):
            bid = f"{file_key}:{chunk[0].line}-{chunk[-1].line}"
            prior = done.get(bid)
            if prior is None:
                counts = _commit_batch(eng, bid, file_key, name, chunk, actor)
            else:  # committed by an earlier run: its events are in the store now
                counts = (0, prior.accepted + prior.duplicate, prior.rejected)
                tally.resumed += 1
            tally.lines += len(chunk)
            tally.accepted += counts[0]
            tally.duplicate += counts[1]
            tally.rejected += counts[2]
            if progress:
                progress(path, tally.lines, max(total, tally.lines))
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: cannot be read after line {tally.lines}: {exc}") from None
    finally:
        stream.close()
    out = _write_rejects_file(eng, file_key, path)
    log.info("ingested", file=name, lines=tally.lines, accepted=tally.accepted,
             duplicate=tally.duplicate, rejected=tally.rejected, resumed_batches=tally.resumed)
    return FileReport(name, tally.lines, tally.accepted, tally.duplicate, tally.rejected,
                      str(out) if out else None, tally.resumed)


def _skip_committed_prefix(stream: IO[str], done: dict[str, Any], batch_lines: int,
                           tally: _Tally) -> int:
    """Skip, without validating them again, the JSONL lines of the batches an earlier run
    committed from the top of the input (what a crash leaves); count them as that run
    did. Returns the number of lines skipped."""
    by_first = {r.first_line: r for r in done.values()}
    line = 1
    while (r := by_first.get(line)) is not None and r.last_line - r.first_line + 1 == batch_lines:
        for _ in range(batch_lines):
            stream.readline()
        tally.lines += batch_lines
        tally.duplicate += r.accepted + r.duplicate
        tally.rejected += r.rejected
        tally.resumed += 1
        line = r.last_line + 1
    return line - 1


def _renumbered(lines: Iterable[ReadLine], offset: int) -> Iterator[ReadLine]:
    """Line numbers (and those in problems) as in the whole input, after `offset`
    skipped lines."""
    if not offset:
        yield from lines
        return
    for rl in lines:
        problem = rl.problem and replace(rl.problem, line=rl.problem.line + offset)
        yield replace(rl, line=rl.line + offset, problem=problem)


def _chunks(lines: Iterable[ReadLine], size: int) -> Iterator[list[ReadLine]]:
    it = iter(lines)
    while chunk := list(islice(it, size)):
        yield chunk


def _write_rejects_file(eng: Engine, file_key: str, path: str) -> Path | None:
    """Rewrite (never append to) the rejects file from the store's rejects of this input,
    so a re-run produces the same file as a clean run. None when nothing was rejected."""
    target = rejects_path_for(path)
    with eng.connect() as conn:
        rows = conn.execute(select(rejects).where(rejects.c.file_key == file_key)
                            .order_by(rejects.c.line)).all()
    if not rows:
        target.unlink(missing_ok=True)
        return None
    tmp = target.with_name(target.name + f".tmp{os.getpid()}")
    with tmp.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps({"file": r.file_name, "line": r.line, "event_id": r.event_id,
                                 "field": r.field, "reason": r.reason, "raw": r.raw},
                                ensure_ascii=False) + "\n")
    tmp.replace(target)
    return target


# --- one batch -------------------------------------------------------------------------

@dataclass
class _Plan:
    """What one batch will write."""

    new: list[tuple[int, Event, str, str]] = field(default_factory=list)  # line, event, hash, data
    duplicate: int = 0
    rejects: list[tuple[ReadLine, EventProblem]] = field(default_factory=list)


def _commit_batch(eng: Engine, bid: str, file_key: str, name: str, chunk: list[ReadLine],
                  actor: str) -> tuple[int, int, int]:
    for attempt in range(_RETRIES):
        try:
            with writing(eng) as conn:
                already = conn.execute(select(ingest_batches.c.accepted, ingest_batches.c.duplicate,
                                              ingest_batches.c.rejected)
                                       .where(ingest_batches.c.batch_id == bid)).first()
                if already is not None:  # another ingest of the same input got here first
                    return 0, already.accepted + already.duplicate, already.rejected
                plan = _plan(conn, chunk, name)
                _write(conn, bid, file_key, name, chunk, plan, actor)
                return len(plan.new), plan.duplicate, len(plan.rejects)
        except (IntegrityError, OperationalError) as exc:
            # A concurrent ingest committed one of these event ids first (PostgreSQL) or
            # the lock wait ran out: redo the batch against the new state.
            log.warning("batch retried", batch=bid, attempt=attempt + 1, error=str(exc)[:200])
    raise StoreError(f"{name}: batch {chunk[0].line}-{chunk[-1].line} could not be written "
                     f"after {_RETRIES} attempts (concurrent writers?)")


def _plan(conn: Connection, chunk: list[ReadLine], name: str) -> _Plan:
    """Decide every line of a batch: new, duplicate or rejected (with why)."""
    plan = _Plan()
    firsts: dict[str, tuple[ReadLine, Event, str, str]] = {}  # event id -> first line here
    repeats: dict[str, list[ReadLine]] = {}  # later lines with the same id and body
    for rl in chunk:
        if rl.event is None:
            assert rl.problem is not None
            plan.rejects.append((rl, rl.problem))
            continue
        ev = rl.event
        h, data = _hash_and_data(ev)
        first = firsts.get(ev.event_id)
        if first is None:
            firsts[ev.event_id] = (rl, ev, h, data)
        elif first[2] == h:
            repeats.setdefault(ev.event_id, []).append(rl)
        else:
            plan.rejects.append((rl, EventProblem(
                rl.line, f"conflict: event {ev.event_id} appears on line {first[0].line} with "
                "a different body", ev.event_id, "event_id", name)))
    stored = _stored_hashes(conn, list(firsts))
    fresh: list[tuple[ReadLine, Event, str, str]] = []
    refused: dict[str, EventProblem] = {}
    for rl, ev, h, data in firsts.values():
        old = stored.get(ev.event_id)
        if old is None:
            fresh.append((rl, ev, h, data))
        elif old == h:
            plan.duplicate += 1
        else:
            refused[ev.event_id] = EventProblem(
                rl.line, f"conflict: event {ev.event_id} is already stored with a different "
                "body", ev.event_id, "event_id", name)
    refused.update(_area_rule(conn, fresh, name))
    for rl, ev, h, data in fresh:
        if ev.event_id not in refused:
            plan.new.append((rl.line, ev, h, data))
    for eid, (rl, _, _, _) in firsts.items():
        problem = refused.get(eid)
        if problem is not None:
            plan.rejects.append((rl, problem))
        for again in repeats.get(eid, ()):
            if problem is None:
                plan.duplicate += 1  # a repeat of an event that is (now) stored
            else:  # a repeat of a refused line is refused for the same reason
                plan.rejects.append((again, EventProblem(again.line, problem.message, eid,
                                                         problem.field, name)))
    plan.rejects.sort(key=lambda rp: rp[0].line)
    return plan


def _stored_hashes(conn: Connection, ids: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for i in range(0, len(ids), _IN_CHUNK):
        part = ids[i:i + _IN_CHUNK]
        for eid, h in conn.execute(select(events.c.event_id, events.c.body_hash)
                                   .where(events.c.event_id.in_(part))):
            out[eid] = h
    return out


def _stored_events(conn: Connection, case_ids: list[str]) -> dict[str, list[Event]]:
    out: dict[str, list[Event]] = {}
    for i in range(0, len(case_ids), _IN_CHUNK):
        part = case_ids[i:i + _IN_CHUNK]
        for ev in read_events(conn, f"case_id IN ({placeholders(len(part))})", part):
            assert ev.case_id is not None
            out.setdefault(ev.case_id, []).append(ev)
    return out


def _area_rule(conn: Connection, fresh: list[tuple[ReadLine, Event, str, str]], name: str
               ) -> dict[str, EventProblem]:
    """SPEC §3's area rule over each case's stored and new events. A new event that
    breaks it is rejected; when the rule fails on a stored event, the new event that
    precedes it (and so changed the case's area history) is rejected instead."""
    by_case: dict[str, list[tuple[int, Event]]] = {}
    for rl, ev, _, _ in fresh:
        if ev.case_id is not None:
            by_case.setdefault(ev.case_id, []).append((rl.line, ev))
    stored = _stored_events(conn, list(by_case))
    bad: dict[str, EventProblem] = {}
    for cid, new in by_case.items():
        old = stored.get(cid, [])
        if _single_area(new, old):
            continue
        remaining = list(new)
        while remaining:
            new_ids = {e.event_id for _, e in remaining}
            problems = area_problems([(0, e) for e in old] + remaining)
            if not problems:
                break
            on_new = [p for p in problems if p.event_id in new_ids]
            if on_new:
                for p in on_new:
                    assert p.event_id is not None
                    line = next(ln for ln, e in remaining if e.event_id == p.event_id)
                    bad[p.event_id] = EventProblem(line, p.message, p.event_id, "area", name)
            else:
                first_old = min((e for e in old if e.event_id == problems[0].event_id),
                                key=lambda e: e.sort_key)
                ln, culprit = min((le for le in remaining if le[1].sort_key < first_old.sort_key),
                                  key=lambda le: le[1].sort_key, default=remaining[0])
                bad[culprit.event_id] = EventProblem(
                    ln, f"area {culprit.area!r} contradicts the case's stored events (event "
                    f"{first_old.event_id} is in {first_old.area!r} with no case.transferred "
                    f"between them)", culprit.event_id, "area", name)
            remaining = [le for le in remaining if le[1].event_id not in bad]
    return bad


def _single_area(new: list[tuple[int, Event]], old: list[Event]) -> bool:
    """The common case, answered without sorting: one area and no transfer."""
    areas = {e.area for _, e in new} | {e.area for e in old}
    return len(areas) == 1 and not any(e.type == "case.transferred" for _, e in new) and \
        not any(e.type == "case.transferred" for e in old)


def _write(conn: Connection, bid: str, file_key: str, name: str, chunk: list[ReadLine],
           plan: _Plan, actor: str) -> None:
    now = datetime.now(UTC)
    conn.execute(ingest_batches.insert().values(
        batch_id=bid, file_key=file_key, file_name=name, first_line=chunk[0].line,
        last_line=chunk[-1].line, accepted=len(plan.new), duplicate=plan.duplicate,
        rejected=len(plan.rejects), actor=actor, committed_at=now))
    instant = instant_param(conn)
    insert_rows(conn, events, EVENT_INSERT, [
        (e.event_id, e.case_id, e.area, e.type, instant(e.at), e.source, data, h, bid)
        for _, e, h, data in plan.new], prepared=True)
    # Rejects of this line range from an earlier run with another batch size go first.
    conn.execute(rejects.delete().where(rejects.c.file_key == file_key,
                                        rejects.c.line.between(chunk[0].line, chunk[-1].line)))
    if plan.rejects:
        conn.execute(rejects.insert(), [
            {"file_key": file_key, "line": rl.line, "file_name": name,
             "event_id": p.event_id, "field": p.field, "reason": p.message, "raw": rl.raw,
             "batch_id": bid} for rl, p in plan.rejects])
    _touch_cases(conn, [e for _, e, _, _ in plan.new if e.case_id is not None])


def _touch_cases(conn: Connection, new: list[Event]) -> None:
    """Create or update the case rows of newly stored events: area now, first and last
    event instants, count, and a bumped event version (the sweep's "needs evaluation")."""
    if not new:
        return
    by_case: dict[str, list[Event]] = {}
    for e in new:
        assert e.case_id is not None
        by_case.setdefault(e.case_id, []).append(e)
    ids = list(by_case)
    existing: dict[str, Any] = {}
    for i in range(0, len(ids), _IN_CHUNK):
        for r in conn.execute(select(cases.c.case_id, cases.c.event_version)
                              .where(cases.c.case_id.in_(ids[i:i + _IN_CHUNK]))):
            existing[r.case_id] = r
    known = [c for c in by_case if c in existing]
    stored = _stored_events(conn, known) if known else {}
    inserts, updates = [], []
    for cid, evs in by_case.items():
        everything = stored.get(cid, evs) if cid in existing else evs
        row = _case_row(cid, everything)
        if cid in existing:
            row["b_case_id"] = cid
            row["event_version"] = existing[cid].event_version + 1
            updates.append(row)
        else:
            row.update(case_id=cid, bucket=case_bucket(cid), event_version=1)
            inserts.append(row)
    if inserts:
        conn.execute(cases.insert(), inserts)
    if updates:
        conn.execute(update(cases).where(cases.c.case_id == bindparam("b_case_id")), updates)


def _case_row(case_id: str, evs: list[Event]) -> dict[str, Any]:
    ordered = sorted(evs, key=lambda e: e.sort_key)
    last = ordered[-1]
    area = last.data["to_area"] if last.type == "case.transferred" else last.area
    return {"area": area, "first_event_at": ordered[0].at, "last_event_at": last.at,
            "event_count": len(ordered)}
