"""Writing judged chunks into the results file, in file order.

Workers render their chunk's rows; here the rows found to repeat an earlier row
are re-rendered as duplicates and spliced in, and after an interrupt every row
not yet written is listed as not_sent (never lose a row).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from aniva_import._chunks import ChunkVerdict, Plan, result_cells
from aniva_import.results import ResultRow, ResultsWriter
from aniva_import.types import Problem, Status

if TYPE_CHECKING:
    from aniva_import.load import Cell, Chunk, Table
    from aniva_import.report import RunReport


def write_chunk(
    writer: ResultsWriter,
    chunk: Chunk,
    verdict: ChunkVerdict,
    twins: dict[int, int],
    plan: Plan,
    report: RunReport,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write one chunk's judged rows in order; the rows that repeat an earlier row
    (``twins``: row → first row) are written as duplicates.  Rows count in the report
    only once written."""
    rows = verdict.rows
    rendered = verdict.rendered
    if rendered is not None:
        if twins:
            pieces, start = [], 0
            text = rendered.text
            for row in sorted(twins):
                i = bisect.bisect_left(rows, row)
                row_cells = chunk.row(i)
                cells = [row_cells[k] for k in plan.kept]
                again = writer.renderer.render(
                    [duplicate_row(row, twins[row], cells)], verdict.first_row + i
                )
                pieces += [text[start : rendered.ends[i - 1] if i else 0], again.text]
                start = rendered.ends[i]
            pieces.append(text[start:])
            rendered = replace(rendered, text="".join(pieces))
        writer.write_rendered(rendered, len(rows))
    else:
        empty: tuple[Problem, ...] = ()
        out = []
        for row, cells in zip(rows, result_cells(chunk, plan.kept), strict=True):
            problems = verdict.problems.get(row)
            if problems:
                out.append(ResultRow(row, Status.INVALID, None, tuple(problems), cells))
            elif row in twins:
                out.append(duplicate_row(row, twins[row], cells))
            else:
                out.append(ResultRow(row, Status.VALID, None, empty, cells))
        writer.write(out)
    # only now that the rows are written do they count (an interrupt in between
    # lists them as not_sent, never twice)
    report.last_row = rows[-1] if rows else report.last_row
    report.counts.update(verdict.status_counts)
    report.problem_counts.update(verdict.problem_counts)
    if twins:  # judged valid in the worker, but they repeat an earlier row
        report.counts[Status.VALID] -= len(twins)
        report.counts[Status.DUPLICATE] += len(twins)
        report.problem_counts[("", "", "duplicate_row")] += len(twins)
    if progress:
        progress(len(rows))


def write_not_sent(
    writer: ResultsWriter,
    table: Table,
    report: RunReport,
    kept: Sequence[int],
    after: int,
    chunk_rows: int,
) -> None:
    """After an interrupt: list every remaining row as not_sent (never lose a row)."""
    note = (
        Problem(0, "", "interrupted", "The run was interrupted before this row was checked."),
    )
    for chunk in table.chunks(chunk_rows):
        rows = [
            ResultRow(number, Status.NOT_SENT, None, note, cells)
            for number, cells in zip(
                chunk.numbers, result_cells(chunk, tuple(kept)), strict=True
            )
            if number > after
        ]
        for _ in rows:
            report.add(Status.NOT_SENT, ())
        writer.write(rows)


def duplicate_row(row: int, first: int, cells: Sequence[Cell]) -> ResultRow:
    problem = Problem(
        row, "", "duplicate_row",
        f"Repeats row {first} (same name, date of birth and group); not sent.",
    )
    return ResultRow(row, Status.DUPLICATE, None, (problem,), cells)
