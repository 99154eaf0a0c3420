"""Rows of an extract: CSV (delimiter, encoding, byte order mark) or XLSX.

Every row comes out with its number in the file (the CSV line it starts on, the sheet
row), so a reject points at a row the data team can find. Nothing here raises on bad
content: a cell that does not decode, a short row or a ragged sheet is a row with a
problem, and only a file that cannot be opened at all is an `ExtractError`.

Why openpyxl for XLSX: it is the maintained, pure-Python reader of the format (no
spreadsheet application, no native code), with a streaming read-only mode that keeps
memory flat on large sheets.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from engine.errors import InputError, bounded
from engine.mapping.model import Format

BOM = b"\xef\xbb\xbf"
MAX_CELL = 4096  # longer cells are refused, not read into events or messages
_SURROGATE = re.compile("[\udc80-\udcff]")  # a byte the encoding lacks (surrogateescape)
csv.field_size_limit(1 << 20)


class ExtractError(InputError):
    """The extract cannot be read at all (missing, not a workbook, no header)."""


@dataclass(frozen=True)
class Row:
    """One row: its number and its cells by column (stripped; "" when empty), or the
    reason it could not be read."""

    number: int
    cells: dict[str, str] | None
    problem: str | None = None

    @property
    def blank(self) -> bool:
        return self.cells is not None and not any(self.cells.values())


@dataclass
class Extract:
    """An opened extract: its header and its rows (read lazily) and a row count for
    progress (physical lines for CSV, so an upper bound)."""

    header: list[str]
    rows: Iterator[Row]
    total: int


def open_extract(path: Path, fmt: Format) -> Extract:
    """Open `path` as `fmt` says; ExtractError when it cannot be read at all."""
    if not path.is_file():
        raise ExtractError(f"{path}: no such file")
    if fmt.type == "xlsx":
        return _xlsx(path, fmt.sheet)
    return _csv(path, fmt.delimiter or ",", fmt.encoding or "utf-8")


def _csv(path: Path, delimiter: str, encoding: str) -> Extract:
    try:
        with path.open("rb") as raw:
            head = raw.read(3)
            total = sum(block.count(b"\n") for block in iter(lambda: raw.read(1 << 20), b""))
    except OSError as exc:
        raise ExtractError(f"{path}: cannot be read: {exc.strerror}") from None
    bom = head.startswith(BOM)
    utf8 = encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig")
    if bom and not utf8:
        raise ExtractError(f"{path}: starts with a UTF-8 byte order mark, but the mapping "
                           f"says the encoding is {encoding}; set encoding: utf-8")
    # surrogateescape: a byte the encoding does not define reaches its cell as a lone
    # surrogate, and that row (only) is rejected.
    text = path.open(encoding="utf-8-sig" if utf8 else encoding, errors="surrogateescape",
                     newline="")
    reader = csv.reader(text, delimiter=delimiter, strict=False)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        text.close()
        raise ExtractError(f"{path}: is empty; the first line must name the columns") from None
    except csv.Error as exc:
        text.close()
        raise ExtractError(f"{path}: line 1 is not a CSV header: {exc}") from None
    return Extract(header, _csv_rows(text, reader, header, encoding), max(total - 1, 0))


def _csv_rows(fh: Any, reader: Any, header: list[str], encoding: str) -> Iterator[Row]:
    start = reader.line_num + 1
    try:
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield Row(start, None, f"is not valid CSV ({str(exc)[:100]})")
                start = reader.line_num + 1
                continue
            yield _row(start, cells, header, encoding)
            start = reader.line_num + 1
    finally:
        fh.close()


def _row(number: int, cells: list[str], header: list[str], encoding: str) -> Row:
    text = "".join(cells)  # one scan of the row's text for the common case
    if not text.strip():
        return Row(number, dict.fromkeys(header, ""))
    if len(cells) != len(header):
        return Row(number, None, f"has {len(cells)} cells, the header has {len(header)}")
    if len(text) > MAX_CELL or _SURROGATE.search(text):
        for i, c in enumerate(cells):
            if len(c) > MAX_CELL:
                return Row(number, None, f'column "{header[i]}": the cell is longer than '
                           f"{MAX_CELL} characters")
            if _SURROGATE.search(c):
                return Row(number, None, f'column "{header[i]}": the cell is not valid '
                           f"{encoding}")
    return Row(number, {h: c.strip() for h, c in zip(header, cells, strict=True)})


# --- XLSX ------------------------------------------------------------------------------

def _xlsx(path: Path, sheet: str | None) -> Extract:
    """Open a workbook. openpyxl parses through defusedxml (a dependency for this reason),
    so entity expansion ("billion laughs") and external entities are refused; anything the
    parser raises on a hostile or broken file is this file's ExtractError, not a crash."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a third-party parser on untrusted bytes: any failure
        raise ExtractError(f"{path}: is not a readable XLSX workbook ({type(exc).__name__})"
                           ) from None
    if sheet is not None and sheet not in book.sheetnames:
        names = bounded(", ".join(book.sheetnames), 200)
        book.close()
        raise ExtractError(f'{path}: has no sheet "{sheet}" (its sheets: {names})')
    ws = book[sheet] if sheet is not None else book.worksheets[0]
    rows = ws.iter_rows()
    try:
        first = next(rows, None)
    except Exception as exc:
        book.close()
        raise ExtractError(f"{path}: the sheet cannot be read ({type(exc).__name__})") from None
    if first is None:
        book.close()
        raise ExtractError(f"{path}: the sheet is empty; the first row must name the columns")
    header = [cell_text(c.value) for c in first]
    while header and not header[-1]:
        header.pop()
    return Extract(header, _xlsx_rows(path, book, rows, header), (ws.max_row or 1) - 1)


def _xlsx_rows(path: Path, book: Any, rows: Iterator[tuple[Any, ...]], header: list[str]
               ) -> Iterator[Row]:
    number = 1
    try:
        while True:
            try:
                row = next(rows, None)
            except Exception as exc:
                raise ExtractError(f"{path}: the sheet cannot be read after row {number} "
                                   f"({type(exc).__name__})") from None
            if row is None:
                return
            number += 1
            cells = [cell_text(c.value, getattr(c, "number_format", None)) for c in row]
            extra = [c for c in cells[len(header):] if c]
            if extra:
                yield Row(number, None, f"has a value beyond the {len(header)} named columns")
                continue
            cells = (cells + [""] * len(header))[:len(header)]
            yield _row(number, cells, header, "text")
    finally:
        book.close()


def cell_text(value: Any, number_format: str | None = None) -> str:
    """A sheet cell as text: date-times as YYYY-MM-DD HH:MM:SS, dates as YYYY-MM-DD (the
    mapping's formats read these), whole numbers without a decimal point.

    A sheet stores a date as a date-time at midnight; a cell whose number format shows
    no hours is a date, so the mapping's date-only rule applies to it, not 00:00."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if number_format is not None and "h" not in number_format.lower() and \
                value.time() == time(0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
