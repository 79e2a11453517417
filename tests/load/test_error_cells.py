"""Tests for aniva_import._error_cells: the error cells calamine reads as empty."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from aniva_import.errors import InputError
from aniva_import.load import open_table
from aniva_import.load._error_cells import (
    MAX_ERROR_CELLS,
    ErrorCells,
    UnreadableSheet,
    read_error_cells,
    sheet_part,
)
from aniva_import.types import Cell

DATA = Path(__file__).parents[1] / "data"
MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def cells_of(errors: ErrorCells) -> dict[tuple[int, int], str]:
    return {(row, column): text for row, cells in errors.by_row() for column, text in cells}


def book_with_sheet(path: Path, sheet_xml: str) -> Path:
    """An openpyxl workbook whose only sheet's XML is replaced by ``sheet_xml``."""
    book = openpyxl.Workbook()
    book.save(path)
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["xl/worksheets/sheet1.xml"] = sheet_xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def test_a_libreoffice_file_with_failed_formulas(tmp_path: Path) -> None:
    """A file LibreOffice 7 really saved (``soffice --headless --convert-to xlsx`` of the
    .Patienten.csv beside it): each failed formula is found, its formula before the
    cached value."""
    path = DATA / "libreoffice-formula-errors.xlsx"
    assert sheet_part(path, "Patienten") == "xl/worksheets/sheet1.xml"
    found = read_error_cells(path, "xl/worksheets/sheet1.xml")
    assert cells_of(found) == {(3, 0): "#N/A", (4, 3): "#VALUE!", (5, 4): "#DIV/0!"}
    table = open_table(path)
    rows = [row for chunk in table.chunks() for row in chunk.rows]
    assert [rows[1][0], rows[2][3], rows[3][4]] == ["#N/A", "#VALUE!", "#DIV/0!"]
    assert rows[0][:2] == ["Anna", "Lee"]


def test_every_way_of_writing_an_error_cell(tmp_path: Path) -> None:
    sheet = (
        '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<x:sheetData>"
        '<x:row r="2"><x:c r="A2" t="e"><x:f>NA()</x:f><x:v>#N/A</x:v></x:c>'
        "<x:c t = 'e' r='C2'><x:v>#REF!</x:v></x:c>"
        "<x:c><x:v>1</x:v></x:c>"  # no reference: D2, after C2
        '<x:c t="e"><x:f t="shared" si="0"/><x:v>#NAME?</x:v></x:c></x:row>'  # E2
        "<x:row><x:c t=\"e\"><x:v>#DIV/0!</x:v></x:c></x:row>"  # row 3, column A
        '<x:row r="4"><x:c r="B4" t="inlineStr"><x:is><x:t>t="e"</x:t></x:is></x:c>'
        '<x:c r="C4" t="e"/></x:row>'  # text spelling t="e", an error cell without a value
        "</x:sheetData></x:worksheet>"
    )
    path = book_with_sheet(tmp_path / "x.xlsx", sheet)
    found = read_error_cells(path, "xl/worksheets/sheet1.xml")
    assert cells_of(found) == {
        (2, 0): "#N/A", (2, 2): "#REF!", (2, 4): "#NAME?", (3, 0): "#DIV/0!"
    }


def test_a_sheet_with_a_dtd_is_refused(tmp_path: Path) -> None:
    sheet = (
        '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>'
        f'<worksheet {MAIN}><sheetData><row r="1"><c r="A1" t="e"><v>&a;</v></c></row>'
        "</sheetData></worksheet>"
    )
    path = book_with_sheet(tmp_path / "d.xlsx", sheet)
    with pytest.raises(UnreadableSheet):
        read_error_cells(path, "xl/worksheets/sheet1.xml")
    with pytest.raises(InputError, match="not a valid Excel file"):  # what the user sees
        open_table(path)


def test_many_t_e_attributes_take_linear_time(tmp_path: Path) -> None:
    """A sheet full of ` t="e"` outside any cell (a hostile file): read in one pass."""
    junk = ' t="e"' * 350_000
    sheet = f"<worksheet {MAIN}><!-- {junk} --><sheetData/></worksheet>"
    path = book_with_sheet(tmp_path / "h.xlsx", sheet)
    started = time.perf_counter()
    with pytest.raises(InputError, match="no header row found"):  # the sheet is empty
        open_table(path)
    assert time.perf_counter() - started < 30  # bounded: minutes with a naive scan


def test_too_many_error_cells_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aniva_import.load import _error_cells

    monkeypatch.setattr(_error_cells, "MAX_ERROR_CELLS", 3)
    rows = "".join(f'<row r="{r}"><c r="A{r}" t="e"><v>#N/A</v></c></row>' for r in range(1, 6))
    path = book_with_sheet(tmp_path / "m.xlsx", f"<worksheet {MAIN}><sheetData>{rows}"
                                                  "</sheetData></worksheet>")
    with pytest.raises(InputError, match="more than 3 cells show a spreadsheet error"):
        read_error_cells(path, "xl/worksheets/sheet1.xml")
    assert MAX_ERROR_CELLS >= 1_000_000


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
    assert sheet_part(path, "Patients") == "xl/worksheets/sheet2.xml"
    assert sheet_part(path, "Missing") is None
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


def test_unreadable_relationships_only_mean_no_error_cells(tmp_path: Path) -> None:
    """The workbook's relationships in an unknown encoding: the error cells are not
    looked for, and the file still reads (as it did before they were)."""
    path = error_book(tmp_path / "r.xlsx")
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    rels = parts["xl/_rels/workbook.xml.rels"]
    parts["xl/_rels/workbook.xml.rels"] = rels.replace(
        b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>", b""
    ).replace(b"<Relationships", b'<?xml version="1.0" encoding="x-bogus"?><Relationships', 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    assert sheet_part(path, "Patients") is None


@pytest.mark.parametrize(
    ("blocks", "seen"),
    [
        ([b'<worksheet a="1"><c r="A1" t="s"><v>0</v></c>'], False),
        ([b'<worksheet a="1"><c r="A1" t="e"><v>#N/A</v></c>'], True),
        ([b'<worksheet a="1"><c r="A1" t="', b'e"><v>#N/A</v></c>'], True),  # cut
        ([b"<worksheet a='1'><c r='A1' t='e'><v>#N/A</v></c>"], True),  # single quotes
        ([b"<worksheet a='1'><c r='A1' t='n'><v>1</v></c>"], False),
    ],
)
def test_the_cheap_hint_sees_error_cells_as_programs_write_them(
    blocks: list[bytes], seen: bool
) -> None:
    from aniva_import.load._error_cells import ErrorHint

    hint = ErrorHint()
    for block in blocks:
        hint.feed(block)
    assert hint.seen is seen


# ----------------------------------------------------------- formulas without a value


def uncalculated_of(path: Path) -> tuple[list[list[Cell]], list[tuple[int, int]]]:
    table = open_table(path)
    rows: list[list[Cell]] = []
    places: list[tuple[int, int]] = []
    for chunk in table.chunks():
        rows.extend(chunk.rows)
        places.extend(chunk.uncalculated)
    return rows, places


def test_formulas_openpyxl_never_calculated_are_found_not_read_as_empty(tmp_path: Path) -> None:
    """openpyxl writes ``<c><f>LOWER(…)</f><v /></c>``: calamine read it as empty and the
    row was ``valid`` without its e-mail.  A row of nothing but such formulas is kept."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["First name", "Last name", "Date of birth", "Email", "Sex"])
    sheet.append(["Anna", "Form", "1980-01-01", '=LOWER("ANNA@EXAMPLE.COM")', "f"])
    sheet.append(["Carl", "Form3", "=DATE(1982,1,1)", "carl@example.com", "m"])
    sheet.append([None, "=B2", None, None, None])
    sheet.append(["Dora", "Plain", "1983-01-01", "dora@example.com", "f"])
    path = tmp_path / "noc.xlsx"
    book.save(path)
    rows, places = uncalculated_of(path)
    assert places == [(2, 3), (3, 2), (4, 1)]
    assert rows[0][3] == "" and rows[1][2] == ""  # noqa: PT018 - still read as empty
    assert len(rows) == 4


def test_formulas_with_a_saved_value_keep_it(tmp_path: Path) -> None:
    """Excel and LibreOffice save each formula's value: it is used, as before; a text
    formula whose value is ``""`` is an empty cell.  Prefixes, shared formulas and a
    formula without a value beside a value-less error cell are all read alike."""
    sheet = (
        '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<x:sheetData>"
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>Vorname</x:t></x:is></x:c>'
        '<x:c r="B1" t="inlineStr"><x:is><x:t>Nachname</x:t></x:is></x:c>'
        '<x:c r="C1" t="inlineStr"><x:is><x:t>E-Mail</x:t></x:is></x:c></x:row>'
        '<x:row r="2"><x:c r="A2" t="str"><x:f>"Anna"</x:f><x:v>Anna</x:v></x:c>'
        '<x:c r="B2" t="str"><x:f>IF(1,"","")</x:f><x:v></x:v></x:c>'
        '<x:c r="C2" t="str"><x:f t="shared" ref="C2:C3" si="0">"a@b.de"</x:f>'
        "<x:v>a@b.de</x:v></x:c></x:row>"
        '<x:row r="3"><x:c r="A3" t="inlineStr"><x:is><x:t>Bo</x:t></x:is></x:c>'
        '<x:c r="B3"><x:f>1+1</x:f></x:c>'
        '<x:c r="C3"><x:f t="shared" si="0"/></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    )
    path = book_with_sheet(tmp_path / "x.xlsx", sheet)
    rows, places = uncalculated_of(path)
    assert rows[0] == ["Anna", "", "a@b.de"]
    assert places == [(3, 1), (3, 2)]


@pytest.mark.parametrize(
    ("blocks", "seen"),
    [
        ([b"<worksheet a='1'><c r='A1'><f>1+1</f></c>"], True),
        ([b'<worksheet a="1"><c r="A1"><f>1+1</f><v /></c>'], True),  # openpyxl
        ([b'<worksheet a="1"><c r="A1"><f>1+1</f><v></v></c>'], True),
        ([b'<worksheet a="1"><c r="A1"><f t="shared" ref="A1:A2" si="0">1</f><v>1</v></c>',
          b'<c r="A2"><f t="shared" si="0"/></c>'], True),  # the group's first, then one
        ([b'<x:worksheet a="1"><x:c r="A1"><x:f>1+1</x:f></x:c>'], True),  # a prefix
        ([b'<worksheet a="1"><c r="A1"><f>1+1</f></', b"c>"], True),  # cut
        ([b'<worksheet a="1"><c r="A1"><f>1+1</f><v>2</v></c>'], False),  # calculated
        ([b'<worksheet a="1"><c r="A1" s="1"/></row>'], False),
    ],
)
def test_the_cheap_hint_sees_formulas_without_a_value(blocks: list[bytes], seen: bool) -> None:
    from aniva_import.load._error_cells import ErrorHint

    hint = ErrorHint()
    for block in blocks:
        hint.feed(block)
    assert hint.seen is seen
