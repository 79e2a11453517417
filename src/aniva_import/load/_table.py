"""The opened table: its header, and its data rows streamed in chunks.

Decisions worth knowing (see also the readers' docstrings):

* A row is *blank* when every cell is empty or whitespace only; blank rows are
  left out of the chunks but still counted, so numbering stays right.
* The header is the row where known headers are, among the first rows that are
  not blank (title lines above it are passed over; see ``_header``).  Trailing empty
  header cells are dropped, so a header's width ends at its last named column.  A data row
  with a non-empty cell beyond that width keeps its known cells and gets an
  ``extra_cells`` problem naming the first such column by its letter.
* A file with a header but no data rows yields exactly one empty chunk.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Final, TypeVar, cast

from aniva_import.load._formats import Kind
from aniva_import.problems import Problem, ProblemCode
from aniva_import.types import Cell, column_letter

CellT = TypeVar("CellT", str, Cell)

FORMULA_WITHOUT_VALUE_MESSAGE: Final = (
    "This cell holds a formula that was never calculated, so it has no value to import. "
    "Open the file in Excel or LibreOffice, save it, and run again."
)
EXTRA_CELLS_MESSAGE: Final = (
    "this row has more cells than the header row; the extra cells would be lost, "
    "so the row is not imported"
)


@dataclass(frozen=True)
class SourceInfo:
    """What :func:`open_table` found out about the file."""

    path: Path
    kind: Kind
    #: CSV: the Python codec actually used, e.g. "utf-8-sig", "utf-16", "cp1252"
    encoding: str | None = None
    #: CSV: one of , ; \\t |
    delimiter: str | None = None
    #: workbook: the sheet read (its name, for the library's callers: messages and
    #: summaries never show it, a sheet may be named after a patient)
    sheet: str | None = None
    #: workbook: the sheet's position (from 1) and how many sheets the workbook has
    sheet_index: int | None = None
    sheets: int | None = None
    #: workbook uses the 1904 date system
    date1904: bool = False


@dataclass(frozen=True)
class Chunk:
    """A slice of data rows.

    ``rows``: one list of :data:`Cell` values per row, each as wide as the header
    (``""`` for empty, never None); ``numbers``: their spreadsheet row numbers,
    ascending.  ``problems``: load-level row problems (``extra_cells``); such rows
    stay in ``rows`` with their known cells.  ``uncalculated``: ``(row number, position
    in the row)`` of the cells that hold a formula without a saved value (a workbook
    never calculated): they read as ``""``, and the check reports them
    (``formula_without_value``) instead of taking them for empty.
    """

    raw: list[list[Any]]
    numbers: list[int]
    width: int
    problems: list[Problem] = field(default_factory=list)
    #: turns a raw cell that is not already text into a :data:`Cell` (workbooks); the
    #: conversion happens where ``rows`` is first used — in a worker, off the reader's path
    convert: Callable[[Any], Cell] | None = None
    uncalculated: list[tuple[int, int]] = field(default_factory=list)

    @cached_property
    def rows(self) -> list[list[Cell]]:
        convert = self.convert
        if convert is None:
            return self.raw
        return [[v if type(v) is str else convert(v) for v in row] for row in self.raw]

    def __len__(self) -> int:
        return len(self.numbers)

    def row(self, index: int) -> list[Cell]:
        """One row's cells (converted on its own: the rest of the chunk stays raw)."""
        if "rows" in self.__dict__ or self.convert is None:
            return self.rows[index]
        convert = self.convert
        return [v if type(v) is str else convert(v) for v in self.raw[index]]

    def column(self, position: int) -> list[Cell]:
        """Every row's cell in one column."""
        return [row[position] for row in self.rows]


class Table:
    """An opened spreadsheet: its header, and its data rows in chunks."""

    info: SourceInfo
    headers: tuple[str, ...]
    header_row: int
    #: the header row is certainly one (a known header in it, no value that looks like
    #: data), so its names may appear in messages; otherwise only column letters do
    header_trusted: bool
    #: non-blank rows above the header that were passed over (title lines)
    skipped: int

    def __init__(
        self,
        info: SourceInfo,
        headers: tuple[str, ...],
        header_row: int,
        *,
        trusted: bool = False,
        skipped: int = 0,
    ) -> None:
        self.info = info
        self.headers = headers
        self.header_row = header_row
        self.header_trusted = trusted
        self.skipped = skipped

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(info={self.info!r}, columns={len(self.headers)}, "
            f"header_row={self.header_row})"
        )

    @property
    def rows_at_most(self) -> int | None:
        """An upper bound of the data rows when it is known without reading them
        (a workbook's sheet is already in memory); None for a text file."""
        return None

    def chunks(self, rows: int = 20_000) -> Iterator[Chunk]:
        """Stream the data rows, at most ``rows`` per chunk.

        May be called more than once; each call reads again from the start.
        """
        raise NotImplementedError

    def column_values(
        self, position: int, *, like: re.Pattern[str] | None = None
    ) -> Iterator[tuple[int, Cell]]:
        """``(row number, cell)`` for one column, streaming, blank rows left out; with
        ``like``, only the text cells in which ``like`` finds a match (a reader may
        then skip what provably holds none)."""
        if not 0 <= position < len(self.headers):
            raise IndexError(f"column position {position} is outside the table")
        search = like.search if like is not None else None
        for chunk in self.chunks():
            convert = chunk.convert
            for number, raw in zip(chunk.numbers, chunk.raw, strict=True):
                cell = raw[position]
                if type(cell) is str:  # text is never converted
                    if search is None or search(cell):
                        yield number, cell
                elif search is None:
                    yield number, convert(cell) if convert else cell

    def may_contain(self, patterns: Sequence[re.Pattern[str]]) -> bool:
        """False only when provably no cell of the table holds a match of any of
        ``patterns`` (ASCII-only patterns of literals and ``[...]`` classes); True
        when one may — or when this reader cannot tell without reading every cell."""
        return True


# --------------------------------------------------------------------------- helpers
# shared by the readers

_UNICODE_CLASSES = re.compile(r"\\[dDwWsSbB]|\.")


def ascii_needles(patterns: Sequence[re.Pattern[str]]) -> list[re.Pattern[bytes]] | None:
    """The patterns as byte patterns, when each is plain ASCII (literals and ``[...]``
    classes, no ``\\d``, ``.`` or IGNORECASE): then a match in a cell's text is the same
    bytes in its UTF-8 (or any ASCII-preserving) encoding; None otherwise."""
    needles = []
    for pattern in patterns:
        text = pattern.pattern
        if not text.isascii() or _UNICODE_CLASSES.search(text) or pattern.flags & re.I:
            return None
        needles.append(re.compile(text.encode("ascii")))
    return needles


def extra_cells_problem(row: int, column_index: int) -> Problem:
    """The ``extra_cells`` problem for a row with a value in column ``column_index``."""
    return Problem(
        row=row,
        column=f"column {column_letter(column_index)}",
        code=ProblemCode.EXTRA_CELLS,
        message=EXTRA_CELLS_MESSAGE,
    )


def is_blank(cells: Sequence[Cell]) -> bool:
    """True when every cell is empty or whitespace only."""
    return all(isinstance(c, str) and not c.strip() for c in cells)


def make_chunk(
    rows: Sequence[Sequence[Any]],
    numbers: list[int],
    width: int,
    problems: list[Problem],
    convert: Callable[[Any], Cell] | None = None,
    uncalculated: list[tuple[int, int]] | None = None,
) -> Chunk:
    """Build a :class:`Chunk` from equal-width rows and their row numbers; with
    ``convert``, cells other than text are converted when the rows are first used."""
    raw = [r if type(r) is list else list(r) for r in rows]
    return Chunk(raw, numbers, width, problems, convert, uncalculated or [])


def fit_row(
    cells: list[CellT], width: int, row: int, first_column: int, problems: list[Problem]
) -> list[CellT]:
    """Pad a short row with ``""``; cut a long one, noting non-empty extra cells.

    ``first_column`` is the 0-based spreadsheet column of ``cells[0]`` (for the
    column letter in the problem).
    """
    n = len(cells)
    if n < width:
        return cells + cast("list[CellT]", [""] * (width - n))
    if n > width:
        for offset, value in enumerate(cells[width:]):
            if not (isinstance(value, str) and not value.strip()):
                problems.append(extra_cells_problem(row, first_column + width + offset))
                break
        return cells[:width]
    return cells


def trim_header(cells: Sequence[Cell]) -> tuple[str, ...]:
    """Header cells as text, trailing empty cells dropped."""
    texts = [header_text(c) for c in cells]
    while texts and not texts[-1].strip():
        texts.pop()
    return tuple(texts)


def header_text(cell: Cell) -> str:
    """A header cell as the text the user sees (a date header becomes ISO text)."""
    if isinstance(cell, str):
        return cell
    return cell.isoformat()
