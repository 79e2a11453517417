"""XLSX results: a frozen header with a filter, the problem cells highlighted with the
problem as a note on the cell.  Every cell is written as text (or a date cell for
dates), so nothing in it is ever evaluated as a formula.  Written by the streaming
writer in ``_xlsx_writer`` (sheet XML from ``_xlsx_cells``)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from aniva_import.errors import InputError
from aniva_import.files import create_private_beside
from aniva_import.results._xlsx_cells import CellValue, render_row, render_rows
from aniva_import.results._xlsx_writer import FastXlsxWriter
from aniva_import.results.row import FinishedRow
from aniva_import.types import RESULT_COLUMNS


class XlsxResultsWriter:
    """A plain sink: rows in, one sheet out; committed when complete."""

    def __init__(
        self, path: Path, headers: Sequence[str], *, field_positions: Mapping[str, int]
    ) -> None:
        self.path = path
        self._positions = dict(field_positions)
        fd, self._temp = create_private_beside(path)
        os.close(fd)
        try:
            self._book = FastXlsxWriter(self._temp, sheet_name="Results")
            self._book.write_header([*RESULT_COLUMNS, *headers])
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

    def write(self, rows: Sequence[FinishedRow]) -> None:
        """Append finished rows, in file order."""
        offset = len(RESULT_COLUMNS)
        positions = self._positions
        flagged: dict[int, dict[int, str]] = {}
        cells: list[list[CellValue]] = []
        for index, row in enumerate(rows):
            if row.problems:
                flags = flagged[index] = {}
                for problem in row.problems:
                    position = positions.get(problem.field or "")
                    if position is not None:
                        note = f"{problem.message} [{problem.code}]"
                        col = offset + position
                        flags[col] = f"{flags[col]}\n{note}" if col in flags else note
            cells.append([row.row, row.status.value, row.profile_id, row.errors or None,
                          *row.cells])
        try:
            rendered, _ends = render_rows(self._next, cells, flagged)
        except ValueError:
            raise InputError(
                f"Row {_first_unwritable(rows, cells, flagged)} has a cell longer than "
                "Excel's 32,767 characters; write the results as CSV instead "
                "(--results FILE.csv)."
            ) from None
        try:
            self._book.append_rendered(rendered, len(rows))
        except ValueError:
            raise InputError(
                f"The file has more rows than an Excel sheet holds ({self.path.name}); "
                "write the results as CSV instead (--results FILE.csv)."
            ) from None
        self._next += len(rows)

    def commit(self) -> None:
        try:
            self._book.close()
            self._temp.replace(self.path)
        except BaseException:
            self._temp.unlink(missing_ok=True)
            raise

    def discard(self) -> None:
        self._close_and_unlink()


def _first_unwritable(
    rows: Sequence[FinishedRow], cells: list[list[CellValue]], flagged: dict[int, dict[int, str]]
) -> int | str:
    """The row whose cells Excel cannot hold (row by row, only after a failure)."""
    for index, row in enumerate(rows):
        try:
            render_row(2, cells[index], flagged.get(index))
        except ValueError:
            return row.row
    return "?"
