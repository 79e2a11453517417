"""The cells calamine reads wrongly, found and put right — in the parser's process.

* Error cells (a failed formula: ``#N/A``, ``#VALUE!``): calamine reads them as
  empty (``.xlsx``, ``.xls``) or as the 0 an ``.ods`` stores beside the error, so a
  row of error values would vanish.  Each format is looked at only when a cheap
  test says it may hold one: ``t="e"`` in the sheet's XML (noted by the container
  check), an error result in the ``.xls`` records, ``value-type="error"`` in the
  ``.ods`` content.
* Formulas without a saved value (a file written by a program that never
  calculated it, such as openpyxl: ``<c><f>…</f><v/></c>``; an ``.ods`` cell with
  ``table:formula`` and no value type): calamine reads them as empty, and an empty
  cell would be a guess.  Their places come back beside the fixes, to be reported
  as ``formula_without_value``; found by the same cheap hints and readings as the
  error cells (``.xls`` always saves a formula's result: nothing to find there).
* Numbers with a leading-zero format (``.xlsx``/``.xlsm``): a phone number stored
  as the number 1701234567 with the format ``00000000000`` shows ``01701234567``;
  it comes back as that text.

:func:`fixes` gives ``{sheet row: {column: text}}`` and the ``[row, column]`` of the
formulas without a value (rows from 1, columns from 0).
"""

from __future__ import annotations

import io
import re
import struct
import xml.etree.ElementTree as ET
import zipfile
import zlib
from typing import Any, BinaryIO
from xml.parsers import expat

from aniva_import.load._child import Refusal
from aniva_import.load._error_cells import (
    MAX_ERROR_CELLS,
    UnreadableSheet,
    read_sheet_cells,
    sheet_part,
)

Fixes = dict[int, dict[int, str]]
#: the cells holding a formula without a saved value: ``(sheet row, column)``
Uncalculated = list[tuple[int, int]]

_MAX_STYLES_PART = 8 << 20
_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ZEROS = re.compile(r"0{2,}")


def fixes(
    source: BinaryIO, kind: str, book: Any, index: int, request: dict[str, Any]
) -> tuple[Fixes, Uncalculated]:
    if kind in ("xlsx", "xlsm"):
        return _xlsx(source, book.sheet_names[index], set(request.get("hinted") or ()))
    if kind == "xls":
        return _xls(source, book.sheet_names[index]), []
    if kind == "ods":
        return _ods(source, index)
    return {}, []


def _add(found: Fixes, row: int, column: int, text: str) -> None:
    found.setdefault(row, {})[column] = text


# --------------------------------------------------------------------------- xlsx


def _xlsx(source: BinaryIO, sheet: str, hinted: set[str]) -> tuple[Fixes, Uncalculated]:
    part = sheet_part(source, sheet)
    if part is None:
        return {}, []
    padded = padded_styles(source)
    if part not in hinted and not padded:
        return {}, []
    try:
        errors, numbers, uncalculated = read_sheet_cells(source, part, padded)
    except UnreadableSheet:
        raise Refusal("damaged") from None
    found: Fixes = {}
    for (row, column), text in numbers.items():
        _add(found, row, column, text)
    for row, cells in errors.by_row():
        for column, text in cells:
            _add(found, row, column, text)
    return found, uncalculated


def padded_styles(source: BinaryIO) -> dict[int, int]:
    """Cell style index → digits, for the styles whose number format is all zeros
    (``00000``: a number shown with leading zeros)."""
    try:
        with zipfile.ZipFile(source) as archive:
            info = archive.getinfo("xl/styles.xml")
            if info.file_size > _MAX_STYLES_PART:
                return {}
            styles = ET.fromstring(archive.read(info))  # noqa: S314 - small, expat-guarded
    except (KeyError, ET.ParseError, ValueError, OSError, EOFError, zipfile.BadZipFile,
            zlib.error):
        return {}
    zeros = {}
    for fmt in styles.iter(f"{_SHEET_NS}numFmt"):
        code = (fmt.get("formatCode") or "").replace('"', "").replace("\\", "")
        if _ZEROS.fullmatch(code) and (fmt.get("numFmtId") or "").isdigit():
            zeros[int(fmt.get("numFmtId") or 0)] = len(code)
    if not zeros:
        return {}
    padded = {}
    xfs = styles.find(f"{_SHEET_NS}cellXfs")
    for position, xf in enumerate(() if xfs is None else xfs.iter(f"{_SHEET_NS}xf")):
        number_format = xf.get("numFmtId") or ""
        if number_format.isdigit() and int(number_format) in zeros:
            padded[position] = zeros[int(number_format)]
    return padded


# --------------------------------------------------------------------------- xls

#: an error result: BOOLERR with fErr set (BIFF3+), FORMULA with an error result
#: (BIFF3 0x0206, BIFF4 0x0406, BIFF5/8 0x0006); a hint only — xlrd then reads it
_XLS_ERROR = re.compile(
    rb"\x05\x02\x08\x00.{7}\x01|[\x06]\x00..(?:.{6})\x02.{5}\xff\xff|[\x06][\x02\x04]..(?:.{6})\x02.{5}\xff\xff",
    re.DOTALL,
)


def workbook_stream(data: bytes) -> bytes:
    """An ``.xls`` file's record stream: the ``Workbook`` (or ``Book``) stream of its OLE
    container, or the file itself (Excel 2.x–4.0 worksheets are bare streams)."""
    if not data.startswith(b"\xd0\xcf\x11\xe0"):
        return data
    try:
        from xlrd.compdoc import CompDoc

        doc = CompDoc(data, logfile=io.StringIO())
        return bytes(doc.get_named_stream("Workbook") or doc.get_named_stream("Book") or b"")
    except Exception:  # noqa: BLE001 - an unreadable container: the readers will say so
        return b""


def xls_encrypted(data: bytes) -> bool:
    """Whether the workbook's first records (its globals) hold a FILEPASS record: the
    file is encrypted or XOR-obfuscated with a password (calamine may read it as
    garbage, or fail on a "code page" that is really ciphertext)."""
    stream = workbook_stream(data)
    position = records = 0
    while position + 4 <= len(stream) and records < 100_000:
        kind, length = struct.unpack_from("<HH", stream, position)
        if kind == 0x002F:
            return True
        if kind == 0x000A and records:  # the end of the globals
            return False
        position += 4 + length
        records += 1
    return False


def _xls(source: BinaryIO, sheet_name: str) -> Fixes:
    import xlrd

    data = source.getvalue() if isinstance(source, io.BytesIO) else source.read()
    stream = workbook_stream(data)
    if not _XLS_ERROR.search(stream):
        return {}
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True, logfile=io.StringIO())
        sheet = book.sheet_by_name(sheet_name)
    except Exception:  # noqa: BLE001 - xlrd cannot: calamine's reading stands
        return {}
    found: Fixes = {}
    count = 0
    for r in range(sheet.nrows):
        for c, ctype in enumerate(sheet.row_types(r)):
            if ctype == xlrd.XL_CELL_ERROR:
                code = sheet.cell_value(r, c)
                _add(found, r + 1, c, xlrd.error_text_from_code.get(code, "#VALUE!"))
                count += 1
    if count > MAX_ERROR_CELLS:
        raise Refusal("errors", limit=MAX_ERROR_CELLS)
    return found


# --------------------------------------------------------------------------- ods

_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_CALCEXT_NS = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"
_OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_SEP = "\x1f"


_FORMULA_ATTR = b"table:formula="


def _ods_uncalculated_hint(content: bytes) -> bool:
    """Whether some cell of the content may hold a formula without a value: a
    ``table:formula`` attribute whose element has no ``value-type`` (one slice
    search per formula; nothing at all for a file without formulas)."""
    at = content.find(_FORMULA_ATTR)
    while at >= 0:
        start = content.rfind(b"<", 0, at)
        end = content.find(b">", at)
        if b"value-type=" not in content[start:end if end >= 0 else len(content)]:
            return True
        at = content.find(_FORMULA_ATTR, at + len(_FORMULA_ATTR))
    return False


def _ods(source: BinaryIO, index: int) -> tuple[Fixes, Uncalculated]:
    try:
        with zipfile.ZipFile(source) as archive:
            content = archive.read("content.xml")
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error):
        return {}, []
    errors = b'value-type="error"' in content or b"value-type='error'" in content
    if not errors and not _ods_uncalculated_hint(content):
        return {}, []
    found: Fixes = {}
    uncalculated: Uncalculated = []
    state = _OdsPosition()
    table, row, cell = _TABLE_NS + _SEP + "table", _TABLE_NS + _SEP + "table-row", (
        _TABLE_NS + _SEP + "table-cell", _TABLE_NS + _SEP + "covered-table-cell")
    error_attr = _CALCEXT_NS + _SEP + "value-type"
    type_attr = _OFFICE_NS + _SEP + "value-type"
    formula_attr = _TABLE_NS + _SEP + "formula"
    rows_attr = _TABLE_NS + _SEP + "number-rows-repeated"
    columns_attr = _TABLE_NS + _SEP + "number-columns-repeated"
    count = [0]

    def repeat(attrs: dict[str, str], name: str) -> int:
        text = attrs.get(name, "1")
        return max(1, int(text)) if text.isdigit() else 1

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == table:
            state.table += 1
            state.row = 0
        elif state.table != index:
            return
        elif name == row:
            state.row_repeat = repeat(attrs, rows_attr)
            state.column = 0
        elif name in cell:
            state.column_repeat = repeat(attrs, columns_attr)
            state.error = attrs.get(error_attr) == "error"
            state.uncalculated = formula_attr in attrs and type_attr not in attrs
            state.text = ""
        elif state.error and name == _TEXT_NS + _SEP + "p":
            state.in_text = True

    def places() -> list[tuple[int, int]]:
        """The cells the current (repeated) cell stands for, counted against the limit."""
        cells = [(state.row + r + 1, state.column + c)
                 for r in range(min(state.row_repeat, 1000))
                 for c in range(min(state.column_repeat, 1000))]
        count[0] += len(cells)
        if count[0] > MAX_ERROR_CELLS:
            raise Refusal("errors", limit=MAX_ERROR_CELLS)
        return cells

    def end(name: str) -> None:
        if state.table != index:
            return
        if name == row:
            state.row += state.row_repeat
        elif name in cell:
            if state.error and state.text.strip():
                text = state.text.strip()
                for at_row, at_column in places():
                    _add(found, at_row, at_column, text)
            elif state.uncalculated:
                uncalculated.extend(places())
            state.column += state.column_repeat
            state.error = state.in_text = state.uncalculated = False
        elif name == _TEXT_NS + _SEP + "p":
            state.in_text = False

    def text(data: str) -> None:
        if state.in_text and len(state.text) < 64:
            state.text += data

    parser = expat.ParserCreate(namespace_separator=_SEP)
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        parser.Parse(content, True)
    except expat.ExpatError:
        raise Refusal("damaged") from None
    return found, uncalculated


class _OdsPosition:
    __slots__ = ("column", "column_repeat", "error", "in_text", "row", "row_repeat", "table",
                 "text", "uncalculated")

    def __init__(self) -> None:
        self.table = -1
        self.row = self.column = 0
        self.row_repeat = self.column_repeat = 1
        self.error = self.in_text = self.uncalculated = False
        self.text = ""
