"""Parsing one sheet of a workbook — run in the parser's own process (``_child``).

calamine reads all four formats; where it refuses a file that a well-kept reader
reads, that reader is used instead (``_fallbacks``: xlrd for ``.xls`` — Excel 2.x to
4.0 worksheets, odd code pages — and openpyxl for ``.xlsx``/``.xlsm`` with macro or
dialog sheets).  Before a sheet is materialised its claims are bounded (the used
range of an ``.xlsx`` from the container check, repeated rows and columns of an
``.ods``, then the range calamine built), and the cells calamine reads wrongly are
put right: error cells of every format (calamine reads them as empty, or as the
0 an ``.ods`` stores beside them) and numbers with a leading-zero format in
``.xlsx``/``.xlsm`` (``00000000000`` shows a phone number ``01701234567``).

Nothing here raises anything but :class:`~aniva_import.load._child.Refusal` on
purpose; the parent turns its code into a sentence.
"""

from __future__ import annotations

import re
import zipfile
from typing import Any, BinaryIO

from aniva_import.load._child import Refusal

#: a sheet whose used range holds more cells than this is refused before it is read
#: (2**25: a million rows of 32 columns; calamine keeps 32 bytes a cell)
MAX_SHEET_CELLS = 1 << 25
#: a filled row (or cell) an .ods repeats more often than this is refused: a patient
#: list never holds the same row a thousand times over, a hostile file a million
MAX_FILLED_REPEAT = 1000

Row = list[Any]


def parse(source: BinaryIO, request: dict[str, Any]) -> tuple[dict[str, Any], int, list[Row]]:
    """The chosen sheet's facts, the sheet row number of its first row, and its rows
    (from the first row of its used range)."""
    from aniva_import.load import _fixes
    from aniva_import.load._sheets import open_book

    kind: str = request["kind"]
    prechecks = request.get("prechecks", True)
    if kind == "ods" and prechecks:
        _bound_ods(source)  # before calamine: it parses an .ods when it opens it
        source.seek(0)
    if kind == "xls":
        from aniva_import.load._fixes import xls_encrypted

        if xls_encrypted(source.read()):
            raise Refusal("password")
        source.seek(0)
    book = open_book(source, kind)
    index = book.choose(request.get("sheet"))
    if kind in ("xlsx", "xlsm") and book.reader == "calamine" and prechecks:
        _bound_xlsx(source, book.sheet_names[index], request.get("claims") or {})
    sheet = book.sheet(index)
    if book.reader == "calamine" and sheet.height * sheet.width > MAX_SHEET_CELLS:
        raise Refusal("too_large", rows=sheet.first_row + sheet.height,
                      columns=sheet.first_column + sheet.width)
    overrides, uncalculated = (
        _fixes.fixes(source, kind, book, index, request) if book.reader == "calamine"
        else ({}, [])
    )
    facts = {
        "sheet": book.sheet_names[index],
        "index": index + 1,
        "count": len(book.sheet_names),
        "first_column": sheet.first_column,
        "height": sheet.first_row + sheet.height,
        "reader": book.reader,
        #: the cells holding a formula without a saved value, [sheet row, column]
        "uncalculated": uncalculated,
    }
    if sheet.height == 0:
        facts["with_data"] = book.sheets_with_data(exclude=index)
    rows = sheet.rows()
    _restore(rows, overrides, sheet.first_row, sheet.first_column)
    return facts, sheet.first_row + 1, rows


def _restore(
    rows: list[Row], overrides: dict[int, dict[int, str]], first_row: int, first_column: int
) -> None:
    """Put right, in place, the cells calamine misread (``overrides`` by sheet row from
    1 and column from 0; ``rows[0]`` is sheet row ``first_row + 1``)."""
    for number, fixes in overrides.items():
        at_row = number - first_row - 1
        if not 0 <= at_row < len(rows):
            continue
        row = rows[at_row]
        for column, text in fixes.items():
            at = column - first_column
            if at >= len(row):
                row.extend([""] * (at + 1 - len(row)))
            if at >= 0:
                row[at] = text


# --------------------------------------------------------------------------- bounds

_WORKSHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml")


def _bound_xlsx(source: BinaryIO, sheet: str, claims: dict[str, list[int]]) -> None:
    """Refuse a sheet whose cells reach further than a sheet can be held (a stray cell
    at ``XFD1048576``), from what the container check saw of its part."""
    from aniva_import.load._error_cells import sheet_part

    part = sheet_part(source, sheet)
    claim = claims.get(part) if part else None
    if claim is None:
        return
    columns, rows = claim
    if columns * rows > MAX_SHEET_CELLS:
        raise Refusal("too_large", rows=rows, columns=columns)


_REPEAT = re.compile(rb'number-(rows|columns)-repeated="([0-9]{4,})"')
_FILLED = re.compile(rb"office:value-type=|<text:")
_ROW_END = re.compile(rb"</table:table-row>")
_CELL_END = re.compile(rb"</table:table-cell>|/>")


def _bound_ods(source: BinaryIO) -> None:
    """Refuse an ``.ods`` that is not well-formed XML (calamine can loop forever on
    one) or that repeats a filled row or cell more than :data:`MAX_FILLED_REPEAT`
    times (a million copies of one row: a million rows to check)."""
    from xml.parsers import expat

    try:
        with zipfile.ZipFile(source) as archive:
            content = archive.read("content.xml")
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise Refusal("damaged") from None
    parser = expat.ParserCreate()

    def refuse(*_args: object) -> None:
        raise Refusal("damaged")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(content, True)
    except expat.ExpatError:
        raise Refusal("damaged") from None
    for found in _REPEAT.finditer(content):
        if int(found[2]) <= MAX_FILLED_REPEAT:
            continue
        # the element the attribute is on: a row up to its end, a cell up to its end
        end = (_ROW_END if found[1] == b"rows" else _CELL_END).search(content, found.end())
        stop = end.start() if end else len(content)
        start = content.rfind(b"<", 0, found.start())
        if _FILLED.search(content, start, stop):
            raise Refusal("repeated", times=int(found[2]))
