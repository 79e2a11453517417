"""CSV results: the input's delimiter, UTF-8 with BOM (Excel shows umlauts), every cell
formula-safe (:mod:`~aniva_import.results.escape`)."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from pathlib import Path

from aniva_import.files import create_private_beside
from aniva_import.results.escape import DANGEROUS_START, escape_formula
from aniva_import.results.row import FinishedRow
from aniva_import.types import RESULT_COLUMNS, Cell

#: first characters that need escape_formula to look (an apostrophe may need escaping
#: too, so that a results file read back in gives the text back exactly)
_DANGER = frozenset((*DANGEROUS_START, "'"))


def _cell(cell: Cell) -> str:
    return escape_formula(cell if isinstance(cell, str) else cell.isoformat())


class CsvResultsWriter:
    """A plain sink: rows in, CSV out; committed (renamed into place) when complete."""

    def __init__(self, path: Path, headers: Sequence[str], *, delimiter: str = ",") -> None:
        self.path = path
        self._delimiter = delimiter
        fd, self._temp = create_private_beside(path)
        self._handle = os.fdopen(fd, "w", encoding="utf-8-sig", newline="")
        try:
            self._handle.write(self._render([[escape_formula(h) for h in (*RESULT_COLUMNS,
                                                                             *headers)]]))
        except BaseException:
            self.discard()
            raise

    def _render(self, records: list[list[object]]) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=self._delimiter, lineterminator="\r\n").writerows(records)
        return buffer.getvalue()

    def write(self, rows: Sequence[FinishedRow]) -> None:
        """Append finished rows, in file order."""
        danger = _DANGER
        self._handle.write(
            self._render(
                [
                    [
                        row.row,
                        row.status,
                        row.profile_id or "",
                        escape_formula(row.errors) if row.problems else "",
                        # the common case (text not starting like a formula) without a call
                        *[
                            c if c.__class__ is str and c[:1] not in danger else _cell(c)
                            for c in row.cells
                        ],
                    ]
                    for row in rows
                ]
            )
        )

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
