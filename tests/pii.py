"""A corpus of personal details, and bad event lines that carry them in every place a
line can (each field, inside data, as key names, as broken JSON and CSV). Shared by the
tests that prove a value from a rejected line never leaves the system: the store's bytes,
rejects files, stdout, stderr and the structured log.

`leaks(blob)` names the corpus strings found in some bytes, in the plain UTF-8 form and in
JSON's \\u-escaped form (a writer with ensure_ascii=True would hide a name otherwise).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

# Invented, but shaped like the real thing: names, UK mobile and landline numbers,
# emails, postcodes, NHS-number-like digits, addresses, a date of birth.
CORPUS: tuple[str, ...] = (
    "Jane Doe",
    "Siân Llewellyn-Prydderch",
    "07700 900123",
    "07700900461",
    "+44 7700 900982",
    "0161 496 0753",
    "jane.doe@example.com",
    "m.okafor+isva@example.org",
    "SW1A 1AA",
    "CF10 3NQ",
    "943 476 5919",
    "4010232137",
    "12 Acacia Avenue",
    "DOB 14/02/1987",
)

_BASE: dict[str, Any] = {
    "event_id": "e-pii-1", "case_id": "KE-26-000777", "area": "kent", "type": "case.reported",
    "at": "2026-03-02T09:00:00+00:00", "source": "police",
    "data": {"offence": "rape", "complainant_age": "adult"},
}
_INFORMED: dict[str, Any] = dict(_BASE, type="complainant.informed",
                                 data={"topic": "arrest", "language": "en"})


def passes_id_rule(text: str) -> bool:
    """A string that passes the id rule is an id: the store keeps ids by design, so the
    corpus puts only strings that fail the rule where an id goes."""
    from engine.events import is_case_id, is_event_id

    return is_event_id(text) or is_case_id(text)


def bad_objects(pii: str) -> Iterator[dict[str, Any]]:
    """Events, each invalid, with `pii` in one place."""
    for key in ("event_id", "case_id", "area", "type", "at", "source"):
        if key in ("event_id", "case_id") and passes_id_rule(pii):
            continue
        yield dict(_BASE, **{key: pii})
    yield dict(_BASE, data=pii)
    yield dict(_BASE, data={"offence": pii, "complainant_age": "adult"})
    yield dict(_INFORMED, data={"topic": "arrest", "language": pii})
    yield dict(_BASE, data={"offence": "rape", "complainant_age": "adult", "notes": pii})
    yield dict(_BASE, data={"offence": "rape", "complainant_age": "adult", pii: 1})
    yield dict(_BASE, **{pii: 1})
    yield dict(_BASE, **{f"{pii} tel": pii})
    yield dict(_BASE, at=[pii], source={pii: pii})


def bad_jsonl_lines(corpus: Iterable[str] = CORPUS) -> list[str]:
    """Lines of a JSONL file: every bad object for every corpus string, in two JSON
    encodings, plus the string as a bare line and inside broken JSON."""
    lines: list[str] = []
    for pii in corpus:
        for obj in bad_objects(pii):
            lines.append(json.dumps(obj, ensure_ascii=False))
            lines.append(json.dumps(obj, ensure_ascii=True))
        lines.append(pii)
        lines.append('{"event_id": "e-pii-2", "at": "' + pii)
        lines.append('{"event_id": "e-pii-3", "' + pii + '" 1}')
    return lines


def bad_csv_text(corpus: Iterable[str] = CORPUS) -> str:
    """A CSV file whose every record is bad and carries a corpus string."""
    rows = ["event_id,case_id,area,type,at,source,data.offence,data.complainant_age"]
    for pii in corpus:
        cell = '"' + pii.replace('"', '""') + '"'
        rows += [f"e-c-1,KE-26-1,kent,case.reported,{cell},police,rape,adult",
                 f"e-c-2,KE-26-1,kent,case.reported,2026-03-02T09:00:00+00:00,police,{cell},adult",
                 f"e-c-3,KE-26-1,{cell},case.reported,2026-03-02T09:00:00+00:00,police,rape,adult",
                 f"{cell},{cell},kent"]
    return "\n".join(rows) + "\n"


def forms(pii: str) -> tuple[bytes, ...]:
    """The byte forms a string can take in a file: UTF-8, and JSON-escaped."""
    escaped = json.dumps(pii)[1:-1].encode("ascii")
    plain = pii.encode("utf-8")
    return (plain,) if escaped == plain else (plain, escaped)


def leaks(blob: bytes, corpus: Iterable[str] = CORPUS) -> list[str]:
    """The corpus strings that appear in `blob`, in any form."""
    return [pii for pii in corpus if any(f in blob for f in forms(pii))]


def leaks_in_files(paths: Iterable[Path], corpus: Iterable[str] = CORPUS) -> dict[str, list[str]]:
    """{file name: leaked strings} over files that exist (a SQLite database's -wal and
    -shm files included when present)."""
    found: dict[str, list[str]] = {}
    for path in paths:
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
            if p.is_file() and (hit := leaks(p.read_bytes(), corpus)):
                found[p.name] = hit
    return found
