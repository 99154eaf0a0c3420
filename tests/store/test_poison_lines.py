"""One bad line never stops a file (issue 10 §2): each poison line is a reject with its
line number and everything after it is ingested; `check` calls the file bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from engine.cli.app import app
from engine.ingest import ingest_paths
from engine.input_lines import MAX_LINE_CHARS
from tests.store.store_data import cohort

DEEP = "[" * 100_000  # longer than a line may be
DEEPISH = "[" * 50_000  # within the cap, nested past Python's recursion limit
POISON: list[tuple[str | bytes, str, str | None]] = [  # line, reason, field
    (DEEP, f"not read: longer than {MAX_LINE_CHARS:,} characters", None),
    (DEEPISH, "not read: JSON nested too deeply", None),
    ('{"event_id": "e1", "n": ' + "9" * 5000 + "}",
     "not read: a number has more than 4,300 digits", None),
    ('{"event_id": "e1", "\\ud800x": 1}',
     "not read: a \\u escape that is not a Unicode character (a lone surrogate)", None),
    (b'{"event_id": "caf\xe9"}', "not read: a byte that is not UTF-8 at column 18", None),
    (json.dumps(dict(cohort(1)[0], event_id="P-1", at="9999-12-31T23:59:59-14:00")),
     "must be an instant in the years 1990 to 2099 (UTC)", "at"),
    (json.dumps(dict(cohort(1)[0], event_id="P-2", at="0001-01-01T00:00:00+14:00")),
     "must be an instant in the years 1990 to 2099 (UTC)", "at"),
    (json.dumps(dict(cohort(1)[0], event_id="P-3", at="1900-06-01T00:00:00+00:00")),
     "must be an instant in the years 1990 to 2099 (UTC)", "at"),
    (json.dumps(dict(cohort(1)[0], event_id="P-4", case_id="T-000000\n")),
     "must be an agency reference: 1 to 64 ASCII letters, digits and . _ - starting with a "
     "letter or digit", "case_id"),
    (json.dumps(dict(cohort(1)[0], event_id="P-5", case_id="KE-1/../../etc/passwd")),
     "must be an agency reference: 1 to 64 ASCII letters, digits and . _ - starting with a "
     "letter or digit", "case_id"),
    (json.dumps(dict(cohort(1)[0], event_id="P-6\n")),
     "must be an event id: 1 to 128 ASCII letters, digits and . _ : - starting with a letter "
     "or digit", "event_id"),
    (json.dumps(dict(cohort(1)[0], event_id="P-7", case_id="KE-٣")),
     "must be an agency reference: 1 to 64 ASCII letters, digits and . _ - starting with a "
     "letter or digit", "case_id"),
    ("x" * (MAX_LINE_CHARS + 1), f"not read: longer than {MAX_LINE_CHARS:,} characters", None),
]


def _poisoned(tmp_path: Path) -> tuple[Path, list[int], int]:
    """Good events with a poison line every 300 lines; the poison lines' numbers."""
    good = [json.dumps(o) for o in cohort(800)]
    lines: list[bytes] = []
    where: list[int] = []
    for i, text in enumerate(good):
        if i % 300 == 150 and len(where) < len(POISON):
            bad = POISON[len(where)][0]
            lines.append(bad if isinstance(bad, bytes) else bad.encode("utf-8"))
            where.append(len(lines))
        lines.append(text.encode())
    for bad, _, _ in POISON[len(where):]:
        lines.append(bad if isinstance(bad, bytes) else bad.encode("utf-8"))
        where.append(len(lines))
    lines.append(json.dumps(cohort(1, start=900)[0]).encode())  # after them all, no newline
    path = tmp_path / "poison.jsonl"
    path.write_bytes(b"\n".join(lines))
    return path, where, len(good) + 1


def test_every_poison_line_is_a_reject_and_the_rest_is_ingested(db: str, config_dir: Path,
                                                                tmp_path: Path) -> None:
    path, where, good = _poisoned(tmp_path)
    (f,) = ingest_paths(db, [str(path)], config_dir=config_dir, batch_lines=1000).files
    assert (f.lines, f.accepted, f.duplicate, f.rejected) == (
        good + len(POISON), good, 0, len(POISON))
    rows = [json.loads(x) for x in Path(f.rejects_path or "").read_text().splitlines()]
    assert [(r["line"], r["reason"], r["field"]) for r in rows] == [
        (line, reason, field) for line, (_, reason, field) in zip(where, POISON, strict=True)]
    again = ingest_paths(db, [str(path)], config_dir=config_dir, batch_lines=1000).files[0]
    assert (again.accepted, again.duplicate, again.rejected) == (0, good, len(POISON))


def test_check_calls_a_poisoned_file_bad_input_by_line(tmp_path: Path) -> None:
    path, where, _ = _poisoned(tmp_path)
    result = CliRunner().invoke(app, ["check", "--events", str(path), "--as-of",
                                      "2026-04-01T00:00:00+00:00"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.exception is None or isinstance(result.exception, SystemExit)
    shown = [m.group(1) for m in re.finditer(rf"^{re.escape(str(path))}:(\d+)[,:]",
                                               result.stderr, re.M)]
    assert shown == [str(n) for n in where]
