"""XLSX results, written with xlsxwriter in constant-memory mode (rows stream to disk).

What the clinic sees when it opens the file, in Excel or LibreOffice:

* sheet ``Results``: a bold, frozen header with a filter; the ``status`` column
  coloured by status (green: fine, red: needs fixing, amber: not sent / a repeat);
  the ``errors`` column wide, one problem a line, its text wrapped (the row as tall
  as its lines); every other column as wide as its
  content (up to a limit); dates in a date format, plain numbers as numbers (a
  phone column stays text), everything else as text cells, which are never
  evaluated (``=SUM(1)`` stays text);
* the cells with a problem highlighted red, the problem as a note on the cell — the
  first :data:`NOTE_LIMIT` of them; past that the cells are still highlighted (the
  errors column carries every message: a workbook with tens of thousands of notes
  takes minutes to open in LibreOffice);
* sheet ``To be sent`` (when the rows carry their values): per row the values as
  they go to the API (names trimmed, dates ISO, phones E.164, sex 1/2, …), so a
  wrong reading — a ``+358`` that should have been ``+49`` — can be seen.

A cell Excel cannot hold (more than 32,767 characters) or more rows than a sheet
holds is an :class:`InputError` saying to write CSV instead; nothing is truncated.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from aniva_import.errors import InputError
from aniva_import.files import create_private_beside
from aniva_import.results import XLSX_MARKER
from aniva_import.results.row import FinishedRow
from aniva_import.rules import API_FIELDS
from aniva_import.types import RESULT_COLUMNS, Status

#: notes (comments) written at most; further problem cells are highlighted only
NOTE_LIMIT = 2000
MAX_ROWS = 1_048_576
#: column widths in characters: fitted to the content between these
_MIN_WIDTH, _MAX_WIDTH, _ERRORS_WIDTH, _DATE_WIDTH = 6, 50, 70, 11
#: characters of a problem's text on one line of the errors column
_ERRORS_LINE = 80
#: a text that is written as a number: no leading zero, at most 11 digits before an
#: optional decimal point (longer digit strings are identifiers, shown as typed)
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]{0,10})(?:\.[0-9]{1,10})?")

_GREEN = {"bg_color": "#C6EFCE", "font_color": "#006100"}
_RED = {"bg_color": "#FFC7CE", "font_color": "#9C0006"}
_AMBER = {"bg_color": "#FFEB9C", "font_color": "#9C5700"}
_STATUS_LOOK = {
    Status.VALID: _GREEN, Status.CREATED: _GREEN, Status.ALREADY_IMPORTED: _GREEN,
    Status.INVALID: _RED, Status.FAILED: _RED,
    Status.DUPLICATE: _AMBER, Status.UNKNOWN: _AMBER, Status.NOT_SENT: _AMBER,
}
_DATE_FORMAT, _DATETIME_FORMAT = "yyyy-mm-dd", "yyyy-mm-dd hh:mm"


class _TooLong(Exception):
    """A cell longer than Excel's limit."""


def _check_width(columns: Sequence[str]) -> None:
    if len(columns) > 16_384:
        raise IndexError("more columns than Excel holds")


class _Sheet:
    """One streamed sheet and the widths its content needs."""

    def __init__(self, sheet: Worksheet, headers: Sequence[str], bold: Any) -> None:
        self.sheet = sheet
        self.widths = [max(_MIN_WIDTH, min(_MAX_WIDTH, len(h) + 3)) for h in headers]
        self.columns = len(headers)
        for col, header in enumerate(headers):
            sheet.write_string(0, col, header, bold)
        sheet.freeze_panes(1, 0)
        # printed (or as PDF): landscape, every column on one page's width, the header
        # on every page
        sheet.set_landscape()
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(0)
        self.last_row = 0

    def text(self, row: int, col: int, value: str, look: Any = None) -> None:
        code = self.sheet.write_string(row, col, value, look)
        if code == -2:
            raise _TooLong
        if code == -1:
            raise IndexError
        if col < len(self.widths):
            width = len(value) + 2 if len(value) < _MAX_WIDTH else _MAX_WIDTH
            if width > self.widths[col]:
                self.widths[col] = width

    def finish(self, fixed: Mapping[int, tuple[float, Any]]) -> None:
        for col, width in enumerate(self.widths):
            if col in fixed:
                size, look = fixed[col]
                self.sheet.set_column(col, col, size, look)
            else:
                self.sheet.set_column(col, col, width)
        if self.columns:
            self.sheet.autofilter(0, 0, self.last_row, self.columns - 1)


class XlsxResultsWriter:
    """A plain sink: rows in, a workbook out; committed (renamed into place) when complete.

    ``field_positions`` maps API fields to their column among ``headers`` (for the
    notes on problem cells); ``alternates`` maps a column that stands in for a
    field's column on some rows (the landline a missing mobile number falls back
    to) by its header to its position; ``values``: write the ``To be sent`` sheet.
    """

    def __init__(
        self,
        path: Path,
        headers: Sequence[str],
        *,
        field_positions: Mapping[str, int],
        alternates: Mapping[str, int] | None = None,
        values: bool = False,
        field_headers: Mapping[str, str] | None = None,
    ) -> None:
        self.path = path
        self._positions = dict(field_positions)
        self._alternates = dict(alternates or {})
        self._offset = len(RESULT_COLUMNS)
        phone = self._positions.get("phone")
        self._text_only = {self._offset + p for p in (phone, *self._alternates.values())
                           if p is not None}
        fd, self._temp = create_private_beside(path)
        os.close(fd)
        self._notes = 0
        self._next = 1
        try:
            book = self._book = xlsxwriter.Workbook(
                str(self._temp),
                {"constant_memory": True, "tmpdir": str(path.parent),
                 "strings_to_numbers": False, "strings_to_formulas": False,
                 "strings_to_urls": False},
            )
            book.set_custom_property("generator", XLSX_MARKER)
            self._formats(book)
            columns = [*RESULT_COLUMNS, *headers]
            _check_width(columns)
            self._results = _Sheet(book.add_worksheet("Results"), columns, self._bold)
            self._values: _Sheet | None = None
            if values:
                names = field_headers or {}
                value_headers = ["row", "status"] + [
                    f"{f} ({names[f]})" if names.get(f) else f for f in API_FIELDS
                ]
                self._values = _Sheet(book.add_worksheet("To be sent"), value_headers,
                                      self._bold)
        except (IndexError, _TooLong):
            self._close_and_unlink()
            raise InputError(
                f"The results cannot be written as Excel ({path.name}): the file has more "
                "columns or longer headers than Excel allows; write them as CSV instead "
                "(--results FILE.csv)."
            ) from None
        except BaseException:
            self._close_and_unlink()
            raise

    def _formats(self, book: xlsxwriter.Workbook) -> None:
        add = book.add_format
        self._bold = add({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        self._status = {s: add({**look, "bold": True}) for s, look in _STATUS_LOOK.items()}
        self._bad = add(_RED)
        self._date = add({"num_format": _DATE_FORMAT, "align": "left"})
        self._datetime = add({"num_format": _DATETIME_FORMAT, "align": "left"})
        self._bad_date = add({**_RED, "num_format": _DATE_FORMAT, "align": "left"})
        self._bad_datetime = add({**_RED, "num_format": _DATETIME_FORMAT, "align": "left"})
        self._wrap = add({"text_wrap": True, "valign": "top"})

    def _close_and_unlink(self) -> None:
        try:
            if hasattr(self, "_book"):
                with contextlib.suppress(Exception):  # the half-written file goes anyway
                    self._book.close()
        finally:
            self._temp.unlink(missing_ok=True)

    def _flags(self, row: FinishedRow) -> dict[int, str]:
        """Column → the note of each problem cell of a row."""
        flags: dict[int, str] = {}
        positions, alternates, offset = self._positions, self._alternates, self._offset
        for problem in row.problems:
            position = alternates.get(problem.column)
            if position is None:
                position = positions.get(problem.field or "")
            if position is not None:
                note = f"{problem.message} [{problem.code}]"
                col = offset + position
                flags[col] = f"{flags[col]}\n{note}" if col in flags else note
        return flags

    def write(self, rows: Sequence[FinishedRow]) -> None:
        """Append finished rows, in file order."""
        if self._next + len(rows) > MAX_ROWS:
            raise InputError(
                f"The file has more rows than an Excel sheet holds ({self.path.name}); "
                "write the results as CSV instead (--results FILE.csv)."
            )
        for row in rows:
            try:
                self._write_row(row)
            except _TooLong:
                raise InputError(
                    f"Row {row.row} has a cell longer than Excel's 32,767 characters; write "
                    "the results as CSV instead (--results FILE.csv)."
                ) from None

    def _write_row(self, row: FinishedRow) -> None:
        results, n = self._results, self._next
        sheet = results.sheet
        sheet.write_number(n, 0, row.row)
        results.text(n, 1, row.status.value, self._status.get(row.status))
        if row.profile_id:
            results.text(n, 2, row.profile_id)
        if row.problems:
            # one problem a line, the row as tall as its lines (a program that opens the
            # file does not measure wrapped text itself: LibreOffice overlaps it)
            lines = [p.render() for p in row.problems]
            tall = sum(1 + len(line) // _ERRORS_LINE for line in lines)
            if tall > 1:
                sheet.set_row(n, min(409, 15 * tall))
            results.text(n, 3, "\n".join(lines), self._wrap)
        flags = self._flags(row) if row.problems else None
        offset, text_only, number = self._offset, self._text_only, _NUMBER.fullmatch
        for index, cell in enumerate(row.cells):
            col = offset + index
            bad = flags is not None and col in flags
            if type(cell) is str:
                if not cell:
                    if bad:
                        sheet.write_blank(n, col, None, self._bad)
                    continue
                if col not in text_only and number(cell):
                    sheet.write_number(n, col, float(cell), self._bad if bad else None)
                    results.widths[col] = max(results.widths[col], len(cell) + 2)
                else:
                    results.text(n, col, cell, self._bad if bad else None)
            elif isinstance(cell, dt.date):
                self._date_cell(n, col, cell, bad)
        if flags:
            if len(row.cells) + offset < results.columns:
                for col in flags:
                    if col >= len(row.cells) + offset:
                        sheet.write_blank(n, col, None, self._bad)
            for col, note in flags.items():
                if self._notes < NOTE_LIMIT:
                    sheet.write_comment(n, col, note, {"x_scale": 2, "y_scale": 1.5})
                    self._notes += 1
        results.last_row = n
        if self._values is not None:
            self._write_values(n, row)
        self._next = n + 1

    def _date_cell(self, n: int, col: int, cell: dt.date, bad: bool) -> None:
        results = self._results
        if cell.year < 1900:  # no Excel serial: ISO text
            results.text(n, col, cell.isoformat(), self._bad if bad else None)
            return
        if isinstance(cell, dt.datetime):
            look = self._bad_datetime if bad else self._datetime
            results.sheet.write_datetime(n, col, cell, look)
            width = 18
        else:
            look = self._bad_date if bad else self._date
            results.sheet.write_datetime(
                n, col, dt.datetime(cell.year, cell.month, cell.day), look
            )
            width = _DATE_WIDTH + 1
        results.widths[col] = max(results.widths[col], width)

    def _write_values(self, n: int, row: FinishedRow) -> None:
        sheet = self._values
        assert sheet is not None
        sheet.sheet.write_number(n, 0, row.row)
        sheet.text(n, 1, row.status.value, self._status.get(row.status))
        if row.values is None:
            return
        for index, value in enumerate(row.values, start=2):
            if value is None:
                continue
            if isinstance(value, str):
                sheet.text(n, index, value)
            else:
                sheet.sheet.write_number(n, index, value)
                sheet.widths[index] = max(sheet.widths[index], len(str(value)) + 2)
        sheet.last_row = n

    def commit(self) -> None:
        try:
            errors_col = {3: (_ERRORS_WIDTH, self._wrap)}
            self._results.finish(errors_col)
            if self._values is not None:
                self._values.last_row = max(self._values.last_row, self._results.last_row)
                self._values.finish({})
            self._book.close()
            self._temp.replace(self.path)
        except BaseException:
            self._temp.unlink(missing_ok=True)
            raise

    def discard(self) -> None:
        self._close_and_unlink()
