"""The one place where a row's status is decided.

Every fact about a row arrives here — the problems the check found, the earlier row
it repeats — and :func:`finish_chunk` turns them into the finished rows the results
file and the report receive, in file order.  Nothing downstream changes a status.
"""

from __future__ import annotations

from aniva_import.load import Chunk
from aniva_import.pipeline.check import CheckedChunk
from aniva_import.problems import Problem, ProblemCode
from aniva_import.results import FinishedRow
from aniva_import.types import Cell, Status

_NONE: tuple[Problem, ...] = ()


def duplicate_problem(row: int, first: int) -> Problem:
    return Problem(
        row, "", ProblemCode.DUPLICATE_ROW,
        f"Repeats row {first} (same name, date of birth and group); not sent.",
    )


def not_reached_problem(row: int) -> Problem:
    return Problem(
        row, "", ProblemCode.INTERRUPTED, "The run was interrupted before this row was checked."
    )


def result_cells(chunk: Chunk, kept: tuple[int, ...]) -> list[list[Cell]]:
    """The input cells of every row of ``chunk`` that go into the results file."""
    if len(kept) == chunk.width:
        return chunk.rows
    return [[row[k] for k in kept] for row in chunk.rows]


def finish_chunk(
    chunk: Chunk, checked: CheckedChunk, kept: tuple[int, ...]
) -> list[FinishedRow]:
    """The finished rows of a checked chunk (a dry run: valid, invalid or duplicate)."""
    problems, duplicates = checked.problems, checked.duplicates
    finished = []
    for row, cells in zip(checked.rows, result_cells(chunk, kept), strict=True):
        found = problems.get(row)
        if found:
            finished.append(FinishedRow(row, Status.INVALID, None, found, cells))
        elif row in duplicates:
            repeat = (duplicate_problem(row, duplicates[row]),)
            finished.append(FinishedRow(row, Status.DUPLICATE, None, repeat, cells))
        else:
            finished.append(FinishedRow(row, Status.VALID, None, _NONE, cells))
    return finished


def not_reached(chunk: Chunk, kept: tuple[int, ...], after: int) -> list[FinishedRow]:
    """The rows of ``chunk`` past row ``after``, which the run stopped before."""
    return [
        FinishedRow(row, Status.NOT_SENT, None, (not_reached_problem(row),), cells)
        for row, cells in zip(chunk.numbers, result_cells(chunk, kept), strict=True)
        if row > after
    ]
