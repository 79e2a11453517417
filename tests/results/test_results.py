"""Tests for aniva_import.results: formula escaping, private atomic CSV/XLSX results files."""

from __future__ import annotations

import csv
import datetime as dt
import re
import stat
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aniva_import.problems import Problem, ProblemCode
from aniva_import.results import FinishedRow, escape_formula, unescape_formula
from aniva_import.results.csv import CsvResultsWriter
from aniva_import.results.xlsx import XlsxResultsWriter
from aniva_import.types import Status

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("cell", "escaped"),
    [
        ("=SUM(A1:A3)", "'=SUM(A1:A3)"),
        ("@cmd", "'@cmd"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("+49 30 1234567", "+49 30 1234567"),
        ("-5", "-5"),
        ("Maria", "Maria"),
        ("", ""),
    ],
)
def test_escape_formula(cell: str, escaped: str) -> None:
    assert escape_formula(cell) == escaped


@given(st.text(max_size=30))
def test_escaped_cells_never_start_a_formula_and_round_trip(text: str) -> None:
    escaped = escape_formula(text)
    assert unescape_formula(escaped) == text  # exactly undone, whatever the text
    if escaped and escaped[0] in "=+-@\t\r":  # only plain numbers may start so
        assert re.fullmatch(r"[+-][0-9][0-9 ()./-]*", escaped)


@pytest.mark.parametrize("text", ["'=Bob", "'-Lee", "''", "'" * 3 + "x", "'+49 30 1", "'a", "'"])
def test_apostrophes_the_user_typed_survive_a_round_trip(text: str) -> None:
    assert unescape_formula(escape_formula(text)) == text


def _rows() -> list[FinishedRow]:
    bad = Problem(3, "Telefon", ProblemCode.INVALID_PHONE, "Not a phone number.", "phone")
    return [
        FinishedRow(2, Status.VALID, None, (), ["Maria", "=HYPERLINK(1)", "+49 30 1234567"]),
        FinishedRow(3, Status.INVALID, None, (bad,), ["Jürgen", "x", dt.date(1960, 12, 1)]),
    ]


def test_csv_results_are_private_atomic_and_excel_friendly(tmp_path: Path) -> None:
    target = tmp_path / "out.results.csv"
    writer = CsvResultsWriter(target, ["Vorname", "Notiz", "Telefon"], delimiter=";")
    writer.write(_rows())
    assert not target.exists()  # nothing visible until complete
    writer.commit()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    assert rows[0] == ["row", "status", "profile_id", "errors", "Vorname", "Notiz", "Telefon"]
    assert rows[1] == ["2", "valid", "", "", "Maria", "'=HYPERLINK(1)", "+49 30 1234567"]
    assert rows[2] == ["3", "invalid", "", "Telefon: Not a phone number. [invalid_phone]",
                       "Jürgen", "x", "1960-12-01"]
    assert list(tmp_path.iterdir()) == [target]


def test_discarded_results_leave_nothing_behind(tmp_path: Path) -> None:
    writer = CsvResultsWriter(tmp_path / "r.csv", ["a"])
    writer.write(_rows()[:1])
    writer.discard()
    assert list(tmp_path.iterdir()) == []


def test_xlsx_results_highlight_bad_cells_with_the_message(tmp_path: Path) -> None:
    target = tmp_path / "out.results.xlsx"
    writer = XlsxResultsWriter(target, ["Vorname", "Notiz", "Telefon"],
                               field_positions={"first_name": 0, "phone": 2})
    writer.write(_rows())
    writer.commit()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    book = openpyxl.load_workbook(target)
    sheet = book.active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["row", "status", "profile_id", "errors", "Vorname", "Notiz", "Telefon"]
    assert values[1][:2] == [2, "valid"]
    assert values[1][5] == "=HYPERLINK(1)"
    assert sheet.cell(2, 6).data_type == "s"  # text, never a formula
    assert values[2][3] == "Telefon: Not a phone number. [invalid_phone]"
    flagged = sheet.cell(3, 7)
    assert flagged.value == dt.datetime(1960, 12, 1)
    assert flagged.comment is not None
    assert "Not a phone number." in flagged.comment.text
    assert flagged.fill.fgColor.rgb.endswith("FFC7CE")
    assert sheet.cell(3, 5).comment is None
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:G3"


def test_more_rows_than_excel_holds_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aniva_import.errors import InputError
    from aniva_import.results import _xlsx_writer

    monkeypatch.setattr(_xlsx_writer, "MAX_ROWS", 3)
    writer = XlsxResultsWriter(tmp_path / "r.xlsx", ["Vorname"], field_positions={})
    rows = [FinishedRow(n, Status.VALID, None, (), ["x"]) for n in range(2, 6)]
    with pytest.raises(InputError, match="more rows than an Excel sheet holds"):
        writer.write(rows)
    writer.discard()
    assert list(tmp_path.iterdir()) == []
