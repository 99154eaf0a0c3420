"""Map extract files to an events JSONL stream, with a rejects file beside each input.

`liaison map` and `liaison ingest --mapping` both come here. For each file: rows =
mapped + skipped + duplicate + rejected, always. A header that lacks a column the mapping
reads makes the file's every row a reject (row 1 says which column), as a bad CSV header
does for ingest, so nothing is silently dropped.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from engine.files import private_open
from engine.mapping.mapper import Mapper, RowReject
from engine.mapping.readers import Extract, open_extract

Progress = Callable[[str, int, int], None]  # (file, rows done, rows total)


@dataclass(frozen=True)
class FileMapReport:
    """What happened to one extract's rows."""

    path: str
    rows: int
    mapped: int
    skipped: int
    duplicate: int
    rejected: int
    events: int
    rejects_path: str | None


def rejects_path_for(path: str) -> Path:
    return Path(path + ".rejects.jsonl")


def map_files(mapper: Mapper, paths: Sequence[str], out: IO[str],
              progress: Progress | None = None) -> list[FileMapReport]:
    """Map each file in turn, writing events to `out`. Raises ExtractError before
    writing anything when a file is missing, and when one cannot be opened."""
    for p in paths:
        if not Path(p).is_file():
            from engine.mapping.readers import ExtractError

            raise ExtractError(f"{p}: no such file")
    return [_map_one(mapper, p, out, progress) for p in paths]


def _map_one(mapper: Mapper, path: str, out: IO[str], progress: Progress | None
             ) -> FileMapReport:
    extract = open_extract(Path(path), mapper.m.format)
    rejects: list[RowReject] = []
    seen: dict[str, tuple[int, str]] = {}  # event id -> (row, body hash)
    rows = mapped = skipped = duplicate = events = 0
    missing = _header_problem(mapper, extract)
    if missing is not None:
        rejects.append(RowReject(1, missing))
    for outcome in mapper.map_rows(extract.rows):
        rows += 1
        if missing is not None:
            rejects.append(RowReject(outcome.row, "not read: the header lacks a column the "
                                     "mapping reads (see row 1)"))
        elif outcome.reject is not None:
            rejects.append(outcome.reject)
        elif not outcome.events:
            skipped += 1
        else:
            lines, clash = [], None
            for ev in outcome.events:
                line = json.dumps(ev, ensure_ascii=False)
                digest = hashlib.sha256(line.encode("utf-8")).hexdigest()
                first = seen.get(ev["event_id"])
                if first is not None and first[1] != digest:
                    clash = first[0]
                    break
                if first is None:
                    lines.append((ev["event_id"], digest, line))
            if clash is not None:
                rejects.append(RowReject(outcome.row, f"its row key and event type repeat row "
                                         f"{clash} with other values", None, "event_id"))
            elif not lines:
                duplicate += 1
            else:
                mapped += 1
                for eid, digest, line in lines:
                    seen[eid] = (outcome.row, digest)
                    out.write(line + "\n")
                    events += 1
        if progress is not None and rows % 1000 == 0:
            progress(path, rows, max(rows, extract.total))
    if progress is not None:
        progress(path, rows, rows)
    written = _write_rejects(path, rejects)
    return FileMapReport(path, rows + (missing is not None), mapped, skipped, duplicate,
                         len(rejects), events, str(written) if written else None)


def _header_problem(mapper: Mapper, extract: Extract) -> str | None:
    names = [h for h in extract.header if h]
    dupes = sorted({h for h in names if names.count(h) > 1} & set(mapper.m.columns()))
    if dupes:
        return f'the header names column "{dupes[0]}" more than once'
    missing = [c for c in mapper.m.columns() if c not in extract.header]
    if missing:
        return "the header has no column " + ", ".join(f'"{c}"' for c in missing)
    return None


def _write_rejects(path: str, rejects: list[RowReject]) -> Path | None:
    """Rewrite (never append to) `<file>.rejects.jsonl`; none when nothing was rejected."""
    target = rejects_path_for(path)
    if not rejects:
        target.unlink(missing_ok=True)
        return None
    tmp = target.with_name(target.name + f".tmp{os.getpid()}")
    name = Path(path).name
    with private_open(tmp) as fh:
        for r in sorted(rejects, key=lambda r: r.row):
            fh.write(json.dumps(r.to_json(name), ensure_ascii=False) + "\n")
    tmp.replace(target)
    return target
