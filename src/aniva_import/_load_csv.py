"""CSV/TXT/TSV reader for :mod:`aniva_import.load`.

* Encoding: a byte-order mark decides first (UTF-8, UTF-16 LE/BE, UTF-32);
  then UTF-16 without BOM is recognised by its NUL pattern; then the sample
  is tried as strict UTF-8; then cp1252 (Windows; read for Latin-1 too, its
  superset for every printable character) or DOS cp850, whichever decodes
  the non-ASCII bytes into letters (see :func:`single_byte_encoding`), and
  charset-normalizer when neither does.  cp1252's five undefined bytes
  decode as their Latin-1 control characters instead of failing.  When the
  first MiB is plain ASCII the file is scanned on (fast, in blocks) to the
  first non-ASCII byte, and that neighbourhood is what gets detected.
* Delimiter: an Excel ``sep=X`` first line wins (and is not a row, as in
  Excel); otherwise ``;`` ``,`` tab ``|`` are each tried on the first records:
  one that splits the header into several cells beats one that does not, then
  the one under which most records have the header's width wins, then the one
  giving the header most cells, then the one leaving fewest records blank.
* Rows: the ``csv`` module over a decoded text stream: one record is one row
  (a quoted line break does not start a new one, a blank line does), every
  cell is text exactly as written.
* Hostile input: binary files (NUL/control bytes, ZIP, OLE, PDF, images) are
  refused; a workbook renamed ``.csv`` is refused with a hint to use its real
  extension; lines longer than 16 MiB and cells longer than the csv module's
  limit stop the read with an InputError, so memory stays bounded.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import charset_normalizer

from aniva_import.errors import InputError
from aniva_import.load import (
    Chunk,
    SourceInfo,
    Table,
    fit_row,
    is_blank,
    make_chunk,
    trim_header,
)
from aniva_import.types import Problem

DELIMITERS: tuple[str, ...] = (";", ",", "\t", "|")
_SAMPLE_BYTES = 1 << 20
_SCAN_BLOCK = 1 << 20
_MAX_LINE_CHARS = 16 << 20
_DELIMITER_SAMPLE_RECORDS = 200
_WESTERN = ("cp1252", "cp850")
_FALLBACK_ERRORS = "aniva-import-latin1-fallback"

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OTHER_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG", "an image"),
    (b"GIF8", "an image"),
    (b"\xff\xd8\xff", "an image"),
    (b"\x1f\x8b", "a compressed (gzip) file"),
    (b"7z\xbc\xaf", "a compressed (7-Zip) file"),
    (b"Rar!", "a compressed (RAR) file"),
    (b"SQLite format 3", "a database file"),
)

# control characters that never appear in a text export (tab, CR, LF, FF, VT,
# SUB are allowed); C1 controls come from undefined cp1252 bytes
_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x19\x1b-\x1f\x7f-\x9f]")
_SEP_LINE_RE = re.compile(r"sep=(.)(\r\n|\n|\r|$)")
_NON_ASCII_RE = re.compile(rb"[\x80-\xff]")
_NON_ASCII_TEXT_RE = re.compile("[^\x00-\x7f]")


def _latin1_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Decode bytes a code page leaves undefined as their Latin-1 characters."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return exc.object[exc.start : exc.end].decode("latin-1"), exc.end


codecs.register_error(_FALLBACK_ERRORS, _latin1_fallback)

# a lone surrogate never comes out of a strict decoder: it marks undecodable bytes
_MARK = "\udfff"
_MARK_ERRORS = "aniva-import-mark"


def _mark(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return _MARK, exc.end


codecs.register_error(_MARK_ERRORS, _mark)


def _errors_for(encoding: str) -> str:
    return "strict" if encoding.startswith("utf") else _FALLBACK_ERRORS


# --------------------------------------------------------------------------- encoding


def detect_encoding(path: Path, head: bytes, size: int) -> str:
    """The codec to read ``path`` with; ``head`` is its first bytes."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    _refuse_known_binary(path, head)
    if b"\x00" in head:
        utf16 = _utf16_without_bom(head)
        if utf16 is None:
            raise _not_text(path)
        return utf16
    sample: bytes | None = head
    if head.isascii():
        sample = _first_non_ascii(path, len(head)) if size > len(head) else None
        if sample is None:
            return "utf-8"
    assert sample is not None
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    return single_byte_encoding(sample)


def single_byte_encoding(sample: bytes) -> str:
    """cp1252 or DOS cp850 by which reads more like names; otherwise ask the detector.

    charset-normalizer alone misreads short Western samples (``aAè`` in cp1252
    comes back as cp850, ``Köln;Jäger`` in cp850 as cp1252), so the choice
    between the two Western code pages is made by letters: every non-ASCII
    character that decodes to a letter counts for the code page, a symbol
    inside a word or a control character counts against it; ties go to
    cp1252.  When neither reads like text, charset-normalizer picks any code
    page it finds plausible (a Central European or Cyrillic export, say).
    """
    scores = {name: _plausibility(sample.decode(name, _FALLBACK_ERRORS)) for name in _WESTERN}
    best = max(_WESTERN, key=lambda name: scores[name])
    if scores[best] > 0:
        return best
    guess = charset_normalizer.from_bytes(sample).best()
    if guess is None:
        return _WESTERN[0]
    name = codecs.lookup(guess.encoding).name
    return _WESTERN[0] if name in ("iso8859-1", "latin-1", "ascii") else name


def _plausibility(text: str) -> int:
    score = 0
    last = len(text) - 1
    for found in _NON_ASCII_TEXT_RE.finditer(text):
        char = found.group()
        at = found.start()
        if char.isalpha():
            score += 1
        elif unicodedata.category(char) == "Cc":
            score -= 2
        elif 0 < at < last and text[at - 1].isalpha() and text[at + 1].isalpha():
            score -= 1
    return score


def _refuse_known_binary(path: Path, head: bytes) -> None:
    if head.startswith(_ZIP_MAGIC):
        if b"[Content_Types].xml" in head or b"xl/" in head:
            raise InputError(
                f"{path} looks like an Excel workbook, not a text (CSV) file; "
                "give it the .xlsx extension and try again"
            )
        if b"opendocument.spreadsheet" in head:
            raise InputError(
                f"{path} looks like an OpenDocument spreadsheet, not a text (CSV) file; "
                "give it the .ods extension and try again"
            )
        raise InputError(f"{path} is a ZIP archive, not a text (CSV) file")
    if head.startswith(_OLE_MAGIC):
        raise InputError(
            f"{path} looks like an Excel workbook in the old format, not a text (CSV) file; "
            "give it the .xls extension and try again"
        )
    for magic, what in _OTHER_MAGIC:
        if head.startswith(magic):
            raise InputError(f"{path} looks like {what}, not a text (CSV) file")


def _utf16_without_bom(head: bytes) -> str | None:
    even, odd = head[0::2], head[1::2]
    if not even or not odd:
        return None
    even_nul = even.count(0) / len(even)
    odd_nul = odd.count(0) / len(odd)
    if odd_nul > 0.3 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.3 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def _first_non_ascii(path: Path, offset: int) -> bytes | None:
    """Bytes around the first non-ASCII byte at or after ``offset``; None if all ASCII."""
    with path.open("rb") as f:
        f.seek(offset)
        while block := f.read(_SCAN_BLOCK):
            if not block.isascii():
                found = _NON_ASCII_RE.search(block)
                assert found is not None
                start = max(0, offset + found.start() - 4096)  # an ASCII byte: a boundary
                f.seek(start)
                return f.read(_SAMPLE_BYTES)
            offset += len(block)
    return None


def _not_text(path: Path) -> InputError:
    return InputError(
        f"{path} does not look like a text (CSV) file; it seems to contain binary data"
    )


def decode_sample(path: Path, head: bytes, encoding: str, complete: bool) -> str:
    """Decode the file's first bytes, refusing binary data."""
    decoder = codecs.getincrementaldecoder(encoding)(errors=_errors_for(encoding))
    try:
        text = decoder.decode(head, final=complete)
    except UnicodeDecodeError:
        raise _not_text(path) from None
    controls = len(_CONTROL_RE.findall(text))
    if controls > max(2, len(text) // 100):
        raise _not_text(path)
    return text


# --------------------------------------------------------------------------- delimiter


def detect_delimiter(text: str, complete: bool) -> tuple[str, bool]:
    """``(delimiter, has_sep_line)`` from the decoded start of the file."""
    sep = _SEP_LINE_RE.match(text)
    if sep is not None and sep.group(1) in DELIMITERS:
        return sep.group(1), True
    if not complete:  # the sample may end inside a record: drop that record
        cut = max(text.rfind("\n"), text.rfind("\r"))
        text = text[: cut + 1] if cut >= 0 else text
    best: tuple[tuple[bool, float, int, int, int], str] | None = None
    for preference, delimiter in enumerate(DELIMITERS):
        widths = _record_widths(text, delimiter)
        if widths:
            header = widths[0]
            agreeing = sum(1 for w in widths if w == header) / len(widths)
            score = (header > 1, agreeing, header, len(widths), -preference)
        else:  # every record blank: it explains a file of delimiters best, unless
            score = (False, 2.0, 0, 0, -preference)  # another splits a real header
        if best is None or score > best[0]:
            best = (score, delimiter)
    return (best[1] if best is not None else DELIMITERS[1]), False


def _record_widths(text: str, delimiter: str) -> list[int]:
    widths: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    try:
        for record in reader:
            if is_blank(record):
                continue
            widths.append(len(record))
            if len(widths) >= _DELIMITER_SAMPLE_RECORDS:
                break
    except csv.Error:
        pass
    return widths


# --------------------------------------------------------------------------- table


def open_csv(path: Path) -> CsvTable:
    """Sniff encoding, delimiter and header of a CSV/TXT/TSV file."""
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(_SAMPLE_BYTES)
    complete = size <= len(head)
    encoding = detect_encoding(path, head, size)
    text = decode_sample(path, head, encoding, complete)
    if text.startswith("\ufeff"):
        text = text[1:]
    delimiter, sep_line = detect_delimiter(text, complete)
    info = SourceInfo(path=path, kind="csv", encoding=encoding, delimiter=delimiter)
    table = CsvTable(info, (), 0, sep_line)
    for number, record in table.records():
        if not is_blank(record):
            headers = trim_header(record)
            return CsvTable(info, headers, number, sep_line)
    raise InputError(f"{path} is empty: no header row found")


class CsvTable(Table):
    """A CSV file, read afresh (streaming) by every :meth:`chunks` call."""

    def __init__(
        self, info: SourceInfo, headers: tuple[str, ...], header_row: int, sep_line: bool
    ) -> None:
        super().__init__(info, headers, header_row)
        self._sep_line = sep_line

    def _open(self, errors: str | None = None) -> IO[str]:
        encoding = self.info.encoding or "utf-8"
        try:
            return self.info.path.open(
                "r", encoding=encoding, errors=errors or _errors_for(encoding), newline=""
            )
        except OSError as exc:
            raise InputError(
                f"{self.info.path} cannot be read ({exc.strerror or 'access denied'})"
            ) from None

    def _lines(self, f: IO[str]) -> Iterator[str]:
        if self._sep_line:
            f.readline()
        readline = f.readline
        while line := readline(_MAX_LINE_CHARS):
            if len(line) >= _MAX_LINE_CHARS and line[-1] not in "\r\n":
                raise InputError(
                    f"{self.info.path} has a line longer than {_MAX_LINE_CHARS >> 20} million "
                    "characters, so it does not look like a spreadsheet export"
                )
            yield line

    def _reader(self, f: IO[str]) -> Iterator[list[str]]:
        return csv.reader(
            self._lines(f), delimiter=self.info.delimiter or ",", quotechar='"', strict=False
        )

    def _read_error(self, exc: Exception, row: int) -> InputError:
        if isinstance(exc, UnicodeDecodeError):
            where = f"in row {bad}" if (bad := self._undecodable_row()) else f"near row {row}"
            return InputError(
                f"{self.info.path} has bytes {where} that are not valid "
                f"{self.info.encoding} text; save the file again as UTF-8 and try again"
            )
        if isinstance(exc, OSError):
            return InputError(f"{self.info.path} could not be read to the end ({exc.strerror})")
        return InputError(
            f"{self.info.path} has a cell near row {row} that is too long to be a spreadsheet "
            'cell (perhaps a quote " that is never closed)'
        )

    def _undecodable_row(self) -> int | None:
        """The row holding the first undecodable bytes (a second, marking pass)."""
        try:
            for number, record in self.records(errors=_MARK_ERRORS):
                if any(_MARK in cell for cell in record):
                    return number
        except InputError:
            return None
        return None

    def records(self, errors: str | None = None) -> Iterator[tuple[int, list[str]]]:
        """Every record with its row number, blank ones included."""
        number = 0
        with self._open(errors) as f:
            reader = self._reader(f)
            while True:
                try:
                    record = next(reader)
                except StopIteration:
                    return
                except (UnicodeDecodeError, csv.Error, OSError) as exc:
                    raise self._read_error(exc, number + 1) from None
                number += 1
                yield number, record

    def chunks(self, rows: int = 20_000) -> Iterator[Chunk]:
        if rows < 1:
            raise ValueError("rows must be at least 1")
        width = len(self.headers)
        header_row = self.header_row
        buffer: list[list[str]] = []
        numbers: list[int] = []
        problems: list[Problem] = []
        yielded = False
        number = 0
        with self._open() as f:
            reader = self._reader(f)
            while True:
                try:
                    for record in reader:
                        number += 1
                        if number <= header_row:
                            continue
                        if len(record) != width:
                            if not "".join(record).strip():
                                continue
                            record = fit_row(record, width, number, 0, problems)
                        elif not "".join(record).strip():
                            continue
                        buffer.append(record)
                        numbers.append(number)
                        if len(buffer) >= rows:
                            break
                    else:
                        break
                except (UnicodeDecodeError, csv.Error, OSError) as exc:
                    raise self._read_error(exc, number + 1) from None
                yield make_chunk(buffer, numbers, width, problems)
                yielded = True
                buffer, numbers, problems = [], [], []
        if buffer or not yielded:
            yield make_chunk(buffer, numbers, width, problems)
