"""CSV results: the input's delimiter, UTF-8 with BOM (Excel shows umlauts), every cell
formula-safe (:mod:`~aniva_import.results.escape`).

A row with a cell holding any of ``,`` ``;`` or tab has every cell quoted, whatever the
file's own delimiter: LibreOffice's CSV import splits on all three by default, so an
unquoted ``x,=1+1`` in a ``;`` file (or a decimal comma, ``181,5``) would split the
cell, shift the columns and evaluate the formula it exposed.  Other rows are quoted
only where CSV needs it."""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from aniva_import.files import create_private_beside
from aniva_import.results.escape import MAY_NEED_ESCAPING, escape_formula
from aniva_import.results.row import FinishedRow, SentValue
from aniva_import.rules import API_FIELDS
from aniva_import.types import RESULT_COLUMNS, Cell

#: first characters that need escape_formula to look (an apostrophe may need escaping
#: too, so that a results file read back in gives the text back exactly)
_DANGER = MAY_NEED_ESCAPING


#: characters that make a row quoted whole (a spreadsheet may split on any of them)
_SEPARATORS = re.compile("[,;\t]")


def _cell(cell: Cell) -> str:
    return escape_formula(cell if isinstance(cell, str) else cell.isoformat())


def _value(value: SentValue) -> str:
    if value is None:
        return ""
    return escape_formula(value) if isinstance(value, str) else str(value)


class CsvResultsWriter:
    """A plain sink: rows in, CSV out; committed (renamed into place) when complete.

    ``values``: also write the values to be sent, one row per input row, to this
    companion file (``row, status`` and one column per API field)."""

    def __init__(
        self,
        path: Path,
        headers: Sequence[str],
        *,
        delimiter: str = ",",
        values: Path | None = None,
        field_headers: Mapping[str, str] | None = None,
    ) -> None:
        self.path = path
        self.values_path = values
        self._delimiter = delimiter
        self._values: TextIO | None = None
        self._values_temp: Path | None = None
        fd, self._temp = create_private_beside(path)
        self._handle = os.fdopen(fd, "w", encoding="utf-8-sig", newline="")
        try:
            self._handle.write(self._render([[escape_formula(h) for h in (*RESULT_COLUMNS,
                                                                             *headers)]]))
            if values is not None:
                names = field_headers or {}
                fd, self._values_temp = create_private_beside(values)
                self._values = os.fdopen(fd, "w", encoding="utf-8-sig", newline="")
                self._values.write(self._render([["row", "status", *(
                    escape_formula(f"{f} ({names[f]})") if names.get(f) else f
                    for f in API_FIELDS
                )]]))
        except BaseException:
            self.discard()
            raise

    def _render(self, records: list[list[str]]) -> str:
        buffer = io.StringIO()
        delimiter = self._delimiter
        minimal = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
        quoted = csv.writer(
            buffer, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_ALL
        )
        search = _SEPARATORS.search
        plain_rows: list[list[str]] = []
        for record in records:
            if search("\n".join(record)):  # quoted whole, at C speed; runs of others batched
                if plain_rows:
                    minimal.writerows(plain_rows)
                    plain_rows = []
                quoted.writerow(record)
            else:
                plain_rows.append(record)
        minimal.writerows(plain_rows)
        return buffer.getvalue()

    def write(self, rows: Sequence[FinishedRow]) -> None:
        """Append finished rows, in file order."""
        danger = _DANGER
        self._handle.write(
            self._render(
                [
                    [
                        str(row.row),
                        row.status,
                        escape_formula(row.profile_id) if row.profile_id else "",
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
        if self._values is not None:
            self._values.write(self._render([
                [str(row.row), row.status, *(
                    [_value(v) for v in row.values] if row.values is not None else ()
                )]
                for row in rows
            ]))

    def commit(self) -> None:
        try:
            if self._values is not None and self._values_temp and self.values_path:
                self._values.close()
                self._values_temp.replace(self.values_path)
            self._handle.close()
            self._temp.replace(self.path)
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        self._handle.close()
        self._temp.unlink(missing_ok=True)
        if self._values is not None and self._values_temp is not None:
            self._values.close()
            self._values_temp.unlink(missing_ok=True)
