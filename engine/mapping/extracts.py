"""Write events as the extracts a set of mappings reads: the inverse of mapping.

`liaison simulate --as-extracts DIR` uses this to write the synthetic cohort as a police
record-management CSV, a CPS case-management CSV and an ISVA referrals workbook. The
rows are derived from the mapping files themselves (their columns, codes, formats and
encodings), so the examples cannot drift from the mappings that read them back: mapping
the written extracts gives the simulator's events again, with pseudonymous ids.

Each event goes to the first mapping whose source and event rules can express it; its
row key columns hold the event's id in the source system (the simulator's event id).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from engine.config.national import National
from engine.errors import LiaisonError
from engine.events import Event
from engine.files import create_private, private_open
from engine.mapping.loader import REGISTER
from engine.mapping.model import EventRule, Mapping, ValueFrom
from engine.mapping.timestamps import TimestampReader

EXAMPLES = ("example-isva-referrals", "example-police-rms", "example-cps-cms")
SUFFIX = {"csv": ".csv", "xlsx": ".xlsx"}


class UnmappableEvent(LiaisonError):
    """No mapping of the set can write this event."""


class _CsvSink:
    """Rows written as they come, in the mapping's delimiter and encoding."""

    def __init__(self, path: Path, m: Mapping, columns: list[str]) -> None:
        encoding = m.format.encoding or "utf-8"
        # A UTF-8 extract is written with a byte order mark, as spreadsheet exports are.
        utf8 = encoding.lower().replace("_", "-") in ("utf-8", "utf8")
        self.fh = private_open(path, encoding="utf-8-sig" if utf8 else encoding, newline="")
        self.writer = csv.writer(self.fh, delimiter=m.format.delimiter or ",",
                                 lineterminator="\r\n")
        self.writer.writerow(columns)

    def write(self, cells: list[str]) -> None:
        self.writer.writerow(cells)

    def close(self) -> None:
        self.fh.close()


class _XlsxSink:
    """A write-only workbook (openpyxl streams its rows to a temporary file). Timestamps
    the first format reads are real sheet date-times (local time); others stay text,
    offset included."""

    def __init__(self, path: Path, m: Mapping, columns: list[str]) -> None:
        from openpyxl import Workbook

        self.path, self.book = path, Workbook(write_only=True)
        self.ws = self.book.create_sheet(m.format.sheet or "Sheet1")
        self.ws.append(columns)
        self.first = m.timestamps.formats[0]
        at_columns = {r.at.column for r in m.events}
        self.at = [c in at_columns for c in columns]

    def write(self, cells: list[str]) -> None:
        self.ws.append([_xlsx_cell(c, self.first) if at else c
                        for c, at in zip(cells, self.at, strict=True)])

    def close(self) -> None:
        create_private(self.path)  # owner-only, like every file of case-shaped data
        self.book.save(self.path)


@dataclass
class _Sheet:
    name: str
    mapping: Mapping
    columns: list[str]
    clock: TimestampReader
    path: Path
    sink: _CsvSink | _XlsxSink | None = None


class ExtractWriter:
    """Writes each event as a row of the first mapping that can express it, straight to
    that mapping's file (a national cohort is millions of rows)."""

    def __init__(self, mappings: Sequence[tuple[str, Mapping]], national: National,
                 out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        self.sheets = [_Sheet(name, m, m.columns(), TimestampReader.of(m.timestamps),
                              out / (name + SUFFIX[m.format.type])) for name, m in mappings]
        self.area_names = {aid: info.name for aid, info in national.register.items()}

    def __enter__(self) -> ExtractWriter:
        for sheet in self.sheets:
            sink = _XlsxSink if sheet.mapping.format.type == "xlsx" else _CsvSink
            sheet.sink = sink(sheet.path, sheet.mapping, sheet.columns)
        return self

    def __exit__(self, *exc: object) -> None:
        for sheet in self.sheets:
            if sheet.sink is not None:
                sheet.sink.close()

    @property
    def paths(self) -> list[Path]:
        return [s.path for s in self.sheets]

    def add(self, event: Event) -> None:
        for sheet in self.sheets:
            row = self._row(sheet, event)
            if row is not None:
                assert sheet.sink is not None, "use the writer as a context manager"
                sheet.sink.write([row[c] for c in sheet.columns])
                return
        raise UnmappableEvent(f"no mapping writes {event.type} from {event.source}")

    def _row(self, sheet: _Sheet, e: Event) -> dict[str, str] | None:
        m = sheet.mapping
        source = _code(m, m.source, e.source)
        if source is None:
            return None
        for rule in m.events:
            kind = _code(m, rule.type, e.type)
            if kind is None:
                continue
            cells = dict.fromkeys(sheet.columns, "")
            self._put(cells, m.source, source)
            self._put(cells, rule.type, kind)
            self._put(cells, m.area, self._area_code(m.area, e.area))
            cells[m.case_id.column] = e.case_id or ""
            if rule.when is not None:
                cells[rule.when.column] = rule.when.in_[0] if rule.when.in_ else "yes"
            assert rule.at.column is not None
            cells[rule.at.column] = sheet.clock.format(e.at)
            if not self._data(m, rule, e, cells):
                continue
            for col in m.row_key:
                cells[col] = cells[col] or e.event_id
            return cells
        return None

    def _area_code(self, src: ValueFrom, area: str) -> str:
        return self.area_names[area] if src.map == REGISTER else area

    @staticmethod
    def _put(cells: dict[str, str], src: ValueFrom, code: str) -> None:
        if src.column is not None:
            cells[src.column] = code

    def _data(self, m: Mapping, rule: EventRule, e: Event, cells: dict[str, str]) -> bool:
        for fname, value in e.data.items():
            src = rule.data.get(fname)
            if src is None or src.column is None:
                if src is None or src.value != value:
                    return False
                continue
            if isinstance(value, list):
                codes = [self._cell(m, src, v) for v in value]
                if any(c is None for c in codes):
                    return False
                cells[src.column] = (src.separator or ";").join(str(c) for c in codes)
                continue
            code = self._cell(m, src, value)
            if code is None:
                return False
            cells[src.column] = code
        return True

    def _cell(self, m: Mapping, src: ValueFrom, value: Any) -> str | None:
        if src.map == REGISTER:
            return self.area_names.get(str(value))
        if src.map is not None:
            return _inverse(m.value_maps[src.map], value)
        if src.format is not None and isinstance(value, str):
            return datetime.strptime(value, "%Y-%m-%d").strftime(src.format)
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)


def _inverse(table: dict[str, Any], value: Any) -> str | None:
    for code, target in table.items():
        if target == value and type(target) is type(value):
            return code
    return None


def _code(m: Mapping, src: ValueFrom, value: str) -> str | None:
    """The cell that makes `src` give `value` ("" for a fixed value), None if none can."""
    if src.value is not None:
        return "" if src.value == value else None
    if src.map is None:
        return value
    return _inverse(m.value_maps.get(src.map, {}), value)


def _xlsx_cell(text: str, fmt: str) -> Any:
    try:
        return datetime.strptime(text, fmt)
    except ValueError:
        return text


def write_examples(events: Iterable[Event], national: National, config_dir: Path,
                   out: Path) -> list[Path]:
    """The three example mappings' extracts of `events` in `out`."""
    from engine.mapping.loader import load_or_raise, resolve

    mappings = [(n, load_or_raise(resolve(n, config_dir), national)) for n in EXAMPLES]
    with ExtractWriter(mappings, national, out) as writer:
        for e in events:
            writer.add(e)
    return writer.paths
