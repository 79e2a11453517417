"""CSV/TXT/TSV reader for the load stage.

* Encoding: :mod:`aniva_import.load._encoding` (BOM, UTF-16 without BOM, strict
  UTF-8, cp1252 or cp850 by letters, charset-normalizer last); it also refuses
  binary files.
* Delimiter: an Excel ``sep=X`` first line wins (and is not a row, as in
  Excel); otherwise ``;`` ``,`` tab ``|`` are each tried on the first records:
  one that splits the header into several cells beats one that does not, then
  the one under which most records have the header's width wins, then the one
  giving the header most cells, then the one leaving fewest records blank.
  With a recogniser, the delimiter that splits out the most known headers in the
  first rows wins first, so a title line above the header cannot mislead it.
* Header: the row where known headers are, among the first rows (``_header``).
* Rows: the ``csv`` module over a decoded text stream: one record is one row
  (a quoted line break does not start a new one, a blank line does), every
  cell is text exactly as written.
* An unbalanced quote — a ``"`` that opens a cell and is never closed — would
  swallow the lines after it (or the rest of the file) into one cell: the line
  holding it becomes a row of its own with an ``unbalanced_quote`` problem, and
  the lines after it are read again as rows, so no line disappears.
* Hostile input: lines longer than 16 MiB stop the read with an InputError; a
  header wider than :data:`MAX_COLUMNS` is refused; a chunk holds at most
  :data:`CHUNK_CELLS` cells however wide the header, so memory stays bounded.
* The file: the one :func:`~aniva_import.load.open_table` opened; every pass reads
  that same file again (``/proc/self/fd``), not whatever has the name by then.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import weakref
from collections import deque
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
from aniva_import.load._header import LEADING_ROWS, Recognise, choose_header
from aniva_import.load._table import (
    Chunk,
    SourceInfo,
    Table,
    ascii_needles,
    fit_row,
    is_blank,
    make_chunk,
    trim_header,
)
from aniva_import.problems import Problem, ProblemCode
from aniva_import.types import Cell, column_letter

DELIMITERS: tuple[str, ...] = (";", ",", "\t", "|")
#: Excel's own limit: a header wider than this is no spreadsheet export
MAX_COLUMNS = 16_384
#: at most this many cells in one chunk (fewer rows per chunk for a wide header)
CHUNK_CELLS = 1_000_000
UNBALANCED_QUOTE_MESSAGE = (
    'a quote (") opens this cell and is never closed, so the rest of the line was read '
    "into it and the cells after it cannot be told apart; close the quote or remove it"
)
_MAX_LINE_CHARS = 16 << 20
_DELIMITER_SAMPLE_RECORDS = 200
_SEP_LINE_RE = re.compile(r"sep=(.)(\r\n|\n|\r|$)")
_SCAN_BLOCK = 1 << 20
_SCAN_OVERLAP = 64  # longer than any pattern may_contain is given
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


def detect_delimiter(
    text: str, complete: bool, recognise: Recognise | None = None
) -> tuple[str, bool]:
    """``(delimiter, has_sep_line)`` from the decoded start of the file."""
    sep = _SEP_LINE_RE.match(text)
    if sep is not None and sep.group(1) in DELIMITERS:
        return sep.group(1), True
    if not complete:  # the sample may end inside a record: drop that record
        cut = max(text.rfind("\n"), text.rfind("\r"))
        text = text[: cut + 1] if cut >= 0 else text
    best: tuple[tuple[int, bool, float, int, int, int], str] | None = None
    for preference, delimiter in enumerate(DELIMITERS):
        records = _sample_records(text, delimiter)
        widths = [len(r) for r in records]
        known = 0
        if recognise is not None:
            known = max((sum(1 for c in r if c.strip() and recognise(c))
                         for r in records[:LEADING_ROWS]), default=0)
        if widths:
            header = widths[0]
            agreeing = sum(1 for w in widths if w == header) / len(widths)
            # ``known`` first: a title line above the header cannot mislead it
            score = (known, header > 1, agreeing, header, len(widths), -preference)
        else:  # every record blank: it explains a file of delimiters best, unless
            score = (0, False, 2.0, 0, 0, -preference)  # another splits a real header
        if best is None or score > best[0]:
            best = (score, delimiter)
    return (best[1] if best is not None else DELIMITERS[1]), False


def _sample_records(text: str, delimiter: str) -> list[list[str]]:
    records: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    try:
        for record in reader:
            if is_blank(record):
                continue
            records.append(record)
            if len(records) >= _DELIMITER_SAMPLE_RECORDS:
                break
    except csv.Error:
        pass
    return records


# --------------------------------------------------------------------------- table


def open_csv(
    path: Path,
    file: IO[bytes],
    *,
    encoding: str | None = None,
    recognise: Recognise | None = None,
) -> CsvTable:
    """Sniff encoding, delimiter and header of a CSV/TXT/TSV file (``file``: the file
    open_table opened; the table keeps it)."""
    size = os.fstat(file.fileno()).st_size
    file.seek(0)
    head = file.read(SAMPLE_BYTES)
    complete = size <= len(head)
    if encoding is None:
        encoding = detect_encoding(path, head, size, file, recognise)
    else:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(
                f"{encoding!r} is not a text encoding this program knows (e.g. utf-8, "
                "cp1252, cp1250, iso8859-7, mac-roman)"
            ) from None
    text = decode_sample(path, head, encoding, complete)
    if text.startswith("\ufeff"):
        text = text[1:]
    delimiter, sep_line = detect_delimiter(text, complete, recognise)
    info = SourceInfo(path=path, kind="csv", encoding=encoding, delimiter=delimiter)
    table = CsvTable(info, (), 0, sep_line, file)
    candidates: list[tuple[int, list[Cell]]] = []
    for number, record, _broken in table.records():
        if not is_blank(record):
            candidates.append((number, list[Cell](record)))
            if len(candidates) >= LEADING_ROWS:
                break
    choice = choose_header(path, candidates, recognise)
    if choice is None:
        raise InputError(f"{path} is empty: no header row found")
    headers = trim_header(choice.cells)
    if len(headers) > MAX_COLUMNS:
        raise InputError(
            f"{path} has a header row {len(headers):,} columns wide; a spreadsheet has at "
            f"most {MAX_COLUMNS:,} columns, so it does not look like a patient list"
        )
    table = CsvTable(
        info, headers, choice.row, sep_line, file, trusted=choice.trusted, skipped=choice.skipped
    )
    weakref.finalize(table, file.close)  # the table keeps the file open while it lives
    return table


class CsvTable(Table):
    """A CSV file, read afresh (streaming) by every :meth:`chunks` call."""

    def __init__(
        self,
        info: SourceInfo,
        headers: tuple[str, ...],
        header_row: int,
        sep_line: bool,
        file: IO[bytes],
        *,
        trusted: bool = False,
        skipped: int = 0,
    ) -> None:
        super().__init__(info, headers, header_row, trusted=trusted, skipped=skipped)
        self._sep_line = sep_line
        self._file = file
        # the same file again, with an offset of its own (Linux); elsewhere by its name
        fd_path = Path(f"/proc/self/fd/{file.fileno()}")
        self._reopen = fd_path if fd_path.exists() else info.path

    def _open(self, errors: str | None = None) -> IO[str]:
        encoding = self.info.encoding or "utf-8"
        try:
            return self._reopen.open(
                "r", encoding=encoding, errors=errors or errors_for(encoding), newline=""
            )
        except OSError as exc:
            raise InputError(
                f"{self.info.path} cannot be read ({exc.strerror or 'access denied'})"
            ) from None

    def may_contain(self, patterns: Sequence[re.Pattern[str]]) -> bool:
        """Searched in the file's bytes, quotes removed (a cell's text is its bytes less
        some quote characters), when every pattern is plain ASCII and the encoding
        writes ASCII as itself (far cheaper than reading the cells; what it saves is in
        benchmarks/README.md)."""
        if not _ascii_compatible(self.info.encoding or "utf-8"):
            return True
        needles = ascii_needles(patterns)
        if needles is None:
            return True
        tail = b""
        try:
            with self._reopen.open("rb") as f:
                while block := f.read(_SCAN_BLOCK):
                    data = tail + block.replace(b'"', b"")
                    if any(needle.search(data) for needle in needles):
                        return True
                    tail = data[-_SCAN_OVERLAP:]
        except OSError:
            return True  # reading the cells will say what is wrong
        return False

    def _lines(self, f: IO[str], pending: list[str], replay: deque[str]) -> Iterator[str]:
        """The file's lines (the lines of a broken record again first, from ``replay``),
        each also put in ``pending``: the lines of the record being read."""
        if self._sep_line:
            f.readline()
        readline, append = f.readline, pending.append
        while True:
            if replay:
                line = replay.popleft()
            else:
                line = readline(_MAX_LINE_CHARS)
                if not line:
                    return
                if len(line) >= _MAX_LINE_CHARS and line[-1] not in "\r\n":
                    raise InputError(
                        f"{self.info.path} has a line longer than {_MAX_LINE_CHARS >> 20} "
                        "million characters, so it does not look like a spreadsheet export"
                    )
            append(line)
            yield line

    def _reader(self, lines: Iterator[str]) -> Iterator[list[str]]:
        return csv.reader(lines, delimiter=self.info.delimiter or ",", quotechar='"',
                          strict=True)

    def _broken(self, pending: list[str], replay: deque[str]) -> tuple[list[str], int]:
        """After the csv module stopped on a record (read strictly): its first line as a
        row of its own, the column of an unbalanced quote in it (-1: none), and its other
        lines read again."""
        broken = pending[:]
        pending.clear()
        replay.extendleft(reversed(broken[1:]))
        first = broken[0].rstrip("\r\n") if broken else ""
        record = next(csv.reader([first], delimiter=self.info.delimiter or ",", strict=False),
                      [])
        return record, (len(record) - 1 if first.count('"') % 2 else -1)

    def _read_error(self, exc: Exception, row: int) -> InputError:
        if isinstance(exc, UnicodeDecodeError):
            where = f"in row {bad}" if (bad := self._undecodable_row()) else f"near row {row}"
            return InputError(
                f"{self.info.path} has bytes {where} that are not valid "
                f"{self.info.encoding} text; save the file again as UTF-8 and try again"
            )
        return InputError(
            f"{self.info.path} could not be read to the end "
            f"({getattr(exc, 'strerror', None) or 'read error'})"
        )

    def _undecodable_row(self) -> int | None:
        """The row holding the first undecodable bytes (a second, marking pass)."""
        try:
            for number, record, _broken in self.records(errors=_MARK_ERRORS):
                if any(_MARK in cell for cell in record):
                    return number
        except InputError:
            return None
        return None

    def records(self, errors: str | None = None) -> Iterator[tuple[int, list[str], int]]:
        """Every record with its row number, blank ones included, and the column of an
        unbalanced quote in it (-1: none).  The csv module reads strictly; when a record
        breaks (a quote left open swallowing lines, or the end of the file inside a
        quote) its first line becomes a row of its own and the lines after it are read
        again."""
        pending: list[str] = []
        replay: deque[str] = deque()
        number = 0
        with self._open(errors) as f:
            reader = self._reader(self._lines(f, pending, replay))
            while True:
                try:
                    for record in reader:
                        pending.clear()
                        number += 1
                        yield number, record, -1
                except csv.Error:
                    if not pending:
                        return
                    record, column = self._broken(pending, replay)
                    number += 1
                    yield number, record, column
                except (UnicodeDecodeError, OSError) as exc:
                    raise self._read_error(exc, number + 1) from None
                else:
                    return

    def chunks(self, rows: int = 20_000) -> Iterator[Chunk]:
        if rows < 1:
            raise ValueError("rows must be at least 1")
        width = len(self.headers)
        rows = min(rows, max(1, CHUNK_CELLS // max(width, 1)))
        header_row = self.header_row
        buffer: list[list[str]] = []
        numbers: list[int] = []
        problems: list[Problem] = []
        yielded = False
        number = 0
        pending: list[str] = []
        replay: deque[str] = deque()
        with self._open() as f:
            reader = self._reader(self._lines(f, pending, replay))
            broken = -1
            while True:
                try:
                    for record in reader:
                        pending.clear()
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
                            yield make_chunk(buffer, numbers, width, problems)
                            yielded = True
                            buffer, numbers, problems = [], [], []
                except csv.Error:
                    if not pending:
                        break
                    record, broken = self._broken(pending, replay)
                except (UnicodeDecodeError, OSError) as exc:
                    raise self._read_error(exc, number + 1) from None
                else:
                    break
                number += 1  # the broken record's first line, a row of its own
                if number <= header_row or is_blank(record):
                    continue
                if broken >= 0:
                    problems.append(_unbalanced_quote(number, broken))
                buffer.append(fit_row(record, width, number, 0, problems))
                numbers.append(number)
                if len(buffer) >= rows:
                    yield make_chunk(buffer, numbers, width, problems)
                    yielded = True
                    buffer, numbers, problems = [], [], []
        if buffer or not yielded:
            yield make_chunk(buffer, numbers, width, problems)


def _unbalanced_quote(row: int, column: int) -> Problem:
    return Problem(
        row=row,
        column=f"column {column_letter(max(column, 0))}",
        code=ProblemCode.UNBALANCED_QUOTE,
        message=UNBALANCED_QUOTE_MESSAGE,
    )
