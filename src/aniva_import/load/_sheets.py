"""The workbook readers behind one small interface — run in the parser's own process.

:func:`open_book` opens a workbook with calamine and, where calamine refuses a file
a well-kept reader reads, with that reader: xlrd for ``.xls`` (Excel 2.x–4.0
worksheets, Quattro Pro's code page, and it tells an encrypted file from a damaged
one), openpyxl for ``.xlsx``/``.xlsm`` (macro and dialog sheets).  Every reader
gives the same cells: text, numbers, booleans, dates and times; ``""`` for empty.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from typing import Any, BinaryIO, Protocol

from aniva_import.load._child import Refusal

Row = list[Any]


@dataclass
class Sheet:
    """One sheet's used range (``first_row``, ``first_column`` from 0) and its rows,
    from the used range's first row (blank rows included)."""

    first_row: int
    first_column: int
    height: int
    width: int
    source: Any

    def rows(self) -> list[Row]:
        rows: list[Row] = self.source()
        return rows


class Book(Protocol):
    reader: str
    sheet_names: list[str]
    worksheets: list[bool]
    visible: list[bool]
    date1904: bool

    def sheet(self, index: int) -> Sheet: ...


def choose(book: Book, wanted: str | None) -> int:
    """The sheet to read: ``wanted`` by exact name, by name ignoring case and spaces,
    or by its position (``2``); by default the first visible worksheet."""
    names = book.sheet_names
    worksheets = [i for i, is_sheet in enumerate(book.worksheets) if is_sheet]
    if wanted is None:
        visible = [i for i in worksheets if book.visible[i]]
        if not (visible or worksheets):
            raise Refusal("no_worksheet")
        return (visible or worksheets)[0]
    if wanted in names:
        index = names.index(wanted)
    else:
        key = wanted.strip().casefold()
        folded = [i for i, n in enumerate(names) if n.strip().casefold() == key]
        if len(folded) == 1:
            index = folded[0]
        elif wanted.strip().isdigit() and 1 <= int(wanted) <= len(names):
            index = int(wanted) - 1
        else:
            raise Refusal("no_such_sheet", count=len(names))
    if index not in worksheets:
        raise Refusal("not_worksheet", index=index + 1)
    return index


def sheets_with_data(book: Book, exclude: int) -> list[int]:
    """The positions (from 1) of the other worksheets that hold any cell."""
    found = []
    for index, is_sheet in enumerate(book.worksheets):
        if index == exclude or not is_sheet:
            continue
        try:
            sheet = book.sheet(index)
        except Refusal:
            continue
        if sheet.height and any(
            row.count("") + row.count(None) != len(row) for row in sheet.rows()
        ):
            found.append(index + 1)  # (a sheet's rows are bounded like the chosen one's)
    return found


class _Opened(Book):
    """What every reader shares: choosing a sheet."""

    def choose(self, wanted: str | None) -> int:
        return choose(self, wanted)

    def sheets_with_data(self, exclude: int) -> list[int]:
        return sheets_with_data(self, exclude)


def open_book(source: BinaryIO, kind: str) -> _Opened:
    """The workbook, read by calamine or, where it refuses the file, by the fallback."""
    try:
        return CalamineBook(source)
    except _CalamineRefused as refused:
        if refused.password:
            raise Refusal("password") from None
        source.seek(0)
        if kind == "xls":
            return XlrdBook(source.read())
        if kind in ("xlsx", "xlsm"):
            return OpenpyxlBook(source)
        raise Refusal("damaged") from None


# --------------------------------------------------------------------------- calamine


class _CalamineRefused(Exception):
    def __init__(self, password: bool) -> None:
        super().__init__("refused")
        self.password = password


def _calamine_refused(exc: BaseException) -> _CalamineRefused:
    import python_calamine

    password = isinstance(exc, python_calamine.PasswordError) or "password" in str(exc).lower()
    return _CalamineRefused(password)


class CalamineBook(_Opened):
    reader = "calamine"
    date1904 = False

    def __init__(self, source: BinaryIO) -> None:
        import python_calamine

        try:
            self._book = python_calamine.CalamineWorkbook.from_filelike(source)
            metadata = list(self._book.sheets_metadata)
        except (KeyboardInterrupt, SystemExit):
            raise
        except MemoryError:
            raise
        except BaseException as exc:  # noqa: BLE001 - a Rust panic is a BaseException
            raise _calamine_refused(exc) from None
        self.sheet_names = [m.name for m in metadata]
        self.worksheets = [m.typ == python_calamine.SheetTypeEnum.WorkSheet for m in metadata]
        self.visible = [m.visible == python_calamine.SheetVisibleEnum.Visible for m in metadata]

    def sheet(self, index: int) -> Sheet:
        try:
            data = self._book.get_sheet_by_index(index)
        except (KeyboardInterrupt, SystemExit, MemoryError):
            raise
        except BaseException as exc:  # noqa: BLE001 - Rust panics too
            refused = _calamine_refused(exc)
            raise Refusal("password" if refused.password else "damaged") from None
        start = data.start
        if start is None:
            return Sheet(0, 0, 0, 0, list)
        return Sheet(int(start[0]), int(start[1]), int(data.height), int(data.width),
                     data.to_python)


# --------------------------------------------------------------------------- xlrd


class XlrdBook(_Opened):
    """``.xls`` by xlrd: BIFF2 to BIFF8, every code page it knows."""

    reader = "xlrd"

    def __init__(self, data: bytes) -> None:
        import xlrd

        try:
            self._book = xlrd.open_workbook(
                file_contents=data, on_demand=True, logfile=io.StringIO(), ragged_rows=True
            )
        except xlrd.XLRDError as exc:
            raise Refusal("password" if "encrypt" in str(exc).lower() else "damaged") from None
        except (MemoryError, RecursionError):
            raise
        except Exception:  # noqa: BLE001 - xlrd raises anything on a damaged file
            raise Refusal("damaged") from None
        self.sheet_names = list(self._book.sheet_names())
        self.worksheets = [True] * len(self.sheet_names)
        states = getattr(self._book, "_sheet_visibility", None) or [0] * len(self.sheet_names)
        self.visible = [state == 0 for state in states]
        self.date1904 = bool(self._book.datemode)

    def sheet(self, index: int) -> Sheet:
        try:
            sheet = self._book.sheet_by_index(index)
        except (MemoryError, RecursionError):
            raise
        except Exception:  # noqa: BLE001
            raise Refusal("damaged") from None
        width = max((sheet.row_len(r) for r in range(sheet.nrows)), default=0)
        return Sheet(0, 0, sheet.nrows, width, lambda: self._rows(sheet))

    def _rows(self, sheet: Any) -> list[Row]:
        return [[self.value(cell) for cell in sheet.row(r)] for r in range(sheet.nrows)]

    def value(self, cell: Any) -> Any:
        import xlrd

        kind = cell.ctype
        if kind == xlrd.XL_CELL_DATE:
            try:
                return xlrd.xldate.xldate_as_datetime(cell.value, self._book.datemode)
            except (xlrd.xldate.XLDateError, ValueError, OverflowError):
                return cell.value
        if kind == xlrd.XL_CELL_ERROR:
            return xlrd.error_text_from_code.get(cell.value, "#VALUE!")
        if kind == xlrd.XL_CELL_BOOLEAN:
            return bool(cell.value)
        if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
            return ""
        return cell.value


# --------------------------------------------------------------------------- openpyxl


class OpenpyxlBook(_Opened):
    """``.xlsx``/``.xlsm`` by openpyxl (read-only, cached values)."""

    reader = "openpyxl"

    def __init__(self, source: BinaryIO) -> None:
        import warnings

        import openpyxl

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._book = openpyxl.load_workbook(
                    source, read_only=True, data_only=True, keep_links=False
                )
        except (MemoryError, RecursionError):
            raise
        except Exception:  # noqa: BLE001 - anything on a damaged file
            raise Refusal("damaged") from None
        self.sheet_names = list(self._book.sheetnames)
        sheets = [self._book[name] for name in self.sheet_names]
        self.worksheets = [hasattr(s, "iter_rows") for s in sheets]
        self.visible = [getattr(s, "sheet_state", "visible") == "visible" for s in sheets]
        self.date1904 = bool(getattr(self._book, "epoch", None) and self._book.epoch.year == 1904)

    def sheet(self, index: int) -> Sheet:
        sheet = self._book[self.sheet_names[index]]
        try:
            height, width = int(sheet.max_row or 0), int(sheet.max_column or 0)
        except (TypeError, ValueError):
            height = width = 0
        return Sheet(0, 0, height, width, lambda: self._rows(sheet))

    @staticmethod
    def _rows(sheet: Any) -> list[Row]:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return [["" if v is None else _plain(v) for v in row]
                        for row in sheet.iter_rows(values_only=True)]
            except (MemoryError, RecursionError):
                raise
            except Exception:  # noqa: BLE001
                raise Refusal("damaged") from None


def _plain(value: Any) -> Any:
    """openpyxl's value as calamine would give it."""
    if isinstance(value, (str, bool, int, float, datetime.date, datetime.time,
                          datetime.timedelta)):
        return value
    return str(value)
