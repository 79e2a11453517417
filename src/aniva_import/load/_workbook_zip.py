"""The workbook container, checked before calamine sees it.

Before calamine opens a zip-based file it is inspected: not a zip, an OLE file
with an ``EncryptedPackage`` (a password-protected workbook), too many members,
a total uncompressed size over 1 GiB (declared, and verified by streaming
decompression so a lying header cannot slip through) or a member compressing
better than 200:1 is refused with an InputError.

The decompression pass also notes which parts may hold error cells, for
:mod:`aniva_import.load._error_cells` (calamine reads those cells as empty).  Only
for .xlsx/.xlsm: calamine also reads error cells of .xls and .ods files as empty,
and those stay empty.
"""

from __future__ import annotations

import codecs
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from aniva_import.errors import InputError
from aniva_import.load._error_cells import ErrorHint
from aniva_import.load._formats import OLE_MAGIC, ZIP_MAGIC, Kind
from aniva_import.types import column_index

MAX_UNCOMPRESSED_BYTES = 1 << 30
MAX_COMPRESSION_RATIO = 200
RATIO_CHECK_MIN_BYTES = 4 << 20
MAX_MEMBERS = 10_000

_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_DATE1904_RE = re.compile(rb"""date1904\s*=\s*["'](1|true)["']""")

@dataclass(frozen=True)
class ZipFacts:
    """What the container check learnt on the way."""

    date1904: bool = False
    #: the parts whose XML may hold error cells (it contains a quoted ``e``)
    may_hold_errors: frozenset[str] = frozenset()
    #: per worksheet part: how far its cells reach, ``(columns, rows)``
    claims: dict[str, tuple[int, int]] = field(default_factory=dict)


_WORKSHEET = re.compile(r"xl/worksheets/[^/]+\.xml")
_LAST_ROW = re.compile(rb"""<(?:\w+:)?row\b[^>]*?\sr=["']([0-9]{1,9})""")
_WIDE_REF = re.compile(rb"""r=["']([A-Z]{2,3})([0-9]{1,9})""")
_DEEP_REF = re.compile(rb"""r=["'][A-Z]{0,3}([0-9]{7,9})""")


class ClaimScan:
    """How far a worksheet's cells reach, from its XML as it streams past: its last
    row, every reference beyond column Z or row 999,999 (rare, so cheap searches with
    a literal start).  It bounds what calamine would allocate (a dense range, 32 bytes
    a cell) before calamine runs; what it cannot see (a cell far down inside an early
    row) the parser's memory limit and its own count of the range still catch."""

    def __init__(self) -> None:
        self.columns = 26
        self.rows = 0
        self._tail = b""

    def feed(self, block: bytes) -> None:
        data = self._tail + block
        self._tail = data[-64:]
        at = max(data.rfind(b"<row"), data.rfind(b":row"))
        opening = data.rfind(b"<", 0, at + 1) if at >= 0 else -1
        if opening >= 0 and (last := _LAST_ROW.match(data, opening)):
            self.rows = max(self.rows, int(last[1]))
        for found in _WIDE_REF.finditer(data):
            self.columns = max(self.columns, column_index(found[1].decode()) + 1)
            self.rows = max(self.rows, int(found[2]))
        for found in _DEEP_REF.finditer(data):
            self.rows = max(self.rows, int(found[1]))


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


def check_zip(path: Path, kind: Kind, head: bytes, file: IO[bytes]) -> ZipFacts:
    """Validate a zip-based workbook (``file``: the open file, read by the parser too);
    return what the later stages need from it."""
    if head.startswith(OLE_MAGIC):
        if kind != "ods" and _contains(file, _ENCRYPTED_PACKAGE):
            raise password_protected(path)
        if kind != "ods":
            raise InputError(
                f"{path} is an Excel workbook in the old format with the wrong extension; "
                "give it the .xls extension and try again"
            )
        raise damaged(path, kind)
    if not head.startswith(ZIP_MAGIC):
        raise _not_a_workbook(path, kind, file)
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
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
            hinted, claims = _verify_sizes(path, kind, archive, file, infos)
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
                return ZipFacts(date1904, hinted, claims)
            return ZipFacts(False, hinted, claims)
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


def _verify_sizes(
    path: Path, kind: Kind, archive: zipfile.ZipFile, f: IO[bytes], infos: list[zipfile.ZipInfo]
) -> tuple[frozenset[str], dict[str, tuple[int, int]]]:
    """Stream-decompress every member, counting real (not declared) sizes, in one pass
    over the one open archive (linear in the members); on the way, note the members
    whose XML may hold error cells (a cheap ``find`` a block) and how far each
    worksheet's cells reach."""
    total = 0
    hinted: set[str] = set()
    claims: dict[str, tuple[int, int]] = {}
    for info in infos:
        hint = ErrorHint()
        scan = ClaimScan() if kind != "ods" and _WORKSHEET.fullmatch(info.filename) else None
        if info.compress_type == zipfile.ZIP_STORED:
            total += info.compress_size
            with archive.open(info) as member:
                while block := member.read(1 << 23):
                    hint.feed(block)
                    if scan is not None:
                        scan.feed(block)
        elif info.compress_type != zipfile.ZIP_DEFLATED:
            raise damaged(path, kind)
        else:
            total += _inflate(f, path, kind, info, hint, scan)
        if hint.seen:
            hinted.add(info.filename)
        if scan is not None:
            claims[info.filename] = (scan.columns, scan.rows)
        if total > MAX_UNCOMPRESSED_BYTES:
            raise _bomb(path)
    return frozenset(hinted), claims


def _inflate(
    f: IO[bytes], path: Path, kind: Kind, info: zipfile.ZipInfo, hint: ErrorHint,
    scan: ClaimScan | None,
) -> int:
    """Inflate one member in bounded steps; its real size."""
    f.seek(info.header_offset)
    local = f.read(30)
    if len(local) != 30 or not local.startswith(ZIP_MAGIC):
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
            if scan is not None:
                scan.feed(block)
    return produced


def _contains(f: IO[bytes], needle: bytes, limit: int = 64 << 20) -> bool:
    """Whether the first ``limit`` bytes of the open file contain ``needle``."""
    overlap = len(needle) - 1
    tail = b""
    read = 0
    f.seek(0)
    while read < limit and (block := f.read(1 << 20)):
        read += len(block)
        if needle in tail + block:
            return True
        tail = block[-overlap:]
    return False


_TEXT_CONTROLS = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def _not_a_workbook(path: Path, kind: Kind, f: IO[bytes]) -> InputError:
    """What a file that is no workbook at all is instead: a web page or XML export, a
    text (CSV) file with the wrong extension, or damaged."""
    f.seek(0)
    start = f.read(4096)
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        start = start.decode("utf-16", "replace").encode("utf-8", "replace")
    text = start.removeprefix(codecs.BOM_UTF8)
    if text.lstrip()[:1] == b"<":
        return InputError(
            f"{path} is not a real {'OpenDocument' if kind == 'ods' else 'Excel'} file (it "
            "looks like a web page or XML export); open it in Excel, save it as .xlsx "
            "and try again"
        )
    if text and not _TEXT_CONTROLS.search(text):
        return InputError(
            f"{path} is a text (CSV) file named {path.suffix}, not a workbook; give it the "
            ".csv extension and try again"
        )
    return damaged(path, kind)


#: a BIFF2/3/4 worksheet (Excel 2.x–4.0) is a bare record stream, not an OLE file:
#: its first record is a BOF (0x0009, 0x0209, 0x0409) — xlrd reads it
_BARE_BIFF_BOF = (b"\x09\x00", b"\x09\x02", b"\x09\x04")


def check_xls(path: Path, head: bytes, file: IO[bytes]) -> None:
    if head.startswith(OLE_MAGIC) or head.startswith(_BARE_BIFF_BOF):
        return
    if head.startswith(ZIP_MAGIC):
        raise InputError(
            f"{path} is an Excel workbook in the newer format with the wrong extension; "
            "give it the .xlsx extension and try again"
        )
    raise _not_a_workbook(path, "xls", file)
