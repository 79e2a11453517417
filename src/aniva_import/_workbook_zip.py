"""The workbook container, checked before calamine sees it, and what calamine
does not report.

Before calamine opens a zip-based file it is inspected: not a zip, an OLE file
with an ``EncryptedPackage`` (a password-protected workbook), too many members,
a total uncompressed size over 1 GiB (declared, and verified by streaming
decompression so a lying header cannot slip through) or a member compressing
better than 200:1 is refused with an InputError.

Error cells (``t="e"``: a formula whose cached value is ``#N/A``, ``#DIV/0!`` …)
are read by calamine as empty.  The decompression pass notes, cheaply, which parts
may hold some; when the chosen sheet is one of them, :func:`read_error_cells`
reads that sheet's XML with expat (one linear pass: formulas, prefixes, quoting,
cells without a reference) and the cells are given back as their error text, so
that the normalisers report them (``spreadsheet_error``) instead of a value going
missing silently.  Only for .xlsx/.xlsm: calamine also reads error cells of .xls
and .ods files as empty, and those stay empty.
"""

from __future__ import annotations

import posixpath
import re
import struct
import xml.etree.ElementTree as ET
import zipfile
import zlib
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NoReturn
from xml.parsers import expat

from aniva_import._normalize_base import SPREADSHEET_ERRORS
from aniva_import.errors import InputError
from aniva_import.load import Kind
from aniva_import.types import column_index

MAX_UNCOMPRESSED_BYTES = 1 << 30
MAX_COMPRESSION_RATIO = 200
RATIO_CHECK_MIN_BYTES = 4 << 20
MAX_MEMBERS = 10_000

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_DATE1904_RE = re.compile(rb"""date1904\s*=\s*["'](1|true)["']""")

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
        if text.casefold() not in SPREADSHEET_ERRORS:
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


@dataclass(frozen=True)
class ZipFacts:
    """What the container check learnt on the way."""

    date1904: bool = False
    #: the parts whose XML may hold error cells (it contains a quoted ``e``)
    may_hold_errors: frozenset[str] = frozenset()


# --------------------------------------------------------------------------- messages


def damaged(path: Path, kind: Kind) -> InputError:
    what = "OpenDocument" if kind == "ods" else "Excel"
    return InputError(f"{path} is not a valid {what} file (it may be damaged)")


def password_protected(path: Path) -> InputError:
    return InputError(f"{path} is password-protected; save it without a password and try again")


def _bomb(path: Path) -> InputError:
    return InputError(
        f"{path} looks like a zip bomb (it would unpack to far more data than a "
        "spreadsheet holds), so it was not opened"
    )


# --------------------------------------------------------------------------- containers


def check_zip(path: Path, kind: Kind, head: bytes) -> ZipFacts:
    """Validate a zip-based workbook; return what the later stages need from it."""
    if head.startswith(_OLE_MAGIC):
        if kind != "ods" and _contains(path, _ENCRYPTED_PACKAGE):
            raise password_protected(path)
        if kind != "ods":
            raise InputError(
                f"{path} is an Excel workbook in the old format with the wrong extension; "
                "give it the .xls extension and try again"
            )
        raise damaged(path, kind)
    if not head.startswith(_ZIP_MAGIC):
        raise damaged(path, kind)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS:
                raise _bomb(path)
            declared = 0
            for info in infos:
                declared += info.file_size
                if info.flag_bits & 0x1:
                    raise password_protected(path)
                if (
                    info.file_size > RATIO_CHECK_MIN_BYTES
                    and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1)
                ):
                    raise _bomb(path)
            if declared > MAX_UNCOMPRESSED_BYTES:
                raise _bomb(path)
            names = {info.filename for info in infos}
            hinted = _verify_sizes(path, kind, infos)
            if kind == "ods":
                if "content.xml" not in names:
                    raise damaged(path, kind)
                if "META-INF/manifest.xml" in names and b"encryption-data" in archive.read(
                    "META-INF/manifest.xml"
                ):
                    raise password_protected(path)
                return ZipFacts()
            if "[Content_Types].xml" not in names:
                raise damaged(path, kind)
            if "xl/workbook.xml" in names:
                date1904 = _DATE1904_RE.search(archive.read("xl/workbook.xml")) is not None
                return ZipFacts(date1904, hinted)
            return ZipFacts(False, hinted)
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
        raise damaged(path, kind) from None


def _verify_sizes(path: Path, kind: Kind, infos: list[zipfile.ZipInfo]) -> frozenset[str]:
    """Stream-decompress every member, counting real (not declared) sizes; on the way,
    note the members whose XML may hold error cells (a cheap ``find`` a block)."""
    total = 0
    hinted: set[str] = set()
    with path.open("rb") as f:
        for info in infos:
            hint = _ErrorHint()
            if info.compress_type == zipfile.ZIP_STORED:
                total += info.compress_size
                with zipfile.ZipFile(path) as archive, archive.open(info) as member:
                    while block := member.read(1 << 23):
                        hint.feed(block)
            elif info.compress_type != zipfile.ZIP_DEFLATED:
                raise damaged(path, kind)
            else:
                total += _inflate(f, path, kind, info, hint)
            if hint.seen:
                hinted.add(info.filename)
            if total > MAX_UNCOMPRESSED_BYTES:
                raise _bomb(path)
    return frozenset(hinted)


def _inflate(f: BinaryIO, path: Path, kind: Kind, info: zipfile.ZipInfo, hint: _ErrorHint) -> int:
    """Inflate one member in bounded steps; its real size."""
    f.seek(info.header_offset)
    local = f.read(30)
    if len(local) != 30 or not local.startswith(_ZIP_MAGIC):
        raise damaged(path, kind)
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    f.seek(info.header_offset + 30 + name_len + extra_len)
    remaining = info.compress_size
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    produced = 0
    while remaining > 0 and not inflater.eof:
        data = f.read(min(remaining, 1 << 22))
        if not data:
            raise damaged(path, kind)
        remaining -= len(data)
        while data and not inflater.eof:
            block = inflater.decompress(data, 1 << 23)
            produced += len(block)
            data = inflater.unconsumed_tail
            if produced > info.file_size + (1 << 16):  # the header lied
                lie = produced - info.file_size
                raise _bomb(path) if lie >= 1 << 20 else damaged(path, kind)
            hint.feed(block)
    return produced


class _ErrorHint:
    """Whether a part's XML may hold an error cell: it contains ``t="e"``, as every
    spreadsheet program writes it (``t='e'`` in XML written with single quotes),
    across block boundaries.  ~15 ms for 24 MB; the real reading is
    :func:`read_error_cells`, for the chosen sheet only."""

    def __init__(self) -> None:
        self.seen = False
        self._needle = b""
        self._tail = b""

    def feed(self, block: bytes) -> None:
        if self.seen:
            return
        if not self._needle:  # the quoting this XML uses, from its start
            self._needle = b"t='e'" if b'="' not in block[:65536] else b't="e"'
        self.seen = self._needle in block or self._needle in self._tail + block[:8]
        self._tail = block[-8:]


_MAX_BOOK_PART = 4 << 20
#: more error cells than this in one sheet: the file is refused (its formulas need fixing)
MAX_ERROR_CELLS = 2_000_000
_SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_SEP = "\x1f"


class _Refused(Exception):
    """The sheet XML declares a DTD or entities (never in a real sheet): refused."""


def read_error_cells(path: Path, kind: Kind, part: str) -> ErrorCells:
    """The error cells (``<c t="e">`` with a cached ``<v>``) of one worksheet part,
    read with expat: prefixes, quoting, formulas and cells without an ``r``
    reference (placed as Excel places them) all handled.  A DTD or entity
    declaration, broken XML or too many error cells → InputError."""
    found = ErrorCells()
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
            at.error, at.text, at.in_value = attrs.get("t", "").strip() == "e", "", False
        elif local == "v" and at.error:
            at.in_value = True

    def end(name: str) -> None:
        if at.in_value and name.rpartition(_NS_SEP)[2] == "v":
            at.in_value = False
            found.add(at.row, at.column, at.text.strip())
            if len(found) > MAX_ERROR_CELLS:
                raise InputError(
                    f"{path}: more than {MAX_ERROR_CELLS:,} cells show a spreadsheet error "
                    "(#N/A, #REF! …); correct the formulas, save and try again"
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
        with zipfile.ZipFile(path) as archive, archive.open(part) as member:
            while block := member.read(1 << 20):
                parser.Parse(block, False)
            parser.Parse(b"", True)
    except InputError:
        raise
    except (_Refused, expat.ExpatError, KeyError, ValueError, OSError, EOFError,
            zipfile.BadZipFile, zlib.error):
        raise damaged(path, kind) from None
    return found


class _Position:
    """Where the expat pass is in the sheet, and the error cell it is in."""

    __slots__ = ("column", "error", "in_value", "row", "text")

    def __init__(self) -> None:
        self.row, self.column = 0, -1
        self.error = self.in_value = False
        self.text = ""


_CELL_REF = re.compile(r"\s*([A-Z]{1,3})([0-9]{1,7})\s*")


def sheet_part(path: Path, sheet: str) -> str | None:
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
        with zipfile.ZipFile(path) as archive:
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


def check_xls(path: Path, head: bytes) -> None:
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
    raise damaged(path, "xls")


