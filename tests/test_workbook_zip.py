"""Tests for aniva_import._workbook_zip: the error cells calamine reads as empty."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from aniva_import._workbook_zip import ErrorCells, _ErrorScanner, sheet_part
from aniva_import.load import open_table

SHEET = (
    b'<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>t="e"</t></is></c>'
    b'<c r="B1" t="s"><v>0</v></c></row>'
    b'<row r="2"><c r="A2" s="1" t="e"><v>#N/A</v></c><c t="e" r="AB2">\n<v>#DIV/0!</v></c>'
    b'<c r="C2" t="e"/></row></sheetData>'
    b'<conditionalFormatting><cfRule type="expression" at="e"/></conditionalFormatting>'
    b"</worksheet>"
)


def cells_of(errors: ErrorCells) -> dict[tuple[int, int], str]:
    return {(row, column): text for row, cells in errors.by_row() for column, text in cells}


def test_scanner_finds_error_cells_and_nothing_else() -> None:
    scanner = _ErrorScanner()
    scanner.feed(SHEET)
    # text that spells t="e", a cell without a cached value and other tags are no cells
    assert cells_of(scanner.found) == {(2, 0): "#N/A", (2, 27): "#DIV/0!"}


@pytest.mark.parametrize("cut", range(1, len(SHEET)))
def test_scanner_finds_cells_cut_by_a_block_boundary(cut: int) -> None:
    scanner = _ErrorScanner()
    scanner.feed(SHEET[:cut])
    scanner.feed(SHEET[cut:])
    assert cells_of(scanner.found) == {(2, 0): "#N/A", (2, 27): "#DIV/0!"}


def error_book(path: Path) -> Path:
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = "Notes"
    first["A1"] = "nothing here"
    sheet = book.create_sheet("Patients")
    sheet["B3"], sheet["C3"], sheet["D3"] = "First name", "Last name", "Phone"
    sheet.append([None, "Ana", "Lee", "030 1234567"])
    sheet.append([None, "Bo", "Kim", None])
    sheet["D5"].value, sheet["D5"].data_type = "#N/A", "e"
    sheet["B7"].value, sheet["B7"].data_type = "#REF!", "e"  # a row with only an error
    book.save(path)
    return path


def test_error_cells_come_back_as_their_text_on_the_chosen_sheet(tmp_path: Path) -> None:
    path = error_book(tmp_path / "e.xlsx")
    with zipfile.ZipFile(path) as archive:
        assert sheet_part(archive, "Patients") == "xl/worksheets/sheet2.xml"
        assert sheet_part(archive, "Missing") is None
    table = open_table(path, sheet="Patients")
    assert table.headers == ("First name", "Last name", "Phone")
    rows = [(n, r) for chunk in table.chunks() for n, r in zip(chunk.numbers, chunk.rows,
                                                               strict=True)]
    assert rows == [
        (4, ["Ana", "Lee", "030 1234567"]),
        (5, ["Bo", "Kim", "#N/A"]),
        (7, ["#REF!", "", ""]),  # not a blank row: it is listed, and reported
    ]
    assert [cells for _, cells in rows] == [
        row for chunk in open_table(path, sheet="Patients").chunks(rows=1) for row in chunk.rows
    ]


def test_error_cells_are_compact_ordered_and_always_an_error() -> None:
    errors = ErrorCells()
    errors.add(7, 2, "#REF!")
    errors.add(3, 1, "#N/A")
    errors.add(3, 0, "#TOTALLY-NEW!")  # unknown to us: still given back as an error
    errors.add(9, 0, "<script>")
    assert list(errors.by_row()) == [
        (3, [(0, ErrorCells.FALLBACK), (1, "#N/A")]),
        (7, [(2, "#REF!")]),
        (9, [(0, ErrorCells.FALLBACK)]),
    ]


def test_many_error_cells_stay_small() -> None:
    import tracemalloc

    tracemalloc.start()
    errors = ErrorCells()
    for row in range(2, 200_002):
        errors.add(row, 3, "#N/A")
    size, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert size < 4 << 20  # about 9 bytes a cell, not a dict entry (~150 bytes)
    assert sum(len(cells) for _, cells in errors.by_row()) == 200_000
