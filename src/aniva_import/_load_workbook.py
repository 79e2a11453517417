"""Workbook reader (.xlsx, .xlsm, .xls, .ods) for :mod:`aniva_import.load`.

python-calamine reads all four formats and gives formulas' cached values.
It loads one sheet into memory (Excel caps a sheet at about a million rows);
the rows are then converted to :data:`~aniva_import.load.Cell` values chunk by
chunk, so only one extra copy (one chunk) ever exists on the Python side.

Cells: text stays text (a serial number typed as text stays that text); a
number becomes its digits as Excel shows them at 15 significant digits, no
``.0`` and no exponent (so a phone number or ZIP stored as a number reads
``491701234567`` / ``10115``); TRUE/FALSE for booleans; a date cell becomes
``date`` (``datetime`` when it has a time part, rounded to the second); a
time-only cell becomes its ``HH:MM:SS`` text.  Error cells (``#N/A``) read as
empty: calamine does not report their text.  Both date systems (1900, 1904)
are applied by calamine; ``date1904`` is reported for .xlsx/.xlsm.

Before calamine sees a zip-based file it is inspected: not a zip, an OLE file
with an ``EncryptedPackage`` (a password-protected workbook), too many
members, a total uncompressed size over 1 GiB (declared, and verified by
streaming decompression so a lying header cannot slip through) or a member
compressing better than 200:1 is refused with an InputError.  Every calamine
failure (including a Rust panic) becomes an InputError too.
"""

from __future__ import annotations

import datetime
import math
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import python_calamine

from aniva_import.errors import InputError
from aniva_import.load import (
    Cell,
    Chunk,
    Kind,
    SourceInfo,
    Table,
    fit_row,
    make_chunk,
    trim_header,
)
from aniva_import.types import Problem

MAX_UNCOMPRESSED_BYTES = 1 << 30
MAX_COMPRESSION_RATIO = 200
RATIO_CHECK_MIN_BYTES = 4 << 20
MAX_MEMBERS = 10_000

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_DATE1904_RE = re.compile(rb"""date1904\s*=\s*["'](1|true)["']""")
_MIDNIGHT = datetime.time(0, 0)
_HALF_SECOND = datetime.timedelta(microseconds=500_000)


# --------------------------------------------------------------------------- messages


def _damaged(path: Path, kind: Kind) -> InputError:
    what = "OpenDocument" if kind == "ods" else "Excel"
    return InputError(f"{path} is not a valid {what} file (it may be damaged)")


def _password(path: Path) -> InputError:
    return InputError(f"{path} is password-protected; save it without a password and try again")


def _bomb(path: Path) -> InputError:
    return InputError(
        f"{path} looks like a zip bomb (it would unpack to far more data than a "
        "spreadsheet holds), so it was not opened"
    )


# --------------------------------------------------------------------------- containers


def _check_zip(path: Path, kind: Kind, head: bytes) -> bool:
    """Validate a zip-based workbook; return whether it uses the 1904 date system."""
    if head.startswith(_OLE_MAGIC):
        if kind != "ods" and _contains(path, _ENCRYPTED_PACKAGE):
            raise _password(path)
        if kind != "ods":
            raise InputError(
                f"{path} is an Excel workbook in the old format with the wrong extension; "
                "give it the .xls extension and try again"
            )
        raise _damaged(path, kind)
    if not head.startswith(_ZIP_MAGIC):
        raise _damaged(path, kind)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS:
                raise _bomb(path)
            declared = 0
            for info in infos:
                declared += info.file_size
                if info.flag_bits & 0x1:
                    raise _password(path)
                if (
                    info.file_size > RATIO_CHECK_MIN_BYTES
                    and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1)
                ):
                    raise _bomb(path)
            if declared > MAX_UNCOMPRESSED_BYTES:
                raise _bomb(path)
            names = {info.filename for info in infos}
            _verify_sizes(path, kind, infos)
            if kind == "ods":
                if "content.xml" not in names:
                    raise _damaged(path, kind)
                if "META-INF/manifest.xml" in names and b"encryption-data" in archive.read(
                    "META-INF/manifest.xml"
                ):
                    raise _password(path)
                return False
            if "[Content_Types].xml" not in names:
                raise _damaged(path, kind)
            if "xl/workbook.xml" in names:
                return _DATE1904_RE.search(archive.read("xl/workbook.xml")) is not None
            return False
    except InputError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        EOFError,
        ValueError,
        NotImplementedError,
        RuntimeError,
        zlib.error,
        struct.error,
    ):
        raise _damaged(path, kind) from None


def _verify_sizes(path: Path, kind: Kind, infos: list[zipfile.ZipInfo]) -> None:
    """Stream-decompress every member, counting real (not declared) sizes."""
    total = 0
    with path.open("rb") as f:
        for info in infos:
            if info.compress_type == zipfile.ZIP_STORED:
                total += info.compress_size
                continue
            if info.compress_type != zipfile.ZIP_DEFLATED:
                raise _damaged(path, kind)
            f.seek(info.header_offset)
            local = f.read(30)
            if len(local) != 30 or not local.startswith(_ZIP_MAGIC):
                raise _damaged(path, kind)
            name_len, extra_len = struct.unpack("<HH", local[26:30])
            f.seek(info.header_offset + 30 + name_len + extra_len)
            remaining = info.compress_size
            inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            produced = 0
            while remaining > 0 and not inflater.eof:
                data = f.read(min(remaining, 1 << 22))
                if not data:
                    raise _damaged(path, kind)
                remaining -= len(data)
                while data and not inflater.eof:
                    produced += len(inflater.decompress(data, 1 << 24))
                    data = inflater.unconsumed_tail
                    if produced > info.file_size + (1 << 16):  # the header lied
                        lie = produced - info.file_size
                        raise _bomb(path) if lie >= 1 << 20 else _damaged(path, kind)
            total += produced
            if total > MAX_UNCOMPRESSED_BYTES:
                raise _bomb(path)


def _contains(path: Path, needle: bytes, limit: int = 64 << 20) -> bool:
    """Whether the first ``limit`` bytes of ``path`` contain ``needle``."""
    overlap = len(needle) - 1
    tail = b""
    read = 0
    with path.open("rb") as f:
        while read < limit and (block := f.read(1 << 20)):
            read += len(block)
            if needle in tail + block:
                return True
            tail = block[-overlap:]
    return False


def _check_xls(path: Path, head: bytes) -> None:
    if head.startswith(_OLE_MAGIC):
        return
    if head.startswith(_ZIP_MAGIC):
        raise InputError(
            f"{path} is an Excel workbook in the newer format with the wrong extension; "
            "give it the .xlsx extension and try again"
        )
    if head.lstrip()[:1] == b"<":
        raise InputError(
            f"{path} is not a real Excel file (it looks like a web page or XML export); "
            "open it in Excel, save it as .xlsx and try again"
        )
    raise _damaged(path, "xls")


# --------------------------------------------------------------------------- calamine


def _calamine_error(path: Path, kind: Kind, exc: BaseException) -> InputError:
    if isinstance(exc, python_calamine.PasswordError) or "password" in str(exc).lower():
        return _password(path)
    return _damaged(path, kind)


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
        _check_xls(path, head)
        date1904 = False
    else:
        date1904 = _check_zip(path, kind, head)
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
    info = SourceInfo(path=path, kind=kind, sheet=name, date1904=date1904)
    start = data.start
    if start is not None:
        for number, raw in enumerate(data.iter_rows(), start=1):
            cells = [convert_cell(v) for v in raw]
            if _has_content(cells):
                headers = trim_header(cells)
                return WorkbookTable(info, headers, number, data, int(start[1]))
    where = f"sheet {name!r} of {path}" if sheet is not None else str(path)
    raise InputError(f"{where} is empty: no header row found")


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
    ) -> None:
        super().__init__(info, headers, header_row)
        self._sheet = sheet
        self._first_column = first_column

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
        for number, raw in enumerate(self._sheet.iter_rows(), start=1):
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
