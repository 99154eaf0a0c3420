"""Rejected extract rows into the store, for `liaison ingest --mapping`.

Ingest keeps every rejected line in the store's `rejects` table as well as beside the
input, so a data team reads one list. A mapping's rejected rows belong there too: they
are committed as batches of the extract (keyed by the extract's content hash, row
numbers as lines), so a re-run of the same extract finds them stored and adds nothing.
They keep what the rejects file keeps: the row, the vocabulary field, and a reason that
names the mapping's column; never a cell's value.
"""

from __future__ import annotations

import hashlib
import json
from itertools import islice
from pathlib import Path

from engine.errors import EventProblem
from engine.event_lines import ReadLine
from engine.store import checked_engine, commit_batch

BATCH_ROWS = 5000


def store_row_rejects(db_url: str | None, extract: str, rejects_file: str | None,
                      actor: str) -> int:
    """Commit the rejects listed in `rejects_file` (written by `map_files`) as the
    extract's; returns how many."""
    if rejects_file is None:
        return 0
    digest = hashlib.sha256()
    with open(extract, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    file_key = digest.hexdigest()
    lines = []
    for text in Path(rejects_file).read_text(encoding="utf-8").splitlines():
        r = json.loads(text)
        reason = f'column "{r["column"]}": {r["reason"]}' if r["column"] else r["reason"]
        lines.append(ReadLine(r["row"], None, None,
                              EventProblem(r["row"], reason, None, r["field"], extract)))
    eng = checked_engine(db_url)
    it = iter(lines)
    while chunk := list(islice(it, BATCH_ROWS)):
        bid = f"{file_key}:rows:{chunk[0].line}-{chunk[-1].line}"
        commit_batch(eng, bid, file_key, extract, chunk, actor)
    return len(lines)
