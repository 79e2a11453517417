"""The workbook container, checked before calamine sees it, and what calamine
does not report.

Before calamine opens a zip-based file it is inspected: not a zip, an OLE file
with an ``EncryptedPackage`` (a password-protected workbook), too many members,
a total uncompressed size over 1 GiB (declared, and verified by streaming
decompression so a lying header cannot slip through) or a member compressing
better than 200:1 is refused with an InputError.

The same decompression pass finds a worksheet's error cells (``t="e"``: a
formula whose cached value is ``#N/A``, ``#DIV/0!`` …), which calamine reads as
empty.  They are given back as their error text, so that the normalisers report
them (``spreadsheet_error``) instead of a value silently going missing.  Only for
.xlsx/.xlsm: calamine also reads error cells of .xls and .ods files as empty,
and those stay empty.
"""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
import zipfile
import zlib
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

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
    #: worksheet part name (``xl/worksheets/sheet1.xml``) → its error cells
    error_cells: dict[str, ErrorCells] = field(default_factory=dict)


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
            error_cells = _verify_sizes(path, kind, infos)
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
                return ZipFacts(date1904, error_cells)
            return ZipFacts(False, error_cells)
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


def _verify_sizes(path: Path, kind: Kind, infos: list[zipfile.ZipInfo]) -> dict[str, ErrorCells]:
    """Stream-decompress every member, counting real (not declared) sizes; on the way,
    collect the error cells of every worksheet (see :class:`_ErrorScanner`)."""
    total = 0
    errors: dict[str, ErrorCells] = {}
    with path.open("rb") as f:
        for info in infos:
            scanner = _ErrorScanner() if _WORKSHEET_RE.match(info.filename) else None
            if info.compress_type == zipfile.ZIP_STORED:
                total += info.compress_size
                if scanner is not None:  # rare: scan the stored sheet as it is
                    with zipfile.ZipFile(path) as archive, archive.open(info) as member:
                        while block := member.read(1 << 24):
                            scanner.feed(block)
            elif info.compress_type != zipfile.ZIP_DEFLATED:
                raise damaged(path, kind)
            else:
                total += _inflate(f, path, kind, info, scanner)
            if scanner is not None and len(scanner.found):
                errors[info.filename] = scanner.found
            if total > MAX_UNCOMPRESSED_BYTES:
                raise _bomb(path)
    return errors


def _inflate(
    f: BinaryIO, path: Path, kind: Kind, info: zipfile.ZipInfo, scanner: _ErrorScanner | None
) -> int:
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
            if scanner is not None:
                scanner.feed(block)
    return produced


_WORKSHEET_RE = re.compile(r"xl/worksheets/[^/]+\.xml\Z")
_ERROR_ATTRIBUTE = b't="e"'
_CELL_REF_RE = re.compile(rb'\sr="([A-Z]{1,3})([0-9]{1,7})"')
_ERROR_VALUE_RE = re.compile(rb"\s*<v>([^<]{1,32})</v>")
_SCAN_OVERLAP = 4096
_MAX_BOOK_PART = 4 << 20


class _ErrorScanner:
    """Finds ``<c r="B7" t="e"><v>#N/A</v></c>`` in a worksheet's XML, fed in blocks.

    Cheap when there are none (one ``bytes.find`` a block).  A cell cut by a block
    boundary is found in the next block, which starts with the last 4 KiB of this
    one; a cell without an ``r`` reference cannot be placed and is not reported."""

    def __init__(self) -> None:
        self.found = ErrorCells()
        self._tail = b""
        self._fed = 0  # bytes fed so far
        self._last = -1  # stream offset of the last cell recorded (the overlap repeats it)

    def feed(self, block: bytes) -> None:
        tail = self._tail
        self._fed += len(block)
        if _ERROR_ATTRIBUTE not in block and _ERROR_ATTRIBUTE not in tail + block[:8]:
            # the common case: no error cell here (and no copy of the block)
            self._tail = (tail + block)[-_SCAN_OVERLAP:] if len(block) < _SCAN_OVERLAP else (
                block[-_SCAN_OVERLAP:]
            )
            return
        window = tail + block
        self._tail = window[-_SCAN_OVERLAP:]
        offset = self._fed - len(window)  # the window's start in the stream
        at = window.find(_ERROR_ATTRIBUTE)
        while at != -1:
            if offset + at > self._last and self._cell_at(window, at):
                self._last = offset + at
            at = window.find(_ERROR_ATTRIBUTE, at + len(_ERROR_ATTRIBUTE))

    def _cell_at(self, window: bytes, at: int) -> bool:
        start = window.rfind(b"<c", 0, at)
        end = window.find(b">", at)
        if (
            start == -1
            or end == -1
            or window[start + 2 : start + 3] not in (b" ", b"\t", b"\r", b"\n")
            or window[at - 1 : at] not in (b" ", b"\t", b"\r", b"\n")
            or b">" in window[start:at]
        ):
            return False  # not a cell's own attribute (or cut off: the next block has it)
        ref = _CELL_REF_RE.search(window, start, end)
        value = _ERROR_VALUE_RE.match(window, end + 1)
        if ref is None or value is None:
            return False
        row, column = int(ref[2]), column_index(ref[1].decode("ascii"))
        self.found.add(row, column, value[1].decode("utf-8", "replace").strip())
        return True


def sheet_part(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The worksheet part (``xl/worksheets/sheet1.xml``) that holds sheet ``sheet``,
    from the workbook and its relationships; None when they do not say."""
    ns = {
        "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        "p": "http://schemas.openxmlformats.org/package/2006/relationships",
    }
    # Two small parts of a package already checked above.  ElementTree resolves no
    # external entities and expat (>= 2.4) stops entity-expansion bombs; the size
    # bound keeps anything else small.
    try:
        parts = [archive.getinfo(n) for n in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")]
        if any(p.file_size > _MAX_BOOK_PART for p in parts):
            return None
        book = ET.fromstring(archive.read(parts[0]))  # noqa: S314 - see above
        rels = ET.fromstring(archive.read(parts[1]))  # noqa: S314 - see above
    except (KeyError, ET.ParseError):
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
    if rel_id is None or target is None:
        return None
    if target.startswith("/"):
        return target.lstrip("/")
    return str(PurePosixPath("xl", target))


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


