"""The XLSX results as a clinic opens them: formats, widths, notes, the values sheet, and
a zip every reader takes (no ZIP64 records)."""

from __future__ import annotations

import datetime as dt
import stat
import zipfile
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from aniva_import.errors import InputError
from aniva_import.problems import Problem, ProblemCode
from aniva_import.results import FinishedRow
from aniva_import.results import xlsx as xlsx_module
from aniva_import.results.xlsx import XlsxResultsWriter
from aniva_import.types import Status

HEADERS = ["Vorname", "Notiz", "Telefon", "Geburtsdatum", "Größe (cm)", "Versichertennr."]
POSITIONS = {"first_name": 0, "phone": 2, "date_of_birth": 3, "height": 4}


def _rows() -> list[FinishedRow]:
    bad = Problem(3, "Telefon", ProblemCode.INVALID_PHONE, "Not a phone number.", "phone")
    late = Problem(3, "Geburtsdatum", ProblemCode.DATE_IN_FUTURE, "In the future.",
                   "date_of_birth")
    values = ("Maria", "Schmidt", "1985-03-22", 2, None, "+49301234567", 168.0, None, "de",
              "acme-clinic-berlin")
    return [
        FinishedRow(2, Status.VALID, None, (),
                    ["Maria", "=HYPERLINK(1)", "491701234567", dt.date(1985, 3, 22), "168",
                     "0123"], values),
        FinishedRow(3, Status.INVALID, None, (bad, late),
                    ["Jürgen", "x" * 80, "", dt.date(2031, 1, 1), "181.5", "123456789"]),
        FinishedRow(4, Status.DUPLICATE, None, (), ["Ärger_x0041_", "\x01ctl", "", "", "", ""]),
    ]


def _write(path: Path, rows: list[FinishedRow], **options: object) -> Path:
    writer = XlsxResultsWriter(path, HEADERS, field_positions=POSITIONS, values=True,
                               field_headers={"first_name": "Vorname"}, **options)  # type: ignore[arg-type]
    writer.write(rows)
    writer.commit()
    return path


def test_results_workbook_reads_at_a_glance(tmp_path: Path) -> None:
    target = _write(tmp_path / "out.results.xlsx", _rows())
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert list(tmp_path.iterdir()) == [target]  # no temporary files left
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["Results", "To be sent"]
    sheet = book["Results"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["row", "status", "profile_id", "errors", *HEADERS]
    assert values[1][:2] == [2, "valid"]
    assert sheet.cell(2, 6).value == "=HYPERLINK(1)"
    assert sheet.cell(2, 6).data_type == "s"
    assert sheet.cell(2, 7).data_type == "s"  # a phone column stays text, whatever it holds
    assert sheet.cell(2, 8).value == dt.datetime(1985, 3, 22)
    assert sheet.cell(2, 8).number_format == "yyyy-mm-dd"
    assert sheet.cell(2, 9).value == 168
    assert sheet.cell(2, 9).data_type == "n"
    assert sheet.cell(2, 10).value == "0123"  # a leading zero: text as typed
    assert sheet.cell(3, 10).value == 123456789
    # status coloured by status
    assert sheet.cell(2, 2).fill.fgColor.rgb.endswith("C6EFCE")
    assert sheet.cell(3, 2).fill.fgColor.rgb.endswith("FFC7CE")
    assert sheet.cell(4, 2).fill.fgColor.rgb.endswith("FFEB9C")
    # bad cells highlighted with their note, even an empty one
    phone = sheet.cell(3, 7)
    assert phone.fill.fgColor.rgb.endswith("FFC7CE")
    assert phone.comment is not None
    assert "Not a phone number." in phone.comment.text
    assert sheet.cell(3, 8).number_format == "yyyy-mm-dd"
    assert sheet.cell(3, 8).fill.fgColor.rgb.endswith("FFC7CE")
    assert sheet.cell(3, 5).comment is None
    # errors wide and wrapped, other columns fitted to their content
    assert sheet.column_dimensions["D"].width >= 60
    assert sheet.cell(3, 4).alignment.wrap_text
    assert sheet.column_dimensions["H"].width >= 11  # a date never shows ###
    assert sheet.column_dimensions["F"].width >= 50  # the long note
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:J4"
    sent = [[c.value for c in row] for row in book["To be sent"].iter_rows()]
    assert sent[0][:4] == ["row", "status", "first_name (Vorname)", "last_name"]
    assert sent[1] == [2, "valid", "Maria", "Schmidt", "1985-03-22", 2, None, "+49301234567",
                       168, None, "de", "acme-clinic-berlin"]
    assert sent[2][:2] == [3, "invalid"]


def test_the_profile_id_is_a_text_cell_never_a_formula(tmp_path: Path) -> None:
    row = FinishedRow(2, Status.ALREADY_IMPORTED, '=HYPERLINK("http://evil")', (),
                      ["Maria", "", "", "", "", ""])
    target = _write(tmp_path / "r.xlsx", [row])
    cell = openpyxl.load_workbook(target)["Results"].cell(2, 3)
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://evil")', "s")


def test_text_comes_back_exactly_and_the_zip_has_no_zip64_records(tmp_path: Path) -> None:
    target = _write(tmp_path / "r.xlsx", _rows())
    with zipfile.ZipFile(target) as archive:
        for info in archive.infolist():
            assert info.extract_version < 45, info.filename  # 45 = ZIP64
            assert info.compress_size < 0xFFFFFFFF
    sheet = CalamineWorkbook.from_path(str(target)).get_sheet_by_name("Results").to_python()
    assert sheet[3][4:6] == ["Ärger_x0041_", "\x01ctl"]


def test_notes_stop_at_the_limit_but_every_bad_cell_is_highlighted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx_module, "NOTE_LIMIT", 1)
    target = _write(tmp_path / "r.xlsx", _rows())
    sheet = openpyxl.load_workbook(target)["Results"]
    assert sheet.cell(3, 7).comment is not None
    assert sheet.cell(3, 8).comment is None
    assert sheet.cell(3, 8).fill.fgColor.rgb.endswith("FFC7CE")
    assert "In the future." in str(sheet.cell(3, 4).value)  # the errors column has it all


def test_more_rows_than_excel_holds_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx_module, "MAX_ROWS", 3)
    writer = XlsxResultsWriter(tmp_path / "r.xlsx", ["Vorname"], field_positions={})
    rows = [FinishedRow(n, Status.VALID, None, (), ["x"]) for n in range(2, 6)]
    with pytest.raises(InputError, match="more rows than an Excel sheet holds"):
        writer.write(rows)
    writer.discard()
    assert list(tmp_path.iterdir()) == []


def test_a_cell_longer_than_excel_allows_is_refused_not_cut(tmp_path: Path) -> None:
    writer = XlsxResultsWriter(tmp_path / "r.xlsx", ["Notiz"], field_positions={})
    with pytest.raises(InputError, match="Row 7 has a cell longer than Excel's"):
        writer.write([FinishedRow(7, Status.VALID, None, (), ["x" * 40_000])])
    writer.discard()
    assert list(tmp_path.iterdir()) == []
