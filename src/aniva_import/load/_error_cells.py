"""Error cells: what a failed formula leaves in an .xlsx/.xlsm sheet (``t="e"``, a
cached ``#N/A``), which calamine reads as empty; and formulas without a saved value
(``<c><f>…</f></c>`` or ``<v/>``: a file written by a program that never calculated
it, such as openpyxl), which calamine reads as empty too.

:class:`ErrorHint` runs in the zip check's decompression pass and only notes which
parts may hold either (a few ``find`` a block).  When the chosen sheet is one of them,
:func:`read_error_cells` reads that sheet's XML with expat, once and in linear time
(formulas before the value, namespace prefixes, either quoting, cells without a
reference placed as Excel places them); a DTD or entity declaration is refused.
The cells are kept compactly (:class:`ErrorCells`) and given back by the workbook
reader as their error text, so that the normalisers report them.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from array import array
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import BinaryIO, NoReturn
from xml.parsers import expat

from aniva_import.errors import InputError
from aniva_import.load._error_values import BY_CASEFOLD
from aniva_import.types import column_index


class ErrorCells:
    """One worksheet's error cells: sheet row (1-based), column (0-based) and the error
    text, kept compactly (9 bytes a cell: a sheet can hold millions)."""

    #: an error text outside the known ones (and past 255 kinds) is given back as this,
    #: so that it is still reported as a spreadsheet error
    FALLBACK = "#VALUE!"

    def __init__(self) -> None:
        self._rows = array("l")
        self._columns = array("l")
        self._kinds = array("B")
        self._texts: list[str] = []
        self._kind_of: dict[str, int] = {}
        self._ordered = True

    def add(self, row: int, column: int, text: str) -> None:
        if text.casefold() not in BY_CASEFOLD:
            text = self.FALLBACK
        kind = self._kind_of.get(text)
        if kind is None:
            kind = self._kind_of[text] = len(self._texts)
            self._texts.append(text)
        if self._rows and (row, column) <= (self._rows[-1], self._columns[-1]):
            self._ordered = False
        self._rows.append(row)
        self._columns.append(column)
        self._kinds.append(kind)

    def __len__(self) -> int:
        return len(self._rows)

    def by_row(self) -> Iterator[tuple[int, list[tuple[int, str]]]]:
        """(row, [(column, text), ...]) in row order."""
        order: Iterable[int] = range(len(self._rows))
        if not self._ordered:
            order = sorted(order, key=lambda i: (self._rows[i], self._columns[i]))
        row, cells = 0, list[tuple[int, str]]()
        for i in order:
            if self._rows[i] != row and cells:
                yield row, cells
                cells = []
            row = self._rows[i]
            cells.append((self._columns[i], self._texts[self._kinds[i]]))
        if cells:
            yield row, cells


class ErrorHint:
    """Whether a part's XML may hold an error cell or a formula without a saved value.

    An error cell: the part contains ``t="e"``, as every spreadsheet program writes
    it (``t='e'`` in XML written with single quotes).  A formula without a value: a
    cell that ends right after its formula (``</f></c>``, a shared formula's
    ``<f …/></c>``) or after an empty value (``<v/></c>``, ``<v /></c>``,
    ``<v></v>``), with the namespace prefix the part's root element uses.  Across
    block boundaries; a cheap search of every part; the real reading is
    :func:`read_cell_fixes`, for the chosen sheet only."""

    def __init__(self) -> None:
        self.seen = False
        self._error = b""
        self._formula = b""
        self._needles: tuple[bytes, ...] = ()
        self._formulas = False  # a formula was seen: look for one without a value
        self._tail = b""

    def feed(self, block: bytes) -> None:
        if self.seen:
            return
        if not self._error:  # the quoting and prefix this XML uses, from its start
            start = block[:65536]
            self._error = b"t='e'" if b'="' not in start else b't="e"'
            root = _ROOT.search(start)
            prefix = root[1] if root and root[1] else b""
            # every formula part has an element </f> before (or at) the first value-less
            # one: a shared formula's <f …/> follows its group's first formula
            self._formula = b"</" + prefix + b"f>"
            self._needles = (
                b"f></" + prefix + b"c>", b"/></" + prefix + b"c>",
                b"<" + prefix + b"v></" + prefix + b"v>",
            )
        joined = self._tail + block[:32]
        self._tail = block[-32:]
        self.seen = self._error in block or self._error in joined
        # a part without formulas (most exports) costs one more search, not three
        if not self.seen and not self._formulas:
            self._formulas = self._formula in block or self._formula in joined
        if not self.seen and self._formulas:
            self.seen = any(needle in block or needle in joined for needle in self._needles)


#: the root element of a worksheet part, and its namespace prefix (``x:``), if any
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]{0,15}:)?worksheet\b")
_MAX_BOOK_PART = 4 << 20
#: more error cells than this in one sheet: the file is refused (its formulas need fixing)
MAX_ERROR_CELLS = 2_000_000
_SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_SEP = "\x1f"


class _Refused(Exception):
    """The sheet XML declares a DTD or entities (never in a real sheet): refused."""


class UnreadableSheet(Exception):
    """The sheet's XML cannot be read (the caller says the workbook is damaged)."""


def read_error_cells(source: Path | BinaryIO, part: str) -> ErrorCells:
    """The error cells (``<c t="e">`` with a cached ``<v>``) of one worksheet part,
    read with expat: prefixes, quoting, formulas and cells without an ``r``
    reference (placed as Excel places them) all handled.  A DTD or entity
    declaration or broken XML → UnreadableSheet; too many error cells → InputError."""
    return read_cell_fixes(source, part)[0]


def read_cell_fixes(
    source: Path | BinaryIO, part: str, padded: Mapping[int, int] | None = None
) -> tuple[ErrorCells, dict[tuple[int, int], str]]:
    """One pass over a worksheet part: its error cells and, with ``padded`` (cell style
    index → digits of an all-zeros number format), its numbers in those styles as the
    text the format shows (``1701234567`` in ``00000000000`` → ``01701234567``)."""
    found, numbers, _ = read_sheet_cells(source, part, padded)
    return found, numbers


def read_sheet_cells(
    source: Path | BinaryIO, part: str, padded: Mapping[int, int] | None = None
) -> tuple[ErrorCells, dict[tuple[int, int], str], list[tuple[int, int]]]:
    """:func:`read_cell_fixes`, and the cells (row from 1, column from 0) holding a
    formula without a saved value: no ``<v>``, or an empty one in a cell that is not a
    text result (``t="str"`` with an empty value is a formula whose result is ``""``)."""
    found = ErrorCells()
    numbers: dict[tuple[int, int], str] = {}
    uncalculated: list[tuple[int, int]] = []
    padded = padded or {}
    at = _Position()

    def start(name: str, attrs: dict[str, str]) -> None:
        namespace, _, local = name.rpartition(_NS_SEP)
        if namespace != _SHEET_NS:
            return
        if local == "row":
            number = attrs.get("r", "").strip()
            at.row = int(number) if number.isdigit() else at.row + 1
            at.column = -1
        elif local == "c":
            ref = _CELL_REF.fullmatch(attrs.get("r", ""))
            if ref:
                at.row, at.column = int(ref[2]), column_index(ref[1])
            else:
                at.column += 1
            kind = attrs.get("t", "").strip()
            at.error, at.text, at.in_value = kind == "e", "", False
            at.formula = at.valued = False
            at.text_result = kind in ("str", "inlineStr")
            style = attrs.get("s", "").strip()
            at.pad = padded.get(int(style), 0) if style.isdigit() and kind in ("", "n") else 0
        elif local == "v":
            at.in_value, at.text = True, ""
        elif local == "f":
            at.formula = True
        elif local == "is":
            at.valued = True

    def end(name: str) -> None:
        namespace, _, local = name.rpartition(_NS_SEP)
        if namespace != _SHEET_NS:
            return
        if local == "c":
            if at.formula and not at.valued and not at.error:
                uncalculated.append((at.row, at.column))
                if len(found) + len(numbers) + len(uncalculated) > MAX_ERROR_CELLS:
                    too_many()
            at.formula = False
            return
        if at.in_value and local == "v":
            at.in_value = False
            at.valued = at.valued or at.text_result or bool(at.text.strip())
            if at.error:
                found.add(at.row, at.column, at.text.strip())
            elif at.pad:
                digits = _padded(at.text.strip(), at.pad)
                if digits is not None:
                    numbers[(at.row, at.column)] = digits
            if len(found) + len(numbers) + len(uncalculated) > MAX_ERROR_CELLS:
                too_many()

    def too_many() -> NoReturn:
        raise InputError(
            f"{source if isinstance(source, Path) else 'the workbook'}: more than "
            f"{MAX_ERROR_CELLS:,} cells show a spreadsheet error (#N/A, #REF! …) or "
            "hold a formula without a value; correct the formulas, save and try again"
        )

    def text(data: str) -> None:
        if at.in_value and len(at.text) < 64:
            at.text += data

    def refuse(*_args: object) -> NoReturn:
        raise _Refused

    parser = expat.ParserCreate(namespace_separator=_NS_SEP)
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    try:
        with zipfile.ZipFile(source) as archive, archive.open(part) as member:
            while block := member.read(1 << 20):
                parser.Parse(block, False)
            parser.Parse(b"", True)
    except InputError:
        raise
    except (_Refused, expat.ExpatError, KeyError, ValueError, OSError, EOFError,
            zipfile.BadZipFile, zlib.error):
        raise UnreadableSheet from None
    return found, numbers, uncalculated


def _padded(value: str, digits: int) -> str | None:
    """A whole number's digits, padded with zeros to ``digits``; None for other values."""
    try:
        number = float(value)
    except ValueError:
        return None
    if not (number.is_integer() and 0 <= number < 1e15):
        return None
    return str(int(number)).zfill(digits)


class _Position:
    """Where the expat pass is in the sheet, and the error cell it is in."""

    __slots__ = ("column", "error", "formula", "in_value", "pad", "row", "text", "text_result",
                 "valued")

    def __init__(self) -> None:
        self.row, self.column = 0, -1
        self.error = self.in_value = False
        #: the cell holds a formula; it has a saved value; its value is text
        self.formula = self.valued = self.text_result = False
        self.pad = 0
        self.text = ""


_CELL_REF = re.compile(r"\s*([A-Z]{1,3})([0-9]{1,7})\s*")


def sheet_part(source: Path | BinaryIO, sheet: str) -> str | None:
    """The part (``xl/worksheets/sheet1.xml``) that holds sheet ``sheet``, from the
    workbook and its relationships; None when they do not say (or cannot be read:
    then the error cells are simply not looked for)."""
    ns = {
        "m": _SHEET_NS,
        "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        "p": "http://schemas.openxmlformats.org/package/2006/relationships",
    }
    # Two small parts of a package already checked.  ElementTree resolves no external
    # entities and expat (>= 2.4) stops entity-expansion bombs; the size bound keeps
    # anything else small.
    try:
        with zipfile.ZipFile(source) as archive:
            names = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")
            parts = [archive.getinfo(n) for n in names]
            if any(p.file_size > _MAX_BOOK_PART for p in parts):
                return None
            book = ET.fromstring(archive.read(parts[0]))  # noqa: S314 - see above
            rels = ET.fromstring(archive.read(parts[1]))  # noqa: S314 - see above
    except (KeyError, ET.ParseError, LookupError, ValueError, OSError, EOFError,
            zipfile.BadZipFile, zlib.error):
        return None
    rel_id = next(
        (s.get(f"{{{ns['r']}}}id") for s in book.iterfind("m:sheets/m:sheet", ns)
         if s.get("name") == sheet),
        None,
    )
    target = next(
        (r.get("Target") for r in rels.iterfind("p:Relationship", ns) if r.get("Id") == rel_id),
        None,
    )
    if rel_id is None or not target:
        return None
    resolved = posixpath.normpath(target.lstrip("/") if target.startswith("/") else
                                  posixpath.join("xl", target))
    return None if resolved.startswith("..") else resolved
