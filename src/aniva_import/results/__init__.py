"""Results: the results file, a plain sink of finished rows in file order.

The results file has the columns ``row, status, profile_id, errors`` and then every
original column unchanged (docs/PRODUCT.md).  It is written to a temporary file
created owner-only (0600) beside the target and renamed into place when complete,
so a reader never sees half a file.  ``csv`` and ``xlsx`` are the two writers;
``escape`` keeps CSV cells safe from formula injection.  A writer knows nothing of
how a row's status was decided: it receives :class:`FinishedRow` values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from aniva_import.errors import InputError
from aniva_import.results.escape import escape_formula, unescape_formula
from aniva_import.results.row import FinishedRow

__all__ = [
    "FinishedRow",
    "ResultsWriter",
    "default_results_path",
    "escape_formula",
    "open_results_writer",
    "unescape_formula",
]


class ResultsWriter(Protocol):
    """Where finished rows go: ``write`` them in file order, then ``commit`` (or
    ``discard``)."""

    path: Path

    def write(self, rows: Sequence[FinishedRow]) -> None: ...
    def commit(self) -> None: ...
    def discard(self) -> None: ...


def default_results_path(source: Path, kind: str) -> Path:
    """``<input stem>.results.<csv or xlsx>`` beside the input."""
    suffix = "csv" if kind == "csv" else "xlsx"
    return source.with_name(f"{source.stem}.results.{suffix}")


def open_results_writer(
    path: Path,
    headers: Sequence[str],
    *,
    delimiter: str | None,
    field_positions: Mapping[str, int],
) -> ResultsWriter:
    """A writer for ``path``'s format: ``.xlsx`` → Excel, ``.csv``/``.txt``/``.tsv`` → CSV."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from aniva_import.results.xlsx import XlsxResultsWriter

        return XlsxResultsWriter(path, headers, field_positions=field_positions)
    if suffix in (".csv", ".txt", ".tsv"):
        from aniva_import.results.csv import CsvResultsWriter

        return CsvResultsWriter(path, headers, delimiter=delimiter or ",")
    raise InputError(
        f"Results can be written as .csv or .xlsx, not as {suffix or 'a file without extension'}"
        f" ({path.name})."
    )
