"""The streaming .xlsx writer: read back with openpyxl and python-calamine, package
structure, escaping, date serials, limits, permissions."""

from __future__ import annotations

import datetime as dt
import math
import os
import stat
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.utils.datetime import to_excel as _to_excel
from openpyxl.utils.escape import unescape
from python_calamine import CalamineWorkbook
from xlsxwriter.utility import _datetime_to_excel_datetime

from aniva_import.results import _xlsx_cells, _xlsx_writer
from aniva_import.results._xlsx_cells import CellValue, column_letters, excel_serial
from aniva_import.results._xlsx_writer import FastXlsxWriter

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
RED_FILL, RED_FONT = "FFFFC7CE", "FF9C0006"


def to_excel(value: dt.date) -> float:
    serial: float = _to_excel(value)  # type: ignore[no-untyped-call]
    return serial


def private_file(path: Path) -> Path:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)
    os.close(fd)
    return path


def write(
    path: Path,
    header: Sequence[str] | None,
    rows: Sequence[Sequence[CellValue]],
    flags: Mapping[int, Mapping[int, str]] | None = None,
    sheet_name: str = "Results",
) -> Path:
    """Write ``rows``; ``flags`` maps a row index (0-based, into ``rows``) to its flags."""
    if not path.exists():
        private_file(path)
    with FastXlsxWriter(path, sheet_name=sheet_name) as writer:
        if header is not None:
            writer.write_header(header)
        for i, row in enumerate(rows):
            writer.write_row(row, flagged=(flags or {}).get(i))
    return path


def calamine_rows(path: Path) -> list[list[Any]]:
    rows: list[list[Any]] = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    return rows


def part(path: Path, name: str) -> ET.Element:
    with zipfile.ZipFile(path) as package:
        return ET.fromstring(package.read(name))


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return write(
        tmp_path / "sample.xlsx",
        ["row", "status", "name", "born", "seen", "score"],
        [
            [2, "valid", "Anna Müller", dt.date(1985, 4, 3), dt.datetime(2024, 5, 6, 7, 8), 1.5],
            [3, "invalid", "=SUM(1)", dt.date(1899, 12, 31), None, -2],
            [4, "invalid", "", "not a date", "", 10**12],
        ],
        {
            0: {2: "name: looks odd [odd_name]"},
            1: {3: "born: before 1900 [too_old]", 4: "seen: required\nsecond line"},
            2: {2: "name: required [required]", 3: "born: not a date [bad_date]", 7: "extra"},
        },
    )


def test_values_and_types_read_back_with_openpyxl(sample: Path) -> None:
    sheet = openpyxl.load_workbook(sample).active
    assert sheet is not None
    assert sheet.title == "Results"
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["row", "status", "name", "born", "seen", "score", None, None]
    assert values[1][:6] == [2, "valid", "Anna Müller", dt.datetime(1985, 4, 3),
                             dt.datetime(2024, 5, 6, 7, 8), 1.5]
    assert values[2][:6] == [3, "invalid", "=SUM(1)", "1899-12-31", None, -2]
    assert values[3][:6] == [4, "invalid", None, "not a date", None, 10**12]
    formula = sheet["C3"]
    assert formula.data_type == "s"
    assert formula.value == "=SUM(1)"
    assert sheet["D2"].is_date
    assert sheet["D2"].number_format == "yyyy-mm-dd"
    assert sheet["E2"].is_date
    assert sheet["E2"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet["A2"].data_type == "n"
    assert sheet["F2"].data_type == "n"


def test_header_bold_flags_red_with_notes(sample: Path) -> None:
    sheet = openpyxl.load_workbook(sample).active
    assert sheet is not None
    assert all(cell.font.b for cell in sheet[1][:6])
    assert not any(cell.font.b for cell in sheet[2])
    flagged = {"C2", "D3", "E3", "C4", "D4", "H4"}
    for row in sheet.iter_rows():
        for cell in row:
            red = cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb == RED_FILL
            assert red == (cell.coordinate in flagged), cell.coordinate
            assert (cell.comment is not None) == (cell.coordinate in flagged), cell.coordinate
            if red:
                assert cell.font.color is not None
                assert cell.font.color.rgb == RED_FONT
    assert sheet["C2"].comment is not None
    assert sheet["C2"].comment.text == "name: looks odd [odd_name]"
    assert sheet["E3"].comment is not None
    assert sheet["E3"].comment.text == "seen: required\nsecond line"
    assert sheet["H4"].comment is not None
    assert sheet["H4"].comment.text == "extra"
    assert sheet["D3"].number_format == "General"  # the pre-1900 date became text
    assert sheet["E3"].value is None  # flagged empty cell: styled, no value


def test_freeze_panes_autofilter_and_defined_name(sample: Path) -> None:
    sheet = openpyxl.load_workbook(sample).active
    assert sheet is not None
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:H4"
    # openpyxl drops _xlnm._FilterDatabase when reading, so look at the XML
    names = part(sample, "xl/workbook.xml").findall("m:definedNames/m:definedName", NS)
    assert [(n.get("name"), n.get("localSheetId"), n.get("hidden"), n.text) for n in names] == [
        ("_xlnm._FilterDatabase", "0", "1", "Results!$A$1:$H$4")
    ]
    pane = part(sample, "xl/worksheets/sheet1.xml").find("m:sheetViews/m:sheetView/m:pane", NS)
    assert pane is not None
    assert (pane.get("ySplit"), pane.get("topLeftCell"), pane.get("state")) == ("1", "A2", "frozen")


def test_read_back_with_calamine(sample: Path) -> None:
    rows = calamine_rows(sample)
    assert rows[0][:6] == ["row", "status", "name", "born", "seen", "score"]
    assert rows[1][:6] == [2.0, "valid", "Anna Müller", dt.date(1985, 4, 3),
                           dt.datetime(2024, 5, 6, 7, 8), 1.5]
    assert rows[2][:6] == [3.0, "invalid", "=SUM(1)", "1899-12-31", "", -2.0]
    assert rows[3][:6] == [4.0, "invalid", "", "not a date", "", 1e12]


def test_package_is_well_formed(sample: Path) -> None:
    with zipfile.ZipFile(sample) as package:
        assert package.testzip() is None
        names = set(package.namelist())
        for name in names:
            ET.fromstring(package.read(name))  # every part is well-formed XML
    assert names == {
        "[Content_Types].xml", "_rels/.rels", "docProps/app.xml", "docProps/core.xml",
        "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
        "xl/worksheets/sheet1.xml", "xl/worksheets/_rels/sheet1.xml.rels",
        "xl/comments1.xml", "xl/drawings/vmlDrawing1.vml",
    }
    types = part(sample, "[Content_Types].xml")
    overrides = {e.get("PartName") for e in types if e.tag.endswith("Override")}
    defaults = {e.get("Extension") for e in types if e.tag.endswith("Default")}
    assert all(f"/{n}" in overrides or n.rsplit(".", 1)[1] in defaults for n in names)
    for rels, base in [("_rels/.rels", ""), ("xl/_rels/workbook.xml.rels", "xl/"),
                       ("xl/worksheets/_rels/sheet1.xml.rels", "xl/worksheets/")]:
        for rel in part(sample, rels):
            target = os.path.normpath(base + (rel.get("Target") or ""))
            assert target in names, target
    styles = part(sample, "xl/styles.xml")
    fills = styles.findall("m:fills/m:fill/m:patternFill", NS)
    assert [f.get("patternType") for f in fills][:2] == ["none", "gray125"]
    assert len(styles.findall("m:cellXfs/m:xf", NS)) == 7


def test_notes_match_xlsxwriter(tmp_path: Path) -> None:
    """Same comment XML and VML note shapes as xlsxwriter writes for the same notes."""
    cells = [(1, 1, "first"), (2, 2, " two\nlines "), (99, 26, "far & <away>")]
    ours = write(tmp_path / "ours.xlsx", ["a"], [[]] * 99,
                 {row - 1: {col: text} for row, col, text in cells})
    theirs = tmp_path / "theirs.xlsx"
    book = xlsxwriter.Workbook(str(theirs))
    sheet = book.add_worksheet("Results")
    for row, col, text in cells:
        sheet.write_comment(row, col, text)
    book.close()
    for name in ("xl/comments1.xml", "xl/drawings/vmlDrawing1.vml"):
        assert ET.tostring(part(ours, name)) == ET.tostring(part(theirs, name)), name


def test_more_than_1024_notes(tmp_path: Path) -> None:
    path = write(tmp_path / "many.xlsx", ["a", "b"], [["x", "y"]] * 1500,
                 {i: {i % 2: f"note {i}"} for i in range(1500)})
    with zipfile.ZipFile(path) as package:
        assert b'<o:idmap v:ext="edit" data="1,2"/>' in package.read("xl/drawings/vmlDrawing1.vml")
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    assert sheet["B1501"].comment is not None
    assert sheet["B1501"].comment.text == "note 1499"


def test_no_flags_no_note_parts(tmp_path: Path) -> None:
    path = write(tmp_path / "plain.xlsx", ["a"], [["x"]])
    with zipfile.ZipFile(path) as package:
        names = package.namelist()
        assert not [n for n in names if "comments" in n or "vml" in n or "_rels/s" in n]
        assert b"legacyDrawing" not in package.read("xl/worksheets/sheet1.xml")
        assert b"vml" not in package.read("[Content_Types].xml")
    assert calamine_rows(path) == [["a"], ["x"]]


def test_zero_data_rows(tmp_path: Path) -> None:
    path = write(tmp_path / "empty.xlsx", ["row", "status", "errors"], [])
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == ["row", "status", "errors"]
    assert sheet.max_row == 1
    assert sheet.auto_filter.ref == "A1:C1"
    assert calamine_rows(path) == [["row", "status", "errors"]]


def test_nothing_written_is_still_a_workbook(tmp_path: Path) -> None:
    path = write(tmp_path / "nothing.xlsx", None, [])
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    assert sheet.max_row == 1
    assert sheet["A1"].value is None
    assert not sheet.auto_filter.ref
    assert part(path, "xl/workbook.xml").find("m:definedNames", NS) is None


def test_permissions_unchanged(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        path = write(private_file(tmp_path / "private.xlsx"), ["a"], [["b"]])
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_overwrites_a_longer_existing_file(tmp_path: Path) -> None:
    path = private_file(tmp_path / "old.xlsx")
    path.write_bytes(b"x" * 1_000_000)
    write(path, ["a"], [["b"]])
    assert path.stat().st_size < 10_000
    assert calamine_rows(path) == [["a"], ["b"]]


def test_sheet_name_quoted_in_defined_name(tmp_path: Path) -> None:
    path = write(tmp_path / "named.xlsx", ["a"], [["b"]], sheet_name="Dr O'Neil & Co")
    assert openpyxl.load_workbook(path).sheetnames == ["Dr O'Neil & Co"]
    name = part(path, "xl/workbook.xml").find("m:definedNames/m:definedName", NS)
    assert name is not None
    assert name.text == "'Dr O''Neil & Co'!$A$1:$A$2"


@pytest.mark.parametrize("name", ["", "x" * 32, "a/b", "a[1]", "'quoted'", "tab\there"])
def test_bad_sheet_name(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="sheet name"):
        FastXlsxWriter(private_file(tmp_path / "bad.xlsx"), sheet_name=name)


def test_text_limit_raises_and_leaves_no_partial_row(tmp_path: Path) -> None:
    path = private_file(tmp_path / "long.xlsx")
    with FastXlsxWriter(path) as writer:
        writer.write_header(["a", "b"])
        writer.write_row(["x" * 32_767, "😀" * 16_383])  # 32,766 UTF-16 units
        with pytest.raises(ValueError, match="32767"):
            writer.write_row(["fine", "x" * 32_768])
        with pytest.raises(ValueError, match="32767"):
            writer.write_row(["fine", "😀" * 16_384])  # Excel counts UTF-16 units
        with pytest.raises(ValueError, match="32767"):
            writer.write_row(["fine"], flagged={0: "n" * 40_000})
        writer.write_row(["next", "row"])
    rows = calamine_rows(path)
    assert len(rows) == 3
    assert rows[2] == ["next", "row"]
    assert rows[1] == ["x" * 32_767, "😀" * 16_383]
    with zipfile.ZipFile(path) as package:
        assert b"comment" not in package.read("[Content_Types].xml")


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (math.nan, ValueError),
        (math.inf, ValueError),
        (-math.inf, ValueError),
        (dt.datetime(2024, 1, 1, tzinfo=dt.UTC), ValueError),
        (object(), TypeError),
    ],
)
def test_unwritable_values(tmp_path: Path, value: Any, error: type[Exception]) -> None:
    writer = FastXlsxWriter(private_file(tmp_path / "bad.xlsx"))
    with pytest.raises(error):
        writer.write_row(["ok", value])
    writer.close()
    assert calamine_rows(tmp_path / "bad.xlsx") == []


def test_row_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_xlsx_writer, "MAX_ROWS", 3)
    with FastXlsxWriter(private_file(tmp_path / "rows.xlsx")) as writer:
        writer.write_header(["a"])
        writer.write_row(["b"])
        writer.write_row(["c"])
        with pytest.raises(ValueError, match="rows"):
            writer.write_row(["d"])


def test_header_must_come_first(tmp_path: Path) -> None:
    with FastXlsxWriter(private_file(tmp_path / "h.xlsx")) as writer:
        writer.write_row(["a"])
        with pytest.raises(RuntimeError):
            writer.write_header(["h"])


def test_booleans_and_large_sheet_streams(tmp_path: Path) -> None:
    rows: list[list[CellValue]] = [[i, f"text {i}", i % 2 == 0] for i in range(30_000)]
    path = write(tmp_path / "big.xlsx", ["n", "t", "b"], rows)  # several ~1 MB batches
    read = calamine_rows(path)
    assert len(read) == 30_001
    assert read[-1] == [29_999.0, "text 29999", False]
    assert read[1] == [0.0, "text 0", True]


def test_column_letters() -> None:
    assert [column_letters(i) for i in (0, 25, 26, 51, 52, 701, 702, 16_383)] == [
        "A", "Z", "AA", "AZ", "BA", "ZZ", "AAA", "XFD"
    ]


@pytest.mark.parametrize(
    ("value", "serial"),
    [
        (dt.date(1900, 1, 1), 1),
        (dt.date(1900, 2, 28), 59),
        (dt.date(1900, 3, 1), 61),  # Excel's fictitious 1900-02-29 is 60
        (dt.datetime(1900, 2, 28, 12), 59.5),  # xlsxwriter says 60.5 here; Excel 59.5
        (dt.datetime(1900, 1, 1, 6), 1.25),
        (dt.date(2000, 1, 2), 36527),
        (dt.date(9999, 12, 31), 2_958_465),
        (dt.date(1899, 12, 31), None),
        (dt.datetime(1899, 12, 31, 23, 59), None),
    ],
)
def test_serial_edge_cases(value: dt.date, serial: float | None) -> None:
    assert excel_serial(value) == serial
    if serial is not None:
        assert to_excel(value) == serial  # openpyxl agrees


@given(st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 12, 31)))
def test_serials_agree_with_xlsxwriter_and_openpyxl(value: dt.datetime) -> None:
    serial = excel_serial(value)
    assert serial == _datetime_to_excel_datetime(value, False, False)
    assert serial is not None
    assert math.isclose(serial, to_excel(value), abs_tol=1e-9)
    assert excel_serial(value.date()) == _datetime_to_excel_datetime(value.date(), False, False)


def test_dates_read_back(tmp_path: Path) -> None:
    dates = [dt.date(1900, 1, 1), dt.date(1900, 2, 28), dt.date(1900, 3, 1), dt.date(2024, 2, 29)]
    path = write(tmp_path / "dates.xlsx", ["d"], [[d] for d in dates])
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    assert [c.value.date() for c in sheet["A"][1:]] == dates
    assert [row[0] for row in calamine_rows(path)[1:]] == dates


SPECIALS = ["_x0041_", "_x005F_", "_x005f_x0041_", "_x", "x0041_", "_", "&", "<", ">", "&amp;",
            "\ufffe", "\uffff", "\ud800", "\udfff", "😀", " ", "\t", "\n", "\r", "\r\n", "]]>"]
TEXT = st.lists(
    st.one_of(
        st.characters(min_codepoint=0, max_codepoint=0x1F),
        st.sampled_from(SPECIALS),
        st.characters(),
        st.text(alphabet=" \t\n", min_size=1),
    ),
    min_size=1,
    max_size=12,
).map("".join)
CALAMINE_KEEPS_ESCAPED = ("\ufffe", "\uffff", *map(chr, range(0xD800, 0xE000)))


@settings(max_examples=60, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=8))
def test_any_text_reads_back_unchanged(texts: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder) / "t.xlsx", ["h"], [texts], {0: {0: texts[0]}})
        with zipfile.ZipFile(path) as package:
            for name in package.namelist():
                ET.fromstring(package.read(name))
        sheet = openpyxl.load_workbook(path).active
        assert sheet is not None
        # openpyxl returns inline strings with Excel's _xHHHH_ escapes still in place
        assert [unescape(str(c.value)) for c in sheet[2]] == texts
        comment = sheet["A2"].comment
        assert comment is not None
        assert unescape(comment.text) == texts[0]
        row = calamine_rows(path)[1]
        for text, got in zip(texts, row, strict=True):
            if not any(c in text for c in CALAMINE_KEEPS_ESCAPED):
                assert got == text


CELL = st.one_of(
    TEXT,
    st.just(""),
    st.none(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(),
    st.datetimes(),
)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=1, max_value=1_000_000),
    st.lists(st.lists(CELL, max_size=6), max_size=6),
    st.dictionaries(
        st.integers(min_value=0, max_value=5),
        st.dictionaries(st.integers(min_value=0, max_value=7), TEXT, min_size=1, max_size=2),
    ),
)
def test_render_rows_is_render_row_for_each_row(
    first: int, rows: list[list[CellValue]], flagged: dict[int, dict[int, str]]
) -> None:
    """The batch renderer (the workers' fast path) writes exactly what the one-row
    renderer writes, and says where each row ends."""
    flagged = {i: f for i, f in flagged.items() if i < len(rows)}
    joined, ends = _xlsx_cells.render_rows(first, rows, flagged)
    singles = [_xlsx_cells.render_row(first + i, r, flagged.get(i)) for i, r in enumerate(rows)]
    assert joined == _xlsx_cells.RenderedRows(
        "".join(s.xml for s in singles),
        max((s.width for s in singles), default=0),
        "".join(s.notes for s in singles),
        tuple(i for s in singles for i in s.notes_at),
    )
    assert [joined.xml[: end] for end in ends] == [
        "".join(s.xml for s in singles[: i + 1]) for i in range(len(rows))
    ]


def test_render_rows_refuses_what_render_row_refuses() -> None:
    with pytest.raises(ValueError, match="32767"):
        _xlsx_cells.render_rows(2, [["ok"], ["x" * 40_000]])
    with pytest.raises(ValueError):
        _xlsx_cells.render_rows(2, [[math.nan]])
