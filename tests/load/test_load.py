"""Tests for aniva_import.load: CSV encodings/delimiters, numbering, workbooks."""

from __future__ import annotations

import codecs
import datetime
import re
import time
import tracemalloc
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import openpyxl
import pandas as pd
import pytest
from openpyxl.styles import PatternFill
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from aniva_import.errors import InputError
from aniva_import.load import SUPPORTED_EXTENSIONS, Chunk, Table, open_table
from aniva_import.types import Cell, column_letter

# --------------------------------------------------------------------------- helpers


def read_all(table: Table, rows: int = 20_000) -> tuple[list[int], list[list[Cell]], list[Chunk]]:
    chunks = list(table.chunks(rows))
    numbers: list[int] = []
    cells: list[list[Cell]] = []
    for chunk in chunks:
        assert len(chunk.rows) == len(chunk.numbers) == len(chunk)
        assert all(type(row) is list and len(row) == len(table.headers) for row in chunk.rows)
        assert all(type(n) is int for n in chunk.numbers)
        numbers.extend(chunk.numbers)
        cells.extend(list(row) for row in chunk.rows)
    assert numbers == sorted(numbers)
    for row in cells:
        for cell in row:
            assert isinstance(cell, str | datetime.date), cell
    return numbers, cells, chunks


def write_text(path: Path, text: str, encoding: str) -> Path:
    if encoding == "utf-16-be-bom":
        path.write_bytes(codecs.BOM_UTF16_BE + text.encode("utf-16-be"))
    elif encoding == "utf-16-le-bom":
        path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    else:
        path.write_bytes(text.encode(encoding))
    return path


def csv_text(rows: Sequence[Sequence[str]], delimiter: str, newline: str = "\r\n") -> str:
    def quote(cell: str) -> str:
        if any(c in cell for c in (delimiter, '"', "\n", "\r")):
            return '"' + cell.replace('"', '""') + '"'
        return cell

    return "".join(delimiter.join(quote(c) for c in row) + newline for row in rows)


HEADER = ["Vorname", "Nachname", "Telefon", "PLZ", "Notiz"]
DATA = [
    ["Jürgen", "Weiß", "+49 170 1234567", "01234", "NA"],
    ["Renée", "Öztürk", "0170 1234567", "10115", 'sagt "hallo"; ok, gut | ja'],
    ["Äyrämö", "Mäkinen", "040 123", "00100", "Zeile 1\nZeile 2"],
    ["Björk", "Straße", "null", "None", "€ 5"],
]
EXPECTED_ROWS = [2, 3, 4, 5]

ENCODINGS = {
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8-sig",
    "utf-16": "utf-16",  # BOM + LE, as Excel's "Unicode text" writes it
    "utf-16-be-bom": "utf-16",
    "cp1252": "cp1252",
}


# --------------------------------------------------------------------------- CSV


@pytest.mark.parametrize("encoding", list(ENCODINGS))
@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_every_encoding_and_delimiter(tmp_path: Path, encoding: str, delimiter: str) -> None:
    path = write_text(tmp_path / "patients.csv", csv_text([HEADER, *DATA], delimiter), encoding)
    table = open_table(path)
    assert table.info.kind == "csv"
    assert table.info.encoding == ENCODINGS[encoding]
    assert table.info.delimiter == delimiter
    assert table.headers == tuple(HEADER)
    assert table.header_row == 1
    numbers, cells, chunks = read_all(table)
    assert numbers == EXPECTED_ROWS
    assert cells == DATA
    assert all(not chunk.problems for chunk in chunks)


def test_latin1_file_reads_as_cp1252(tmp_path: Path) -> None:
    text = csv_text([["Name", "Ort"], ["Müller", "Köln"], ["Jäger", "Düsseldorf"]], ";")
    table = open_table(write_text(tmp_path / "a.csv", text, "latin-1"))
    assert table.info.encoding == "cp1252"
    assert read_all(table)[1] == [["Müller", "Köln"], ["Jäger", "Düsseldorf"]]


def test_excel_unicode_text_is_tab_delimited_utf16(tmp_path: Path) -> None:
    text = "Name\tTelefon\r\nMüller\t+49 30 1234\r\n"
    path = tmp_path / "export.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    table = open_table(path)
    assert (table.info.encoding, table.info.delimiter) == ("utf-16", "\t")
    assert read_all(table)[1] == [["Müller", "+49 30 1234"]]


def test_utf16_without_bom_is_recognised(tmp_path: Path) -> None:
    path = tmp_path / "a.tsv"
    path.write_bytes("Name\tOrt\nWeiß\tKöln\n".encode("utf-16-le"))
    table = open_table(path)
    assert table.info.encoding == "utf-16-le"
    assert read_all(table)[1] == [["Weiß", "Köln"]]


def test_cp1252_euro(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"Name;Betrag\r\nM\xfcller;\x80 5\r\n")
    table = open_table(path)
    assert table.info.encoding == "cp1252"
    assert read_all(table)[1] == [["Müller", "€ 5"]]


def test_cp1252_undefined_byte_after_the_sample_does_not_fail(tmp_path: Path) -> None:
    rows = "".join(f"Jäger{i};Köln\r\n" for i in range(80_000)).encode("cp1252")
    path = tmp_path / "a.csv"
    path.write_bytes(b"Name;Ort\r\n" + rows + b"X\x81Y;1\r\n")
    assert path.stat().st_size > 1 << 20
    table = open_table(path)
    assert table.info.encoding == "cp1252"
    assert read_all(table)[1][-1] == ["X\x81Y", "1"]


def test_dos_cp850_file(tmp_path: Path) -> None:
    path = tmp_path / "dos.csv"
    path.write_bytes("Name;Ort\r\nMüller;Köln\r\nJäger;Düsseldorf\r\n".encode("cp850"))
    table = open_table(path)
    assert table.info.encoding == "cp850"
    assert read_all(table)[1] == [["Müller", "Köln"], ["Jäger", "Düsseldorf"]]


def test_non_ascii_after_a_long_ascii_start_is_detected(tmp_path: Path) -> None:
    ascii_rows = "".join(f"Name{i};0170{i:07d}\r\n" for i in range(120_000))
    path = tmp_path / "late.csv"
    path.write_bytes(("Name;Telefon\r\n" + ascii_rows + "Müller;0170\r\n").encode("cp1252"))
    assert path.stat().st_size > 2 << 20
    table = open_table(path)
    assert table.info.encoding == "cp1252"
    numbers, cells, _ = read_all(table)
    assert cells[-1] == ["Müller", "0170"]
    assert numbers[-1] == 120_002


def test_quoted_line_breaks_keep_numbering(tmp_path: Path) -> None:
    text = 'Name,Notiz\r\nA,"line 1\r\nline 2\r\nline 3"\r\nB,x\r\nC,"\n"\r\nD,y\r\n'
    numbers, cells, _ = read_all(open_table(write_text(tmp_path / "q.csv", text, "utf-8")))
    assert numbers == [2, 3, 4, 5]
    assert cells[0] == ["A", "line 1\r\nline 2\r\nline 3"]
    assert cells[2] == ["C", "\n"]


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
def test_blank_lines_are_rows_but_left_out(tmp_path: Path, newline: str) -> None:
    lines = ["", "  ", "Name;Tel", "A;1", "", ";", " ; ", "B;2", "", ""]
    path = write_text(tmp_path / "b.csv", newline.join(lines) + newline, "utf-8")
    table = open_table(path)
    assert table.header_row == 3
    numbers, cells, _ = read_all(table)
    assert numbers == [4, 8]
    assert cells == [["A", "1"], ["B", "2"]]


def test_ragged_rows(tmp_path: Path) -> None:
    text = "A;B;C\nx\nx;y;z;;\nx;y;z;;extra\nx;y;z;w;v\n"
    numbers, cells, chunks = read_all(open_table(write_text(tmp_path / "r.csv", text, "utf-8")))
    assert numbers == [2, 3, 4, 5]
    assert cells == [["x", "", ""], ["x", "y", "z"], ["x", "y", "z"], ["x", "y", "z"]]
    problems = [p for chunk in chunks for p in chunk.problems]
    assert [(p.row, p.column, p.code) for p in problems] == [
        (4, "column E", "extra_cells"),
        (5, "column D", "extra_cells"),
    ]
    assert "more cells than the header row" in problems[0].message


def test_every_cell_is_text_no_na_guessing(tmp_path: Path) -> None:
    text = "a,b,c,d,e,f,g\nNA,null,None,nan,,0049170,1.0\n#N/A,N/A,TRUE,1e5, x ,+49 170,007\n"
    _, cells, _ = read_all(open_table(write_text(tmp_path / "n.csv", text, "utf-8")))
    assert cells == [
        ["NA", "null", "None", "nan", "", "0049170", "1.0"],
        ["#N/A", "N/A", "TRUE", "1e5", " x ", "+49 170", "007"],
    ]


def test_excel_sep_line_is_not_a_row(tmp_path: Path) -> None:
    path = write_text(tmp_path / "s.csv", "sep=,\r\nName;Ort,PLZ\r\nA;B,01234\r\n", "utf-8")
    table = open_table(path)
    assert table.info.delimiter == ","
    assert table.headers == ("Name;Ort", "PLZ")
    assert table.header_row == 1
    assert read_all(table)[:2] == ([2], [["A;B", "01234"]])


def test_semicolon_wins_over_commas_inside_cells(tmp_path: Path) -> None:
    text = "Name;Adresse;PLZ\nMüller, Anna;Hauptstr. 1, Berlin;10115\nB;C, D;1\n"
    table = open_table(write_text(tmp_path / "d.csv", text, "utf-8"))
    assert table.info.delimiter == ";"
    assert read_all(table)[1][0] == ["Müller, Anna", "Hauptstr. 1, Berlin", "10115"]


def test_single_column_file(tmp_path: Path) -> None:
    table = open_table(write_text(tmp_path / "one.csv", "Name\nAnna\nBob\n", "utf-8"))
    assert table.headers == ("Name",)
    assert read_all(table)[1] == [["Anna"], ["Bob"]]


def test_trailing_empty_header_cells_are_dropped(tmp_path: Path) -> None:
    table = open_table(write_text(tmp_path / "h.csv", "a;;b;;\n1;2;3;;\n", "utf-8"))
    assert table.headers == ("a", "", "b")
    assert read_all(table)[1] == [["1", "2", "3"]]


def test_header_only_file_gives_one_empty_chunk(tmp_path: Path) -> None:
    table = open_table(write_text(tmp_path / "h.csv", "Name;Telefon\r\n\r\n", "utf-8"))
    chunks = list(table.chunks())
    assert len(chunks) == 1
    assert (len(chunks[0]), chunks[0].width) == (0, 2)
    assert chunks[0].rows == []
    assert chunks[0].numbers == []


def test_chunks_are_bounded_repeatable_and_column_values_stream(tmp_path: Path) -> None:
    rows = [["Name", "Tel"]] + [[f"n{i}", f"0{i}"] for i in range(25)]
    text = csv_text(rows, ";").replace("n10;", "\r\nn10;")  # a blank line before n10
    table = open_table(write_text(tmp_path / "c.csv", text, "utf-8"))
    assert table.rows_at_most is None  # a text file is not read ahead to count rows
    first = list(table.chunks(rows=10))
    assert [len(c) for c in first] == [10, 10, 5]
    assert first[0].row(3) == ["n3", "03"]
    again = list(table.chunks(rows=10))
    assert [(a.numbers, a.rows) for a in first] == [(b.numbers, b.rows) for b in again]
    values = list(table.column_values(1))
    assert values[:2] == [(2, "00"), (3, "01")]
    assert values[10] == (13, "010")
    with pytest.raises(IndexError):
        list(table.column_values(2))


def test_txt_and_tsv_are_csv(tmp_path: Path) -> None:
    for name in ("a.txt", "a.TSV"):
        table = open_table(write_text(tmp_path / name, "x\ty\n1\t2\n", "utf-8"))
        assert table.info.kind == "csv"
    assert set(SUPPORTED_EXTENSIONS) == {".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls", ".ods"}


def test_sheet_option_on_csv_is_refused(tmp_path: Path) -> None:
    path = write_text(tmp_path / "a.csv", "x\n1\n", "utf-8")
    with pytest.raises(InputError, match="no sheets"):
        open_table(path, sheet="Patients")


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == [
        "A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA",
    ]  # fmt: skip


def test_large_csv_streams_with_bounded_memory(tmp_path: Path) -> None:
    """~50 MB file: peak traced memory stays far below the file size."""
    path = tmp_path / "big.csv"
    line = ("Müller;" + "x" * 480 + ";+49 170 1234567;01234\r\n").encode("cp1252")
    block = line * 10_000
    with path.open("wb") as f:
        f.write(b"Name;Notiz;Telefon;PLZ\r\n")
        for _ in range(10):
            f.write(block)
    size = path.stat().st_size
    assert size > 45_000_000
    started = time.perf_counter()
    tracemalloc.start()
    try:
        table = open_table(path)
        count = 0
        last = 0
        for chunk in table.chunks(rows=2_000):
            assert len(chunk) <= 2_000
            count += len(chunk)
            last = chunk.numbers[-1]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 100_000
    assert last == 100_001
    assert peak < 12_000_000, peak  # ~2000 rows of ~500 chars, not 50 MB
    assert time.perf_counter() - started < 15


# --------------------------------------------------------------------------- workbooks


def patient_workbook(path: Path, *, epoch_1904: bool = False) -> Path:
    wb = openpyxl.Workbook()
    if epoch_1904:
        wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    assert ws is not None
    ws.title = "Patients"
    ws.append(["Name", "Geburtsdatum", "Telefon", "PLZ", "Größe", 2024, datetime.date(2020, 1, 2)])
    ws.append(["Anna", datetime.date(1985, 4, 3), 491701234567, 10115, 1.77, True, "31000"])
    ws.append([None] * 7)  # a blank row in between: row 3
    ws.append(
        ["Bob", datetime.datetime(1990, 1, 2, 12, 30), "0170 123", "01234", 168.5, False, 0.5]
    )
    ws.append(["Cleo", datetime.time(8, 15), 4.9e14, 100, 1e-7, None, "=1+1"])
    # formatted but empty cells far right and below: Excel leaves these behind
    fill = PatternFill("solid", fgColor="FFFF00")
    ws["K20"].fill = fill
    ws["B30"].number_format = "DD.MM.YYYY"
    for column in "ABCDEFGHIJ":
        ws[f"{column}25"].fill = fill
    other = wb.create_sheet("Other")
    other.append(["Sheet", "two"])
    other.append(["x", "y"])
    wb.save(path)
    return path


EXPECTED_WORKBOOK_ROWS: list[list[Cell]] = [
    ["Anna", datetime.date(1985, 4, 3), "491701234567", "10115", "1.77", "TRUE", "31000"],
    ["Bob", datetime.datetime(1990, 1, 2, 12, 30), "0170 123", "01234", "168.5", "FALSE", "0.5"],
    ["Cleo", "08:15:00", "490000000000000", "100", "0.0000001", "", ""],
]


def known(header: str) -> bool:
    """A recogniser for the headers of :func:`patient_workbook`."""
    return header in {"Name", "Geburtsdatum", "Telefon", "Größe"}


@pytest.mark.parametrize("epoch_1904", [False, True])
def test_xlsx_cells_dates_numbers_and_numbering(tmp_path: Path, epoch_1904: bool) -> None:
    table = open_table(
        patient_workbook(tmp_path / "p.xlsx", epoch_1904=epoch_1904), recognise=known
    )
    assert table.info.kind == "xlsx"
    assert table.info.sheet == "Patients"
    assert table.info.date1904 is epoch_1904
    assert table.headers == (
        "Name", "Geburtsdatum", "Telefon", "PLZ", "Größe", "2024", "2020-01-02",
    )  # fmt: skip
    assert table.header_row == 1
    numbers, cells, chunks = read_all(table)
    assert numbers == [2, 4, 5]
    assert cells == EXPECTED_WORKBOOK_ROWS
    assert all(not chunk.problems for chunk in chunks)


def test_xlsm_extension_reads_like_xlsx(tmp_path: Path) -> None:
    source = patient_workbook(tmp_path / "p.xlsx")
    path = source.rename(tmp_path / "p.xlsm")
    table = open_table(path, recognise=known)
    assert table.info.kind == "xlsm"
    assert read_all(table)[1] == EXPECTED_WORKBOOK_ROWS


def _set_cached_values(path: Path, values: dict[str, str]) -> None:
    """Rewrite an openpyxl-written sheet so formulas carry cached values, as Excel saves them."""
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    for ref, value in values.items():
        sheet, count = re.subn(
            rf'<c r="{ref}"([^>]*)><f>([^<]*)</f><v\s*/>\s*</c>',
            rf'<c r="{ref}"\1><f>\2</f><v>{value}</v></c>',
            sheet,
        )
        assert count == 1, (ref, sheet)
    members["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def test_formulas_give_their_cached_values(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Name", "Telefon", "Summe"])
    ws.append(["Anna", '=CONCAT("49","170")', "=1+1"])
    path = tmp_path / "f.xlsx"
    wb.save(path)
    _set_cached_values(path, {"C2": "2"})
    with zipfile.ZipFile(path) as archive:
        assert b"<v>2</v>" in archive.read("xl/worksheets/sheet1.xml")
    _, cells, _ = read_all(open_table(path))
    assert cells == [["Anna", "", "2"]]  # B2 has no cached value: empty, never the formula


def test_workbook_leading_blank_rows_and_offset_columns(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["C3"] = "Name"
    ws["D3"] = "Tel"
    ws["C4"] = "Anna"
    ws["D4"] = 30123
    ws["C6"] = "Bob"
    ws["F6"] = "stray"  # beyond the header: column F
    path = tmp_path / "o.xlsx"
    wb.save(path)
    table = open_table(path)
    assert table.header_row == 3
    assert table.headers == ("Name", "Tel")
    assert table.rows_at_most == 3  # rows 4 to 6, the blank row 5 included
    first = next(iter(table.chunks()))
    assert first.row(0) == ["Anna", "30123"]  # one row converted on its own ...
    assert "rows" not in first.__dict__  # ... without converting the whole chunk
    assert first.row(1) == first.rows[1] == ["Bob", ""]
    numbers, cells, chunks = read_all(table)
    assert numbers == [4, 6]
    assert cells == [["Anna", "30123"], ["Bob", ""]]
    problems = [p for chunk in chunks for p in chunk.problems]
    assert [(p.row, p.column, p.code) for p in problems] == [(6, "column F", "extra_cells")]


def test_sheet_selection(tmp_path: Path) -> None:
    path = patient_workbook(tmp_path / "p.xlsx")
    table = open_table(path, sheet="Other")
    assert table.info.sheet == "Other"
    assert (table.info.sheet_index, table.info.sheets) == (2, 2)
    assert table.headers == ("Sheet", "two")
    assert read_all(table)[1] == [["x", "y"]]
    assert open_table(path, sheet=" other ").info.sheet == "Other"
    with pytest.raises(InputError) as raised:
        open_table(path, sheet="Missing")
    message = str(raised.value)
    assert str(path) in message
    assert "1 to 2" in message  # sheets by position: a sheet's name may be a patient's
    assert "Patients" not in message
    assert "Other" not in message
    assert "Missing" not in message
    assert open_table(path, sheet="2", recognise=known).headers == ("Sheet", "two")


def test_default_sheet_is_first_visible_worksheet(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    hidden = wb.active
    assert hidden is not None
    hidden.title = "Hidden"
    hidden.append(["secret"])
    hidden.sheet_state = "hidden"
    shown = wb.create_sheet("Shown")
    shown.append(["Name"])
    shown.append(["Anna"])
    path = tmp_path / "h.xlsx"
    wb.save(path)
    table = open_table(path)
    assert table.info.sheet == "Shown"
    assert open_table(path, sheet="Hidden").headers == ("secret",)


def test_empty_sheet_is_an_input_error(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.create_sheet("Two").append(["Name"])
    path = tmp_path / "e.xlsx"
    wb.save(path)
    with pytest.raises(InputError) as raised:
        open_table(path)
    message = str(raised.value)
    assert message == (
        f"sheet 1 of {path} is empty, but sheet 2 of its 2 sheets hold data: choose one "
        "with --sheet 2 (a sheet's position or its name)"
    )
    assert "Two" not in message
    assert open_table(path, sheet="Two").headers == ("Name",)
    assert open_table(path, sheet="2").headers == ("Name",)
    only = openpyxl.Workbook()
    only.save(tmp_path / "only.xlsx")
    with pytest.raises(InputError, match="is empty: no header row found"):
        open_table(tmp_path / "only.xlsx")


def test_ods(tmp_path: Path) -> None:
    pytest.importorskip("odf")
    frame = pd.DataFrame(
        {
            "Name": ["Anna", "Bob"],
            "Geburtsdatum": [datetime.date(1985, 4, 3), datetime.datetime(1990, 1, 2, 3, 4)],
            "Telefon": [491701234567, 1.5],
            "PLZ": ["01234", "10115"],
        }
    )
    path = tmp_path / "p.ods"
    frame.to_excel(path, engine=cast(Any, "odf"), index=False)
    table = open_table(path)
    assert table.info.kind == "ods"
    assert table.headers == ("Name", "Geburtsdatum", "Telefon", "PLZ")
    numbers, cells, _ = read_all(table)
    assert numbers == [2, 3]
    assert cells == [
        ["Anna", datetime.date(1985, 4, 3), "491701234567", "01234"],
        ["Bob", datetime.datetime(1990, 1, 2, 3, 4), "1.5", "10115"],
    ]


def test_xls(tmp_path: Path) -> None:
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    sheet = book.add_sheet("Patienten")
    date_style = xlwt.easyxf(num_format_str="DD.MM.YYYY")
    for col, value in enumerate(["Name", "Geburtsdatum", "Telefon", "PLZ"]):
        sheet.write(0, col, value)
    sheet.write(1, 0, "Jürgen")
    sheet.write(1, 1, datetime.date(1985, 4, 3), date_style)
    sheet.write(1, 2, 491701234567)
    sheet.write(1, 3, "01234")
    sheet.write(3, 0, "Weiß")
    sheet.write(3, 2, 1.77)
    path = tmp_path / "p.xls"
    book.save(str(path))
    table = open_table(path)
    assert table.info.kind == "xls"
    assert table.info.sheet == "Patienten"
    numbers, cells, _ = read_all(table)
    assert numbers == [2, 4]
    assert cells == [
        ["Jürgen", datetime.date(1985, 4, 3), "491701234567", "01234"],
        ["Weiß", "", "1.77", ""],
    ]


def test_workbook_chunks_repeatable(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["n"])
    for i in range(7):
        ws.append([i])
    path = tmp_path / "c.xlsx"
    wb.save(path)
    table = open_table(path)
    assert [len(c) for c in table.chunks(rows=3)] == [3, 3, 1]
    assert [len(c) for c in table.chunks(rows=3)] == [3, 3, 1]
    assert table.rows_at_most == 7
    assert list(table.column_values(0))[-1] == (8, "6")
