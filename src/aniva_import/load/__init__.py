"""Load: read any clinic spreadsheet into cells with spreadsheet row numbers.

:func:`open_table` sniffs a file (format, encoding, delimiter, sheet, header) and
returns a :class:`Table` whose :meth:`Table.chunks` stream the data rows as
:class:`Chunk` values: plain lists of :data:`~aniva_import.types.Cell` with the row
numbers a spreadsheet program shows (the header is row 1 unless blank rows come
before it).  Every failure to read the file is an
:class:`~aniva_import.errors.InputError` with one sentence naming the file.

The readers: CSV/TXT/TSV (``_csv``, encodings in ``_encoding``) and workbooks
(``_workbook`` with python-calamine; container checks in ``_workbook_zip``, error
cells and formulas without a value, which calamine reads as empty, in
``_error_cells`` and ``_fixes``).
"""

from aniva_import.load._error_values import SPREADSHEET_ERROR_VALUES
from aniva_import.load._formats import SUPPORTED_EXTENSIONS, Kind, is_workbook
from aniva_import.load._open import open_table
from aniva_import.load._table import FORMULA_WITHOUT_VALUE_MESSAGE, Chunk, SourceInfo, Table

__all__ = [
    "FORMULA_WITHOUT_VALUE_MESSAGE",
    "SPREADSHEET_ERROR_VALUES",
    "SUPPORTED_EXTENSIONS",
    "Chunk",
    "Kind",
    "SourceInfo",
    "Table",
    "is_workbook",
    "open_table",
]
