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
from aniva_import.results.row import FinishedRow, SentValue

#: the document property that marks a workbook as one of our results files
XLSX_MARKER = "aniva-import results"

__all__ = [
    "RESULTS_MARK",
    "XLSX_MARKER",
    "FinishedRow",
    "ResultsWriter",
    "SentValue",
    "default_results_path",
    "escape_formula",
    "open_results_writer",
    "unescape_formula",
    "values_path",
]


class ResultsWriter(Protocol):
    """Where finished rows go: ``write`` them in file order, then ``commit`` (or
    ``discard``)."""

    path: Path

    def write(self, rows: Sequence[FinishedRow]) -> None: ...
    def commit(self) -> None: ...
    def discard(self) -> None: ...


#: what a results file's name ends with before its extension
RESULTS_MARK = ".results"


def default_results_path(source: Path, kind: str, delimiter: str | None = None) -> Path:
    """``<input stem>.results.<extension>`` beside the input.

    A CSV gets ``.csv``, or, when it is tab-separated, the input's own ``.txt``/``.tsv``
    (``.tsv`` for a tab-separated ``.csv``: Excel splits a ``.csv`` only on its list
    separator); a workbook gets ``.xlsx``.  A results file fed back in keeps its
    name (``x.results.csv`` → ``x.results.csv``, not ``x.results.results.csv``): the
    new results replace it, carrying its cells over.
    """
    stem = source.stem
    if stem.lower().endswith(RESULTS_MARK):
        stem = stem[: -len(RESULTS_MARK)]
    if kind != "csv":
        suffix = ".xlsx"
    elif delimiter == "\t":
        given = source.suffix.lower()
        suffix = source.suffix if given in (".txt", ".tsv") else ".tsv"
    else:
        suffix = ".csv"
    return source.with_name(f"{stem}{RESULTS_MARK}{suffix}")


def values_path(results: Path) -> Path:
    """The CSV companion of a CSV results file that shows the values to be sent:
    ``x.results.csv`` → ``x.values.csv``."""
    stem = results.stem
    if stem.lower().endswith(RESULTS_MARK):
        stem = stem[: -len(RESULTS_MARK)]
    return results.with_name(f"{stem}.values{results.suffix}")


def open_results_writer(
    path: Path,
    headers: Sequence[str],
    *,
    delimiter: str | None,
    field_positions: Mapping[str, int],
    alternates: Mapping[str, int] | None = None,
    values: bool = False,
    field_headers: Mapping[str, str] | None = None,
) -> ResultsWriter:
    """A writer for ``path``'s format: ``.xlsx`` → Excel, ``.csv``/``.txt``/``.tsv`` → CSV.

    ``values``: show the values to be sent (Excel: a second sheet; CSV: the companion
    file :func:`values_path`); ``field_headers`` names each field's column."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from aniva_import.results.xlsx import XlsxResultsWriter

        return XlsxResultsWriter(path, headers, field_positions=field_positions,
                                 alternates=alternates, values=values,
                                 field_headers=field_headers)
    if suffix in (".csv", ".txt", ".tsv"):
        from aniva_import.results.csv import CsvResultsWriter

        if suffix == ".tsv":  # a .tsv is tab-separated, whatever the input was
            delimiter = "\t"
        return CsvResultsWriter(
            path, headers, delimiter=delimiter or ",",
            values=values_path(path) if values else None, field_headers=field_headers,
        )
    raise InputError(
        f"Results can be written as .csv or .xlsx, not as {suffix or 'a file without extension'}"
        f" ({path.name})."
    )
