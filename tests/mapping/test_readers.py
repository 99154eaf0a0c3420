"""Extract files as they come from Windows exports: cp1252, byte order marks, bytes the
encoding does not define, ragged rows and headers that lack a column."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from engine.mapping import ExtractError
from engine.mapping.model import Format
from engine.mapping.readers import open_extract
from tests.mapping.kit import map_to_list, mapper, rejects_of

HEADER = "Entry Ref,Crime No,Force,Status Code,Status Date,Notes\r\n"
ROW = "E1,46/1/26,Kent Police,ABE - ABE Interview,02/03/2026 09:15,{note}\r\n"


def write(tmp_path: Path, data: bytes, name: str = "x.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def rows(path: Path, encoding: str) -> list[tuple[int, dict[str, str] | None, str | None]]:
    extract = open_extract(path, Format(type="csv", encoding=encoding))
    return [(r.number, r.cells, r.problem) for r in extract.rows]


def test_cp1252_text_is_decoded_as_cp1252(tmp_path: Path) -> None:
    path = write(tmp_path, (HEADER + ROW.format(note="caf\u00e9 \u2019quoted\u2019"))
                 .encode("cp1252"))
    [(number, cells, problem)] = rows(path, "cp1252")
    assert (number, problem) == (2, None)
    assert cells is not None and cells["Notes"] == "caf\u00e9 \u2019quoted\u2019"


def test_a_utf8_byte_order_mark_is_dropped(tmp_path: Path) -> None:
    path = write(tmp_path, b"\xef\xbb\xbf" + (HEADER + ROW.format(note="")).encode())
    for encoding in ("utf-8", "utf-8-sig", "UTF_8"):
        extract = open_extract(path, Format(type="csv", encoding=encoding))
        assert extract.header[0] == "Entry Ref"
        assert [r.cells["Entry Ref"] for r in extract.rows if r.cells] == ["E1"]


def test_a_byte_order_mark_with_cp1252_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, b"\xef\xbb\xbf" + HEADER.encode())
    with pytest.raises(ExtractError) as exc:
        open_extract(path, Format(type="csv", encoding="cp1252"))
    assert str(exc.value) == (f"{path}: starts with a UTF-8 byte order mark, but the mapping "
                              "says the encoding is cp1252; set encoding: utf-8")


def test_a_byte_the_encoding_lacks_rejects_only_its_row(tmp_path: Path) -> None:
    data = (HEADER + ROW.format(note="a") + ROW.format(note="\udc81") + ROW.format(note="b"))
    path = write(tmp_path, data.encode("utf-8", errors="surrogateescape"))
    assert [(n, p) for n, _, p in rows(path, "utf-8")] == [
        (2, None), (3, 'column "Notes": the cell is not valid utf-8'), (4, None)]
    path = write(tmp_path, data.encode("utf-8", errors="surrogateescape"), "c.csv")
    # 0x81 is undefined in cp1252 too
    assert [p for _, _, p in rows(path, "cp1252")] == [
        None, 'column "Notes": the cell is not valid cp1252', None]


def test_ragged_and_blank_rows_and_quoted_newlines_keep_their_line_numbers(
        tmp_path: Path) -> None:
    data = (HEADER + 'E1,46/1/26,Kent Police,X,02/03/2026 09:15,"two\r\nlines"\r\n'
            + "\r\n" + "E2,46/1/26\r\n" + ROW.format(note="z"))
    path = write(tmp_path, data.encode())
    assert [(n, c is not None and not any(c.values()), p) for n, c, p in rows(path, "utf-8")] \
        == [(2, False, None), (4, True, None), (5, False, "has 2 cells, the header has 6"),
            (6, False, None)]


def test_a_header_without_a_mapped_column_rejects_every_row(tmp_path: Path) -> None:
    path = write(tmp_path, (HEADER + ROW.format(note="") * 2).encode("cp1252"))
    events, [report] = map_to_list(mapper("example-police-rms"), [path])
    assert events == [] and (report.rows, report.rejected) == (3, 3)
    found = rejects_of(path)
    assert found[0]["row"] == 1
    assert found[0]["reason"].startswith('the header has no column "Offence", '
                                         '"Victim Age Group", "Topic", ')
    assert [(r["row"], r["reason"]) for r in found[1:]] == [
        (2, "not read: the header lacks a column the mapping reads (see row 1)"),
        (3, "not read: the header lacks a column the mapping reads (see row 1)")]


def test_unreadable_files_are_extract_errors(tmp_path: Path) -> None:
    with pytest.raises(ExtractError) as exc:
        open_extract(tmp_path / "none.csv", Format(type="csv"))
    assert str(exc.value) == f"{tmp_path}/none.csv: no such file"
    empty = write(tmp_path, b"", "empty.csv")
    with pytest.raises(ExtractError) as exc:
        open_extract(empty, Format(type="csv"))
    assert str(exc.value) == f"{empty}: is empty; the first line must name the columns"
    fake = write(tmp_path, b"not a zip", "fake.xlsx")
    with pytest.raises(ExtractError) as exc:
        open_extract(fake, Format(type="xlsx"))
    assert str(exc.value) == f"{fake}: is not a readable XLSX workbook (BadZipFile)"


def test_a_workbook_with_an_entity_bomb_is_refused(tmp_path: Path) -> None:
    """A "billion laughs" sheet: defusedxml makes openpyxl refuse the entity
    declarations instead of expanding them (a few kilobytes to gigabytes)."""
    import zipfile

    from tests.mapping.kit import DATA

    with zipfile.ZipFile(DATA / "isva-referrals-sample.xlsx") as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    entities = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    body = parts[sheet].split(b"?>", 1)[-1]
    assert b"<t>" in body
    parts[sheet] = (b'<?xml version="1.0"?>' + f"<!DOCTYPE worksheet [{entities}]>".encode()
                    + body.replace(b"<t>", b"<t>&a9;", 1))
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    with pytest.raises(ExtractError) as exc:
        open_extract(bomb, Format(type="xlsx"))
    assert str(exc.value) == f"{bomb}: is not a readable XLSX workbook (ValueError)"


def test_progress_is_reported_every_thousand_rows_and_at_the_end(tmp_path: Path) -> None:
    from engine.mapping import map_files

    body = "".join(ROW.format(note=str(i)) for i in range(2500))
    path = write(tmp_path, (HEADER + body).encode("cp1252"))
    calls: list[tuple[str, int, int]] = []
    map_files(mapper("example-police-rms"), [str(path)], io.StringIO(),
              lambda p, done, total: calls.append((p, done, total)))
    assert calls == [(str(path), 1000, 2500), (str(path), 2000, 2500), (str(path), 2500, 2500)]
