"""Normalise: a raw cell → the value the API takes, or an Issue saying why it cannot be read.

No I/O.  Cells are text ("" = empty) or real date cells.  Empty or whitespace-only
cells give None (missing).  Nothing is guessed and nothing changes meaning: a value
that cannot be read for sure is an Issue whose message explains what is wrong
without repeating the value.  *Reading* happens here; whether a value may be sent
(required, lengths, ranges, in the past, allowed values, E.164) is judged once, by
the schema in :mod:`aniva_import.validate`.

One module per field kind: ``names``, ``sex``, ``dates``, ``numbers`` (height,
weight), ``emails``, ``phones``, ``language``, ``group``; ``column`` normalises a
whole column.  The e-mail and phone fast paths (``_emails_fast``, ``_phones_fast``)
sit beside the library-first readers they accelerate; ``Conventions.fast_paths``
turns both off.
"""

from aniva_import.normalize._base import Conventions, Issue, Result, Value, spreadsheet_error
from aniva_import.normalize.column import NORMALIZERS, normalize_column
from aniva_import.normalize.dates import (
    SLASH_DATE_NEEDLES,
    DateOrderInference,
    infer_date_order,
    normalize_date,
)
from aniva_import.normalize.emails import normalize_email
from aniva_import.normalize.group import normalize_group
from aniva_import.normalize.language import normalize_language
from aniva_import.normalize.names import normalize_name
from aniva_import.normalize.numbers import normalize_height, normalize_weight
from aniva_import.normalize.phones import normalize_phone
from aniva_import.normalize.sex import normalize_sex

__all__ = [
    "NORMALIZERS",
    "SLASH_DATE_NEEDLES",
    "Conventions",
    "DateOrderInference",
    "Issue",
    "Result",
    "Value",
    "infer_date_order",
    "normalize_column",
    "normalize_date",
    "normalize_email",
    "normalize_group",
    "normalize_height",
    "normalize_language",
    "normalize_name",
    "normalize_phone",
    "normalize_sex",
    "normalize_weight",
    "spreadsheet_error",
]
