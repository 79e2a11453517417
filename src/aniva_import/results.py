"""The results file: one row per input row, CSV or XLSX, written safely.

The results file has the columns ``row, status, profile_id, errors`` and then
every original column unchanged (PRODUCT.md).  It is written to a temporary
file created owner-only (0600) beside the target and renamed into place when
complete, so a reader never sees half a file.

Spreadsheet formula injection: a CSV cell that starts with ``=``, ``+``, ``-``,
``@``, tab or carriage return and is not plainly a number (a phone number such
as ``+49 30 1234567`` is harmless and stays as it is) gets a leading ``'``,
which spreadsheet programs treat as "this is text".  XLSX cells are written as
typed text cells, which are never evaluated, so nothing there needs changing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from aniva_import.errors import InputError
from aniva_import.types import Problem, Status

if TYPE_CHECKING:
    from aniva_import._xlsx_cells import CellValue

RESULT_HEADERS = ("row", "status", "profile_id", "errors")
_DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9][0-9 ()./-]*")

Cell = str | dt.date | dt.datetime


def escape_formula(text: str) -> str:
    """Make a CSV cell safe to open in a spreadsheet program.

    >>> escape_formula("=HYPERLINK(\\"http://x\\")"), escape_formula("+49 30 1234567")
    ('\\'=HYPERLINK("http://x")', '+49 30 1234567')
    """
    if (text.startswith(_DANGEROUS_START) and not _PLAIN_NUMBER.fullmatch(text)) or _escaped(
        text
    ):
        return "'" + text
    return text


def _escaped(text: str) -> bool:
    """Whether ``text`` reads as an escaped cell: ``'`` then a formula start or ``'``.
    Such text is escaped once more, so that unescaping gives it back exactly."""
    return len(text) > 1 and text[0] == "'" and (text[1] == "'" or text[1] in _DANGEROUS_START)


_DANGER = frozenset(_DANGEROUS_START)


def _csv_cell(cell: Cell) -> str:
    return escape_formula(cell if isinstance(cell, str) else cell.isoformat())


def unescape_formula(text: str) -> str:
    """Undo :func:`escape_formula` when a CSV results file is read back in
    (``unescape_formula(escape_formula(t)) == t`` for every text)."""
    return text[1:] if _escaped(text) else text


def create_private_beside(target: Path) -> tuple[int, Path]:
    """A new, uniquely named, owner-only (0600) temporary file in ``target``'s folder,
    to be renamed onto ``target`` when complete; returns its fd and path."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.fchmod(fd, 0o600)
    return fd, Path(name)


def write_private_text(path: Path, text: str) -> None:
    """Write a small text file atomically and owner-only."""
    fd, temp = create_private_beside(path)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        temp.replace(path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class ResultRow:
    """What the results file says about one input row."""

    row: int
    status: Status
    profile_id: str | None
    problems: tuple[Problem, ...]
    cells: Sequence[Cell]

    @property
    def errors(self) -> str:
        return "; ".join(p.render() for p in self.problems)


class ResultsWriter(Protocol):
    path: Path

    @property
    def renderer(self) -> RowRenderer: ...
    def write(self, rows: Sequence[ResultRow]) -> None: ...
    def write_rendered(self, rendered: Rendered, rows: int) -> None: ...
    def commit(self) -> None: ...
    def discard(self) -> None: ...


@dataclass(frozen=True)
class Rendered:
    """Results rows already turned into the file's text (CSV text or sheet XML),
    with the end offset of each row in it, so single rows can be replaced."""

    text: str
    ends: list[int]
    #: XLSX only: the notes (comments) of flagged cells, their positions, the width
    notes: str = ""
    notes_at: tuple[int, ...] = ()
    width: int = 0


class RowRenderer(Protocol):
    """Renders results rows; picklable, so worker processes render their own chunks."""

    def render(self, rows: Sequence[ResultRow], first_row: int = 2) -> Rendered: ...


@dataclass(frozen=True)
class CsvRenderer:
    """Turns result rows into CSV text."""

    delimiter: str = ","

    def render(self, rows: Sequence[ResultRow], first_row: int = 2) -> Rendered:
        """The rows as CSV text (``first_row``, the output row number, is not needed)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=self.delimiter, lineterminator="\r\n")
        tell = buffer.tell
        writerow = writer.writerow
        danger = _DANGER
        ends = []
        for result in rows:
            writerow(
                [
                    result.row,
                    result.status,
                    result.profile_id or "",
                    escape_formula(result.errors) if result.problems else "",
                    # the common case (text not starting like a formula) without a call
                    *[
                        c if c.__class__ is str and c[:1] not in danger else _csv_cell(c)
                        for c in result.cells
                    ],
                ]
            )
            ends.append(tell())
        return Rendered(buffer.getvalue(), ends)

    def header(self, headers: Sequence[str]) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=self.delimiter, lineterminator="\r\n")
        writer.writerow([escape_formula(h) for h in (*RESULT_HEADERS, *headers)])
        return buffer.getvalue()


class CsvResultsWriter:
    """CSV results: same delimiter as the input, UTF-8 with BOM (Excel shows umlauts)."""

    def __init__(self, path: Path, headers: Sequence[str], *, delimiter: str = ",") -> None:
        self.path = path
        self.renderer = CsvRenderer(delimiter)
        fd, self._temp = create_private_beside(path)
        self._handle = os.fdopen(fd, "w", encoding="utf-8-sig", newline="")
        try:
            self._handle.write(self.renderer.header(headers))
        except BaseException:
            self.discard()
            raise

    def write(self, rows: Sequence[ResultRow]) -> None:
        self._handle.write(self.renderer.render(rows).text)

    def write_rendered(self, rendered: Rendered, rows: int) -> None:
        """Rows a worker already rendered with :attr:`renderer`."""
        self._handle.write(rendered.text)

    def commit(self) -> None:
        try:
            self._handle.close()
            self._temp.replace(self.path)
        except BaseException:
            self._temp.unlink(missing_ok=True)
            raise

    def discard(self) -> None:
        self._handle.close()
        self._temp.unlink(missing_ok=True)


@dataclass(frozen=True)
class XlsxRenderer:
    """Turns result rows into sheet XML: invalid cells red, with the problem as a note."""

    field_positions: dict[str, int]

    def render(self, rows: Sequence[ResultRow], first_row: int = 2) -> Rendered:
        """The rows as sheet XML, numbered from output row ``first_row``."""
        from aniva_import._xlsx_cells import render_rows

        offset = len(RESULT_HEADERS)
        positions = self.field_positions
        flagged: dict[int, dict[int, str]] = {}
        cells: list[list[CellValue]] = []
        for index, result in enumerate(rows):
            if result.problems:
                flags = flagged[index] = {}
                for problem in result.problems:
                    position = positions.get(problem.field or "")
                    if position is not None:
                        note = f"{problem.message} [{problem.code}]"
                        col = offset + position
                        flags[col] = f"{flags[col]}\n{note}" if col in flags else note
            cells.append([result.row, result.status.value, result.profile_id,
                          result.errors or None, *result.cells])
        try:
            joined, ends = render_rows(first_row, cells, flagged)
        except ValueError:
            raise InputError(
                f"Row {_first_unwritable(rows, cells, flagged)} has a cell longer than "
                "Excel's 32,767 characters; write the results as CSV instead "
                "(--results FILE.csv)."
            ) from None
        return Rendered(joined.xml, ends, joined.notes, joined.notes_at, joined.width)


def _first_unwritable(
    rows: Sequence[ResultRow], cells: list[list[CellValue]], flagged: dict[int, dict[int, str]]
) -> int | str:
    """The row whose cells Excel cannot hold (row by row, only after a failure)."""
    from aniva_import._xlsx_cells import render_row

    for index, result in enumerate(rows):
        try:
            render_row(2, cells[index], flagged.get(index))
        except ValueError:
            return result.row
    return "?"


class XlsxResultsWriter:
    """XLSX results: a frozen header with a filter, invalid cells highlighted with the
    problem as a note on the cell.  Every cell is written as text (or a date cell for
    dates), so nothing in it is ever evaluated as a formula.  Written by our own
    streaming writer (:mod:`aniva_import._xlsx_writer`): xlsxwriter was 7× slower."""

    def __init__(
        self, path: Path, headers: Sequence[str], *, field_positions: dict[str, int]
    ) -> None:
        from aniva_import._xlsx_writer import FastXlsxWriter

        self.path = path
        self.renderer = XlsxRenderer(field_positions)
        fd, self._temp = create_private_beside(path)
        os.close(fd)
        try:
            self._book = FastXlsxWriter(self._temp, sheet_name="Results")
            self._book.write_header([*RESULT_HEADERS, *headers])
        except ValueError:
            self._close_and_unlink()
            raise InputError(
                f"The results cannot be written as Excel ({path.name}): the file has more "
                "columns or longer headers than Excel allows; write them as CSV instead "
                "(--results FILE.csv)."
            ) from None
        except BaseException:
            self._close_and_unlink()
            raise
        self._next = 2

    def _close_and_unlink(self) -> None:
        try:
            if hasattr(self, "_book"):
                self._book.close()
        finally:
            self._temp.unlink(missing_ok=True)

    def write(self, rows: Sequence[ResultRow]) -> None:
        self.write_rendered(self.renderer.render(rows, self._next), len(rows))

    def write_rendered(self, rendered: Rendered, rows: int) -> None:
        """Rows rendered (by a worker) from this writer's next row on."""
        from aniva_import._xlsx_cells import RenderedRows

        try:
            self._book.append_rendered(
                RenderedRows(rendered.text, rendered.width, rendered.notes, rendered.notes_at),
                rows,
            )
        except ValueError:
            raise InputError(
                f"The file has more rows than an Excel sheet holds ({self.path.name}); "
                "write the results as CSV instead (--results FILE.csv)."
            ) from None
        self._next += rows

    def commit(self) -> None:
        try:
            self._book.close()
            self._temp.replace(self.path)
        except BaseException:
            self._temp.unlink(missing_ok=True)
            raise

    def discard(self) -> None:
        self._close_and_unlink()


def default_results_path(source: Path, kind: str) -> Path:
    """``<input stem>.results.<csv or xlsx>`` beside the input."""
    suffix = "csv" if kind == "csv" else "xlsx"
    return source.with_name(f"{source.stem}.results.{suffix}")


def open_results_writer(
    path: Path,
    headers: Sequence[str],
    *,
    delimiter: str | None,
    field_positions: dict[str, int],
) -> ResultsWriter:
    """A writer for ``path``'s format: ``.xlsx`` → Excel, ``.csv``/``.txt``/``.tsv`` → CSV."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return XlsxResultsWriter(path, headers, field_positions=field_positions)
    if suffix in (".csv", ".txt", ".tsv"):
        return CsvResultsWriter(path, headers, delimiter=delimiter or ",")
    raise InputError(
        f"Results can be written as .csv or .xlsx, not as {suffix or 'a file without extension'}"
        f" ({path.name})."
    )
