"""Workbook reader (.xlsx, .xlsm, .xls, .ods) for the load stage.

The file is opened once; the container check (:mod:`_workbook_zip`: damaged,
password-protected, zip bombs, how far each sheet's cells reach) reads it, and the
parser's own process (:mod:`_isolated`, :mod:`_child`) parses that same open file:
calamine, or xlrd/openpyxl where calamine refuses a file they read.  A parser that
aborts, spins or runs out of memory costs that process only: the file is refused
with "could not be read safely".  The chosen sheet's rows come back as compact
blocks, kept here and turned into :data:`~aniva_import.types.Cell` values chunk by
chunk (in the worker, see :class:`~aniva_import.load.Chunk`).

Cells: text stays text (a serial number typed as text stays that text); a
number becomes its digits as Excel shows them at 15 significant digits, no
``.0`` and no exponent (so a phone number or ZIP stored as a number reads
``491701234567`` / ``10115``), or its digits with leading zeros when its format
shows them (``.xlsx``); TRUE/FALSE for booleans; a date cell becomes ``date``
(``datetime`` when it has a time part, rounded to the second); a time-only cell
becomes its ``HH:MM:SS`` text; an error cell (``#N/A``) becomes its error text in
every format, so that it is reported, never silently empty; a formula without a
saved value (``.xlsx``/``.xlsm``/``.ods`` written by a program that never calculated
it) reads as ``""`` and its place goes with the chunk (``Chunk.uncalculated``), to be
reported, never taken for an empty cell (a row of nothing else is kept for it).  Both date systems
(1900, 1904) are applied by the reader; ``date1904`` is reported for .xlsx/.xlsm.

Messages never name a sheet (a workbook with one sheet per patient names patients):
sheets are counted from 1, and ``--sheet`` takes a position as well as a name.
"""

from __future__ import annotations

import datetime
import math
import os
import re
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from aniva_import.errors import InputError
from aniva_import.load._formats import Kind
from aniva_import.load._header import LEADING_ROWS, Recognise, choose_header
from aniva_import.load._isolated import (
    DEFAULT_LIMITS,
    ParserFailed,
    ParserLimits,
    ParserProcess,
    load_block,
)
from aniva_import.load._parse import MAX_FILLED_REPEAT, MAX_SHEET_CELLS
from aniva_import.load._table import (
    Chunk,
    SourceInfo,
    Table,
    ascii_needles,
    fit_row,
    make_chunk,
    trim_header,
)
from aniva_import.load._workbook_zip import check_xls, check_zip, damaged, password_protected
from aniva_import.problems import Problem
from aniva_import.types import Cell, column_letter

_MIDNIGHT = datetime.time(0, 0)
_HALF_SECOND = datetime.timedelta(microseconds=500_000)


# --------------------------------------------------------------------------- opening


def open_workbook(
    path: Path,
    kind: Kind,
    sheet: str | None,
    file: IO[bytes],
    *,
    recognise: Recognise | None = None,
    limits: ParserLimits = DEFAULT_LIMITS,
) -> WorkbookTable:
    """Check the open workbook, parse its sheet in the parser's process, find the header."""
    fd = file.fileno()
    head = os.pread(fd, 8, 0)
    request: dict[str, Any] = {"kind": kind, "sheet": sheet}
    date1904 = False
    parser = ParserProcess(fd)  # it starts up while the container is checked
    try:
        if kind == "xls":
            check_xls(path, head, file)
        else:
            facts = check_zip(path, kind, head, file)
            date1904 = facts.date1904
            request["hinted"] = sorted(facts.may_hold_errors)
            request["claims"] = {part: list(claim) for part, claim in facts.claims.items()}
        parsed = parser.parse(fd, os.fstat(fd).st_size, request, limits)
    except ParserFailed as failed:
        raise _refusal(path, kind, failed, limits) from None
    finally:
        parser.close()
    facts_of = parsed.facts
    info = SourceInfo(
        path=path, kind=kind, sheet=str(facts_of["sheet"]), date1904=date1904,
        sheet_index=int(facts_of["index"]), sheets=int(facts_of["count"]),
    )
    last_row = int(facts_of["height"])  # the sheet row number of the used range's last row
    uncalculated: dict[int, list[int]] = {}
    for row, column in facts_of.get("uncalculated") or ():
        uncalculated.setdefault(int(row), []).append(int(column))
    table = WorkbookTable(info, (), 0, parsed.blocks, int(facts_of["first_column"]), last_row)
    candidates = []
    for number, raw in table.raw_rows():
        cells = [convert_cell(v) for v in raw]
        if _has_content(cells):
            candidates.append((number, cells))
            if len(candidates) >= LEADING_ROWS:
                break
    choice = choose_header(path, candidates, recognise)
    if choice is None:
        raise _empty(path, info, facts_of.get("with_data") or [])
    return WorkbookTable(
        info, trim_header(choice.cells), choice.row, parsed.blocks, table.first_column,
        last_row, trusted=choice.trusted, skipped=choice.skipped, uncalculated=uncalculated,
    )


def _empty(path: Path, info: SourceInfo, with_data: list[int]) -> InputError:
    where = f"sheet {info.sheet_index} of {path}" if info.sheets and info.sheets > 1 else str(path)
    if not with_data:
        return InputError(f"{where} is empty: no header row found")
    listed = ", ".join(str(i) for i in with_data)
    sheets = "sheet" if len(with_data) == 1 else "sheets"
    return InputError(
        f"{where} is empty, but {sheets} {listed} of its {info.sheets} sheets hold data: "
        f"choose one with --sheet {with_data[0]} (a sheet's position or its name)"
    )


def _refusal(path: Path, kind: Kind, failed: ParserFailed, limits: ParserLimits) -> InputError:
    code, details = failed.code, failed.details
    if code == "damaged":
        return damaged(path, kind)
    if code == "password":
        return password_protected(path)
    if code == "no_worksheet":
        return InputError(f"{path} has no worksheet to read")
    if code == "no_such_sheet":
        count = int(details.get("count", 0))
        return InputError(
            f"{path} has no sheet of that name; give --sheet its exact name or its "
            f"position (1 to {count}: the workbook has {count} sheets)"
        )
    if code == "not_worksheet":
        return InputError(
            f"{path}: sheet {details.get('index')} is not a worksheet (it holds no table); "
            "choose another with --sheet"
        )
    if code == "too_large":
        columns, rows = int(details.get("columns", 0)), int(details.get("rows", 0))
        return InputError(
            f"{path} has cells as far as column {column_letter(max(columns - 1, 0))} and "
            f"row {rows:,}, more than a sheet can be read safely ({MAX_SHEET_CELLS:,} "
            "cells); delete the rows and columns beyond the patient list (Ctrl+End shows "
            "the last cell), save and try again"
        )
    if code == "repeated":
        return InputError(
            f"{path} repeats one filled row or cell {int(details.get('times', 0)):,} times "
            f"(a patient list never repeats one more than {MAX_FILLED_REPEAT:,} times), so "
            "it was not read; save it again from the program that made it and try again"
        )
    if code == "errors":
        return InputError(
            f"{path}: more than {int(details.get('limit', 0)):,} cells show a spreadsheet "
            "error (#N/A, #REF! …); correct the formulas, save and try again"
        )
    why = {
        "timeout": f"it took longer than {limits.deadline(0):.0f} seconds and more for its size",
        "memory": f"it needed more than {limits.memory_bytes >> 30} GiB of memory",
    }.get(code, "the workbook reader stopped on it")
    return InputError(
        f"{path} could not be read safely ({why}), so it was not read; open it in Excel "
        "or LibreOffice, save it again and try again"
    )


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
    """One sheet of a workbook, held as the parser sent it; converted chunk by chunk."""

    def __init__(
        self,
        info: SourceInfo,
        headers: tuple[str, ...],
        header_row: int,
        blocks: list[bytes],
        first_column: int,
        last_row: int,
        *,
        trusted: bool = False,
        skipped: int = 0,
        uncalculated: dict[int, list[int]] | None = None,
    ) -> None:
        super().__init__(info, headers, header_row, trusted=trusted, skipped=skipped)
        self._blocks = blocks
        self.first_column = first_column
        self._last_row = last_row
        #: sheet row → the sheet columns (from 0) holding a formula without a value
        self._uncalculated = uncalculated or {}

    @property
    def rows_at_most(self) -> int:
        # the sheet's used range from the header row down (blank rows included)
        return max(0, self._last_row - self.header_row)

    def may_contain(self, patterns: Sequence[re.Pattern[str]]) -> bool:
        """Searched in the blocks as the parser sent them (a text cell is its UTF-8 bytes
        there, between binary opcodes that can only add matches, never hide one): a few
        milliseconds, where reading the cells takes a pass over the sheet."""
        needles = ascii_needles(patterns)
        if needles is None:
            return True
        return any(needle.search(block) for block in self._blocks for needle in needles)

    def raw_rows(self) -> Iterator[tuple[int, list[Any]]]:
        """Every row the parser sent (blank ones too), with its sheet row number."""
        for payload in self._blocks:
            numbers, rows = load_block(payload)
            yield from zip(numbers, rows, strict=True)

    def chunks(self, rows: int = 20_000) -> Iterator[Chunk]:
        if rows < 1:
            raise ValueError("rows must be at least 1")
        width = len(self.headers)
        header_row = self.header_row
        first_column = self.first_column
        buffer: list[list[Any]] = []
        numbers: list[int] = []
        problems: list[Problem] = []
        uncalculated: list[tuple[int, int]] = []
        formulas = self._uncalculated
        yielded = False
        for payload in self._blocks:
            block_numbers, block_rows = load_block(payload)
            for number, raw in zip(block_numbers, block_rows, strict=True):
                if number <= header_row:
                    continue
                places = None
                if formulas and number in formulas:
                    places = [c - first_column for c in formulas[number]
                              if 0 <= c - first_column < width]
                # blank rows are skipped here (not one whose formulas hold no value yet);
                # other cells are converted in the worker.
                # Most rows start with a filled cell: look at the others only when not.
                first = raw[0] if raw else None
                if not (first.strip() if type(first) is str else first is not None) and not any(
                    v.strip() if type(v) is str else v is not None for v in raw
                ) and not places:
                    continue
                if len(raw) != width:
                    cells = [v if type(v) is str else convert_cell(v) for v in raw]
                    raw = fit_row(cells, width, number, first_column, problems)
                if places:
                    uncalculated.extend((number, position) for position in sorted(places))
                buffer.append(raw)
                numbers.append(number)
                if len(buffer) >= rows:
                    yield make_chunk(buffer, numbers, width, problems, convert_cell, uncalculated)
                    yielded = True
                    buffer, numbers, problems, uncalculated = [], [], [], []
        if buffer or not yielded:
            yield make_chunk(buffer, numbers, width, problems, convert_cell, uncalculated)
