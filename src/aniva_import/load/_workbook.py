"""Workbook reader (.xlsx, .xlsm, .xls, .ods) for the load stage.

python-calamine reads all four formats and gives formulas' cached values.
It loads one sheet into memory (Excel caps a sheet at about a million rows);
the rows are then converted to :data:`~aniva_import.types.Cell` values chunk by
chunk, so only one extra copy (one chunk) ever exists on the Python side.

Cells: text stays text (a serial number typed as text stays that text); a
number becomes its digits as Excel shows them at 15 significant digits, no
``.0`` and no exponent (so a phone number or ZIP stored as a number reads
``491701234567`` / ``10115``); TRUE/FALSE for booleans; a date cell becomes
``date`` (``datetime`` when it has a time part, rounded to the second); a
time-only cell becomes its ``HH:MM:SS`` text; an error cell (``#N/A``) of an
.xlsx/.xlsm becomes its error text (calamine reads it as empty; the container
check finds it), so that it is reported, never silently empty.  Both date
systems (1900, 1904) are applied by calamine; ``date1904`` is reported for
.xlsx/.xlsm.

Before calamine sees a file, :mod:`aniva_import.load._workbook_zip` checks the
container (damaged, password-protected, zip bombs).  Every calamine failure
(including a Rust panic) becomes an InputError too.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import python_calamine

from aniva_import.errors import InputError
from aniva_import.load._error_cells import (
    ErrorCells,
    UnreadableSheet,
    read_error_cells,
    sheet_part,
)
from aniva_import.load._formats import Kind
from aniva_import.load._table import Chunk, SourceInfo, Table, fit_row, make_chunk, trim_header
from aniva_import.load._workbook_zip import check_xls, check_zip, damaged, password_protected
from aniva_import.problems import Problem
from aniva_import.types import Cell

_MIDNIGHT = datetime.time(0, 0)
_HALF_SECOND = datetime.timedelta(microseconds=500_000)


# --------------------------------------------------------------------------- calamine


def _calamine_error(path: Path, kind: Kind, exc: BaseException) -> InputError:
    if isinstance(exc, python_calamine.PasswordError) or "password" in str(exc).lower():
        return password_protected(path)
    return damaged(path, kind)


def _open_calamine(path: Path, kind: Kind) -> Any:
    try:
        return python_calamine.CalamineWorkbook.from_path(str(path))
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - calamine raises Rust panics as BaseException
        raise _calamine_error(path, kind, exc) from None


def _choose_sheet(path: Path, workbook: Any, wanted: str | None) -> str:
    metadata = list(workbook.sheets_metadata)
    names = [m.name for m in metadata]
    worksheets = [m for m in metadata if m.typ == python_calamine.SheetTypeEnum.WorkSheet]
    if wanted is None:
        visible = [m for m in worksheets if m.visible == python_calamine.SheetVisibleEnum.Visible]
        chosen = (visible or worksheets or [None])[0]
        if chosen is None:
            raise InputError(f"{path} has no worksheet to read")
        return str(chosen.name)
    if wanted not in names:
        folded = [n for n in names if n.strip().casefold() == wanted.strip().casefold()]
        if len(folded) != 1:
            listed = ", ".join(repr(n) for n in names)
            raise InputError(f"{path} has no sheet named {wanted!r}; its sheets are {listed}")
        wanted = folded[0]
    if not any(m.name == wanted for m in worksheets):
        raise InputError(f"{path}: sheet {wanted!r} is not a worksheet (it holds no table)")
    return wanted


def open_workbook(path: Path, kind: Kind, sheet: str | None) -> WorkbookTable:
    """Validate a workbook, pick its sheet and find the header row."""
    with path.open("rb") as f:
        head = f.read(8)
    if kind == "xls":
        check_xls(path, head)
        date1904, hinted = False, frozenset[str]()
    else:
        facts = check_zip(path, kind, head)
        date1904, hinted = facts.date1904, facts.may_hold_errors
    workbook = _open_calamine(path, kind)
    try:
        name = _choose_sheet(path, workbook, sheet)
        try:
            data = workbook.get_sheet_by_name(name)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - Rust panics too
            raise _calamine_error(path, kind, exc) from None
    finally:
        workbook.close()
    errors = _sheet_errors(path, kind, name, hinted) if hinted else None
    info = SourceInfo(path=path, kind=kind, sheet=name, date1904=date1904)
    start = data.start
    if start is not None:
        first_column = int(start[1])
        for number, raw in _rows_restored(data.iter_rows(), errors, first_column):
            cells = [convert_cell(v) for v in raw]
            if _has_content(cells):
                headers = trim_header(cells)
                return WorkbookTable(info, headers, number, data, first_column, errors)
    where = f"sheet {name!r} of {path}" if sheet is not None else str(path)
    raise InputError(f"{where} is empty: no header row found")


def _sheet_errors(path: Path, kind: Kind, sheet: str, hinted: frozenset[str]) -> ErrorCells | None:
    """The chosen sheet's error cells, when its XML may hold any (.xlsx/.xlsm)."""
    if kind not in ("xlsx", "xlsm"):
        return None
    part = sheet_part(path, sheet)
    if part is None or part not in hinted:
        return None
    try:
        return read_error_cells(path, part)
    except UnreadableSheet:
        raise damaged(path, kind) from None


def _rows_restored(
    rows: Iterator[list[Any]], errors: ErrorCells | None, first_column: int
) -> Iterator[tuple[int, list[Any]]]:
    """The sheet's rows, numbered from 1, with the error cells' text put back."""
    if errors is None:
        yield from enumerate(rows, start=1)
        return
    pending = errors.by_row()
    next_row, cells = next(pending, (0, []))
    for number, raw in enumerate(rows, start=1):
        while next_row and next_row < number:
            next_row, cells = next(pending, (0, []))
        yield number, (_restore_errors(raw, cells, first_column) if next_row == number else raw)


def _restore_errors(raw: list[Any], errors: list[tuple[int, str]], first_column: int) -> list[Any]:
    """The row with its error cells' text back in place of calamine's empty cells."""
    raw = list(raw)
    for column, text in errors:
        index = column - first_column
        if 0 <= index < len(raw) and raw[index] in ("", None):
            raw[index] = text
    return raw


# --------------------------------------------------------------------------- cells


def number_text(value: float) -> str:
    """A number as Excel shows it in a General cell, but never with an exponent."""
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    if value.is_integer() and -1e15 < value < 1e15:  # exact: at most 15 digits
        return str(int(value))
    return format(Decimal(f"{value:.15g}"), "f")


def convert_cell(value: object) -> Cell:
    """One calamine value as a :data:`Cell`."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return number_text(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.datetime):
        if value.microsecond:
            value = (value + _HALF_SECOND).replace(microsecond=0)
        return value.date() if value.time() == _MIDNIGHT else value
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, datetime.time):
        return value.replace(microsecond=0).isoformat()
    if value is None:
        return ""
    return str(value)


def _has_content(cells: list[Cell]) -> bool:
    return any(c.strip() if isinstance(c, str) else True for c in cells)


# --------------------------------------------------------------------------- table


class WorkbookTable(Table):
    """One sheet of a workbook, held by calamine; converted chunk by chunk."""

    def __init__(
        self,
        info: SourceInfo,
        headers: tuple[str, ...],
        header_row: int,
        sheet: Any,
        first_column: int,
        errors: ErrorCells | None = None,
    ) -> None:
        super().__init__(info, headers, header_row)
        self._sheet = sheet
        self._first_column = first_column
        self._errors = errors

    @property
    def rows_at_most(self) -> int:
        # the sheet's used range from the header row down (blank rows included)
        start = self._sheet.start
        first = int(start[0]) if start is not None else 0
        return max(0, first + int(self._sheet.height) - self.header_row)

    def chunks(self, rows: int = 20_000) -> Iterator[Chunk]:
        if rows < 1:
            raise ValueError("rows must be at least 1")
        width = len(self.headers)
        header_row = self.header_row
        first_column = self._first_column
        buffer: list[list[Any]] = []
        numbers: list[int] = []
        problems: list[Problem] = []
        yielded = False
        for number, raw in _rows_restored(self._sheet.iter_rows(), self._errors, first_column):
            if number <= header_row:
                continue
            # blank rows are skipped here; other cells are converted in the worker.
            # Most rows start with a filled cell: look at the others only when not.
            first = raw[0] if raw else None
            if not (first.strip() if type(first) is str else first is not None) and not any(
                v.strip() if type(v) is str else v is not None for v in raw
            ):
                continue
            if len(raw) != width:
                cells = [v if type(v) is str else convert_cell(v) for v in raw]
                raw = fit_row(cells, width, number, first_column, problems)
            buffer.append(raw)
            numbers.append(number)
            if len(buffer) >= rows:
                yield make_chunk(buffer, numbers, width, problems, convert_cell)
                yielded = True
                buffer, numbers, problems = [], [], []
        if buffer or not yielded:
            yield make_chunk(buffer, numbers, width, problems, convert_cell)
