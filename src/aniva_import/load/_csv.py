"""CSV/TXT/TSV reader for the load stage.

* Encoding: :mod:`aniva_import.load._encoding` (BOM, UTF-16 without BOM, strict
  UTF-8, cp1252 or cp850 by letters, charset-normalizer last); it also refuses
  binary files.
* Delimiter: an Excel ``sep=X`` first line wins (and is not a row, as in
  Excel); otherwise ``;`` ``,`` tab ``|`` are each tried on the first records:
  one that splits the header into several cells beats one that does not, then
  the one under which most records have the header's width wins, then the one
  giving the header most cells, then the one leaving fewest records blank.
* Rows: the ``csv`` module over a decoded text stream: one record is one row
  (a quoted line break does not start a new one, a blank line does), every
  cell is text exactly as written.
* Hostile input: lines longer than 16 MiB and cells longer than the csv module's
  limit stop the read with an InputError, so memory stays bounded.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from aniva_import.errors import InputError
from aniva_import.load._encoding import (
    SAMPLE_BYTES,
    decode_sample,
    detect_encoding,
    errors_for,
)
from aniva_import.load._table import (
    Chunk,
    SourceInfo,
    Table,
    fit_row,
    is_blank,
    make_chunk,
    trim_header,
)
from aniva_import.problems import Problem

DELIMITERS: tuple[str, ...] = (";", ",", "\t", "|")
_MAX_LINE_CHARS = 16 << 20
_DELIMITER_SAMPLE_RECORDS = 200
_SEP_LINE_RE = re.compile(r"sep=(.)(\r\n|\n|\r|$)")
_SCAN_BLOCK = 1 << 20
_SCAN_OVERLAP = 64  # longer than any pattern may_contain is given
_UNICODE_CLASSES = re.compile(r"\\[dDwWsSbB]|\.")
_ASCII_PROBE = "".join(chr(c) for c in range(32, 127))


def _ascii_compatible(encoding: str) -> bool:
    """Whether ``encoding`` writes every ASCII character as its own byte and never uses
    ASCII bytes inside another character (UTF-8 and the single-byte code pages)."""
    if encoding.replace("_", "-").lower().startswith(("utf-16", "utf-32")):
        return False
    try:
        return _ASCII_PROBE.encode(encoding) == _ASCII_PROBE.encode("ascii")
    except (LookupError, UnicodeError):
        return False

# a lone surrogate never comes out of a strict decoder: it marks undecodable bytes
_MARK = "\udfff"
_MARK_ERRORS = "aniva-import-mark"


def _mark(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return _MARK, exc.end


codecs.register_error(_MARK_ERRORS, _mark)


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
        head = f.read(SAMPLE_BYTES)
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
                "r", encoding=encoding, errors=errors or errors_for(encoding), newline=""
            )
        except OSError as exc:
            raise InputError(
                f"{self.info.path} cannot be read ({exc.strerror or 'access denied'})"
            ) from None

    def may_contain(self, patterns: Sequence[re.Pattern[str]]) -> bool:
        """Searched in the file's bytes, quotes removed (a cell's text is its bytes less
        some quote characters), when every pattern is plain ASCII and the encoding
        writes ASCII as itself: ~30 ms for 17 MB, where reading the cells takes ~0.3 s."""
        if not _ascii_compatible(self.info.encoding or "utf-8"):
            return True
        needles = []
        for pattern in patterns:
            text = pattern.pattern
            if not text.isascii() or _UNICODE_CLASSES.search(text) or pattern.flags & re.I:
                return True
            needles.append(re.compile(text.encode("ascii")))
        tail = b""
        try:
            with self.info.path.open("rb") as f:
                while block := f.read(_SCAN_BLOCK):
                    data = tail + block.replace(b'"', b"")
                    if any(needle.search(data) for needle in needles):
                        return True
                    tail = data[-_SCAN_OVERLAP:]
        except OSError:
            return True  # reading the cells will say what is wrong
        return False

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
                        first = record[0] if record else ""
                        if (not first or first.isspace()) and not "".join(record).strip():
                            continue  # blank (most rows start with a filled cell: no join)
                        if len(record) != width:
                            record = fit_row(record, width, number, 0, problems)
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
